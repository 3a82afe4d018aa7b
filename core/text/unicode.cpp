#include "text/unicode.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "text/unicode_tables.inc"

namespace ripen::text {
namespace {

template <size_t N>
bool in_ranges(const tables::CodeRange (&r)[N], char32_t c) {
  auto it = std::upper_bound(std::begin(r), std::end(r), static_cast<uint32_t>(c),
                             [](uint32_t v, const tables::CodeRange& x) { return v < x.first; });
  return it != std::begin(r) && c <= (it - 1)->last;
}

// Hangul syllable arithmetic (Unicode ch. 3.12).
constexpr char32_t SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
constexpr int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

struct Normalization {
  std::unordered_map<char32_t, std::pair<char32_t, char32_t>> decomp;
  std::unordered_map<char32_t, uint8_t> ccc;
  std::unordered_map<uint64_t, char32_t> compose;
  Normalization() {
    for (const auto& d : tables::kCanonical) {
      decomp[d.cp] = {d.first, d.second};
      if (d.second != 0 && !in_ranges(tables::kCompositionExcluded, d.cp))
        compose[(uint64_t(d.first) << 32) | d.second] = d.cp;
    }
    for (const auto& c : tables::kCombiningClass) ccc[c.cp] = c.ccc;
  }
  uint8_t combining(char32_t c) const {
    auto it = ccc.find(c);
    return it == ccc.end() ? 0 : it->second;
  }
  void decompose(char32_t c, std::u32string& out) const {
    if (c >= SBase && c < SBase + SCount) {
      int s = c - SBase;
      out += char32_t(LBase + s / NCount);
      out += char32_t(VBase + (s % NCount) / TCount);
      if (s % TCount) out += char32_t(TBase + s % TCount);
      return;
    }
    auto it = decomp.find(c);
    if (it == decomp.end()) {
      out += c;
      return;
    }
    decompose(it->second.first, out);
    if (it->second.second) decompose(it->second.second, out);
  }
  char32_t pair(char32_t a, char32_t b) const {
    if (a >= LBase && a < LBase + LCount && b >= VBase && b < VBase + VCount)
      return SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
    if (a >= SBase && a < SBase + SCount && (a - SBase) % TCount == 0 && b > TBase && b < TBase + TCount)
      return a + (b - TBase);
    auto it = compose.find((uint64_t(a) << 32) | b);
    return it == compose.end() ? 0 : it->second;
  }
};

const Normalization& norm() {
  static const Normalization n;
  return n;
}

// Windows-1252 bytes 0x80..0x9F; the five undefined ones map to the C1 control of the same value ("sloppy").
constexpr char32_t kCp1252High[32] = {0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021,
                                      0x2C6,  0x2030, 0x160,  0x2039, 0x152,  0x8D,   0x17D,  0x8F,
                                      0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                      0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178};

// The byte a character has in sloppy Windows-1252, or -1.
int cp1252_byte(char32_t c) {
  if (c < 0x80 || (c >= 0xA0 && c <= 0xFF)) return int(c);
  for (int i = 0; i < 32; ++i)
    if (kCp1252High[i] == c) return 0x80 + i;
  return -1;
}

bool is_continuation(char32_t c) {
  int b = cp1252_byte(c);
  return b >= 0x80 && b <= 0xBF;
}

// Decodes strict UTF-8 (no overlongs, no surrogates); false when invalid.
bool decode_utf8_strict(const std::string& bytes, std::u32string& out) {
  out.clear();
  size_t i = 0;
  while (i < bytes.size()) {
    unsigned char b = bytes[i];
    int n = b < 0x80 ? 0 : (b >= 0xC2 && b <= 0xDF) ? 1 : (b >= 0xE0 && b <= 0xEF) ? 2 : (b >= 0xF0 && b <= 0xF4) ? 3 : -1;
    if (n < 0 || i + n >= bytes.size()) return false;
    char32_t c = n == 0 ? b : n == 1 ? (b & 0x1F) : n == 2 ? (b & 0x0F) : (b & 0x07);
    for (int k = 1; k <= n; ++k) {
      unsigned char cb = bytes[i + k];
      if ((cb & 0xC0) != 0x80) return false;
      c = (c << 6) | (cb & 0x3F);
    }
    if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF)) return false;
    out += c;
    i += n + 1;
  }
  return true;
}

