#include "imageio/metadata_read.h"

#include <OpenImageIO/filesystem.h>
#include <OpenImageIO/imagebuf.h>
#include <OpenImageIO/imagebufalgo.h>
#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "imageio/a1111_infotext.h"
#include "imageio/comfyui_import.h"
#include "imageio/file_util.h"
#include "imageio/png_text.h"
#include "imageio/xmp.h"
#include "tensors/error.h"

namespace ripen::imageio {
namespace fs = std::filesystem;

std::string to_string(MetadataSource s) {
  switch (s) {
    case MetadataSource::Ripen: return "ripen";
    case MetadataSource::A1111: return "a1111";
    case MetadataSource::ComfyUI: return "comfyui";
  }
  return "?";
}

ImageMetadata parse_ripen_json(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("request")) throw Error("ripen metadata is not valid JSON");
  ImageMetadata m;
  m.source = MetadataSource::Ripen;
  m.request = GenerationRequest::from_json(j["request"]);
  if (j.contains("record")) m.record = GenerationRecord::from_json(j["record"]);
  return m;
}

std::optional<ImageMetadata> read_metadata(const fs::path& path) {
  std::string bytes = read_file(path);
  std::string ripen_json, parameters, comfy_prompt, comfy_workflow;
  if (is_png(bytes)) {
    for (const PngText& t : read_png_text(bytes)) {
      if (t.key == "ripen") ripen_json = t.text;
      else if (t.key == "parameters") parameters = t.text;
      else if (t.key == "prompt") comfy_prompt = t.text;
      else if (t.key == "workflow") comfy_workflow = t.text;
    }
  } else {
    if (auto j = find_ripen_json_in_xmp(bytes)) ripen_json = *j;
    if (auto d = find_xmp_description(bytes)) parameters = *d;
    if (ripen_json.empty() || parameters.empty()) {
      auto in = OIIO::ImageInput::open(path.string());
      if (in) {
        if (ripen_json.empty()) ripen_json = in->spec().get_string_attribute("ripen");
        if (parameters.empty()) parameters = in->spec().get_string_attribute("ImageDescription");
      }
    }
  }
  if (!ripen_json.empty()) {
    try {
      ImageMetadata m = parse_ripen_json(ripen_json);
      m.parameters_text = parameters;
      return m;
    } catch (const Error&) {
      // fall through to the other sources
    }
  }
  if (!parameters.empty())
    if (auto p = parse_a1111_parameters(parameters)) {
      return ImageMetadata{MetadataSource::A1111, p->request, p->record, parameters};
    }
  if (!comfy_prompt.empty() || !comfy_workflow.empty())
    if (auto c = parse_comfyui(comfy_prompt, comfy_workflow))
      return ImageMetadata{MetadataSource::ComfyUI, c->request, c->record, "", c->negative_zeroed, c->notes};
  return std::nullopt;
}

Image read_image(const fs::path& path) {
  auto in = OIIO::ImageInput::open(path.string());
  if (!in) throw Error(path.string() + ": cannot read image: " + OIIO::geterror());
  const OIIO::ImageSpec& spec = in->spec();
  int w = spec.width, h = spec.height, c = spec.nchannels;
  std::vector<float> px(size_t(w) * h * c);
  if (!in->read_image(0, 0, 0, c, OIIO::TypeDesc::FLOAT, px.data()))
    throw Error(path.string() + ": cannot decode image: " + in->geterror());
  bool linear = spec.get_string_attribute("oiio:ColorSpace") == "Linear" || spec.format == OIIO::TypeDesc::HALF ||
                spec.format == OIIO::TypeDesc::FLOAT;
  auto encode = [&](float v) {
    v = std::clamp(v, 0.0f, 1.0f);
    if (linear) v = v <= 0.0031308f ? v * 12.92f : 1.055f * std::pow(v, 1.0f / 2.4f) - 0.055f;
    return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
  };
  Image out{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (size_t p = 0; p < size_t(w) * h; ++p)
    for (int ch = 0; ch < 3; ++ch) out.rgb[p * 3 + ch] = encode(px[p * c + std::min(ch, c < 3 ? 0 : ch)]);
  return out;
}

std::pair<int, int> image_size(const fs::path& path) {
  auto in = OIIO::ImageInput::open(path.string());
  if (!in) throw Error(path.string() + ": cannot read image: " + OIIO::geterror());
  return {in->spec().width, in->spec().height};
}

void write_thumbnail(const Image& image, const fs::path& dest, int size) {
  OIIO::ImageSpec spec(image.width, image.height, 3, OIIO::TypeDesc::UINT8);
  OIIO::ImageBuf src(spec, const_cast<uint8_t*>(image.rgb.data()));
  double scale = double(size) / std::max(image.width, image.height);
  int tw = std::max(1, int(std::lround(image.width * std::min(1.0, scale))));
  int th = std::max(1, int(std::lround(image.height * std::min(1.0, scale))));
  OIIO::ImageBuf dst = OIIO::ImageBufAlgo::resize(src, "", 0, OIIO::ROI(0, tw, 0, th, 0, 1, 0, 3));
  if (dst.has_error()) throw Error("thumbnail: " + dst.geterror());
  std::vector<uint8_t> px(size_t(tw) * th * 3);
  dst.get_pixels(OIIO::ROI(0, tw, 0, th, 0, 1, 0, 3), OIIO::TypeDesc::UINT8, px.data());
  OIIO::ImageSpec ts(tw, th, 3, OIIO::TypeDesc::UINT8);
  ts.attribute("Compression", "jpeg:85");
  ts.attribute("oiio:ColorSpace", "sRGB");
  std::vector<unsigned char> buf;
  OIIO::Filesystem::IOVecOutput vecout(buf);
  auto out = OIIO::ImageOutput::create("thumb.jpg");
  if (!out) throw Error("thumbnail: no JPEG writer");
  out->set_ioproxy(&vecout);
  if (!(out->open("thumb.jpg", ts) && out->write_image(OIIO::TypeDesc::UINT8, px.data()) && out->close()))
    throw Error("thumbnail: " + out->geterror());
  write_file_atomic(dest, std::string(buf.begin(), buf.end()));
}

}  // namespace ripen::imageio
