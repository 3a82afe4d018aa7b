#include "library/import.h"

#include <algorithm>

#include "imageio/file_util.h"
#include "imageio/metadata_read.h"
#include "tensors/error.h"

namespace ripen::library {
namespace fs = std::filesystem;
namespace {
bool is_image(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), ::tolower);
  for (const char* x : {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".exr"})
    if (e == x) return true;
  return false;
}

void import_one(Library& lib, const fs::path& file, ImportReport& rep) {
  try {
    std::string hash = content_hash(imageio::read_file(file));
    if (lib.find_by_content_hash(hash)) {
      ++rep.already_present;
      return;
    }
    auto meta = imageio::read_metadata(file);
    if (!meta) {
      ++rep.without_metadata;
      rep.problems.push_back(file.string() + ": no generation settings found");
      return;
    }
    StoreOptions o;
    o.source = imageio::to_string(meta->source);
    std::error_code ec;
    auto mtime = fs::last_write_time(file, ec);
    if (!ec)
      o.created_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                            .count();
    rep.ids.push_back(lib.add_file(file, meta->request, meta->record, o, hash));
    ++rep.imported;
  } catch (const std::exception& e) {
    ++rep.failed;
    rep.problems.push_back(file.string() + ": " + e.what());
  }
}
}  // namespace

ImportReport import_path(Library& lib, const fs::path& path) {
  ImportReport rep;
  if (!fs::exists(path)) throw Error(path.string() + ": no such file or folder");
  if (fs::is_regular_file(path)) {
    import_one(lib, path, rep);
    return rep;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied))
    if (e.is_regular_file() && is_image(e.path()) && !imageio::is_temp_name(e.path())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) import_one(lib, f, rep);
  return rep;
}

}  // namespace ripen::library
