#include "library/merge.h"

#include <algorithm>
#include <map>

#include "imageio/file_util.h"
#include "imageio/metadata_read.h"
#include "library/schema.h"
#include "library/sqlite_db.h"
#include "tensors/error.h"

namespace ripen::library {
namespace fs = std::filesystem;
namespace {

bool is_library(const fs::path& p) { return fs::is_regular_file(p / "library.db"); }

// The shard's schema version, read without opening it as a Library (which would migrate an older one).
int shard_schema_version(const fs::path& dir) {
  Db db((dir / "library.db").string(), SQLITE_OPEN_READONLY);
  return schema_version(db);
}

void require_compatible(const fs::path& dir) {
  if (!is_library(dir)) throw Error(dir.string() + ": not a library (no library.db)");
  const int v = shard_schema_version(dir);
  if (v == kSchemaVersion) return;
  if (v > kSchemaVersion)
    throw Error(dir.string() + ": cannot merge: this library has schema version " + std::to_string(v) +
                ", written by a newer Ripen; this build merges version " + std::to_string(kSchemaVersion) +
                " (merge it with that Ripen, or update this one)");
  throw Error(dir.string() + ": cannot merge: this library has schema version " + std::to_string(v) +
              ", this build merges version " + std::to_string(kSchemaVersion) +
              " only; upgrade it first (`ripen-cli library check --library " + dir.string() +
              "` opens and upgrades it), then merge");
}

std::optional<int64_t> sql_parent(Db& db, int64_t id) {
  Stmt s(db, "SELECT parent_id FROM generations WHERE id = ?1");
  s.bind(1, id);
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return s.i64(0);
}

// A row of `into` whose image file has these bytes: by its recorded content hash, else (rows generated in place
// keep none) among the rows of the same seed, by hashing their files; the hash found is recorded on the way.
std::optional<int64_t> find_same_file(Library& into, const std::string& hash, uint64_t seed) {
  if (auto id = into.find_by_content_hash(hash)) return id;
  Stmt s(into.db(), "SELECT id, image_path FROM generations WHERE seed = ?1 AND content_hash = ''");
  s.bind(1, static_cast<int64_t>(seed));
  std::vector<std::pair<int64_t, std::string>> candidates;
  while (s.step()) candidates.emplace_back(s.i64(0), s.text(1));
  for (const auto& [id, rel] : candidates) {
    std::error_code ec;
    if (!fs::is_regular_file(into.dir() / rel, ec)) continue;
    const std::string h = content_hash(imageio::read_file(into.dir() / rel));
    if (!into.read_only())
      Stmt(into.db(), "UPDATE generations SET content_hash = ?2 WHERE id = ?1").bind(1, id).bind(2, h).run();
    if (h == hash) return id;
  }
  return std::nullopt;
}

std::string read_if_present(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::is_regular_file(p, ec) ? imageio::read_file(p) : std::string();
}
}  // namespace

std::string pixel_hash(const fs::path& image) {
  const Image im = imageio::read_image(image);
  std::string bytes(reinterpret_cast<const char*>(im.rgb.data()), im.rgb.size());
  return content_hash(std::to_string(im.width) + "x" + std::to_string(im.height) + ":" + bytes);
}

std::vector<fs::path> shard_libraries(const fs::path& path) {
  if (is_library(path)) return {path};
  std::vector<fs::path> out;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_directory() && is_library(e.path())) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  if (out.empty()) throw Error(path.string() + ": neither a library nor a folder of libraries (no library.db)");
  return out;
}

MergeReport merge_libraries(Library& into, const std::vector<fs::path>& shards) {
  if (into.read_only()) throw Error("cannot merge into " + into.dir().string() + ": " + into.notice());
  for (const auto& dir : shards) {
    require_compatible(dir);
    std::error_code ec;
    if (fs::equivalent(dir, into.dir(), ec)) throw Error(dir.string() + ": cannot merge a library into itself");
  }
  MergeReport rep;
  for (const auto& dir : shards) {
    Library shard(dir, Library::Options{.read_only = true, .create = false});
    MergeShardReport sr;
    sr.dir = dir;
    std::map<int64_t, int64_t> merged;  // shard id -> into id
    std::vector<int64_t> ids;
    {
      Stmt s(shard.db(), "SELECT id FROM generations ORDER BY id");  // a parent is always older than its child
      while (s.step()) ids.push_back(s.i64(0));
    }
    for (int64_t id : ids) {
      auto g = shard.get(id);
      if (!g) continue;
      ++sr.rows;
      const fs::path file = shard.image_file(*g);
      const std::string bytes = imageio::read_file(file);
      const std::string hash = content_hash(bytes);
      std::optional<int64_t> existing;
      if (!g->job_id.empty()) {
        if (auto there = into.find_by_job_id(g->job_id)) {
          existing = there;
          auto t = into.get(*there);
          const bool same_file = t && content_hash(imageio::read_file(into.image_file(*t))) == hash;
          const std::string mine = same_file ? "" : pixel_hash(file), theirs = same_file ? "" : pixel_hash(into.image_file(*t));
          if (!same_file && mine != theirs) {
            rep.conflicts.push_back({g->job_id, dir, id, *there, mine, theirs});
            ++sr.conflicts;
            merged[id] = *there;
            continue;
          }
        }
      }
      if (!existing) existing = find_same_file(into, hash, g->request.seed);
      if (existing) {
        merged[id] = *existing;
        ++sr.duplicates;
        continue;
      }
      GenerationRequest request = g->request;
      request.parent_id.reset();  // the shard's ids mean nothing here; only a merged parent is linked
      if (auto p = sql_parent(shard.db(), id); p && merged.count(*p)) request.parent_id = merged[*p];
      StoreOptions o;
      o.batch_index = g->batch_index;
      o.source = g->source;
      o.created_at_ms = g->created_at_ms;
      o.latents = read_if_present(shard.latents_file(*g));
      o.job_id = g->job_id;
      const int64_t added = into.add_image_bytes(bytes, file.extension().string(), request, g->record, o, hash);
      if (g->favourite) into.set_favourite(added, true);
      if (g->rating) into.set_rating(added, g->rating);
      if (!g->tags.empty()) into.set_tags(added, g->tags);
      merged[id] = added;
      ++sr.added;
    }
    rep.added += sr.added;
    rep.duplicates += sr.duplicates;
    rep.shards.push_back(sr);
  }
  return rep;
}

}  // namespace ripen::library