// Re-reads text that is UTF-8 decoded as Latin-1 / Windows-1252. Returns false if it is not.
bool reencode_as_utf8(std::u32string_view text, std::u32string& out) {
  std::string bytes;
  for (char32_t c : text) {
    int b = cp1252_byte(c);
    if (b < 0 && c >= 0x80 && c <= 0x9F) b = int(c);  // Latin-1 C1 control
    if (b < 0) return false;
    bytes += char(b);
  }
  return decode_utf8_strict(bytes, out);
}

// Length of a mojibake UTF-8 sequence (lead + continuations in Latin-1 form) at i, or 0.
size_t mojibake_at(std::u32string_view t, size_t i) {
  char32_t c = t[i];
  size_t n = (c >= 0xC2 && c <= 0xDF) ? 1 : (c >= 0xE0 && c <= 0xEF) ? 2 : (c >= 0xF0 && c <= 0xF4) ? 3 : 0;
  if (!n || i + n >= t.size()) return 0;
  for (size_t k = 1; k <= n; ++k)
    if (!is_continuation(t[i + k])) return 0;
  return n + 1;
}

bool has_mojibake(std::u32string_view t) {
  for (size_t i = 0; i < t.size(); ++i)
    if ((i == 0 || !is_continuation(t[i - 1])) && mojibake_at(t, i)) return true;
  return false;
}

std::u32string fix_encoding(std::u32string text) {
  for (;;) {
    if (!has_mojibake(text)) return text;
    std::u32string fixed;
    if (reencode_as_utf8(text, fixed) && fixed != text) {
      text = fixed;
      continue;
    }
    // Embedded runs ("decode_inconsistent_utf8").
    std::u32string out;
    size_t i = 0;
    bool changed = false;
    while (i < text.size()) {
      size_t len = 0;
      if (i == 0 || !is_continuation(text[i - 1]))
        for (size_t m; (m = i + len < text.size() ? mojibake_at(text, i + len) : 0) != 0;) len += m;
      if (len && len < text.size() && reencode_as_utf8(std::u32string_view(text).substr(i, len), fixed)) {
        out += fixed;
        changed = true;
        i += len;
      } else {
        out += text[i++];
      }
    }
    if (!changed) return text;
    text = out;
  }
}

