// Latents kept beside images (promote continue/polish after a restart), and the gallery's tag, collection,
// rating and date filters over 10,000 rows.
#include <gtest/gtest.h>

#include <chrono>

#include "common/test_common.h"
#include "imageio/file_util.h"
#include "bench/library_bench.h"
#include "library/library.h"
#include "library/library_store.h"
#include "library/schema.h"
#include "library/sqlite_db.h"

using namespace ripen;
using namespace ripen::library;
namespace fs = std::filesystem;

namespace {
Image flat_image(uint8_t v) { return Image{8, 8, std::vector<uint8_t>(8 * 8 * 3, v)}; }
GenerationRequest req(uint64_t seed) {
  GenerationRequest r;
  r.prompt = "a lighthouse in fog";
  r.seed = seed;
  r.width = r.height = 8;
  return r;
}
std::string fake_latents(int salt) { return "safetensors bytes " + std::to_string(salt) + std::string(300, char(salt)); }
}  // namespace

TEST(LibraryLatents, StoredBesideTheImageAndRemovedWithIt) {
  const fs::path dir = test::temp_dir("lib_latents") / "lib";
  int64_t with = 0, without = 0;
  {
    Library lib(dir);
    StoreOptions o;
    o.latents = fake_latents(1);
    with = lib.store(req(1), {}, flat_image(10), nullptr, o);
    without = lib.store(req(2), {}, flat_image(20));
  }
  Library lib(dir);  // a new connection, as after a restart
  auto g = lib.get(with);
  ASSERT_TRUE(g);
  ASSERT_FALSE(g->latents_path.empty());
  EXPECT_EQ(fs::path(g->latents_path), latents_path_for(g->image_path));
  EXPECT_EQ(lib.latents_file(*g).parent_path(), lib.image_file(*g).parent_path());
  EXPECT_EQ(imageio::read_file(lib.latents_file(*g)), fake_latents(1));
  auto h = lib.get(without);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->latents_path.empty());
  EXPECT_TRUE(lib.latents_file(*h).empty());
  EXPECT_TRUE(lib.check(false).clean());
  // No temporary file left behind by the two atomic writes.
  for (const auto& e : fs::recursive_directory_iterator(dir / "images")) EXPECT_FALSE(imageio::is_temp_name(e.path()));

  const fs::path lat = lib.latents_file(*g);
  lib.remove(with);
  EXPECT_FALSE(fs::exists(lat));
  EXPECT_FALSE(fs::exists(lib.image_file(*g)));
  EXPECT_TRUE(lib.check(false).clean());
}

TEST(LibraryLatents, CheckListsAndRepairsLatents) {
  const fs::path dir = test::temp_dir("lib_latents_check") / "lib";
  Library lib(dir);
  StoreOptions o;
  o.latents = fake_latents(2);
  const int64_t a = lib.store(req(1), {}, flat_image(1), nullptr, o);
  o.latents = fake_latents(3);
  const int64_t b = lib.store(req(2), {}, flat_image(2), nullptr, o);
  auto ga = lib.get(a), gb = lib.get(b);
  // a's latents vanish; an orphan latents file appears; b's row is lost after its files were written (a crash
  // between rename and commit): its image and latents are both orphans.
  fs::remove(lib.latents_file(*ga));
  const fs::path orphan = dir / "images" / "stray.latents.safetensors";
  imageio::write_file_atomic(orphan, fake_latents(4));
  Stmt(lib.db(), "DELETE FROM generations WHERE id = ?1").bind(1, b).run();

  CheckReport rep = lib.check(false);
  EXPECT_FALSE(rep.clean());
  EXPECT_EQ(rep.rows_without_latents, std::vector<int64_t>{a});
  EXPECT_EQ(rep.latents_without_row.size(), 2u);
  EXPECT_EQ(rep.files_without_row, std::vector<std::string>{gb->image_path});

  rep = lib.check(true);
  EXPECT_EQ(rep.files_adopted, 1);
  EXPECT_TRUE(lib.check(false).clean());
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_TRUE(lib.get(a)->latents_path.empty());  // forgotten: promotion re-renders
  // The adopted image keeps its latents.
  auto all = lib.page({}, 10).items;
  ASSERT_EQ(all.size(), 2u);
  const Generation& adopted = all[0].id == a ? all[1] : all[0];
  EXPECT_EQ(adopted.latents_path, gb->latents_path);
  EXPECT_EQ(imageio::read_file(lib.latents_file(adopted)), fake_latents(3));
}

