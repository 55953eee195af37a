#include "compute/page_token.h"

#include <gtest/gtest.h>

namespace imago::compute {
namespace {

TEST(PageTokenTest, RoundTrip) {
  PageCursor c{PageScope("images\np\nfamily = a\nn"), 1234567, "image-v|odd"};
  std::string t = EncodePageToken(c);
  EXPECT_EQ(t.find_first_of("+/="), std::string::npos);  // URL-safe.
  auto back = DecodePageToken(t, c.scope);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->last_time, 1234567);
  EXPECT_EQ(back->last_name, "image-v|odd");
}

TEST(PageTokenTest, RejectsForeignAndBrokenTokens) {
  PageCursor c{PageScope("a"), 1, "x"};
  std::string t = EncodePageToken(c);
  EXPECT_FALSE(DecodePageToken(t, PageScope("b")).ok());  // Another listing's token.
  for (const char* bad : {"", "!!!", "AAAA", "bm90IGEgdG9rZW4", "MXxhfHh8eA"}) {
    auto r = DecodePageToken(bad, c.scope);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("'pageToken'"), std::string::npos);
    }
  }
  EXPECT_FALSE(DecodePageToken(std::string(1000, 'A'), c.scope).ok());
}

}  // namespace
}  // namespace imago::compute
