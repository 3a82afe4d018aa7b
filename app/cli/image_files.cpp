#include "cli/image_files.h"

#include "cli/command.h"
#ifdef RIPEN_HAVE_IMAGEIO
#include "imageio/image_file.h"
#endif

namespace ripen::cli {

#ifdef RIPEN_HAVE_IMAGEIO
bool image_files_available() { return true; }

void require_image_files(const std::string&) {}

training::Image8 read_rgba_file(const std::string& path) {
  imageio::Pixels8 p = imageio::read_rgba8(path);
  return {p.width, p.height, p.channels, std::move(p.data)};
}

void write_png_file(const std::string& path, const training::Image8& image) {
  imageio::write_png8(path, {image.width, image.height, image.channels, image.pixels});
}

void write_png_file(const std::string& path, const Image& image) {
  imageio::write_png8(path, {image.width, image.height, 3, image.rgb});
}
#else
bool image_files_available() { return false; }

void require_image_files(const std::string& what) {
  throw UsageError{what + " needs ripen-cli built with the imageio target (OpenImageIO): use the release preset, "
                          "not the engine-only one"};
}

training::Image8 read_rgba_file(const std::string& path) {
  require_image_files("reading " + path);
  return {};
}

void write_png_file(const std::string& path, const training::Image8&) { require_image_files("writing " + path); }

void write_png_file(const std::string& path, const Image&) { require_image_files("writing " + path); }
#endif

}  // namespace ripen::cli
