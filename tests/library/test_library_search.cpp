// Full-text search in gallery order: a prefix that matches many rows, paged with the keyset cursor and combined
// with the other filters, must give exactly what sorting every match would give — also when created_at does not
// follow insertion order (imports keep file times) and many rows share one millisecond; a library of the previous
// schema version is migrated to the same answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "common/test_common.h"
#include "library/library.h"
#include "library/schema.h"
#include "library/sqlite_db.h"

using namespace ripen;
using namespace ripen::library;
namespace fs = std::filesystem;

namespace {
struct Row {
  int64_t id, created_at, model_id;
  bool favourite;
  std::string prompt;
};

const char* const kWords[] = {"dragon", "dragonfly", "drag", "draft", "castle", "sunset", "river", "misty", "owl"};

// Rows straight into the database (no image files), like the benchmark: ids 1..count in insertion order.
std::vector<Row> fill(Db& db, int count, uint64_t salt) {
  std::mt19937_64 rng(salt);
  Stmt(db, "INSERT INTO models(name, hash) VALUES ('model-a', 'hash-a'), ('model-b', 'hash-b')").run();
  std::vector<Row> rows;
  Transaction tx(db);
  Stmt ins(db, R"sql(INSERT INTO generations(created_at, prompt, negative_prompt, seed, width, height, mode, sampler,
      schedule, steps, cfg, model_id, favourite, image_path, request_json, record_json)
      VALUES (?1, ?2, 'blurry', 1, 64, 64, 'fast', 'euler', 'karras', 20, 7.0, ?3, ?4, ?5, ?6, '{}'))sql");
  const std::string request_json = GenerationRequest{}.to_json().dump();
  for (int i = 0; i < count; ++i) {
    Row r;
    r.id = i + 1;
    // Mostly newer than the row before, but a third are "imports" with older times, and runs share milliseconds.
    if (i % 3 == 2) r.created_at = 1000000 + static_cast<int64_t>(rng() % (10 * count));
    else r.created_at = 1000000 + 10 * i - (i % 7 == 0 ? 0 : (i % 7));
    if (i % 50 < 5) r.created_at = 1000000 + 10 * (i - i % 50);  // a burst of rows in one millisecond
    r.model_id = 1 + static_cast<int64_t>(rng() % 2);
    r.favourite = rng() % 4 == 0;
    int words = 2 + static_cast<int>(rng() % 4);
    for (int w = 0; w < words; ++w) r.prompt += std::string(w ? " " : "") + kWords[rng() % 9];
    ins.reset();
    ins.bind(1, r.created_at)
        .bind(2, r.prompt)
        .bind(3, r.model_id)
        .bind(4, r.favourite ? 1 : 0)
        .bind(5, "rows/" + std::to_string(i) + ".png")
        .bind(6, request_json)
        .run();
    rows.push_back(r);
  }
  tx.commit();
  return rows;
}

bool has_word_with_prefix(const std::string& prompt, const std::string& prefix) {
  std::istringstream in(prompt);
  for (std::string w; in >> w;)
    if (w.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

// Every page of `f` in turn, as ids.
std::vector<int64_t> all_pages(Library& lib, const GalleryFilter& f, int limit, int* pages = nullptr) {
  std::vector<int64_t> ids;
  std::optional<PageCursor> cur;
  int n = 0;
  do {
    auto p = lib.page(f, limit, cur);
    EXPECT_LE(static_cast<int>(p.items.size()), limit);
    if (p.next) EXPECT_EQ(static_cast<int>(p.items.size()), limit);
    for (auto& g : p.items) ids.push_back(g.id);
    cur = p.next;
    ++n;
  } while (cur && n < 10000);
  if (pages) *pages = n;
  return ids;
}

std::vector<int64_t> expected(std::vector<Row> rows, const std::function<bool(const Row&)>& keep) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.created_at, a.id) > std::tie(b.created_at, b.id);
  });
  std::vector<int64_t> ids;
  for (auto& r : rows)
    if (keep(r)) ids.push_back(r.id);
  return ids;
}

