#include "imageio/image_types.h"

#include <algorithm>
#include <cmath>

namespace ripen::imageio {

FloatImage to_float(const Image& img) {
  FloatImage f{img.width, img.height, std::vector<float>(img.rgb.size())};
  for (size_t i = 0; i < img.rgb.size(); ++i) f.rgb[i] = img.rgb[i] / 255.0f;
  return f;
}

Image to_8bit(const FloatImage& img) {
  Image out{img.width, img.height, std::vector<uint8_t>(img.rgb.size())};
  for (size_t i = 0; i < img.rgb.size(); ++i)
    out.rgb[i] = static_cast<uint8_t>(std::lround(std::clamp(img.rgb[i], 0.0f, 1.0f) * 255.0f));
  return out;
}

}  // namespace ripen::imageio
