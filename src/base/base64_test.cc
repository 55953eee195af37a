#include "base/base64.h"

#include <gtest/gtest.h>

namespace imago::base {
namespace {

TEST(Base64Test, StandardAndUrlAlphabets) {
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  std::string bin("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(bin), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bin), "-_-_");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");  // No padding.
}

TEST(Base64Test, RoundTripsEveryLength) {
  std::string s;
  for (int n = 0; n < 70; ++n) {
    std::string out;
    ASSERT_TRUE(Base64Decode(Base64Encode(s), &out)) << n;
    EXPECT_EQ(out, s);
    ASSERT_TRUE(Base64UrlDecode(Base64UrlEncode(s), &out)) << n;
    EXPECT_EQ(out, s);
    s.push_back(static_cast<char>(n * 37));
  }
}

TEST(Base64Test, RefusesWhatIsNotBase64) {
  std::string out = "kept";
  EXPECT_FALSE(Base64Decode("Zm9v!", &out));
  EXPECT_FALSE(Base64UrlDecode("Zm9v+", &out));  // '+' is not in the URL alphabet.
  EXPECT_FALSE(Base64UrlDecode("Z", &out));      // A length no encoding has.
  EXPECT_EQ(out, "kept");
}

}  // namespace
}  // namespace imago::base
