#pragma once
// The Unicode pieces CLIP's text cleaning needs, without ICU: UTF-8 conversion, \p{L} / \p{N} / whitespace
// classes, Python-style lower-casing, NFC, and the parts of ftfy.fix_text (v6) that change prompts.
// Tables come from unicode_tables.inc (generated; see tools/gen_unicode_tables.cpp).
#include <string>
#include <string_view>

namespace ripen::text {

// Invalid UTF-8 bytes become U+FFFD (as Python's errors="replace" would).
std::u32string utf8_to_u32(std::string_view s);
std::string u32_to_utf8(std::u32string_view s);
void append_utf8(std::string& out, char32_t c);

bool is_letter(char32_t c);  // general category L*
bool is_number(char32_t c);  // general category N*
bool is_space(char32_t c);   // Python str.isspace
std::u32string to_lower(std::u32string_view s);  // Python str.lower (simple mappings + U+0130)
std::u32string nfc(std::u32string_view s);

// ftfy.fix_text with its default configuration, as far as it changes real prompts:
// HTML entities (only when the line has no '<'; numeric references and the common named ones),
// mojibake of UTF-8 read as Latin-1 / Windows-1252 (whole line, or embedded runs such as "Ã©" -> "é"),
// C1 controls as Windows-1252, Latin ligatures, full/half-width forms, curly quotes, line breaks,
// terminal escapes, control characters, NFC. Other single-byte code pages (1250/1251/MacRoman...) are
// not attempted.
std::u32string ftfy_fix_text(std::u32string_view text);

}  // namespace ripen::text
