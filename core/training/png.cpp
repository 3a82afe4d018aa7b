#include "training/png.h"

#include <array>
#include <cstring>
#include <fstream>
#include <iterator>

#include "tensors/error.h"

#ifdef RIPEN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace ripen::training {

namespace {

uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}

uint32_t crc32_of(const uint8_t* data, size_t n, uint32_t crc = 0) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

int paeth(int a, int b, int c) {
  int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

// zlib stream with stored (uncompressed) deflate blocks: valid PNG data without a compressor.
[[maybe_unused]] std::vector<uint8_t> zlib_stored(const std::vector<uint8_t>& raw) {
  std::vector<uint8_t> out{0x78, 0x01};
  size_t pos = 0;
  do {
    size_t n = std::min<size_t>(65535, raw.size() - pos);
    bool last = pos + n == raw.size();
    out.push_back(last ? 1 : 0);
    out.push_back(n & 0xFF);
    out.push_back(n >> 8);
    out.push_back(~n & 0xFF);
    out.push_back((~n >> 8) & 0xFF);
    out.insert(out.end(), raw.begin() + pos, raw.begin() + pos + n);
    pos += n;
  } while (pos < raw.size());
  uint32_t a = 1, b = 0;
  for (uint8_t v : raw) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  put32(out, (b << 16) | a);
  return out;
}

}  // namespace

bool png_decoder_available() {
#ifdef RIPEN_HAVE_ZLIB
  return true;
#else
  return false;
#endif
}

Image8 decode_png_rgba(const std::vector<uint8_t>& bytes, const std::string& origin) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  auto fail = [&](const std::string& what) { return Error(origin + ": " + what); };
  if (bytes.size() < 8 || std::memcmp(bytes.data(), sig, 8) != 0) throw fail("not a PNG file");
  int width = 0, height = 0, depth = 0, color = 0;
  std::vector<uint8_t> idat, palette, trns;
  size_t pos = 8;
  bool have_header = false;
  while (pos + 12 <= bytes.size()) {
    uint32_t len = be32(&bytes[pos]);
    if (len > bytes.size() - pos - 12) throw fail("truncated chunk");
    std::string type(reinterpret_cast<const char*>(&bytes[pos + 4]), 4);
    const uint8_t* data = &bytes[pos + 8];
    if (type == "IHDR") {
      if (len != 13) throw fail("bad IHDR");
      width = static_cast<int>(be32(data));
      height = static_cast<int>(be32(data + 4));
      depth = data[8];
      color = data[9];
      if (data[12] != 0) throw fail("interlaced PNGs are not supported");
      if (width <= 0 || height <= 0 || width > 16384 || height > 16384) throw fail("bad image size");
      have_header = true;
    } else if (type == "PLTE") {
      palette.assign(data, data + len);
    } else if (type == "tRNS") {
      trns.assign(data, data + len);
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data, data + len);
    } else if (type == "IEND") {
      break;
    }
    pos += 12 + len;
  }
  if (!have_header) throw fail("missing IHDR");
  int samples = color == 0 ? 1 : color == 2 ? 3 : color == 3 ? 1 : color == 4 ? 2 : color == 6 ? 4 : 0;
  if (samples == 0) throw fail("unknown colour type " + std::to_string(color));
  if (depth > 8 || (samples > 1 && depth != 8)) throw fail("bit depth " + std::to_string(depth) + " is not supported");
  size_t bits_per_pixel = static_cast<size_t>(samples) * depth;
  size_t stride = (static_cast<size_t>(width) * bits_per_pixel + 7) / 8;
  size_t bpp = std::max<size_t>(1, bits_per_pixel / 8);
  std::vector<uint8_t> raw((stride + 1) * height);
#ifdef RIPEN_HAVE_ZLIB
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, idat.data(), idat.size()) != Z_OK || raw_len != raw.size())
    throw fail("corrupt image data");