void check_searches(Library& lib, const std::vector<Row>& rows) {
  GalleryFilter f;
  f.text = "drag";  // dragon, dragonfly, drag: most rows
  auto want = expected(rows, [](const Row& r) { return has_word_with_prefix(r.prompt, "drag"); });
  ASSERT_GT(want.size(), rows.size() / 2);
  int pages = 0;
  EXPECT_EQ(all_pages(lib, f, 37, &pages), want);
  EXPECT_EQ(pages, static_cast<int>((want.size() + 36) / 37));

  f.text = "dragon";  // also a prefix of dragonfly
  EXPECT_EQ(all_pages(lib, f, 50),
            expected(rows, [](const Row& r) { return has_word_with_prefix(r.prompt, "dragon"); }));

  f.text = "castle drag";  // every word, the last as a prefix
  EXPECT_EQ(all_pages(lib, f, 20), expected(rows, [](const Row& r) {
              return has_word_with_prefix(r.prompt, "castle") && has_word_with_prefix(r.prompt, "drag");
            }));

  f.text = "blur";  // the negative prompt: every row
  EXPECT_EQ(all_pages(lib, f, 100).size(), rows.size());

  // Text with model, favourite and a date range together.
  const int64_t from = 1000000 + 10 * static_cast<int64_t>(rows.size()) / 5;
  const int64_t to = 1000000 + 10 * static_cast<int64_t>(rows.size()) * 3 / 4;
  f.text = "drag";
  f.model = "model-b";
  f.favourite = true;
  f.from_ms = from;
  f.to_ms = to;
  auto combined = expected(rows, [&](const Row& r) {
    return has_word_with_prefix(r.prompt, "drag") && r.model_id == 2 && r.favourite && r.created_at >= from &&
           r.created_at <= to;
  });
  ASSERT_GT(combined.size(), 20u);
  EXPECT_EQ(all_pages(lib, f, 7), combined);
  f.favourite = false;
  f.model = "hash-a";
  EXPECT_EQ(all_pages(lib, f, 25), expected(rows, [&](const Row& r) {
              return has_word_with_prefix(r.prompt, "drag") && r.model_id == 1 && !r.favourite &&
                     r.created_at >= from && r.created_at <= to;
            }));

  // Filters that reject nearly every match (the search then gives up walking the matches in order).
  // Two new rows with small ids and three old rows with large ids, so that a page must look past most
  // matches and id order is not gallery order.
  std::set<int64_t> tagged;
  const int64_t n = static_cast<int64_t>(rows.size()), t0 = 1000000;
  int new_small = 0, old_large = 0;
  for (auto& r : rows) {
    if (r.id < n / 4 && r.created_at > t0 + 9 * n && new_small < 2) tagged.insert(r.id), ++new_small;
    if (r.id > n / 2 && r.created_at < t0 + n && old_large < 3) tagged.insert(r.id), ++old_large;
  }
  ASSERT_EQ(tagged.size(), 5u);
  lib.db().exec("DELETE FROM tags");
  for (int64_t id : tagged) lib.set_tags(id, {"rare"});
  f = {};
  f.tag = "rare";
  f.text = "blur";
  EXPECT_EQ(all_pages(lib, f, 2), expected(rows, [&](const Row& r) { return tagged.count(r.id) > 0; }));
  f.text = "drag";
  f.from_ms = from;
  EXPECT_EQ(all_pages(lib, f, 1), expected(rows, [&](const Row& r) {
              return tagged.count(r.id) && has_word_with_prefix(r.prompt, "drag") && r.created_at >= from;
            }));

  // The gallery without text agrees with the same order.
  EXPECT_EQ(all_pages(lib, {}, 64), expected(rows, [](const Row&) { return true; }));
}
}  // namespace

