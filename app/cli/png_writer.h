#pragma once
// A tiny PNG writer (8-bit RGB, stored deflate blocks, optional tEXt chunks) so the engine-only build of
// ripen-cli still writes PNGs; with the imageio target, cmd_generate uses OpenImageIO's export instead.
#include <string>
#include <utility>
#include <vector>

#include "pipeline/request.h"

namespace ripen::cli {

std::vector<uint8_t> encode_png_stored(const Image& img, const std::vector<std::pair<std::string, std::string>>& text = {});
// Writes to path + ".tmp" and renames, so a crash or cancel never leaves a half-written PNG under `path`.
void write_png_stored(const std::string& path, const Image& img,
                      const std::vector<std::pair<std::string, std::string>>& text = {});

}  // namespace ripen::cli
