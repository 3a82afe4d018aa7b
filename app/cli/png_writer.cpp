#include "cli/png_writer.h"

#include <array>
#include <cstdio>
#include <filesystem>

#include "tensors/error.h"

namespace ripen::cli {
namespace {
uint32_t crc32(const uint8_t* p, size_t n, uint32_t c = 0xffffffffu) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t v = i;
      for (int k = 0; k < 8; ++k) v = (v & 1) ? 0xedb88320u ^ (v >> 1) : v >> 1;
      t[i] = v;
    }
    return t;
  }();
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c;
}
void put32(std::vector<uint8_t>& o, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) o.push_back(uint8_t(v >> s));
}
void chunk(std::vector<uint8_t>& out, const char* type, const std::vector<uint8_t>& data) {
  put32(out, uint32_t(data.size()));
  size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  put32(out, crc32(out.data() + start, out.size() - start) ^ 0xffffffffu);
}
}  // namespace

std::vector<uint8_t> encode_png_stored(const Image& img, const std::vector<std::pair<std::string, std::string>>& text) {
  if (img.width <= 0 || img.height <= 0 || img.rgb.size() != size_t(img.width) * img.height * 3)
    throw Error("PNG writer: image buffer does not match its size");
  std::vector<uint8_t> raw;  // filter byte 0 + row
  raw.reserve((size_t(img.width) * 3 + 1) * img.height);
  for (int y = 0; y < img.height; ++y) {
    raw.push_back(0);
    auto row = img.rgb.begin() + size_t(y) * img.width * 3;
    raw.insert(raw.end(), row, row + img.width * 3);
  }
  std::vector<uint8_t> z{0x78, 0x01};  // zlib header, no compression preset
  uint32_t a = 1, b = 0;
  for (uint8_t v : raw) a = (a + v) % 65521, b = (b + a) % 65521;
  for (size_t pos = 0; pos < raw.size() || pos == 0; pos += 65535) {
    size_t n = std::min<size_t>(65535, raw.size() - pos);
    z.push_back(pos + n >= raw.size() ? 1 : 0);  // BFINAL, BTYPE = stored
    z.push_back(uint8_t(n)), z.push_back(uint8_t(n >> 8));
    z.push_back(uint8_t(~n)), z.push_back(uint8_t(~n >> 8));
    z.insert(z.end(), raw.begin() + pos, raw.begin() + pos + n);
    if (raw.empty()) break;
  }
  put32(z, (b << 16) | a);
  std::vector<uint8_t> out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put32(ihdr, img.width), put32(ihdr, img.height);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit, truecolour, deflate, adaptive filter, no interlace
  chunk(out, "IHDR", ihdr);
  for (const auto& [key, value] : text) {
    std::vector<uint8_t> t(key.begin(), key.end());
    t.push_back(0);
    t.insert(t.end(), value.begin(), value.end());
    chunk(out, "tEXt", t);
  }
  chunk(out, "IDAT", z);
  chunk(out, "IEND", {});
  return out;
}

void write_png_stored(const std::string& path, const Image& img,
                      const std::vector<std::pair<std::string, std::string>>& text) {
  std::vector<uint8_t> bytes = encode_png_stored(img, text);
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error(path + ": cannot open for writing");
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::filesystem::remove(tmp);
    throw Error(path + ": write failed");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace ripen::cli
