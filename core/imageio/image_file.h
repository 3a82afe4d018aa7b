#pragma once
// Plain image files through OpenImageIO, for tools whose pixels are not a generation's (the training set's
// source emoji with their alpha, loss plots, contact sheets). A generation's image goes through export.h.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace ripen::imageio {

struct Pixels8 {
  int width = 0, height = 0, channels = 0;  // channels: 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> data;               // row-major, interleaved
};

// The file's first image as 8-bit RGBA: grey is spread to RGB, a missing alpha is 255, palettes are expanded.
// Throws ripen::Error naming the file.
Pixels8 read_rgba8(const std::filesystem::path& path);

// 8-bit RGB or RGBA pixels as a PNG, through a temporary file and a rename (never half a file under `path`).
// Throws ripen::Error naming the file.
void write_png8(const std::filesystem::path& path, const Pixels8& image);

}  // namespace ripen::imageio
