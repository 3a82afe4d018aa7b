#pragma once
// Model hashes as AUTOMATIC1111 writes them, remembered across runs.
//
// A1111's "Model hash" (infotext, Civitai's "AutoV2") is the first 10 hex digits of the SHA-256 of the
// checkpoint file (modules/hashing.py computes the file's sha256, sd_models.py keeps sha256[0:10] as the
// short hash). Here:
//   single-file checkpoint: the SHA-256 of the file, as A1111 computes it;
//   diffusers folder:       A1111 has none. The SHA-256 of the UNet weights file (unet/diffusion_pytorch_model
//                           [.fp16].safetensors): the UNet is what tells one fine-tune from another, and it is one
//                           file, hashed as a checkpoint is. A sharded UNet: the SHA-256 of its shards' hex
//                           digests concatenated in file-name order.
// Hashing a 7 GB checkpoint takes seconds even with SHA extensions, so digests are cached by (absolute path,
// size, modification time) in $XDG_CACHE_HOME/ripen/hashes.json (else ~/.cache/ripen/hashes.json):
//   {"version": 1, "files": {"/abs/path": {"size": N, "mtime_ns": T, "sha256": "<64 hex>"}}}
// (a LoRA's entry may hold "sha256_from_<offset>" instead or as well: see sha256_from).
// A changed size or mtime means the file is hashed again; an unreadable or malformed cache is ignored and
// rewritten; entries of files that no longer exist are dropped when it is written. Writes go to a temporary
// file renamed over the cache, so a reader never sees half a file.
#include <filesystem>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace ripen::models {

struct ModelHash {
  std::string sha256;      // 64 hex digits
  std::string short_hash;  // A1111's "Model hash": sha256[0:10]
};

class HashCache {
 public:
  explicit HashCache(std::filesystem::path file);  // an empty path: no cache, every call hashes
  // $XDG_CACHE_HOME/ripen/hashes.json, else $HOME/.cache/ripen/hashes.json; empty when neither is set.
  static std::filesystem::path default_file();
  static HashCache& shared();  // the default file's cache (one per process: its writes are serialised)

  // The file's SHA-256, from the cache when its size and mtime still match, else computed and recorded.
  // Throws ripen::Error naming the file when it cannot be read. Failing to write the cache is not an error.
  std::string sha256(const std::string& path);
  // The SHA-256 of the file's bytes from `offset` on, cached beside the whole file's digest (same rules).
  std::string sha256_from(const std::string& path, uint64_t offset);
  const std::filesystem::path& file() const { return file_; }

 private:
  std::string cached(const std::string& path, uint64_t offset);
  std::filesystem::path file_;
  std::mutex mutex_;
};

// What the model's hash covers (see above): the file itself, or a folder's UNet weights file(s).
std::vector<std::string> model_hash_files(const std::string& path);
// The hash of those files: one file's SHA-256, or that of several files' concatenated hex digests.
ModelHash hash_of_files(const std::vector<std::string>& files, HashCache& cache = HashCache::shared());
ModelHash model_hash(const std::string& path, HashCache& cache = HashCache::shared());

}  // namespace ripen::models
