#pragma once
// Pixel buffers the exporters take beside ripen::Image (8-bit RGB, pipeline/request.h).
#include <cstdint>
#include <vector>

#include "pipeline/request.h"

namespace ripen::imageio {

// sRGB-encoded RGB in [0, 1], row-major, 3 channels: what the pipeline has before quantising, so 16-bit PNG/TIFF
// and half-float EXR exports keep more than 8 bits.
struct FloatImage {
  int width = 0, height = 0;
  std::vector<float> rgb;
  bool empty() const { return rgb.empty(); }
};

FloatImage to_float(const Image& img);
Image to_8bit(const FloatImage& img);  // round to nearest, clamped

}  // namespace ripen::imageio
