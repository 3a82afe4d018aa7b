#include "library/disk_usage.h"

#include <string>

namespace ripen::library {
namespace fs = std::filesystem;

DiskUsage disk_usage(const fs::path& dir) {
  DiskUsage u;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const int64_t size = static_cast<int64_t>(it->file_size(ec));
    const fs::path rel = it->path().lexically_relative(dir);
    const std::string top = rel.begin()->string(), name = rel.filename().string();
    if (top.rfind("library.db", 0) == 0) {
      u.database_bytes += size;
    } else if (top == "thumbs") {
      u.thumbnail_bytes += size;
      ++u.thumbnail_files;
    } else if (top == "images" && name.ends_with(".latents.safetensors")) {
      u.latents_bytes += size;
      ++u.latents_files;
    } else if (top == "images") {
      u.image_bytes += size;
      ++u.image_files;
    } else {
      u.other_bytes += size;
    }
  }
  return u;
}

}  // namespace ripen::library
