#pragma once
// Writing a generation's image through OpenImageIO with metadata other tools read:
//   PNG (8/16-bit): tEXt/iTXt "parameters" (A1111 format, see a1111_infotext.h) and "ripen" (JSON: request and
//                   record), sRGB chunk.
//   JPEG, WebP:     EXIF/IPTC ImageDescription (JPEG) and an XMP packet (description + ripen JSON).
//   TIFF 16-bit:    ImageDescription and XMP (tag 700).
//   OpenEXR half:   linear-light values (sRGB decoded) with Rec.709/sRGB chromaticities, ImageDescription and a
//                   "ripen" string attribute.
// Every file is written to a temporary name, fsynced and renamed, so a crash never leaves half a file.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "imageio/image_types.h"
#include "pipeline/request.h"

namespace ripen::imageio {

enum class Format { Png8, Png16, Jpeg, Tiff16, ExrHalf, WebP };

std::string format_name(Format f);                       // "png", "png16", "jpeg", "tiff16", "exr", "webp"
std::string format_extension(Format f);                  // ".png", ".jpg", ".tif", ".exr", ".webp"
std::optional<Format> format_from_name(const std::string& name);  // also accepts "jpg", "tiff", "png8"
// Whether the installed OpenImageIO can write the format (asked at run time: WebP is optional).
bool format_available(Format f);
std::vector<Format> available_formats();

struct ExportOptions {
  Format format = Format::Png8;
  int jpeg_quality = 92;  // 1..100 (also WebP quality)
  // false: no prompt, parameters, ripen JSON or XMP in any format (colour-space tags and pixels only).
  bool metadata = true;
};

// The "ripen" JSON: {"ripen_metadata": 1, "request": {...}, "record": {...}}.
std::string ripen_metadata_json(const GenerationRequest& request, const GenerationRecord& record);

// Encodes the image in memory. `hdr` (optional) gives more than 8 bits for Png16/Tiff16/ExrHalf; otherwise the
// 8-bit pixels are widened. Throws ripen::Error.
std::string encode_image(const Image& image, const FloatImage* hdr, const GenerationRequest& request,
                         const GenerationRecord& record, const ExportOptions& options);
// encode_image, then a crash-safe write to `dest`.
void export_image(const std::filesystem::path& dest, const Image& image, const FloatImage* hdr,
                  const GenerationRequest& request, const GenerationRecord& record, const ExportOptions& options);

// Expands {seed}, {mode}, {prompt:N}, {negative:N}, {id}, {width}, {height}, {sampler}, {steps}, {model},
// {hash}, {index} into a file name (no extension); characters unsafe in file names become '_'. The result is one
// file name inside the export folder whatever the prompt or template holds: no separator, "..", leading dot,
// control character or Windows device name (CON, NUL, COM1, ...), at most 200 bytes.
std::string expand_name_template(const std::string& tpl, const GenerationRequest& request,
                                 const GenerationRecord& record, int64_t id, int index = 0);

}  // namespace ripen::imageio