const std::unordered_map<std::u32string, char32_t>& html_entities() {
  static const std::unordered_map<std::u32string, char32_t> m = {
      {U"amp", 0x26}, {U"lt", 0x3C}, {U"gt", 0x3E}, {U"quot", 0x22}, {U"apos", 0x27}, {U"nbsp", 0xA0},
      {U"iexcl", 0xA1}, {U"cent", 0xA2}, {U"pound", 0xA3}, {U"curren", 0xA4}, {U"yen", 0xA5}, {U"brvbar", 0xA6},
      {U"sect", 0xA7}, {U"uml", 0xA8}, {U"copy", 0xA9}, {U"ordf", 0xAA}, {U"laquo", 0xAB}, {U"not", 0xAC},
      {U"shy", 0xAD}, {U"reg", 0xAE}, {U"macr", 0xAF}, {U"deg", 0xB0}, {U"plusmn", 0xB1}, {U"sup2", 0xB2},
      {U"sup3", 0xB3}, {U"acute", 0xB4}, {U"micro", 0xB5}, {U"para", 0xB6}, {U"middot", 0xB7}, {U"cedil", 0xB8},
      {U"sup1", 0xB9}, {U"ordm", 0xBA}, {U"raquo", 0xBB}, {U"frac14", 0xBC}, {U"frac12", 0xBD}, {U"frac34", 0xBE},
      {U"iquest", 0xBF}, {U"times", 0xD7}, {U"divide", 0xF7}, {U"ndash", 0x2013}, {U"mdash", 0x2014},
      {U"lsquo", 0x2018}, {U"rsquo", 0x2019}, {U"sbquo", 0x201A}, {U"ldquo", 0x201C}, {U"rdquo", 0x201D},
      {U"bdquo", 0x201E}, {U"dagger", 0x2020}, {U"Dagger", 0x2021}, {U"bull", 0x2022}, {U"hellip", 0x2026},
      {U"permil", 0x2030}, {U"prime", 0x2032}, {U"Prime", 0x2033}, {U"lsaquo", 0x2039}, {U"rsaquo", 0x203A},
      {U"euro", 0x20AC}, {U"trade", 0x2122}, {U"larr", 0x2190}, {U"uarr", 0x2191}, {U"rarr", 0x2192},
      {U"darr", 0x2193}, {U"harr", 0x2194}, {U"hearts", 0x2665}, {U"spades", 0x2660}, {U"clubs", 0x2663},
      {U"diams", 0x2666}, {U"infin", 0x221E}, {U"ne", 0x2260}, {U"le", 0x2264}, {U"ge", 0x2265}, {U"minus", 0x2212},
      {U"asymp", 0x2248}, {U"check", 0x2713}, {U"checkmark", 0x2713}, {U"star", 0x2606}, {U"starf", 0x2605},
      {U"OElig", 0x152}, {U"oelig", 0x153}, {U"Scaron", 0x160}, {U"scaron", 0x161}, {U"Yuml", 0x178},
      {U"fnof", 0x192}, {U"circ", 0x2C6}, {U"tilde", 0x2DC}, {U"ensp", 0x2002}, {U"emsp", 0x2003},
      {U"thinsp", 0x2009}, {U"zwnj", 0x200C}, {U"zwj", 0x200D}, {U"lrm", 0x200E}, {U"rlm", 0x200F},
      {U"AElig", 0xC6}, {U"Aacute", 0xC1}, {U"Acirc", 0xC2}, {U"Agrave", 0xC0}, {U"Aring", 0xC5}, {U"Atilde", 0xC3},
      {U"Auml", 0xC4}, {U"Ccedil", 0xC7}, {U"ETH", 0xD0}, {U"Eacute", 0xC9}, {U"Ecirc", 0xCA}, {U"Egrave", 0xC8},
      {U"Euml", 0xCB}, {U"Iacute", 0xCD}, {U"Icirc", 0xCE}, {U"Igrave", 0xCC}, {U"Iuml", 0xCF}, {U"Ntilde", 0xD1},
      {U"Oacute", 0xD3}, {U"Ocirc", 0xD4}, {U"Ograve", 0xD2}, {U"Oslash", 0xD8}, {U"Otilde", 0xD5}, {U"Ouml", 0xD6},
      {U"THORN", 0xDE}, {U"Uacute", 0xDA}, {U"Ucirc", 0xDB}, {U"Ugrave", 0xD9}, {U"Uuml", 0xDC}, {U"Yacute", 0xDD},
      {U"aacute", 0xE1}, {U"acirc", 0xE2}, {U"aelig", 0xE6}, {U"agrave", 0xE0}, {U"aring", 0xE5}, {U"atilde", 0xE3},
      {U"auml", 0xE4}, {U"ccedil", 0xE7}, {U"eacute", 0xE9}, {U"ecirc", 0xEA}, {U"egrave", 0xE8}, {U"eth", 0xF0},
      {U"euml", 0xEB}, {U"iacute", 0xED}, {U"icirc", 0xEE}, {U"igrave", 0xEC}, {U"iuml", 0xEF}, {U"ntilde", 0xF1},
      {U"oacute", 0xF3}, {U"ocirc", 0xF4}, {U"ograve", 0xF2}, {U"oslash", 0xF8}, {U"otilde", 0xF5}, {U"ouml", 0xF6},
      {U"szlig", 0xDF}, {U"thorn", 0xFE}, {U"uacute", 0xFA}, {U"ucirc", 0xFB}, {U"ugrave", 0xF9}, {U"uuml", 0xFC},
      {U"yacute", 0xFD}, {U"yuml", 0xFF}};
  return m;
}

