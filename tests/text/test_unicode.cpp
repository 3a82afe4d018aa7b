#include <gtest/gtest.h>

#include "text/unicode.h"

using namespace ripen::text;

namespace {
std::string fix(const std::string& s) { return u32_to_utf8(ftfy_fix_text(utf8_to_u32(s))); }
}  // namespace

TEST(Unicode, Classes) {
  EXPECT_TRUE(is_letter(U'a'));
  EXPECT_TRUE(is_letter(U'日'));
  EXPECT_TRUE(is_letter(U'ß'));
  EXPECT_FALSE(is_letter(U'1'));
  EXPECT_TRUE(is_number(U'٣'));  // Arabic-Indic digit three
  EXPECT_TRUE(is_number(U'½'));
  EXPECT_FALSE(is_number(U'a'));
  EXPECT_TRUE(is_space(U'\u3000'));
  EXPECT_TRUE(is_space(U'\x1c'));  // as Python's isspace
  EXPECT_FALSE(is_space(U'\u200b'));
}

TEST(Unicode, LowerAndNfc) {
  EXPECT_EQ(u32_to_utf8(to_lower(U"ÀÉÎ ΣΑΣ Straße İ")), "àéî σασ straße i\u0307");
  EXPECT_EQ(u32_to_utf8(nfc(U"e\u0301")), "é");
  EXPECT_EQ(u32_to_utf8(nfc(U"\u1100\u1161\u11a8")), "각");
  EXPECT_EQ(u32_to_utf8(nfc(U"a\u0328\u0301")), "ą\u0301");  // ogonek (202) then acute (230)
  EXPECT_EQ(u32_to_utf8(nfc(U"a\u0301\u0328")), "ą\u0301");  // reordered first
  EXPECT_EQ(u32_to_utf8(nfc(U"\u212b")), "Å");              // singleton decomposition
}

TEST(Unicode, FtfyFixes) {
  EXPECT_EQ(fix("Ã©mojibake"), "émojibake");
  EXPECT_EQ(fix("cafÃ© crÃ¨me"), "café crème");
  EXPECT_EQ(fix("日本 Ã©t"), "日本 ét");  // embedded mojibake next to text that is not Latin-1
  EXPECT_EQ(fix("Café naïve façade"), "Café naïve façade");
  EXPECT_EQ(fix("ﬁne ﬂower"), "fine flower");
  EXPECT_EQ(fix("ＬＯＵＤ　ＮＯＩＳＥＳ"), "LOUD NOISES");
  EXPECT_EQ(fix("ｶﾞ"), "ガ");
  EXPECT_EQ(fix("it’s “quoted”"), "it's \"quoted\"");
  EXPECT_EQ(fix("a &amp; b &lt;3 &#233; &#x263A;"), "a & b <3 é ☺");
  EXPECT_EQ(fix("<b>a &amp; b</b>"), "<b>a &amp; b</b>");  // looks like HTML: entities stay
  EXPECT_EQ(fix("x\r\ny\x01z\x1b[31mred"), "x\nyzred");
  EXPECT_EQ(fix("\u0080uro"), "€uro");  // C1 control read as Windows-1252
}
