#include "library/library.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>

#include "imageio/export.h"
#include "imageio/file_util.h"
#include "imageio/metadata_read.h"
#include "library/schema.h"
#include "library/sqlite_db.h"
#include "tensors/error.h"

namespace ripen::library {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDbName = "library.db";
constexpr const char* kColumns =
    "g.id, g.created_at, g.request_json, g.record_json, g.mode, g.favourite, g.rating, g.batch_index, g.image_path, "
    "g.source, (SELECT group_concat(tag, char(31)) FROM tags t WHERE t.generation_id = g.id)";

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
  return g;
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
                            const StoreOptions& options, int64_t created_ms, const std::string& hash) {
  Transaction tx(*db_);
  const std::string model = model_name_of(r, rec);
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
      batch_index, image_path, source, request_json, record_json, content_hash)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23,
      ?24, ?25))sql");
  ins.bind(1, created_ms)
      .bind(2, r.prompt)
      .bind(3, r.negative_prompt)
      .bind(4, static_cast<int64_t>(r.seed))
      .bind(5, r.width)
      .bind(6, r.height)
      .bind(7, to_string(r.preset))
      .bind(8, r.sampler)
      .bind(9, r.schedule)
      .bind(10, r.steps)
      .bind(11, r.cfg)
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
      .bind(25, hash);
  ins.run();
  int64_t id = db_->last_insert_id();
  tx.commit();
  return id;
}

int64_t Library::store(const GenerationRequest& request, const GenerationRecord& record, const Image& image,
                       const imageio::FloatImage* hdr, const StoreOptions& options) {
  require_writable("store a generation");
  int64_t created = options.created_at_ms.value_or(now_ms());
  imageio::ExportOptions eo;
  eo.format = hdr ? imageio::Format::Png16 : imageio::Format::Png8;
  std::string bytes = imageio::encode_image(image, hdr, request, record, eo);
  fs::path rel = new_image_path(created, request.seed, ".png");
  std::error_code ec;
  fs::create_directories((dir_ / rel).parent_path(), ec);
  if (ec) throw Error((dir_ / rel).parent_path().string() + ": cannot create folder: " + ec.message());
  imageio::write_file_atomic(dir_ / rel, bytes);  // durable before the row exists
  try {
    return insert_row(request, record, rel.string(), options, created, "");
  } catch (...) {
    fs::remove(dir_ / rel, ec);
    throw;
  }
}

int64_t Library::add_file(const fs::path& file, const GenerationRequest& request, const GenerationRecord& record,
                          const StoreOptions& options, const std::string& hash) {
  require_writable("import");
  int64_t created = options.created_at_ms.value_or(now_ms());
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  fs::path rel = new_image_path(created, request.seed, ext.empty() ? ".img" : ext);
  std::error_code ec;
  fs::create_directories((dir_ / rel).parent_path(), ec);
  imageio::write_file_atomic(dir_ / rel, imageio::read_file(file));
  try {
    return insert_row(request, record, rel.string(), options, created, hash);
  } catch (...) {
    fs::remove(dir_ / rel, ec);
    throw;
  }
}

