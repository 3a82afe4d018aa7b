#pragma once
// Minimal PNG codec for the training tools: decoding the emoji source images (8-bit and palette PNGs,
// non-interlaced; needs zlib) and writing RGB/RGBA images such as loss plots and contact sheets (zlib when
// available, stored deflate blocks otherwise, so writing works on an engine-only build too).
#include <cstdint>
#include <string>
#include <vector>

namespace ripen::training {

struct Image8 {
  int width = 0, height = 0, channels = 0;  // channels: 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> pixels;             // row-major, interleaved
  uint8_t* at(int x, int y) { return pixels.data() + (static_cast<size_t>(y) * width + x) * channels; }
  const uint8_t* at(int x, int y) const { return pixels.data() + (static_cast<size_t>(y) * width + x) * channels; }
};

bool png_decoder_available();  // false when built without zlib
// Decodes to RGBA (8 bits per channel). Throws ripen::Error naming `origin` on anything unsupported or corrupt.
Image8 decode_png_rgba(const std::vector<uint8_t>& bytes, const std::string& origin);
Image8 read_png_rgba(const std::string& path);

std::vector<uint8_t> encode_png(const Image8& image);
void write_png(const std::string& path, const Image8& image);

}  // namespace ripen::training