TEST(LibraryLatents, Version3LibraryMigrates) {
  const fs::path dir = test::temp_dir("lib_latents_migrate") / "lib";
  fs::create_directories(dir / "images");
  {
    Db db((dir / "library.db").string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    migrate(db, dir.string(), 3);
    ASSERT_EQ(schema_version(db), 3);
  }
  Library lib(dir);
  EXPECT_EQ(schema_version(lib.db()), kSchemaVersion);
  StoreOptions o;
  o.latents = fake_latents(5);
  auto g = lib.get(lib.store(req(9), {}, flat_image(3), nullptr, o));
  ASSERT_TRUE(g);
  EXPECT_FALSE(g->latents_path.empty());
}

// Every gallery filter on 10,000 rows answers a page quickly and exactly.
TEST(LibraryFilters, TagsCollectionsRatingAndDatesOn10000Rows) {
  const fs::path dir = test::temp_dir("lib_filters") / "lib";
  run_bench(dir, 10000, 1);  // synthetic rows, newest first by created_at
  Library lib(dir);
  ASSERT_EQ(lib.count(), 10000);
  std::vector<int64_t> ids;
  {
    Stmt s(lib.db(), "SELECT id FROM generations ORDER BY created_at DESC, id DESC");
    while (s.step()) ids.push_back(s.i64(0));
  }
  const int64_t col = lib.create_collection("portfolio");
  {
    Transaction tx(lib.db());
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i % 100 == 7) Stmt(lib.db(), "INSERT INTO tags VALUES (?1, 'rare')").bind(1, ids[i]).run();
      if (i % 3 == 0) Stmt(lib.db(), "INSERT INTO tags VALUES (?1, 'common')").bind(1, ids[i]).run();
      if (i % 250 == 3)
        Stmt(lib.db(), "INSERT INTO collection_items VALUES (?1, ?2, ?3)").bind(1, col).bind(2, ids[i]).bind(3, int64_t(i)).run();
      if (i % 50 == 3) Stmt(lib.db(), "UPDATE generations SET rating = 4 WHERE id = ?1").bind(1, ids[i]).run();
    }
    tx.commit();
  }
  const auto tags = lib.tags();
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0], (std::pair<std::string, int64_t>{"common", 3334}));
  EXPECT_EQ(tags[1], (std::pair<std::string, int64_t>{"rare", 100}));

  int64_t newest = 0, oldest = 0;
  {
    Stmt s(lib.db(), "SELECT max(created_at), min(created_at) FROM generations");
    s.step();
    newest = s.i64(0);
    oldest = s.i64(1);
  }
  struct Case {
    const char* name;
    GalleryFilter f;
    size_t expect;  // rows over all pages
  };
  std::vector<Case> cases;
  cases.push_back({"none", {}, 10000});
  GalleryFilter f;
  f.tag = "rare";
  cases.push_back({"tag rare", f, 100});
  f.tag = "common";
  cases.push_back({"tag common", f, 3334});
  f = {};
  f.collection_id = col;
  cases.push_back({"collection", f, 40});
  f = {};
  f.min_rating = 4;
  cases.push_back({"rating >= 4", f, 200});
  f = {};
  f.min_rating = 5;
  cases.push_back({"rating 5 (none)", f, 0});
  f = {};
  f.from_ms = oldest;
  f.to_ms = oldest + (newest - oldest) / 2;
  size_t in_range = 0;
  {
    Stmt s(lib.db(), "SELECT count(*) FROM generations WHERE created_at BETWEEN ?1 AND ?2");
    s.bind(1, *f.from_ms).bind(2, *f.to_ms);
    s.step();
    in_range = size_t(s.i64(0));
  }
  cases.push_back({"date range", f, in_range});
  f.tag = "rare";
  f.min_rating = 1;
  cases.push_back({"date + tag + rating", f, 0});
  f = {};
  f.tag = "common";
  f.collection_id = col;
  f.min_rating = 4;
  size_t combo = 0;
  for (size_t i = 0; i < ids.size(); ++i) combo += i % 3 == 0 && i % 250 == 3;
  cases.push_back({"tag + collection + rating", f, combo});

  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto t0 = std::chrono::steady_clock::now();
    auto first = lib.page(c.f, 120);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    size_t total = first.items.size();
    for (auto cur = first.next; cur;) {
      auto p = lib.page(c.f, 120, cur);
      total += p.items.size();
      for (size_t i = 1; i < p.items.size(); ++i) EXPECT_LT(p.items[i].created_at_ms, p.items[i - 1].created_at_ms + 1);
      cur = p.next;
    }
    EXPECT_EQ(total, c.expect);
    std::printf("  filter %-26s first page %6.2f ms (%zu rows in all)\n", c.name, ms, total);
    EXPECT_LT(ms, 100.0) << "a gallery page must come fast even with 10,000 rows";
  }
}

// A result made from a picture of the library (img2img of a stored image or of its latents) is stored as that
// row's child; a picture from elsewhere keeps only its path and hash in the request.
TEST(LibraryLatents, ImageInputFromTheLibraryIsTheParent) {
  const fs::path dir = test::temp_dir("lib_image_source") / "lib";
  Library lib(dir);
  StoreOptions o;
  o.latents = fake_latents(3);
  const int64_t source = lib.store(req(1), {}, flat_image(10), nullptr, o);
  const Generation g = *lib.get(source);
  EXPECT_EQ(lib.find_by_file(lib.image_file(g)), source);
  EXPECT_EQ(lib.find_by_file(lib.latents_file(g)), source);
  EXPECT_EQ(lib.find_by_file(dir / ".." / "elsewhere.png"), std::nullopt);

  GenerationRequest child = req(2);
  child.image = ImageInput{};
  child.image->image = lib.image_file(g).string();
  Image pixels = flat_image(30);
  const auto ids = store_result(lib, {session::StoredImage{child, {}, &pixels, "", 0}});
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(lib.get(ids[0])->request.parent_id, source);
  ASSERT_EQ(lib.ancestors(ids[0]).size(), 1u);
  EXPECT_EQ(lib.ancestors(ids[0])[0].id, source);

  child.image->image = (dir.parent_path() / "outside.png").string();
  const auto other = store_result(lib, {session::StoredImage{child, {}, &pixels, "", 0}});
  EXPECT_FALSE(lib.get(other[0])->request.parent_id.has_value());
  EXPECT_EQ(lib.get(other[0])->request.image->image, child.image->image);
}
