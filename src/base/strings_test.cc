#include "base/strings.h"

#include <gtest/gtest.h>

namespace imago::base {
namespace {

TEST(StringsTest, ShellQuoteSurvivesQuotes) {
  EXPECT_EQ(ShellQuote("plain"), "'plain'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
}

TEST(StringsTest, ParsesNumbersWholeOrNotAtAll) {
  uint64_t u = 7;
  EXPECT_TRUE(ParseUint64("18446744073709551615", &u));
  EXPECT_EQ(u, 18446744073709551615ULL);
  EXPECT_FALSE(ParseUint64("18446744073709551616", &u));  // Overflow: refused, no throw.
  EXPECT_FALSE(ParseUint64("12x", &u));
  EXPECT_FALSE(ParseUint64("", &u));
  EXPECT_FALSE(ParseUint64("-1", &u));
  int64_t i = 0;
  EXPECT_TRUE(ParseInt64("-42", &i));
  EXPECT_EQ(i, -42);
  EXPECT_FALSE(ParseInt64("4 2", &i));
}

TEST(StringsTest, Utf8) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));          // Cut short.
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // A surrogate.
  EXPECT_FALSE(IsValidUtf8(std::string("ELF\x7f\x02\x01\x01\x00\x90\xff", 10)));
}

TEST(StringsTest, DigitsAndHex) {
  EXPECT_TRUE(IsAllDigits("0123"));
  EXPECT_FALSE(IsAllDigits(""));
  EXPECT_FALSE(IsAllDigits("123456789012345678901"));  // 21 digits: no GCE id.
  const unsigned char bytes[] = {0x00, 0xab, 0xff};
  EXPECT_EQ(HexOf(bytes, 3), "00abff");
}

}  // namespace
}  // namespace imago::base
