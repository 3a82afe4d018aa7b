#pragma once
// 8-bit pixels as the training code takes and makes them. The engine holds no image codec: whoever drives it
// (ripen-cli, through the imageio target) reads and writes the files and hands the pixels over.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ripen::training {

struct Image8 {
  int width = 0, height = 0, channels = 0;  // channels: 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> pixels;             // row-major, interleaved
  uint8_t* at(int x, int y) { return pixels.data() + (static_cast<size_t>(y) * width + x) * channels; }
  const uint8_t* at(int x, int y) const { return pixels.data() + (static_cast<size_t>(y) * width + x) * channels; }
};

// Reads an image file as RGBA; throws ripen::Error naming the file.
using ImageReader = std::function<Image8(const std::string& path)>;
// Writes an image file (PNG); throws ripen::Error naming the file.
using ImageWriter = std::function<void(const std::string& path, const Image8& image)>;

}  // namespace ripen::training
