#pragma once
// The seed library: every generation with its settings, lineage and image, in a folder:
//   <library>/library.db          SQLite (WAL, foreign keys, FTS5 over prompts), see schema.cpp
//   <library>/images/YYYY-MM/...  the images (PNG with A1111 "parameters" and "ripen" chunks, or imported files)
//   <library>/images/YYYY-MM/<name>.latents.safetensors   the run's latents beside its image (optional), for
//                                 promote continue/polish after a restart
//   <library>/thumbs/<id>.jpg     256 px thumbnails, made on demand and cached
// An image (and its latents) is written to a temporary name, fsynced and renamed before its row commits, so a
// crash leaves at worst a file without a row (`check --repair` adopts it from its metadata), never a row without
// its file.
//
// A Library is one SQLite connection: use one object per thread (several processes and threads may open the
// same folder at once; writers wait for each other, readers never wait).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "imageio/image_types.h"
#include "pipeline/request.h"

namespace ripen::library {

class Db;

struct Generation {
  int64_t id = 0;
  int64_t created_at_ms = 0;
  GenerationRequest request;
  GenerationRecord record;
  std::string mode;  // the request's preset name
  bool favourite = false;
  int rating = 0;    // 0..5
  std::vector<std::string> tags;
  int batch_index = 0;
  std::string image_path;  // relative to the library folder
  std::string source;      // ripen | a1111 | comfyui
  std::string latents_path;  // relative to the library folder; empty when no latents were kept
  std::string job_id;        // the render-farm job that made it (farm/plan.h); empty otherwise
};

struct GalleryFilter {
  std::string text;                  // full-text over prompt and negative prompt (words, prefix-matched)
  std::optional<std::string> model;  // model name or hash
  std::optional<std::string> mode;   // fast | quality | lightning | custom
  std::optional<bool> favourite;
  std::optional<int> min_rating;          // rating >= this (1..5)
  std::optional<int64_t> from_ms, to_ms;  // created_at range, inclusive
  std::optional<std::string> tag;
  std::optional<int64_t> collection_id;
  bool empty() const {
    return text.empty() && !model && !mode && !favourite && !min_rating && !from_ms && !to_ms && !tag && !collection_id;
  }
};

// Keyset pagination: the last row of a page; the next page starts strictly after it (newest first).
struct PageCursor {
  int64_t created_at_ms = 0;
  int64_t id = 0;
};
struct GalleryPage {
  std::vector<Generation> items;
  std::optional<PageCursor> next;  // absent on the last page
};

struct Statistics {
  int64_t generations = 0, favourites = 0, models = 0, collections = 0;
  std::map<std::string, int64_t> by_mode, by_source;
  std::vector<std::pair<std::string, int64_t>> top_models;  // most used first
  double mean_steps_used = 0, mean_seconds = 0;
  int64_t first_ms = 0, last_ms = 0;
};

struct CheckReport {
  bool integrity_ok = true;
  std::string integrity;                      // PRAGMA integrity_check's answer
  std::vector<int64_t> rows_without_file;
  std::vector<std::string> files_without_row;  // relative paths
  std::vector<std::string> temp_files;         // leftovers of interrupted writes
  std::vector<int64_t> rows_without_latents;   // rows naming a latents file that is gone
  std::vector<std::string> latents_without_row;  // latents files no row names (relative paths)
  // With repair: rows dropped, orphan files adopted as rows (from their metadata, with their latents) or deleted,
  // temp files and orphan latents deleted, missing latents forgotten (promotion then re-renders).
  int64_t rows_removed = 0, files_adopted = 0, files_removed = 0;
  bool clean() const {
    return integrity_ok && rows_without_file.empty() && files_without_row.empty() && temp_files.empty() &&
           rows_without_latents.empty() && latents_without_row.empty();
  }
};

struct StoreOptions {
  int batch_index = 0;
  std::string source = "ripen";
  std::optional<int64_t> created_at_ms;  // default: now
  // The run's latents as safetensors bytes (pipeline's save_result_latents format), kept beside the image.
  std::string latents;
  std::string job_id;  // the render-farm job this row completes (unique in a library); empty: none
  // false: the files are written without fsync (a generator filling a library to test scale, `library fill`);
  // the row still commits only after its files exist.
  bool synced = true;
};

class Library {
 public:
  struct Options {
    bool read_only = false;  // open for reading even when writable
    bool create = true;      // create the folder and database when absent
  };
  explicit Library(const std::filesystem::path& dir);
  Library(const std::filesystem::path& dir, Options options);
  ~Library();
  Library(Library&&) noexcept;

  // $XDG_DATA_HOME/ripen/library, else ~/.local/share/ripen/library.
  static std::filesystem::path default_path();

  const std::filesystem::path& dir() const { return dir_; }
  bool read_only() const { return read_only_; }
  // Why the library is read-only, for the user ("... is read-only: opened for browsing only"); empty otherwise.
  const std::string& notice() const { return notice_; }

