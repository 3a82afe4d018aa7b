#include "imageio/image_file.h"

#include <OpenImageIO/filesystem.h>
#include <OpenImageIO/imageio.h>

#include <string_view>

#include "imageio/file_util.h"
#include "tensors/error.h"

namespace ripen::imageio {

Pixels8 read_rgba8(const std::filesystem::path& path) {
  // PNG stores straight (unassociated) alpha; OpenImageIO would premultiply it unless asked not to.
  OIIO::ImageSpec config;
  config.attribute("oiio:UnassociatedAlpha", 1);
  auto in = OIIO::ImageInput::open(path.string(), &config);
  if (!in) throw Error(path.string() + ": cannot read image: " + OIIO::geterror());
  const OIIO::ImageSpec& spec = in->spec();
  const int w = spec.width, h = spec.height, c = spec.nchannels;
  if (w <= 0 || h <= 0 || c < 1 || c > 4)
    throw Error(path.string() + ": unsupported image (" + std::to_string(w) + "x" + std::to_string(h) + ", " +
                std::to_string(c) + " channels)");
  std::vector<uint8_t> src(size_t(w) * h * c);
  if (!in->read_image(0, 0, 0, c, OIIO::TypeDesc::UINT8, src.data()))
    throw Error(path.string() + ": cannot decode image: " + in->geterror());
  Pixels8 out{w, h, 4, std::vector<uint8_t>(size_t(w) * h * 4)};
  const bool grey = c <= 2, alpha = c == 2 || c == 4;
  for (size_t p = 0; p < size_t(w) * h; ++p) {
    const uint8_t* s = &src[p * c];
    uint8_t* d = &out.data[p * 4];
    for (int ch = 0; ch < 3; ++ch) d[ch] = grey ? s[0] : s[ch];
    d[3] = alpha ? s[c - 1] : 255;
  }
  return out;
}

void write_png8(const std::filesystem::path& path, const Pixels8& image) {
  if (image.channels != 3 && image.channels != 4)
    throw Error(path.string() + ": a PNG takes 3 or 4 channels, not " + std::to_string(image.channels));
  if (image.width <= 0 || image.height <= 0 || image.data.size() != size_t(image.width) * image.height * image.channels)
    throw Error(path.string() + ": pixel buffer does not match " + std::to_string(image.width) + "x" +
                std::to_string(image.height) + "x" + std::to_string(image.channels));
  std::vector<unsigned char> bytes;
  OIIO::Filesystem::IOVecOutput memory(bytes);
  auto out = OIIO::ImageOutput::create("image.png");
  if (!out) throw Error(path.string() + ": OpenImageIO cannot write PNG files: " + OIIO::geterror());
  out->set_ioproxy(&memory);
  OIIO::ImageSpec spec(image.width, image.height, image.channels, OIIO::TypeDesc::UINT8);
  spec.attribute("oiio:UnassociatedAlpha", 1);  // the pixels' alpha is straight: store it as it is
  if (!(out->open("image.png", spec) && out->write_image(OIIO::TypeDesc::UINT8, image.data.data()) && out->close()))
    throw Error(path.string() + ": cannot encode PNG: " + out->geterror());
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace ripen::imageio
