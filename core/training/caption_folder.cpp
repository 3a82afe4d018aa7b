#include "training/caption_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tensors/error.h"

namespace ripen::training {

namespace fs = std::filesystem;

namespace {

bool is_image(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp" || ext == ".bmp";
}

std::string trimmed(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
  return s;
}

// "10_red fox" -> {10, "red fox"}; anything else -> {1, name}.
std::pair<int, std::string> repeats_and_concept(const std::string& name) {
  const auto us = name.find('_');
  if (us == std::string::npos || us == 0 || !std::all_of(name.begin(), name.begin() + us, ::isdigit)) return {1, name};
  return {std::max(1, std::stoi(name.substr(0, us))), name.substr(us + 1)};
}

std::string caption_for(const fs::path& image, const std::string& fallback) {
  for (const char* ext : {".txt", ".caption"}) {
    fs::path p = image;
    p.replace_extension(ext);
    if (!fs::exists(p)) continue;
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) throw Error(p.string() + ": cannot read the caption");
    const std::string c = trimmed(ss.str());
    if (c.empty()) throw Error(p.string() + ": the caption is empty");
    return c;
  }
  return fallback;
}

}  // namespace

at::Tensor square_rgb(const Image8& image, int64_t size) {
  if (image.width < 1 || image.height < 1 || (image.channels != 3 && image.channels != 4))
    throw Error("square_rgb: expected an RGB or RGBA image");
  at::Tensor px = at::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, image.channels},
                                at::kByte)
                      .to(at::kFloat)
                      .div(255.0);
  at::Tensor rgb = px.narrow(2, 0, 3);
  if (image.channels == 4) {
    const at::Tensor a = px.narrow(2, 3, 1);
    rgb = rgb * a + (1 - a);
  }
  const int64_t side = std::min(image.width, image.height);
  rgb = rgb.narrow(0, (image.height - side) / 2, side).narrow(1, (image.width - side) / 2, side);
  at::Tensor nchw = rgb.permute({2, 0, 1}).unsqueeze(0);
  nchw = side >= size ? at::adaptive_avg_pool2d(nchw, {size, size})
                      : at::upsample_bilinear2d(nchw, {size, size}, false);
  return nchw.squeeze(0).permute({1, 2, 0}).mul(255.0).round().clamp(0, 255).to(at::kByte).contiguous();
}

CaptionedImages load_caption_folder(const std::string& dir, int64_t size, const ImageReader& read_rgba) {
  if (!fs::is_directory(dir)) throw Error(dir + ": not a folder");
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename().string().rfind('.', 0) == 0) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_image(it->path())) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(dir + ": no images (.png .jpg .jpeg .webp .bmp) in the folder or below it");
  CaptionedImages out;
  std::vector<at::Tensor> images;
  const std::string top = fs::path(dir).lexically_normal().filename().string();
  for (const fs::path& f : files) {
    const bool nested = f.parent_path().lexically_normal() != fs::path(dir).lexically_normal();
    const auto [repeats, concept_name] = repeats_and_concept(nested ? f.parent_path().filename().string() : top);
    const std::string caption = caption_for(f, concept_name);
    const at::Tensor img = square_rgb(read_rgba(f.string()), size);
    for (int r = 0; r < repeats; ++r) {
      images.push_back(img);
      out.captions.push_back({caption});
      out.files.push_back(f.string());
    }
  }
  out.images = at::stack(images);
  return out;
}

}  // namespace ripen::training
