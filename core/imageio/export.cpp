#include "imageio/export.h"

#include <OpenImageIO/filesystem.h>
#include <OpenImageIO/imageio.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

#include "imageio/a1111_infotext.h"
#include "imageio/file_util.h"
#include "imageio/png_text.h"
#include "imageio/xmp.h"
#include "tensors/error.h"

namespace ripen::imageio {
namespace fs = std::filesystem;
namespace {

float srgb_to_linear(float c) {
  c = std::clamp(c, 0.0f, 1.0f);
  return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
}

// OpenImageIO writes to memory where the format plugin supports an IOProxy, else through a private temp file.
std::string oiio_encode(const std::string& ext, const OIIO::ImageSpec& spec, OIIO::TypeDesc src_type,
                        const void* pixels) {
  std::string fake_name = "image" + ext;
  std::vector<unsigned char> buf;
  OIIO::Filesystem::IOVecOutput vecout(buf);
  auto out = OIIO::ImageOutput::create(fake_name);
  if (!out) throw Error("OpenImageIO cannot write " + ext + " files: " + OIIO::geterror());
  // libtiff rewrites its header through the proxy in a way IOVecOutput does not keep; TIFF goes through a file.
  bool proxy = out->supports("ioproxy") && ext != ".tif";
  std::string tmp_file;
  if (proxy) {
    out->set_ioproxy(&vecout);
  } else {
    tmp_file = (fs::temp_directory_path() / (".ripen-export-" + std::to_string(getpid()) + "-" +
                                             std::to_string(reinterpret_cast<uintptr_t>(&buf)) + ext))
                   .string();
  }
  const std::string& target = proxy ? fake_name : tmp_file;
  bool ok = out->open(target, spec) && out->write_image(src_type, pixels) && out->close();
  if (!ok) {
    std::string err = out->geterror();
    if (!tmp_file.empty()) ::unlink(tmp_file.c_str());
    throw Error("cannot encode " + ext + " image: " + err);
  }
  if (proxy) return std::string(buf.begin(), buf.end());
  std::string bytes = read_file(tmp_file);
  ::unlink(tmp_file.c_str());
  return bytes;
}

std::string sanitize(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || std::string_view("/\\:*?\"<>|").find(c) != std::string_view::npos) out.push_back('_');
    else if (c == ' ') out.push_back('_');
    else out.push_back(static_cast<char>(c));
  }
  return out;
}

// Windows' reserved device names, which it refuses as a file name with any extension ("con.png", "LPT1.x").
bool is_reserved_name(const std::string& name) {
  std::string base = name.substr(0, name.find('.'));
  for (char& c : base) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (base == "CON" || base == "PRN" || base == "AUX" || base == "NUL") return true;
  return base.size() == 4 && (base.rfind("COM", 0) == 0 || base.rfind("LPT", 0) == 0) && base[3] >= '1' &&
         base[3] <= '9';
}

// The whole name, literal template text included, as one file inside the export folder: no separators or
// control characters, no leading or trailing dots (no "..", no hidden file), no reserved device name, and at most
// kMaxNameBytes so "-N" and the extension still fit in a file system's 255.
constexpr size_t kMaxNameBytes = 200;
std::string safe_file_name(std::string name) {
  for (char& c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || std::string_view("/\\:*?\"<>|").find(c) != std::string_view::npos) c = '_';
  }
  if (name.size() > kMaxNameBytes) {
    size_t cut = kMaxNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80) --cut;  // not inside a code point
    name.resize(cut);
  }
  auto trimmed = [](char c) { return c == '_' || c == '.' || c == ' '; };
  while (!name.empty() && trimmed(name.back())) name.pop_back();
  size_t lead = 0;
  while (lead < name.size() && (name[lead] == '.' || name[lead] == ' ')) ++lead;
  name.erase(0, lead);
  if (name.empty()) return "image";
  return is_reserved_name(name) ? "_" + name : name;
}

// First n code points of UTF-8 text.
std::string utf8_prefix(const std::string& s, size_t n) {
  size_t i = 0, count = 0;
  while (i < s.size() && count < n) {
    unsigned char c = s[i];
    i += c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    ++count;
  }
  return s.substr(0, std::min(i, s.size()));
}
}  // namespace