TEST(LibrarySearch, PrefixWithManyMatchesPagesInGalleryOrder) {
  Library lib(test::temp_dir("lib_search") / "lib");
  auto rows = fill(lib.db(), 3000, 7);
  check_searches(lib, rows);

  // Deleting rows keeps the search and its order right; a new row in a busy millisecond ranks last in it.
  for (int64_t id : {5, 6, 1500, 2999}) lib.remove(id);
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [](const Row& r) { return r.id == 5 || r.id == 6 || r.id == 1500 || r.id == 2999; }),
             rows.end());
  Stmt(lib.db(), R"sql(INSERT INTO generations(created_at, prompt, negative_prompt, seed, width, height, mode, sampler,
      schedule, steps, cfg, model_id, favourite, image_path, request_json, record_json)
      VALUES (1000000, 'drag late', 'blurry', 1, 64, 64, 'fast', 'euler', 'karras', 20, 7.0, 1, 0, 'late.png', ?1,
      '{}'))sql")
      .bind(1, GenerationRequest{}.to_json().dump())
      .run();
  rows.push_back(Row{lib.db().last_insert_id(), 1000000, 1, false, "drag late"});
  check_searches(lib, rows);

  EXPECT_THROW(lib.db().exec("UPDATE generations SET created_at = 5 WHERE id = 7"), std::exception);
}

TEST(LibrarySearch, MigratedLibraryGivesTheSameAnswers) {
  fs::path dir = test::temp_dir("lib_search_migrate") / "lib";
  fs::create_directories(dir);
  std::vector<Row> rows;
  {
    Db db((dir / "library.db").string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    migrate(db, dir.string(), 2);  // the schema before gallery_key
    ASSERT_EQ(schema_version(db), 2);
    rows = fill(db, 1200, 11);
  }
  Library lib(dir);
  EXPECT_EQ(schema_version(lib.db()), kSchemaVersion);
  check_searches(lib, rows);
  Stmt s(lib.db(), "SELECT count(*) FROM generations WHERE gallery_key IS NULL");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.i64(0), 0);
}

TEST(LibrarySearch, StatisticsAddUp) {
  Library lib(test::temp_dir("lib_search_stats") / "lib");
  auto rows = fill(lib.db(), 500, 3);
  lib.db().exec("UPDATE generations SET steps_used = id % 9, seconds_total = id * 0.5, "
                "source = CASE WHEN id % 5 = 0 THEN 'a1111' ELSE 'ripen' END, "
                "mode = CASE WHEN id % 3 = 0 THEN 'quality' ELSE 'fast' END");
  auto st = lib.statistics();
  int64_t favs = 0, model_b = 0, first = rows[0].created_at, last = rows[0].created_at;
  double steps = 0, seconds = 0;
  for (auto& r : rows) {
    favs += r.favourite;
    model_b += r.model_id == 2;
    first = std::min(first, r.created_at);
    last = std::max(last, r.created_at);
    steps += r.id % 9;
    seconds += r.id * 0.5;
  }
  EXPECT_EQ(st.generations, 500);
  EXPECT_EQ(st.favourites, favs);
  EXPECT_EQ(st.models, 2);
  EXPECT_EQ(st.by_source["a1111"], 100);
  EXPECT_EQ(st.by_source["ripen"], 400);
  EXPECT_EQ(st.by_mode["quality"], 166);
  EXPECT_EQ(st.by_mode["fast"], 334);
  ASSERT_EQ(st.top_models.size(), 2u);
  EXPECT_EQ(st.top_models[0].second + st.top_models[1].second, 500);
  EXPECT_EQ(st.top_models[0].first == "model-b" ? st.top_models[0].second : st.top_models[1].second, model_b);
  EXPECT_GE(st.top_models[0].second, st.top_models[1].second);
  EXPECT_NEAR(st.mean_steps_used, steps / 500, 1e-9);
  EXPECT_NEAR(st.mean_seconds, seconds / 500, 1e-9);
  EXPECT_EQ(st.first_ms, first);
  EXPECT_EQ(st.last_ms, last);
}
