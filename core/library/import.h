#pragma once
// `ripen-cli library import DIR`: files with Ripen, AUTOMATIC1111 or ComfyUI metadata become library rows (the
// file is copied into the store byte for byte); files imported before (same bytes) are skipped.
#include <filesystem>
#include <string>
#include <vector>

#include "library/library.h"

namespace ripen::library {

struct ImportReport {
  int imported = 0, already_present = 0, without_metadata = 0, failed = 0;
  std::vector<int64_t> ids;
  std::vector<std::string> problems;  // "path: why"
};

// `path` is a file or a folder (searched recursively for .png .jpg .jpeg .webp .tif .tiff .exr).
ImportReport import_path(Library& library, const std::filesystem::path& path);

}  // namespace ripen::library
