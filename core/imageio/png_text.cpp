#include "imageio/png_text.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "tensors/error.h"

namespace ripen::imageio {
namespace {
constexpr char kSignature[] = "\x89PNG\r\n\x1a\n";

uint32_t be32(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}
void put_be32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}

struct Chunk {
  std::string_view type, data, whole;
};

std::vector<Chunk> chunks(std::string_view b) {
  if (!is_png(b)) throw Error("not a PNG file");
  std::vector<Chunk> out;
  size_t pos = 8;
  while (pos + 12 <= b.size()) {
    uint32_t len = be32(b.data() + pos);
    if (len > b.size() - pos - 12) throw Error("PNG chunk runs past the end of the file");
    out.push_back({b.substr(pos + 4, 4), b.substr(pos + 8, len), b.substr(pos, 12 + len)});
    pos += 12 + len;
    if (out.back().type == "IEND") break;
  }
  return out;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  return out;
}

// UTF-8 to Latin-1 when every code point is below 256 (what Pillow's tEXt path accepts).
bool utf8_to_latin1(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c & 0xe0) == 0xc0 && i + 1 < s.size()) {
      unsigned cp = ((c & 0x1f) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3f);
      if (cp > 0xff) return false;
      out.push_back(static_cast<char>(cp));
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

// What the compressed text chunks of one file may inflate to, all together: a few kilobytes of zlib can claim
// gigabytes, and a file can carry any number of such chunks.
constexpr size_t kTextBudget = size_t(64) << 20;

// Inflates into at most `budget` bytes, which it then lowers by what it wrote.
std::string inflate_all(std::string_view in, size_t& budget) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) throw Error("zlib init failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > budget) {
      inflateEnd(&zs);
      throw Error("PNG compressed text chunks inflate to more than " + std::to_string(kTextBudget >> 20) + " MiB");
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) throw Error("PNG compressed text chunk is corrupt");
  budget -= out.size();
  return out;
}

std::string make_chunk(std::string_view type, std::string_view data) {
  std::string out;
  put_be32(out, static_cast<uint32_t>(data.size()));
  out.append(type);
  out.append(data);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(type.data()), 4);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  put_be32(out, static_cast<uint32_t>(crc));
  return out;
}

std::string_view chunk_key(const Chunk& c) {
  auto nul = c.data.find('\0');
  return nul == std::string_view::npos ? std::string_view{} : c.data.substr(0, nul);
}
}  // namespace

bool is_png(std::string_view bytes) { return bytes.size() >= 8 && std::memcmp(bytes.data(), kSignature, 8) == 0; }

std::vector<PngText> read_png_text(std::string_view png) {
  std::vector<PngText> out;
  size_t budget = kTextBudget;
  for (const Chunk& c : chunks(png)) {
    if (c.type != "tEXt" && c.type != "zTXt" && c.type != "iTXt") continue;
    std::string_view key = chunk_key(c);
    if (key.empty()) continue;
    std::string_view rest = c.data.substr(key.size() + 1);
    if (c.type == "tEXt") {
      out.push_back({std::string(key), latin1_to_utf8(rest)});
    } else if (c.type == "zTXt") {
      if (rest.empty()) continue;
      out.push_back({std::string(key), latin1_to_utf8(inflate_all(rest.substr(1), budget))});
    } else {  // iTXt: compression flag, method, language\0, translated keyword\0, text
      if (rest.size() < 2) continue;
      bool compressed = rest[0] != 0;
      rest = rest.substr(2);
      auto lang_end = rest.find('\0');
      if (lang_end == std::string_view::npos) continue;
      rest = rest.substr(lang_end + 1);
      auto tr_end = rest.find('\0');
      if (tr_end == std::string_view::npos) continue;
      rest = rest.substr(tr_end + 1);
      out.push_back({std::string(key), compressed ? inflate_all(rest, budget) : std::string(rest)});
    }
  }
  return out;
}

std::string rewrite_png_text(std::string_view png, const std::vector<PngText>& add, const std::vector<std::string>& drop) {
  std::string out(kSignature, 8);
  bool inserted = false;
  for (const Chunk& c : chunks(png)) {
    bool is_text = c.type == "tEXt" || c.type == "zTXt" || c.type == "iTXt";
    if (is_text && std::find(drop.begin(), drop.end(), std::string(chunk_key(c))) != drop.end()) continue;
    if (!inserted && (c.type == "IDAT" || c.type == "IEND")) {
      for (const PngText& t : add) {
        std::string latin1;
        if (utf8_to_latin1(t.text, latin1)) {
          out += make_chunk("tEXt", t.key + std::string(1, '\0') + latin1);
        } else {
          std::string data = t.key;
          data.append(std::string("\0\0\0\0\0", 5));  // NUL, not compressed, method 0, empty language, empty translation
          data += t.text;
          out += make_chunk("iTXt", data);
        }
      }
      inserted = true;
    }
    out.append(c.whole);
  }
  if (!inserted && !add.empty()) throw Error("PNG has no IDAT or IEND chunk (truncated?): cannot add its text");
  return out;
}

}  // namespace ripen::imageio