std::string format_name(Format f) {
  switch (f) {
    case Format::Png8: return "png";
    case Format::Png16: return "png16";
    case Format::Jpeg: return "jpeg";
    case Format::Tiff16: return "tiff16";
    case Format::ExrHalf: return "exr";
    case Format::WebP: return "webp";
  }
  return "?";
}

std::string format_extension(Format f) {
  switch (f) {
    case Format::Png8:
    case Format::Png16: return ".png";
    case Format::Jpeg: return ".jpg";
    case Format::Tiff16: return ".tif";
    case Format::ExrHalf: return ".exr";
    case Format::WebP: return ".webp";
  }
  return "";
}

std::optional<Format> format_from_name(const std::string& n) {
  if (n == "png" || n == "png8") return Format::Png8;
  if (n == "png16") return Format::Png16;
  if (n == "jpeg" || n == "jpg") return Format::Jpeg;
  if (n == "tiff" || n == "tif" || n == "tiff16") return Format::Tiff16;
  if (n == "exr" || n == "openexr") return Format::ExrHalf;
  if (n == "webp") return Format::WebP;
  return std::nullopt;
}

bool format_available(Format f) {
  std::string list = OIIO::get_string_attribute("extension_list");  // "png:png;webp:webp;..."
  std::string plugin = f == Format::Png8 || f == Format::Png16 ? "png"
                       : f == Format::Jpeg                     ? "jpeg"
                       : f == Format::Tiff16                   ? "tiff"
                       : f == Format::ExrHalf                  ? "openexr"
                                                               : "webp";
  size_t pos = 0;
  while ((pos = list.find(plugin + ":", pos)) != std::string::npos) {
    if (pos == 0 || list[pos - 1] == ';') return true;
    ++pos;
  }
  return false;
}

std::vector<Format> available_formats() {
  std::vector<Format> out;
  for (Format f : {Format::Png8, Format::Png16, Format::Jpeg, Format::Tiff16, Format::ExrHalf, Format::WebP})
    if (format_available(f)) out.push_back(f);
  return out;
}