#else
  throw fail("PNG decoding needs zlib (this build has none)");
#endif
  // Undo the per-row filters in place.
  std::vector<uint8_t> prev(stride, 0);
  for (int y = 0; y < height; ++y) {
    uint8_t* row = &raw[y * (stride + 1) + 1];
    int filter = row[-1];
    for (size_t i = 0; i < stride; ++i) {
      int a = i >= bpp ? row[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      int pred = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : filter == 4 ? paeth(a, b, c) : -1;
      if (pred < 0) throw fail("bad row filter");
      row[i] = static_cast<uint8_t>(row[i] + pred);
    }
    std::memcpy(prev.data(), row, stride);
  }
  Image8 img{width, height, 4, std::vector<uint8_t>(static_cast<size_t>(width) * height * 4)};
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = &raw[y * (stride + 1) + 1];
    for (int x = 0; x < width; ++x) {
      uint8_t* px = img.at(x, y);
      auto sample = [&](int k) -> int {  // k-th sample of pixel x (for depth < 8: the packed value)
        if (depth == 8) return row[x * samples + k];
        size_t bit = static_cast<size_t>(x) * depth;
        return (row[bit / 8] >> (8 - depth - bit % 8)) & ((1 << depth) - 1);
      };
      switch (color) {
        case 0: {
          int v = sample(0) * 255 / ((1 << depth) - 1);
          px[0] = px[1] = px[2] = static_cast<uint8_t>(v);
          px[3] = 255;
          break;
        }
        case 2: px[0] = sample(0), px[1] = sample(1), px[2] = sample(2), px[3] = 255; break;
        case 3: {
          size_t i = sample(0);
          if (3 * i + 2 >= palette.size()) throw fail("palette index out of range");
          px[0] = palette[3 * i], px[1] = palette[3 * i + 1], px[2] = palette[3 * i + 2];
          px[3] = i < trns.size() ? trns[i] : 255;
          break;
        }
        case 4: px[0] = px[1] = px[2] = sample(0), px[3] = sample(1); break;
        case 6: px[0] = sample(0), px[1] = sample(1), px[2] = sample(2), px[3] = sample(3); break;
      }
    }
  }
  return img;
}

Image8 read_png_rgba(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return decode_png_rgba(bytes, path);
}

std::vector<uint8_t> encode_png(const Image8& image) {
  if (image.channels != 3 && image.channels != 4) throw Error("encode_png: need 3 or 4 channels");
  size_t stride = static_cast<size_t>(image.width) * image.channels;
  std::vector<uint8_t> raw;
  raw.reserve((stride + 1) * image.height);
  for (int y = 0; y < image.height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), image.pixels.begin() + y * stride, image.pixels.begin() + (y + 1) * stride);
  }
  std::vector<uint8_t> z;
#ifdef RIPEN_HAVE_ZLIB
  uLongf zlen = compressBound(raw.size());
  z.resize(zlen);
  if (compress2(z.data(), &zlen, raw.data(), raw.size(), 6) != Z_OK) throw Error("encode_png: zlib failed");
  z.resize(zlen);
#else
  z = zlib_stored(raw);
#endif
  std::vector<uint8_t> out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  auto chunk = [&](const char* type, const std::vector<uint8_t>& data) {
    put32(out, static_cast<uint32_t>(data.size()));
    size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    put32(out, crc32_of(&out[start], out.size() - start));
  };
  std::vector<uint8_t> ihdr;
  put32(ihdr, image.width);
  put32(ihdr, image.height);
  ihdr.insert(ihdr.end(), {8, static_cast<uint8_t>(image.channels == 4 ? 6 : 2), 0, 0, 0});
  chunk("IHDR", ihdr);
  chunk("IDAT", z);
  chunk("IEND", {});
  return out;
}

void write_png(const std::string& path, const Image8& image) {
  auto bytes = encode_png(image);
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw Error(path + ": cannot write");
}

}  // namespace ripen::training
