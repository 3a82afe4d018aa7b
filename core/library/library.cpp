#include "library/library.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>

#include "imageio/export.h"
#include "imageio/file_util.h"
#include "imageio/metadata_read.h"
#include "library/schema.h"
#include "library/sqlite_db.h"
#include "pipeline/presets.h"
#include "tensors/error.h"

namespace ripen::library {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDbName = "library.db";
constexpr const char* kColumns =
    "g.id, g.created_at, g.request_json, g.record_json, g.mode, g.favourite, g.rating, g.batch_index, g.image_path, "
    "g.source, (SELECT group_concat(tag, char(31)) FROM tags t WHERE t.generation_id = g.id), g.latents_path, g.job_id";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string uri_path(const fs::path& p) {
  std::string out = "file:";
  for (unsigned char c : fs::absolute(p).string()) {
    if (c == '?' || c == '#' || c == '%' || c < 0x20) {
      char b[4];
      std::snprintf(b, sizeof(b), "%%%02X", c);
      out += b;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// A library the user cannot (or chose not to) write: read-only file system, no write permission, or a database
// file with every write bit cleared (the way to mark a library read-only, which holds even for root).
std::string why_not_writable(const fs::path& dir, const fs::path& db) {
  struct statvfs vfs {};
  if (statvfs(dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) return "it is on a read-only file system";
  if (access(dir.c_str(), W_OK) != 0) return "its folder is not writable";
  if (access(db.c_str(), W_OK) != 0) return "its database file is not writable";
  struct stat st {};
  if (stat(db.c_str(), &st) == 0 && (st.st_mode & 0222) == 0) return "its database file is marked read-only";
  return "";
}

std::string model_name_of(const GenerationRequest& r, const GenerationRecord& rec) {
  if (!rec.model_name.empty()) return rec.model_name;
  return r.model == "embedded" ? r.model : fs::path(r.model).stem().string();
}

Generation row_to_generation(Stmt& s) {
  Generation g;
  g.id = s.i64(0);
  g.created_at_ms = s.i64(1);
  g.request = GenerationRequest::from_json(nlohmann::json::parse(s.text(2)));
  g.record = GenerationRecord::from_json(nlohmann::json::parse(s.text(3)));
  g.mode = s.text(4);
  g.favourite = s.i64(5) != 0;
  g.rating = static_cast<int>(s.i64(6));
  g.batch_index = static_cast<int>(s.i64(7));
  g.image_path = s.text(8);
  g.source = s.text(9);
  std::string tags = s.text(10);
  size_t start = 0;
  while (!tags.empty()) {
    auto sep = tags.find('\x1f', start);
    g.tags.push_back(tags.substr(start, sep == std::string::npos ? std::string::npos : sep - start));
    if (sep == std::string::npos) break;
    start = sep + 1;
  }
  std::sort(g.tags.begin(), g.tags.end());
  g.latents_path = s.text(11);
  g.job_id = s.text(12);
  return g;
}

// The schema's gallery_key (see schema.cpp): created_at, clamped to +-2^47 ms, times 65536, plus a rank.
constexpr int64_t kGalleryKeySlot = 65536;
constexpr int64_t kCreatedAtLimit = (int64_t(1) << 47) - 1;
int64_t clamp_created_at(int64_t ms) { return std::clamp(ms, -kCreatedAtLimit - 1, kCreatedAtLimit); }
int64_t gallery_key_of(int64_t ms) { return clamp_created_at(ms) * kGalleryKeySlot; }

// Numbered statement parameters with their values, so that one set of conditions serves several statements.
class Params {
 public:
  std::string add(int64_t v) {
    binds_.push_back([v](Stmt& s, int i) { s.bind(i, v); });
    return "?" + std::to_string(binds_.size());
  }
  std::string add(const std::string& v) {
    binds_.push_back([v](Stmt& s, int i) { s.bind(i, v); });
    return "?" + std::to_string(binds_.size());
  }
  void bind(Stmt& s) const {
    for (size_t i = 0; i < binds_.size(); ++i) binds_[i](s, static_cast<int>(i + 1));
  }

 private:
  std::vector<std::function<void(Stmt&, int)>> binds_;
};

void write_file_unsynced(const fs::path& dest, std::string_view bytes) {
  std::ofstream out(dest, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw Error(dest.string() + ": cannot write");
}

// User words -> an FTS5 query: every word must appear, the last one as a prefix ("red ca" finds "red cat").
std::string fts_query(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  std::string q;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string esc;
    for (char c : words[i]) esc += c == '"' ? std::string("\"\"") : std::string(1, c);
    q += (q.empty() ? "" : " ") + ("\"" + esc + "\"") + (i + 1 == words.size() ? "*" : "");
  }
  return q;
}
}  // namespace

std::string content_hash(const std::string& bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char b[17];
  std::snprintf(b, sizeof(b), "%016llx", static_cast<unsigned long long>(h));
  return b;
}

fs::path Library::default_path() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "ripen" / "library";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".local" / "share" / "ripen" / "library";
  return fs::current_path() / "ripen-library";
}

Library::Library(const fs::path& dir) : Library(dir, Options{}) {}

Library::Library(const fs::path& dir, Options options) : dir_(dir) {
  const fs::path db_path = dir_ / kDbName;
  const bool exists = fs::exists(db_path);
  if (!exists && (!options.create || options.read_only))
    throw Error(dir_.string() + ": no library here (" + kDbName + " is missing)");
  if (!exists) {
    std::error_code ec;
    fs::create_directories(dir_ / "images", ec);
    if (ec) throw Error(dir_.string() + ": cannot create the library folder: " + ec.message());
  }
  std::string why = options.read_only ? "it was opened read-only" : (exists ? why_not_writable(dir_, db_path) : "");
  read_only_ = !why.empty();

  if (!read_only_) {
    db_ = std::make_unique<Db>(db_path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    // Refuse a newer schema before anything (even switching to WAL) touches the file.
    refuse_newer(schema_version(*db_), dir_.string());
    {
      Stmt wal(*db_, "PRAGMA journal_mode=WAL");
      wal.step();
    }
    db_->exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;");
    migrate(*db_, dir_.string());
  } else {
    notice_ = "library " + dir_.string() + " is read-only (" + why + "): opened for browsing only";
    // WAL readers need the -shm file. Without one nobody has the library open for writing, and a read-only
    // file system could not get one, so the database is opened as immutable.
    const bool shm = fs::exists(dir_ / (std::string(kDbName) + "-shm"));
    db_ = std::make_unique<Db>(uri_path(db_path) + (shm ? "?mode=ro" : "?mode=ro&immutable=1"), SQLITE_OPEN_READONLY);
    int v = schema_version(*db_);
    refuse_newer(v, dir_.string());
    if (v != kSchemaVersion)
      throw Error(dir_.string() + ": this library (schema version " + std::to_string(v) +
                  ") must be upgraded before use, which a read-only library cannot be");
    db_->exec("PRAGMA foreign_keys=ON;");
  }
}

Library::~Library() = default;
Library::Library(Library&&) noexcept = default;

Db& Library::db() { return *db_; }

void Library::require_writable(const char* what) const {
  if (read_only_) throw Error(std::string("cannot ") + what + ": " + notice_);
}

fs::path Library::new_image_path(int64_t created_ms, uint64_t seed, const std::string& ext) const {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^ static_cast<uint64_t>(getpid())};
  time_t secs = static_cast<time_t>(created_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char month[16], name[96];
  std::snprintf(month, sizeof(month), "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
  std::snprintf(name, sizeof(name), "%lld-%llu-%08llx", static_cast<long long>(created_ms),
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(rng() & 0xffffffffu));
  return fs::path("images") / month / (std::string(name) + ext);
}

int64_t Library::insert_row(const GenerationRequest& r, const GenerationRecord& rec, const std::string& rel_path,
                            const StoreOptions& options, int64_t created_ms, const std::string& hash,
                            const std::string& latents_rel) {
  created_ms = clamp_created_at(created_ms);  // beyond, gallery_key could not keep the gallery's order
  // A caller's open transaction (a bulk fill storing thousands of rows) takes this row; else the row is its own.
  std::optional<Transaction> tx;
  if (sqlite3_get_autocommit(db_->raw())) tx.emplace(*db_);
  const std::string model = model_name_of(r, rec);
  // The sampler, schedule, steps and CFG columns say what ran (the plan's steps; steps_used what was taken).
  const SamplingPlan plan = plan_of(r, rec);
  const RunSummary run = summarize_run(plan, rec.base_steps_used());
  Stmt(*db_, "INSERT OR IGNORE INTO models(name, hash, path) VALUES (?1, ?2, ?3)")
      .bind(1, model)
      .bind(2, rec.model_hash)
      .bind(3, r.model)
      .run();
  Stmt mid(*db_, "SELECT id FROM models WHERE name = ?1 AND hash = ?2");
  mid.bind(1, model).bind(2, rec.model_hash);
  if (!mid.step()) throw Error("library: model row vanished");
  int64_t model_id = mid.i64(0);
  std::optional<int64_t> parent;
  if (r.parent_id) {
    Stmt p(*db_, "SELECT 1 FROM generations WHERE id = ?1");
    p.bind(1, *r.parent_id);
    if (p.step()) parent = r.parent_id;  // a parent from another library stays only in the request JSON
  }
  Stmt ins(*db_, R"sql(INSERT INTO generations(created_at, prompt, negative_prompt, seed, width, height, mode, sampler,
      schedule, steps, cfg, model_id, model_hash, parent_id, promote, steps_used, unet_evals, seconds_total, stop_reason,
      batch_index, image_path, source, request_json, record_json, content_hash, latents_path, job_id)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23,
      ?24, ?25, ?26, ?27))sql");
  ins.bind(1, created_ms)
      .bind(2, r.prompt)
      .bind(3, r.negative_prompt)
      .bind(4, static_cast<int64_t>(r.seed))
      .bind(5, r.width)
      .bind(6, r.height)
      .bind(7, to_string(r.preset))
      .bind(8, run.sampler)
      .bind(9, plan.schedule)
      .bind(10, plan.steps)
      .bind(11, run.cfg)
      .bind(12, model_id)
      .bind(13, rec.model_hash)
      .bind(14, parent)
      .bind(15, to_string(r.promote))
      .bind(16, rec.steps_used)
      .bind(17, rec.unet_evals)
      .bind(18, rec.seconds_total)
      .bind(19, rec.stop_reason)
      .bind(20, options.batch_index)
      .bind(21, rel_path)
      .bind(22, options.source)
      .bind(23, r.to_json().dump())
      .bind(24, rec.to_json().dump())
      .bind(25, hash)
      .bind(26, latents_rel)
      .bind(27, options.job_id);
  ins.run();
  int64_t id = db_->last_insert_id();
  if (tx) tx->commit();
  return id;
}

int64_t Library::store(const GenerationRequest& request, const GenerationRecord& record, const Image& image,
                       const imageio::FloatImage* hdr, const StoreOptions& options) {
  require_writable("store a generation");
  imageio::ExportOptions eo;
  eo.format = hdr ? imageio::Format::Png16 : imageio::Format::Png8;
  return store_file(imageio::encode_image(image, hdr, request, record, eo), ".png", request, record, options, "");
}

int64_t Library::add_file(const fs::path& file, const GenerationRequest& request, const GenerationRecord& record,
                          const StoreOptions& options, const std::string& hash) {
  require_writable("import");
  return store_file(imageio::read_file(file), file.extension().string(), request, record, options, hash);
}

int64_t Library::add_image_bytes(const std::string& bytes, const std::string& ext, const GenerationRequest& request,
                                 const GenerationRecord& record, const StoreOptions& options, const std::string& hash) {
  require_writable("restore");
  return store_file(bytes, ext, request, record, options, hash);
}

// The image, then its latents, each durable under its final name before the row exists.
int64_t Library::store_file(const std::string& bytes, std::string ext, const GenerationRequest& request,
                            const GenerationRecord& record, const StoreOptions& options, const std::string& hash) {
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  if (ext.empty()) ext = ".img";
  int64_t created = options.created_at_ms.value_or(now_ms());
  fs::path rel = new_image_path(created, request.seed, ext);
  fs::path lat = options.latents.empty() ? fs::path() : latents_path_for(rel);
  std::error_code ec;
  fs::create_directories((dir_ / rel).parent_path(), ec);
  if (ec) throw Error((dir_ / rel).parent_path().string() + ": cannot create folder: " + ec.message());
  try {
    const auto write = options.synced ? imageio::write_file_atomic : write_file_unsynced;
    write(dir_ / rel, bytes);
    if (!lat.empty()) write(dir_ / lat, options.latents);
    return insert_row(request, record, rel.string(), options, created, hash, lat.string());
  } catch (...) {
    fs::remove(dir_ / rel, ec);
    if (!lat.empty()) fs::remove(dir_ / lat, ec);
    throw;
  }
}

std::optional<int64_t> Library::find_by_content_hash(const std::string& hash) {
  Stmt s(*db_, "SELECT id FROM generations WHERE content_hash = ?1 AND content_hash != '' LIMIT 1");
  s.bind(1, hash);
  if (s.step()) return s.i64(0);
  return std::nullopt;
}

std::optional<int64_t> Library::find_by_job_id(const std::string& job_id) {
  Stmt s(*db_, "SELECT id FROM generations WHERE job_id = ?1 AND job_id != ''");
  s.bind(1, job_id);
  if (s.step()) return s.i64(0);
  return std::nullopt;
}

std::optional<int64_t> Library::find_by_file(const fs::path& file) {
  std::error_code ec;
  const fs::path abs = fs::weakly_canonical(file, ec), root = fs::weakly_canonical(dir_, ec);
  if (ec) return std::nullopt;
  const fs::path rel = abs.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  Stmt s(*db_, "SELECT id FROM generations WHERE image_path = ?1 OR (latents_path = ?1 AND latents_path != '') LIMIT 1");
  s.bind(1, rel.generic_string());
  if (s.step()) return s.i64(0);
  return std::nullopt;
}

void Library::set_favourite(int64_t id, bool fav) {
  require_writable("change a favourite");
  Stmt(*db_, "UPDATE generations SET favourite = ?2 WHERE id = ?1").bind(1, id).bind(2, fav ? 1 : 0).run();
}

void Library::set_rating(int64_t id, int rating) {
  require_writable("change a rating");
  if (rating < 0 || rating > 5) throw Error("rating must be 0..5, got " + std::to_string(rating));
  Stmt(*db_, "UPDATE generations SET rating = ?2 WHERE id = ?1").bind(1, id).bind(2, rating).run();
}

void Library::set_tags(int64_t id, const std::vector<std::string>& tags) {
  require_writable("change tags");
  Transaction tx(*db_);
  Stmt(*db_, "DELETE FROM tags WHERE generation_id = ?1").bind(1, id).run();
  for (const auto& t : tags)
    Stmt(*db_, "INSERT OR IGNORE INTO tags(generation_id, tag) VALUES (?1, ?2)").bind(1, id).bind(2, t).run();
  tx.commit();
}

int64_t Library::create_collection(const std::string& name) {
  require_writable("create a collection");
  Stmt(*db_, "INSERT OR IGNORE INTO collections(name, created_at) VALUES (?1, ?2)").bind(1, name).bind(2, now_ms()).run();
  Stmt s(*db_, "SELECT id FROM collections WHERE name = ?1");
  s.bind(1, name);
  s.step();
  return s.i64(0);
}

void Library::add_to_collection(int64_t cid, int64_t gid) {
  require_writable("change a collection");
  Stmt(*db_, "INSERT OR IGNORE INTO collection_items(collection_id, generation_id, position) VALUES (?1, ?2, "
             "(SELECT coalesce(max(position), 0) + 1 FROM collection_items WHERE collection_id = ?1))")
      .bind(1, cid)
      .bind(2, gid)
      .run();
}

void Library::remove_from_collection(int64_t cid, int64_t gid) {
  require_writable("change a collection");
  Stmt(*db_, "DELETE FROM collection_items WHERE collection_id = ?1 AND generation_id = ?2").bind(1, cid).bind(2, gid).run();
}

std::vector<std::pair<std::string, int64_t>> Library::tags() {
  std::vector<std::pair<std::string, int64_t>> out;
  Stmt s(*db_, "SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag");
  while (s.step()) out.emplace_back(s.text(0), s.i64(1));
  return out;
}

std::vector<std::string> Library::tags_of(int64_t id) {
  std::vector<std::string> out;
  Stmt s(*db_, "SELECT tag FROM tags WHERE generation_id = ?1 ORDER BY tag");
  s.bind(1, id);
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<int64_t> Library::collections_of(int64_t id) {
  std::vector<int64_t> out;
  Stmt s(*db_, "SELECT collection_id FROM collection_items WHERE generation_id = ?1 ORDER BY collection_id");
  s.bind(1, id);
  while (s.step()) out.push_back(s.i64(0));
  return out;
}

std::vector<std::pair<int64_t, std::string>> Library::collections() {
  std::vector<std::pair<int64_t, std::string>> out;
  Stmt s(*db_, "SELECT id, name FROM collections ORDER BY name");
  while (s.step()) out.emplace_back(s.i64(0), s.text(1));
  return out;
}

void Library::remove(int64_t id) {
  require_writable("remove a generation");
  auto g = get(id);
  if (!g) return;
  Stmt(*db_, "DELETE FROM generations WHERE id = ?1").bind(1, id).run();
  std::error_code ec;
  fs::remove(image_file(*g), ec);
  if (!g->latents_path.empty()) fs::remove(latents_file(*g), ec);
  fs::remove(dir_ / "thumbs" / (std::to_string(id) + ".jpg"), ec);
}

std::vector<Generation> Library::query(const std::string& where, const std::vector<std::string>& args,
                                       const std::string& order) {
  Stmt s(*db_, std::string("SELECT ") + kColumns + " FROM generations g WHERE " + where + " " + order);
  for (size_t i = 0; i < args.size(); ++i) s.bind(static_cast<int>(i + 1), args[i]);
  std::vector<Generation> out;
  while (s.step()) out.push_back(row_to_generation(s));
  return out;
}

std::optional<Generation> Library::get(int64_t id) {
  auto v = query("g.id = ?1", {std::to_string(id)});
  if (v.empty()) return std::nullopt;
  return v.front();
}

int64_t Library::count() {
  Stmt s(*db_, "SELECT count(*) FROM generations");
  s.step();
  return s.i64(0);
}

namespace {
// A gallery filter as SQL over generations g: the FTS conditions (the words, and bounds on the FTS rowid ==
// gallery_key), a join the planner may start from, and the exact conditions on g, with their parameters.
struct GalleryQuery {
  Params params;
  std::string words;  // the FTS query; empty: no text filter
  std::string match;
  std::string join;
  std::string where = "1";
};

GalleryQuery gallery_query(const GalleryFilter& f, const std::optional<PageCursor>& after) {
  GalleryQuery g;
  Params& p = g.params;
  g.words = fts_query(f.text);
  const bool text = !g.words.empty();
  if (text) {
    g.match = "generations_fts MATCH " + p.add(g.words);
    std::optional<int64_t> hi = f.to_ms;
    if (after) hi = hi ? std::min(*hi, after->created_at_ms) : after->created_at_ms;
    if (hi) g.match += " AND generations_fts.rowid <= " + p.add(gallery_key_of(*hi) + kGalleryKeySlot - 1);
    if (f.from_ms) g.match += " AND generations_fts.rowid >= " + p.add(gallery_key_of(*f.from_ms));
  }
  std::vector<std::string> conds;
  if (f.collection_id) {
    if (!text)  // the planner may start from the collection's items
      g.join = " JOIN collection_items ci ON ci.generation_id = g.id AND ci.collection_id = " + p.add(*f.collection_id);
    else
      conds.push_back("EXISTS (SELECT 1 FROM collection_items ci WHERE ci.generation_id = g.id AND ci.collection_id = " +
                      p.add(*f.collection_id) + ")");
  }
  if (f.model) {
    std::string a = p.add(*f.model), b = p.add(*f.model);
    conds.push_back("g.model_id IN (SELECT id FROM models WHERE name = " + a + " OR (hash != '' AND hash = " + b + "))");
  }
  if (f.mode) conds.push_back("g.mode = " + p.add(*f.mode));
  if (f.favourite) conds.push_back("g.favourite = " + p.add(int64_t(*f.favourite ? 1 : 0)));
  if (f.min_rating && *f.min_rating > 0) conds.push_back("g.rating >= " + p.add(int64_t(*f.min_rating)));
  if (f.from_ms) conds.push_back("g.created_at >= " + p.add(*f.from_ms));
  if (f.to_ms) conds.push_back("g.created_at <= " + p.add(*f.to_ms));
  if (f.tag) {
    if (!text && !f.collection_id)  // the planner may start from the tag's index
      g.join = " JOIN tags tf ON tf.generation_id = g.id AND tf.tag = " + p.add(*f.tag);
    else
      conds.push_back("EXISTS (SELECT 1 FROM tags t WHERE t.generation_id = g.id AND t.tag = " + p.add(*f.tag) + ")");
  }
  if (after) {
    std::string a = p.add(after->created_at_ms), b = p.add(after->id);
    conds.push_back("(g.created_at, g.id) < (" + a + ", " + b + ")");
  }
  if (!conds.empty()) g.where = "(" + conds.front() + ")";
  for (size_t i = 1; i < conds.size(); ++i) g.where += " AND (" + conds[i] + ")";
  return g;
}

constexpr const char* kPageOrder = " ORDER BY g.created_at DESC, g.id DESC";
std::string limit_clause(int limit) { return " LIMIT " + std::to_string(limit + 1); }

// Without words: ids first, then their columns, so a filter the planner answers from an index (tag, collection,
// rating) sorts only (created_at, id) pairs, never rows carrying their JSON.
std::vector<int64_t> page_ids_by_index(Db& db, const GalleryQuery& q, bool by_rating, int limit) {
  // A rating filter reads its covering index and sorts the pairs: the planner would rather walk the time index
  // and read every row when few are rated (10,000 rows: 22 -> 0.1 ms).
  Stmt s(db, std::string("SELECT g.id FROM generations g") + (by_rating ? " INDEXED BY generations_by_rating" : "") +
                 q.join + " WHERE " + q.where + kPageOrder + limit_clause(limit));
  q.params.bind(s);
  std::vector<int64_t> ids;
  while (s.step()) ids.push_back(s.i64(0));
  return ids;
}

// With words: walk the matches newest first (the FTS rowid is gallery_key, which sorts like the gallery) and keep
// those the other filters accept, until one page is full: a word in most rows costs one page, not every match.
// When the filters reject nearly everything the walk gives up, and the matches are collected and looked up
// through the filters' indexes instead.
std::vector<int64_t> page_ids_by_words(Db& db, const GalleryQuery& q, int limit) {
  constexpr int kWalkLimit = 2000;
  std::vector<int64_t> ids;
  {
    Stmt walk(db, "SELECT g.id, " + q.where + " FROM generations_fts CROSS JOIN generations g ON g.gallery_key = "
                  "generations_fts.rowid WHERE " + q.match + " ORDER BY generations_fts.rowid DESC");
    q.params.bind(walk);
    int walked = 0;
    while (static_cast<int>(ids.size()) <= limit && walk.step()) {
      if (walk.i64(1)) ids.push_back(walk.i64(0));
      if (++walked == kWalkLimit && static_cast<int>(ids.size()) <= limit) break;
    }
    if (walked < kWalkLimit || static_cast<int>(ids.size()) > limit) return ids;
  }
  ids.clear();
  // "+": not a lookup per match (then a sort of them all), but the filters' index, tested against the set.
  Stmt s(db, "SELECT g.id FROM generations g WHERE +g.gallery_key IN (SELECT generations_fts.rowid FROM "
             "generations_fts WHERE " + q.match + ") AND " + q.where + kPageOrder + limit_clause(limit));
  q.params.bind(s);
  while (s.step()) ids.push_back(s.i64(0));
  return ids;
}

// The rows of ids, in the order given (gallery order already). No ORDER BY: the planner would walk the whole
// time index to avoid a sort, testing every row against the list (10,000 rows: 25 ms a page instead of 1).
std::vector<Generation> rows_in_order(Db& db, const std::vector<int64_t>& ids) {
  std::vector<Generation> rows;
  if (ids.empty()) return rows;
  std::string list;
  for (int64_t id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  Stmt s(db, std::string("SELECT ") + kColumns + " FROM generations g WHERE g.id IN (" + list + ")");
  std::map<int64_t, Generation> by_id;
  while (s.step()) {
    Generation g = row_to_generation(s);
    by_id.emplace(g.id, std::move(g));
  }
  for (int64_t id : ids)
    if (auto it = by_id.find(id); it != by_id.end()) rows.push_back(std::move(it->second));
  return rows;
}
}  // namespace

GalleryPage Library::page(const GalleryFilter& f, int limit, std::optional<PageCursor> after) {
  limit = std::clamp(limit, 1, 1000);
  const GalleryQuery q = gallery_query(f, after);
  const bool by_rating = f.min_rating && *f.min_rating > 0 && q.join.empty();
  GalleryPage page;
  page.items = rows_in_order(*db_, q.words.empty() ? page_ids_by_index(*db_, q, by_rating, limit)
                                                   : page_ids_by_words(*db_, q, limit));
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next = PageCursor{page.items.back().created_at_ms, page.items.back().id};
  }
  return page;
}

std::vector<Generation> Library::ancestors(int64_t id) {
  std::vector<Generation> out;
  std::set<int64_t> seen{id};
  Stmt p(*db_, "SELECT parent_id FROM generations WHERE id = ?1");
  int64_t cur = id;
  while (true) {
    p.reset();
    p.bind(1, cur);
    if (!p.step() || p.is_null(0)) break;
    cur = p.i64(0);
    if (!seen.insert(cur).second) break;  // a cycle cannot be made through the API; stay safe anyway
    if (auto g = get(cur)) out.push_back(*g);
  }
  return out;
}

std::vector<Generation> Library::children(int64_t id) {
  return query("g.parent_id = ?1", {std::to_string(id)}, "ORDER BY g.created_at, g.id");
}

std::vector<Generation> Library::descendants(int64_t id) {
  return query(
      "g.id IN (WITH RECURSIVE sub(id, depth) AS (SELECT id, 1 FROM generations WHERE parent_id = ?1 UNION "
      "SELECT c.id, s.depth + 1 FROM generations c JOIN sub s ON c.parent_id = s.id WHERE s.depth < 1000) "
      "SELECT id FROM sub)",
      {std::to_string(id)}, "ORDER BY g.created_at, g.id");
}

std::vector<Generation> Library::same_seed_other_modes(int64_t id) {
  return query(
      "g.seed = (SELECT seed FROM generations WHERE id = ?1) AND g.id != ?1 AND g.prompt = (SELECT prompt FROM "
      "generations WHERE id = ?1) AND (g.mode != (SELECT mode FROM generations WHERE id = ?1) OR g.promote != "
      "(SELECT promote FROM generations WHERE id = ?1))",
      {std::to_string(id)}, "ORDER BY g.created_at, g.id");
}

Statistics Library::statistics() {
  Statistics st;
  // One pass over the small generations_stats index (not the table, whose rows carry the JSON), grouped by
  // everything the figures split by; the sums are folded here.
  double steps = 0, seconds = 0;
  std::map<int64_t, int64_t> per_model;
  {
    Stmt s(*db_, "SELECT source, mode, model_id, count(*), sum(favourite), total(steps_used), total(seconds_total) "
                 "FROM generations INDEXED BY generations_stats GROUP BY source, mode, model_id");
    while (s.step()) {
      const int64_t n = s.i64(3);
      st.generations += n;
      st.favourites += s.i64(4);
      steps += s.f64(5);
      seconds += s.f64(6);
      st.by_source[s.text(0)] += n;
      st.by_mode[s.text(1)] += n;
      if (!s.is_null(2)) per_model[s.i64(2)] += n;
    }
  }
  if (st.generations > 0) {
    st.mean_steps_used = steps / static_cast<double>(st.generations);
    st.mean_seconds = seconds / static_cast<double>(st.generations);
  }
  {
    Stmt s(*db_, "SELECT coalesce((SELECT min(created_at) FROM generations), 0), "
                 "coalesce((SELECT max(created_at) FROM generations), 0), "
                 "(SELECT count(*) FROM models), (SELECT count(*) FROM collections)");
    s.step();
    st.first_ms = s.i64(0);
    st.last_ms = s.i64(1);
    st.models = s.i64(2);
    st.collections = s.i64(3);
  }
  Stmt name(*db_, "SELECT name FROM models WHERE id = ?1");
  for (auto [id, n] : per_model) {
    name.reset();
    name.bind(1, id);
    if (name.step()) st.top_models.emplace_back(name.text(0), n);
  }
  std::stable_sort(st.top_models.begin(), st.top_models.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (st.top_models.size() > 10) st.top_models.resize(10);
  return st;
}

fs::path Library::thumbnail(const Generation& g) const { return library::thumbnail(dir_, g.id, image_file(g), !read_only_); }

fs::path thumbnail(const fs::path& library_dir, int64_t id, const fs::path& image, bool writable) {
  fs::path t = library_dir / "thumbs" / (std::to_string(id) + ".jpg");
  std::error_code ec;
  if (fs::exists(t, ec)) return t;
  if (!writable || !fs::exists(image, ec)) return {};  // a missing image: OpenImageIO would try every reader
  fs::create_directories(t.parent_path(), ec);
  imageio::write_thumbnail(imageio::read_image(image), t, 256);
  return t;
}

fs::path latents_path_for(const fs::path& image_rel) {
  fs::path p = image_rel;
  p.replace_extension(".latents.safetensors");
  return p;
}

namespace {
bool is_latents_name(const fs::path& p) {
  const std::string n = p.filename().string();
  const std::string suffix = ".latents.safetensors";
  return n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

CheckReport Library::check(bool repair) {
  if (repair) require_writable("repair");
  CheckReport rep;
  {
    Stmt s(*db_, "PRAGMA integrity_check");
    std::string all;
    while (s.step()) all += (all.empty() ? "" : "\n") + s.text(0);
    rep.integrity = all;
    rep.integrity_ok = all == "ok";
  }
  std::set<std::string> row_paths, row_latents;
  {
    Stmt s(*db_, "SELECT id, image_path, latents_path FROM generations ORDER BY id");
    while (s.step()) {
      std::string rel = s.text(1), lat = s.text(2);
      row_paths.insert(rel);
      const bool image = fs::exists(dir_ / rel);
      if (!image) rep.rows_without_file.push_back(s.i64(0));
      if (!lat.empty()) {
        row_latents.insert(lat);
        if (image && !fs::exists(dir_ / lat)) rep.rows_without_latents.push_back(s.i64(0));
      }
    }
  }
  std::error_code ec;
  if (fs::exists(dir_ / "images"))
    for (auto it = fs::recursive_directory_iterator(dir_ / "images", ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (ec) break;
      if (!it->is_regular_file()) continue;
      std::string rel = fs::relative(it->path(), dir_).string();
      if (imageio::is_temp_name(it->path())) rep.temp_files.push_back(rel);
      else if (is_latents_name(it->path())) {
        if (!row_latents.count(rel)) rep.latents_without_row.push_back(rel);
      } else if (!row_paths.count(rel)) rep.files_without_row.push_back(rel);
    }
  if (!repair) return rep;

  for (int64_t id : rep.rows_without_latents)
    Stmt(*db_, "UPDATE generations SET latents_path = '' WHERE id = ?1").bind(1, id).run();
  std::set<std::string> adopted_latents;
  for (int64_t id : rep.rows_without_file) {
    {  // its latents go with it
      Stmt l(*db_, "SELECT latents_path FROM generations WHERE id = ?1");
      l.bind(1, id);
      if (l.step() && !l.text(0).empty()) fs::remove(dir_ / l.text(0), ec);
    }
    Stmt(*db_, "DELETE FROM generations WHERE id = ?1").bind(1, id).run();
    fs::remove(dir_ / "thumbs" / (std::to_string(id) + ".jpg"), ec);
    ++rep.rows_removed;
  }
  for (const auto& rel : rep.temp_files) {
    fs::remove(dir_ / rel, ec);
    ++rep.files_removed;
  }
  for (const auto& rel : rep.files_without_row) {
    std::optional<imageio::ImageMetadata> meta;
    try {
      meta = imageio::read_metadata(dir_ / rel);
    } catch (const Error&) {
    }
    if (meta) {  // a write interrupted between rename and commit: the file says what it is
      StoreOptions o;
      o.source = imageio::to_string(meta->source);
      // Its latents, when they made it to disk too, come along.
      const std::string lat = latents_path_for(rel).string();
      const bool has_lat = std::find(rep.latents_without_row.begin(), rep.latents_without_row.end(), lat) !=
                           rep.latents_without_row.end();
      if (has_lat) adopted_latents.insert(lat);
      insert_row(meta->request, meta->record, rel, o, now_ms(), "", has_lat ? lat : "");
      ++rep.files_adopted;
    } else {  // not ours to delete: set aside where the user can look
      fs::path dest = dir_ / "set-aside" / fs::path(rel).filename();
      fs::create_directories(dest.parent_path(), ec);
      fs::rename(dir_ / rel, dest, ec);
      ++rep.files_removed;
    }
  }
  for (const auto& rel : rep.latents_without_row)  // derived data nobody can use without its row
    if (!adopted_latents.count(rel)) {
      fs::remove(dir_ / rel, ec);
      ++rep.files_removed;
    }
  return rep;
}

}  // namespace ripen::library
