#include "models/model_hash.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "models/sha256.h"
#include "models/source.h"
#include "tensors/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace ripen::models {
namespace {

struct Stamp {
  int64_t size = 0, mtime_ns = 0;
};

Stamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(path + ": cannot read for hashing: " + std::strerror(errno));
  return {static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

bool is_hex_digest(const json& v) {
  if (!v.is_string() || v.get_ref<const std::string&>().size() != 64) return false;
  for (char c : v.get_ref<const std::string&>())
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// The cache's entries; anything unreadable reads as no entries (it is rebuilt on the next write).
json read_entries(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return json::object();
  json db = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!db.is_object() || db.value("version", 0) != 1 || !db.contains("files") || !db["files"].is_object()) return json::object();
  return db["files"];
}

void write_entries(const fs::path& file, const json& entries) {
  static std::atomic<int> serial{0};
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fs::path tmp = file;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(serial++);
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;  // a read-only cache folder costs re-hashing, nothing else
    out << json{{"version", 1}, {"files", entries}}.dump(1) << "\n";
    if (!out.flush()) {
      out.close();
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) fs::remove(tmp, ec);
}

}  // namespace

HashCache::HashCache(fs::path file) : file_(std::move(file)) {}

fs::path HashCache::default_file() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "ripen" / "hashes.json";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "ripen" / "hashes.json";
  return {};
}

HashCache& HashCache::shared() {
  static HashCache cache(default_file());
  return cache;
}

std::string HashCache::sha256(const std::string& path) { return cached(path, 0); }

std::string HashCache::sha256_from(const std::string& path, uint64_t offset) { return cached(path, offset); }

// An entry holds the file's stamp and its digests: "sha256" (the whole file) and "sha256_from_<offset>" (AUTOMATIC1111's
// LoRA hash skips the safetensors header); a digest of a file whose stamp changed is dropped with the old stamp.
std::string HashCache::cached(const std::string& path, uint64_t offset) {
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec);
  const std::string key = ec ? path : abs.lexically_normal().string();
  const std::string field = offset == 0 ? "sha256" : "sha256_from_" + std::to_string(offset);
  const Stamp before = stamp_of(path);
  if (file_.empty()) return sha256_file(path, offset);
  auto matches = [](const json& e, const Stamp& st) {
    return e.is_object() && e.value("size", int64_t{-1}) == st.size && e.value("mtime_ns", int64_t{-1}) == st.mtime_ns;
  };
  {
    std::lock_guard lock(mutex_);
    const json entries = read_entries(file_);
    if (auto it = entries.find(key); it != entries.end() && matches(*it, before) && is_hex_digest(it->value(field, json())))
      return (*it)[field].get<std::string>();
  }
  std::string digest = sha256_file(path, offset);  // outside the lock: other files may be looked up meanwhile
  const Stamp after = stamp_of(path);
  if (after.size != before.size || after.mtime_ns != before.mtime_ns) return digest;  // written while read: don't record
  std::lock_guard lock(mutex_);
  json entries = read_entries(file_);  // again: another process may have added entries meanwhile
  for (auto it = entries.begin(); it != entries.end();)  // forget files that are gone, so the cache stays small
    it = fs::exists(it.key(), ec) ? std::next(it) : entries.erase(it);
  json& e = entries[key];
  if (!matches(e, after)) e = {{"size", after.size}, {"mtime_ns", after.mtime_ns}};
  e[field] = digest;
  write_entries(file_, entries);
  return digest;
}

std::vector<std::string> model_hash_files(const std::string& path) {
  if (!fs::is_directory(path)) return {path};
  LoadOptions o;
  o.components = {"unet"};
  return open_model_source(path, o).hashed_files;
}

ModelHash hash_of_files(const std::vector<std::string>& files, HashCache& cache) {
  if (files.empty()) throw Error("model hash: no files to hash");
  ModelHash h;
  if (files.size() == 1) {
    h.sha256 = cache.sha256(files[0]);
  } else {
    Sha256 all;
    for (const auto& f : files) all.update(cache.sha256(f).data(), 64);
    h.sha256 = all.hex_digest();
  }
  h.short_hash = h.sha256.substr(0, 10);
  return h;
}

ModelHash model_hash(const std::string& path, HashCache& cache) { return hash_of_files(model_hash_files(path), cache); }

}  // namespace ripen::models
