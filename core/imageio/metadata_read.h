#pragma once
// Reading generation settings back from image files: Ripen's own JSON (PNG "ripen" chunk, XMP ripen:data,
// EXR "ripen" attribute), AUTOMATIC1111's "parameters" (PNG) or description, ComfyUI's "prompt"/"workflow".
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "imageio/image_types.h"
#include "pipeline/request.h"

namespace ripen::imageio {

enum class MetadataSource { Ripen, A1111, ComfyUI };
std::string to_string(MetadataSource s);

struct ImageMetadata {
  MetadataSource source = MetadataSource::Ripen;
  GenerationRequest request;
  GenerationRecord record;
  std::string parameters_text;  // the A1111 text when the file had one
  bool negative_zeroed = false;    // ComfyUI: the negative is a zeroed conditioning, not an empty prompt
  std::vector<std::string> notes;  // what the file's graph does that the request does not carry (a refiner stage)
};

// nullopt when the file carries no generation settings we understand. Throws ripen::Error when the file
// cannot be read at all.
std::optional<ImageMetadata> read_metadata(const std::filesystem::path& path);
// Parses a "ripen" JSON chunk ({"request": ..., "record": ...}).
ImageMetadata parse_ripen_json(const std::string& json_text);

// 8-bit RGB pixels of any file OpenImageIO reads (alpha dropped, grey widened, EXR linear values encoded to sRGB).
Image read_image(const std::filesystem::path& path);
// The file's width and height without decoding pixels.
std::pair<int, int> image_size(const std::filesystem::path& path);

// A JPEG thumbnail whose longer side is `size` pixels, written crash-safely.
void write_thumbnail(const Image& image, const std::filesystem::path& dest, int size = 256);

}  // namespace ripen::imageio