bool is_ascii_alnum(char32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// ftfy's HTML_ENTITY_RE "&#?[0-9A-Za-z]{1,24};" with its replacement rule.
std::u32string unescape_html(std::u32string_view t) {
  std::u32string out;
  size_t i = 0;
  while (i < t.size()) {
    if (t[i] == '&') {
      size_t j = i + 1;
      bool numeric = j < t.size() && t[j] == '#';
      if (numeric) ++j;
      size_t start = j;
      while (j < t.size() && j - start < 25 && is_ascii_alnum(t[j])) ++j;
      size_t len = j - start;
      if (len >= 1 && len <= 24 && j < t.size() && t[j] == ';') {
        std::u32string name(t.substr(start, len));
        bool done = false;
        if (!numeric) {
          auto it = html_entities().find(name);
          if (it != html_entities().end()) {
            out += it->second;
            done = true;
          }
        } else {
          bool hexa = name[0] == 'x' || name[0] == 'X';
          std::u32string digits = hexa ? name.substr(1) : name;
          bool ok = !digits.empty();
          uint64_t v = 0;
          for (char32_t d : digits) {
            int dv = (d >= '0' && d <= '9') ? int(d - '0') : (hexa && d >= 'a' && d <= 'f') ? int(d - 'a' + 10)
                     : (hexa && d >= 'A' && d <= 'F') ? int(d - 'A' + 10) : -1;
            if (dv < 0) ok = false;
            else v = std::min<uint64_t>(v * (hexa ? 16 : 10) + dv, 0x110000);
          }
          if (ok) {  // html.unescape's rules for character references
            if (v >= 0x80 && v <= 0x9F) out += kCp1252High[v - 0x80];
            else if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) out += char32_t(0xFFFD);
            else out += char32_t(v);
            done = true;
          }
        }
        if (done) {
          i = j + 1;
          continue;
        }
      }
    }
    out += t[i++];
  }
  return out;
}

char32_t ligature_or_zero(char32_t c, std::u32string& out) {
  static const std::unordered_map<char32_t, std::u32string> lig = {
      {U'Ĳ', U"IJ"}, {U'ĳ', U"ij"}, {U'ŉ', U"ʼn"}, {U'Ǳ', U"DZ"}, {U'ǲ', U"Dz"}, {U'ǳ', U"dz"},
      {U'Ǆ', U"DŽ"}, {U'ǅ', U"Dž"}, {U'ǆ', U"dž"}, {U'Ǉ', U"LJ"}, {U'ǈ', U"Lj"}, {U'ǉ', U"lj"},
      {U'Ǌ', U"NJ"}, {U'ǋ', U"Nj"}, {U'ǌ', U"nj"}, {U'ﬀ', U"ff"}, {U'ﬁ', U"fi"}, {U'ﬂ', U"fl"},
      {U'ﬃ', U"ffi"}, {U'ﬄ', U"ffl"}, {U'ﬅ', U"ſt"}, {U'ﬆ', U"st"}};
  auto it = lig.find(c);
  if (it == lig.end()) return c;
  out += it->second;
  return 0;
}

bool is_removed_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// One pass of the character-level fixers, in ftfy's order.
std::u32string char_fixes(std::u32string_view t) {
  std::u32string a;
  for (char32_t c : t) {  // fix_c1_controls
    if (c >= 0x80 && c <= 0x9F) c = kCp1252High[c - 0x80];
    if (char32_t l = ligature_or_zero(c, a); l == 0) continue;  // fix_latin_ligatures
    if (c == 0x3000) {  // fix_character_width
      a += U' ';
      continue;
    }
    if (c >= 0xFF01 && c <= 0xFFEF) {
      auto it = std::lower_bound(std::begin(tables::kWidthForms), std::end(tables::kWidthForms), uint32_t(c),
                                 [](const tables::WidthForm& w, uint32_t v) { return w.cp < v; });
      if (it != std::end(tables::kWidthForms) && it->cp == c) {
        for (uint32_t p : {it->a, it->b, it->c})
          if (p) a += char32_t(p);
        continue;
      }
    }
    if (c == 0x2BC || (c >= 0x2018 && c <= 0x201B)) c = U'\'';  // uncurl_quotes
    else if (c >= 0x201C && c <= 0x201F) c = U'"';
    a += c;
  }
  std::u32string b;  // fix_line_breaks
  for (size_t i = 0; i < a.size(); ++i) {
    char32_t c = a[i];
    if (c == U'\r' && i + 1 < a.size() && a[i + 1] == U'\n') continue;
    if (c == U'\r' || c == 0x2028 || c == 0x2029 || c == 0x85) c = U'\n';
    b += c;
  }
  std::u32string d;  // remove_terminal_escapes: ESC [ [0-9;]* [A-Za-z]
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i] == 0x1B && i + 1 < b.size() && b[i + 1] == U'[') {
      size_t j = i + 2;
      while (j < b.size() && ((b[j] >= '0' && b[j] <= '9') || b[j] == ';')) ++j;
      if (j < b.size() && ((b[j] >= 'a' && b[j] <= 'z') || (b[j] >= 'A' && b[j] <= 'Z'))) {
        i = j;
        continue;
      }
    }
    if (!is_removed_control(b[i])) d += b[i];  // remove_control_chars
  }
  return d;
}