  // --- writing (throw ripen::Error on a read-only library) ---
  // Stores one image with the request and record that made it; returns the row id. `hdr` (optional) keeps a
  // 16-bit PNG instead of an 8-bit one. request.parent_id/promote give the lineage.
  int64_t store(const GenerationRequest& request, const GenerationRecord& record, const Image& image,
                const imageio::FloatImage* hdr = nullptr, const StoreOptions& options = {});
  // Adds an existing file (copied into the store byte for byte) with settings read from elsewhere.
  int64_t add_file(const std::filesystem::path& file, const GenerationRequest& request, const GenerationRecord& record,
                   const StoreOptions& options, const std::string& content_hash);
  // The same for an image file's bytes already in memory (undoing a delete); `ext` as ".png".
  int64_t add_image_bytes(const std::string& bytes, const std::string& ext, const GenerationRequest& request,
                          const GenerationRecord& record, const StoreOptions& options, const std::string& content_hash);
  std::optional<int64_t> find_by_content_hash(const std::string& hash);
  std::optional<int64_t> find_by_job_id(const std::string& job_id);
  // The row whose stored image or latents file `file` is (a path inside this library); nullopt otherwise.
  std::optional<int64_t> find_by_file(const std::filesystem::path& file);
  void set_favourite(int64_t id, bool favourite);
  void set_rating(int64_t id, int rating);
  void set_tags(int64_t id, const std::vector<std::string>& tags);
  int64_t create_collection(const std::string& name);
  void add_to_collection(int64_t collection_id, int64_t generation_id);
  void remove_from_collection(int64_t collection_id, int64_t generation_id);
  void remove(int64_t id);  // the row, its image and its thumbnail

  // --- reading ---
  std::optional<Generation> get(int64_t id);
  GalleryPage page(const GalleryFilter& filter, int limit = 60, std::optional<PageCursor> after = std::nullopt);
  std::vector<Generation> ancestors(int64_t id);  // parent first, up to the root
  std::vector<Generation> children(int64_t id);   // direct children, oldest first
  std::vector<Generation> descendants(int64_t id);  // the whole subtree, breadth first
  // Same seed and prompt, made in another mode (preset) or by another promotion.
  std::vector<Generation> same_seed_other_modes(int64_t id);
  Statistics statistics();
  std::vector<std::pair<int64_t, std::string>> collections();
  std::vector<std::pair<std::string, int64_t>> tags();  // every tag in use with its number of images, by name
  std::vector<std::string> tags_of(int64_t id);
  std::vector<int64_t> collections_of(int64_t id);
  int64_t count();

  std::filesystem::path image_file(const Generation& g) const { return dir_ / g.image_path; }
  // The stored latents file, or empty when none was kept.
  std::filesystem::path latents_file(const Generation& g) const {
    return g.latents_path.empty() ? std::filesystem::path() : dir_ / g.latents_path;
  }
  // The cached 256 px thumbnail, made when missing (in a read-only library: made in memory only, returns empty).
  // Thread-safe: it touches no database connection (see library::thumbnail below).
  std::filesystem::path thumbnail(const Generation& g) const;

  // Integrity check, rows without files, files without rows, leftovers; `repair` fixes what it finds.
  CheckReport check(bool repair);

  Db& db();  // for tests, the benchmark and library-level tools (merge.h)

 private:
  std::filesystem::path new_image_path(int64_t created_ms, uint64_t seed, const std::string& ext) const;
  int64_t insert_row(const GenerationRequest& request, const GenerationRecord& record, const std::string& rel_path,
                     const StoreOptions& options, int64_t created_ms, const std::string& content_hash,
                     const std::string& latents_rel = "");
  int64_t store_file(const std::string& bytes, std::string ext, const GenerationRequest& request,
                     const GenerationRecord& record, const StoreOptions& options, const std::string& content_hash);
  void require_writable(const char* what) const;
  std::vector<Generation> query(const std::string& where_sql, const std::vector<std::string>& args,
                                const std::string& order = "ORDER BY g.created_at DESC, g.id DESC");

  std::filesystem::path dir_;
  std::unique_ptr<Db> db_;
  bool read_only_ = false;
  std::string notice_;
};

// The thumbnail cache without a Library object, for thumbnail threads (no connection needed): the cached 256 px
// thumbnail of generation `id` whose image is `image` (absolute), made and stored crash-safely when missing and
// `writable`; empty when missing and not writable. Concurrent calls for one id are safe (atomic rename).
std::filesystem::path thumbnail(const std::filesystem::path& library_dir, int64_t id, const std::filesystem::path& image,
                                bool writable);
// Where a row's latents go: beside its image, "<image stem>.latents.safetensors".
std::filesystem::path latents_path_for(const std::filesystem::path& image_rel);

// A content hash of a file's bytes (hex FNV-1a 64), used to skip files imported before.
std::string content_hash(const std::string& bytes);

}  // namespace ripen::library
