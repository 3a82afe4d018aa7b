#pragma once
// What a library folder takes on disk, by part: the database (with its WAL), the images and latents, the
// thumbnail cache, anything else.
#include <cstdint>
#include <filesystem>

namespace ripen::library {

struct DiskUsage {
  int64_t database_bytes = 0, image_bytes = 0, latents_bytes = 0, thumbnail_bytes = 0, other_bytes = 0;
  int64_t image_files = 0, latents_files = 0, thumbnail_files = 0;
  int64_t total() const { return database_bytes + image_bytes + latents_bytes + thumbnail_bytes + other_bytes; }
};

DiskUsage disk_usage(const std::filesystem::path& library_dir);

}  // namespace ripen::library