std::u32string fix_segment(std::u32string text, bool html) {
  for (;;) {
    std::u32string orig = text;
    if (html) text = unescape_html(text);
    text = fix_encoding(std::move(text));
    text = nfc(char_fixes(text));
    if (text == orig) return text;
  }
}

}  // namespace

std::u32string utf8_to_u32(std::string_view s) {
  std::string bytes(s);
  std::u32string out;
  size_t i = 0;
  while (i < bytes.size()) {
    unsigned char b = bytes[i];
    int n = b < 0x80 ? 0 : (b >= 0xC2 && b <= 0xDF) ? 1 : (b >= 0xE0 && b <= 0xEF) ? 2 : (b >= 0xF0 && b <= 0xF4) ? 3 : -1;
    std::u32string one;
    if (n >= 0 && i + n < bytes.size() && decode_utf8_strict(bytes.substr(i, n + 1), one)) {
      out += one;
      i += n + 1;
    } else {
      out += char32_t(0xFFFD);
      ++i;
    }
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6));
    out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18));
    out += char(0x80 | ((c >> 12) & 0x3F));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

std::string u32_to_utf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

bool is_letter(char32_t c) { return in_ranges(tables::kLetters, c); }
bool is_number(char32_t c) { return in_ranges(tables::kNumbers, c); }
bool is_space(char32_t c) { return in_ranges(tables::kSpaces, c); }

std::u32string to_lower(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c < 0x80) {
      out += (c >= 'A' && c <= 'Z') ? c + 32 : c;
      continue;
    }
    if (c == 0x130) {  // SpecialCasing: the only unconditional multi-character lower-case mapping
      out += U"i\u0307";
      continue;
    }
    auto it = std::lower_bound(std::begin(tables::kLower), std::end(tables::kLower), uint32_t(c),
                               [](const tables::CodeMap& m, uint32_t v) { return m.from < v; });
    out += (it != std::end(tables::kLower) && it->from == c) ? char32_t(it->to) : c;
  }
  return out;
}

std::u32string nfc(std::u32string_view s) {
  const auto& n = norm();
  std::u32string d;
  for (char32_t c : s) n.decompose(c, d);
  // Canonical ordering: stable sort of each run of non-starters by combining class.
  for (size_t i = 0; i < d.size();) {
    if (n.combining(d[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < d.size() && n.combining(d[j]) != 0) ++j;
    std::stable_sort(d.begin() + i, d.begin() + j, [&](char32_t a, char32_t b) { return n.combining(a) < n.combining(b); });
    i = j;
  }
  // Canonical composition: a character joins the last starter unless a character in between blocks it.
  std::u32string out;
  size_t starter = std::u32string::npos;
  int last_cc = 0;  // combining class of the last character appended
  for (char32_t c : d) {
    int cc = n.combining(c);
    if (starter != std::u32string::npos) {
      bool blocked = out.size() > starter + 1 && (last_cc == 0 || last_cc >= cc);
      if (!blocked)
        if (char32_t p = n.pair(out[starter], c)) {
          out[starter] = p;
          continue;
        }
    }
    if (cc == 0) starter = out.size();
    last_cc = cc;
    out += c;
  }
  return out;
}

std::u32string ftfy_fix_text(std::u32string_view text) {
  std::u32string out;
  bool html = true;  // "auto": stays off for the rest of the text once a line contains '<'
  size_t pos = 0;
  while (pos < text.size()) {
    size_t brk = text.find(U'\n', pos);
    brk = brk == std::u32string_view::npos ? text.size() : brk + 1;
    std::u32string seg(text.substr(pos, brk - pos));
    if (seg.find(U'<') != std::u32string::npos) html = false;
    out += fix_segment(std::move(seg), html);
    pos = brk;
  }
  return out;
}

}  // namespace ripen::text