std::string ripen_metadata_json(const GenerationRequest& request, const GenerationRecord& record) {
  nlohmann::json j = {{"ripen_metadata", 1}, {"request", request.to_json()}, {"record", record.to_json()}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string encode_image(const Image& image, const FloatImage* hdr, const GenerationRequest& request,
                         const GenerationRecord& record, const ExportOptions& options) {
  if (image.empty() || image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != size_t(image.width) * image.height * 3)
    throw Error("export: the image has no pixels or a wrong size");
  if (hdr && (hdr->width != image.width || hdr->height != image.height || hdr->rgb.size() != image.rgb.size()))
    throw Error("export: the float image does not match the 8-bit image's size");
  if (!format_available(options.format))
    throw Error("export: this OpenImageIO build cannot write " + format_name(options.format));
  const Format f = options.format;
  const bool meta = options.metadata;
  const std::string params = meta ? a1111_parameters(request, plan_of(request, record), record) : std::string();
  const std::string ripen_json = meta ? ripen_metadata_json(request, record) : std::string();
  const int w = image.width, h = image.height;
  FloatImage widened;
  const FloatImage* fl = hdr;
  if (!fl && (f == Format::Png16 || f == Format::Tiff16 || f == Format::ExrHalf)) {
    widened = to_float(image);
    fl = &widened;
  }

  OIIO::TypeDesc stored = f == Format::Png16 || f == Format::Tiff16 ? OIIO::TypeDesc::UINT16
                          : f == Format::ExrHalf                    ? OIIO::TypeDesc::HALF
                                                                    : OIIO::TypeDesc::UINT8;
  OIIO::ImageSpec spec(w, h, 3, stored);
  std::vector<float> linear;
  const void* pixels = image.rgb.data();
  OIIO::TypeDesc src = OIIO::TypeDesc::UINT8;
  if (f == Format::Png16 || f == Format::Tiff16) {
    pixels = fl->rgb.data();
    src = OIIO::TypeDesc::FLOAT;
  }
  if (f == Format::ExrHalf) {
    linear.resize(fl->rgb.size());
    std::transform(fl->rgb.begin(), fl->rgb.end(), linear.begin(), srgb_to_linear);
    pixels = linear.data();
    src = OIIO::TypeDesc::FLOAT;
    spec.attribute("oiio:ColorSpace", "Linear");
    // Rec.709 / sRGB primaries and D65 white: red xy, green xy, blue xy, white xy.
    const float chroma[8] = {0.64f, 0.33f, 0.30f, 0.60f, 0.15f, 0.06f, 0.3127f, 0.3290f};
    spec.attribute("chromaticities", OIIO::TypeDesc(OIIO::TypeDesc::FLOAT, 8), chroma);
    if (meta) {
      spec.attribute("ImageDescription", params);
      spec.attribute("ripen", ripen_json);
    }
    spec.attribute("compression", "zip");
  } else {
    spec.attribute("oiio:ColorSpace", "sRGB");
  }
  if (f == Format::Jpeg || f == Format::Tiff16) {
    if (meta) spec.attribute("ImageDescription", params);
    spec.attribute("Exif:ColorSpace", 1);  // sRGB
    spec.attribute("Software", "Ripen");
  }
  if (f == Format::Jpeg) spec.attribute("Compression", "jpeg:" + std::to_string(std::clamp(options.jpeg_quality, 1, 100)));
  if (f == Format::WebP) spec.attribute("Compression", "webp:" + std::to_string(std::clamp(options.jpeg_quality, 1, 100)));
  if (f == Format::Tiff16) spec.attribute("compression", "zip");

  std::string bytes = oiio_encode(format_extension(f), spec, src, pixels);
  if (!meta)  // PNG: OpenImageIO's colour-space text chunk goes too (the sRGB chunk says it)
    return f == Format::Png8 || f == Format::Png16 ? rewrite_png_text(bytes, {}, {"oiio:ColorSpace"}) : bytes;
  switch (f) {
    case Format::Png8:
    case Format::Png16:
      // OpenImageIO's own text chunk for the colour space is dropped: the sRGB chunk says it.
      return rewrite_png_text(bytes, {{"parameters", params}, {"ripen", ripen_json}}, {"oiio:ColorSpace"});
    case Format::Jpeg: return embed_xmp_jpeg(bytes, build_xmp_packet(params, ripen_json));
    case Format::WebP: return embed_xmp_webp(bytes, build_xmp_packet(params, ripen_json));
    case Format::Tiff16: return embed_xmp_tiff(bytes, build_xmp_packet(params, ripen_json));
    case Format::ExrHalf: return bytes;
  }
  return bytes;
}

void export_image(const fs::path& dest, const Image& image, const FloatImage* hdr, const GenerationRequest& request,
                  const GenerationRecord& record, const ExportOptions& options) {
  write_file_atomic(dest, encode_image(image, hdr, request, record, options));
}

std::string expand_name_template(const std::string& tpl, const GenerationRequest& r, const GenerationRecord& rec,
                                 int64_t id, int index) {
  std::string out;
  for (size_t i = 0; i < tpl.size(); ++i) {
    if (tpl[i] != '{') {
      out.push_back(tpl[i]);
      continue;
    }
    auto close = tpl.find('}', i);
    if (close == std::string::npos) throw Error("name template: unclosed '{' in '" + tpl + "'");
    std::string tok = tpl.substr(i + 1, close - i - 1);
    size_t limit = std::string::npos;
    if (auto colon = tok.find(':'); colon != std::string::npos) {
      try {
        limit = std::stoul(tok.substr(colon + 1));
      } catch (...) {
        throw Error("name template: bad length in '{" + tok + "}'");
      }
      tok.resize(colon);
    }
    std::string v;
    if (tok == "seed") v = std::to_string(r.seed);
    else if (tok == "mode") v = r.promote == PromoteMode::None ? to_string(r.preset) : to_string(r.promote);
    else if (tok == "prompt") v = r.prompt;
    else if (tok == "negative") v = r.negative_prompt;
    else if (tok == "id") v = std::to_string(id);
    else if (tok == "width") v = std::to_string(r.width);
    else if (tok == "height") v = std::to_string(r.height);
    else if (tok == "sampler") v = r.sampler;
    else if (tok == "steps") v = std::to_string(r.steps);
    else if (tok == "model") v = rec.model_name.empty() ? fs::path(r.model).stem().string() : rec.model_name;
    else if (tok == "hash") v = rec.model_hash;
    else if (tok == "index") v = std::to_string(index);
    else throw Error("name template: unknown field '{" + tok + "}' (known: seed, mode, prompt, negative, id, width, "
                     "height, sampler, steps, model, hash, index)");
    if (limit != std::string::npos) v = utf8_prefix(v, limit);
    out += sanitize(v);
    i = close;
  }
  return safe_file_name(out);
}

}  // namespace ripen::imageio