std::optional<int64_t> Library::find_by_content_hash(const std::string& hash) {
  Stmt s(*db_, "SELECT id FROM generations WHERE content_hash = ?1 AND content_hash != '' LIMIT 1");
  s.bind(1, hash);
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

GalleryPage Library::page(const GalleryFilter& f, int limit, std::optional<PageCursor> after) {
  limit = std::clamp(limit, 1, 1000);
  std::string sql = std::string("SELECT ") + kColumns + " FROM generations g";
  std::vector<std::function<void(Stmt&, int)>> binds;
  std::string where;
  auto add = [&](const std::string& cond) { where += (where.empty() ? " WHERE " : " AND ") + cond; };
  int n = 0;
  auto param = [&]() { return "?" + std::to_string(++n); };
  if (f.collection_id) {
    sql += " JOIN collection_items ci ON ci.generation_id = g.id AND ci.collection_id = " + param();
    binds.push_back([v = *f.collection_id](Stmt& s, int i) { s.bind(i, v); });
  }
  std::string q = fts_query(f.text);
  if (!q.empty()) {
    add("g.id IN (SELECT rowid FROM generations_fts WHERE generations_fts MATCH " + param() + ")");
    binds.push_back([q](Stmt& s, int i) { s.bind(i, q); });
  }
  if (f.model) {
    std::string a = param(), b = param();
    add("g.model_id IN (SELECT id FROM models WHERE name = " + a + " OR (hash != '' AND hash = " + b + "))");
    binds.push_back([v = *f.model](Stmt& s, int i) { s.bind(i, v); });
    binds.push_back([v = *f.model](Stmt& s, int i) { s.bind(i, v); });
  }
  if (f.mode) {
    add("g.mode = " + param());
    binds.push_back([v = *f.mode](Stmt& s, int i) { s.bind(i, v); });
  }
  if (f.favourite) {
    add("g.favourite = " + param());
    binds.push_back([v = *f.favourite](Stmt& s, int i) { s.bind(i, v ? 1 : 0); });
  }
  if (f.from_ms) {
    add("g.created_at >= " + param());
    binds.push_back([v = *f.from_ms](Stmt& s, int i) { s.bind(i, v); });
  }
  if (f.to_ms) {
    add("g.created_at <= " + param());
    binds.push_back([v = *f.to_ms](Stmt& s, int i) { s.bind(i, v); });
  }
  if (f.tag) {
    add("EXISTS (SELECT 1 FROM tags t WHERE t.generation_id = g.id AND t.tag = " + param() + ")");
    binds.push_back([v = *f.tag](Stmt& s, int i) { s.bind(i, v); });
  }
  if (after) {
    std::string a = param(), b = param();
    add("(g.created_at, g.id) < (" + a + ", " + b + ")");
    binds.push_back([v = after->created_at_ms](Stmt& s, int i) { s.bind(i, v); });
    binds.push_back([v = after->id](Stmt& s, int i) { s.bind(i, v); });
  }
  sql += where + " ORDER BY g.created_at DESC, g.id DESC LIMIT " + std::to_string(limit + 1);
  Stmt s(*db_, sql);
  for (size_t i = 0; i < binds.size(); ++i) binds[i](s, static_cast<int>(i + 1));
  GalleryPage page;
  while (s.step()) page.items.push_back(row_to_generation(s));
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
  {
    Stmt s(*db_, "SELECT count(*), coalesce(sum(favourite), 0), coalesce(avg(steps_used), 0), "
                 "coalesce(avg(seconds_total), 0), coalesce(min(created_at), 0), coalesce(max(created_at), 0) "
                 "FROM generations");
    s.step();
    st.generations = s.i64(0);
    st.favourites = s.i64(1);
    st.mean_steps_used = s.f64(2);
    st.mean_seconds = s.f64(3);
    st.first_ms = s.i64(4);
    st.last_ms = s.i64(5);
  }
  {
    Stmt s(*db_, "SELECT (SELECT count(*) FROM models), (SELECT count(*) FROM collections)");
    s.step();
    st.models = s.i64(0);
    st.collections = s.i64(1);
  }
  for (auto [col, map] : {std::pair{"mode", &st.by_mode}, std::pair{"source", &st.by_source}}) {
    Stmt s(*db_, std::string("SELECT ") + col + ", count(*) FROM generations GROUP BY " + col);
    while (s.step()) (*map)[s.text(0)] = s.i64(1);
  }
  Stmt s(*db_, "SELECT m.name, count(*) AS n FROM generations g JOIN models m ON m.id = g.model_id "
               "GROUP BY g.model_id ORDER BY n DESC LIMIT 10");
  while (s.step()) st.top_models.emplace_back(s.text(0), s.i64(1));
  return st;
}

fs::path Library::thumbnail(const Generation& g) {
  fs::path t = dir_ / "thumbs" / (std::to_string(g.id) + ".jpg");
  if (fs::exists(t)) return t;
  if (read_only_) return {};
  std::error_code ec;
  fs::create_directories(t.parent_path(), ec);
  imageio::write_thumbnail(imageio::read_image(image_file(g)), t, 256);
  return t;
}

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
  std::set<std::string> row_paths;
  {
    Stmt s(*db_, "SELECT id, image_path FROM generations ORDER BY id");
    while (s.step()) {
      std::string rel = s.text(1);
      row_paths.insert(rel);
      if (!fs::exists(dir_ / rel)) rep.rows_without_file.push_back(s.i64(0));
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
      else if (!row_paths.count(rel)) rep.files_without_row.push_back(rel);
    }
  if (!repair) return rep;

  for (int64_t id : rep.rows_without_file) {
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
      insert_row(meta->request, meta->record, rel, o, now_ms(), "");
      ++rep.files_adopted;
    } else {  // not ours to delete: set aside where the user can look
      fs::path dest = dir_ / "set-aside" / fs::path(rel).filename();
      fs::create_directories(dest.parent_path(), ec);
      fs::rename(dir_ / rel, dest, ec);
      ++rep.files_removed;
    }
  }
  return rep;
}

std::vector<int64_t> record_generation(const fs::path& library_dir, const GenerationRequest& request,
                                       const GenerationRecord& record, const std::vector<Image>& images,
                                       const std::vector<imageio::FloatImage>& hdr) {
  Library lib(library_dir);
  std::vector<int64_t> ids;
  for (size_t i = 0; i < images.size(); ++i) {
    GenerationRequest r = request;
    r.seed = request.seed + i;
    r.batch = 1;
    StoreOptions o;
    o.batch_index = static_cast<int>(i);
    ids.push_back(lib.store(r, record, images[i], i < hdr.size() && !hdr[i].empty() ? &hdr[i] : nullptr, o));
  }
  return ids;
}

}  // namespace ripen::library
