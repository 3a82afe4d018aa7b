// Seed library queries: store, gallery pages with filters, full-text search, lineage, same seed, statistics,
// import, thumbnails, check.
#include <gtest/gtest.h>

#include "common/test_common.h"
#include "imageio/export.h"
#include "imageio/file_util.h"
#include "imageio/metadata_read.h"
#include "library/import.h"
#include "library/library.h"
#include "library/library_store.h"
#include "library/schema.h"
#include "library/sqlite_db.h"
#include "tensors/error.h"

using namespace ripen;
using namespace ripen::library;
namespace fs = std::filesystem;

namespace {
Image noise_image(int w, int h, int salt) {
  Image img{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = static_cast<uint8_t>((i * 13 + salt * 101) & 0xff);
  return img;
}
GenerationRequest req(const std::string& prompt, uint64_t seed, Preset preset = Preset::Fast) {
  GenerationRequest r;
  r.prompt = prompt;
  r.negative_prompt = "blurry";
  r.seed = seed;
  r.width = 32;
  r.height = 32;
  r.preset = preset;
  return r;
}
GenerationRecord rec(const std::string& model = "dreamshaper_8", const std::string& hash = "879db523c3") {
  GenerationRecord r;
  r.model_name = model;
  r.model_hash = hash;
  r.steps_used = 12;
  r.seconds_total = 1.5;
  return r;
}
}  // namespace

TEST(Library, StoreGetAndFileOnDisk) {
  Library lib(test::temp_dir("lib_store") / "lib");
  auto r = req("a red fox in the snow", 7);
  r.width = 512;
  r.height = 256;
  int64_t id = lib.store(r, rec(), noise_image(512, 256, 1));
  auto g = lib.get(id);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->request, r);
  EXPECT_EQ(g->record.model_hash, "879db523c3");
  EXPECT_EQ(g->mode, "fast");
  EXPECT_TRUE(fs::exists(lib.image_file(*g)));
  auto meta = imageio::read_metadata(lib.image_file(*g));  // the stored PNG carries its own settings
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->request, r);
  fs::path thumb = lib.thumbnail(*g);
  ASSERT_TRUE(fs::exists(thumb));
  EXPECT_EQ(imageio::image_size(thumb), std::make_pair(256, 128));
  EXPECT_TRUE(lib.check(false).clean());
}

TEST(Library, KeysetPagesAndFilters) {
  Library lib(test::temp_dir("lib_pages") / "lib");
  StoreOptions o;
  for (int i = 0; i < 25; ++i) {
    o.created_at_ms = 1000000 + i * 10;
    Preset p = i % 3 == 0 ? Preset::Quality : Preset::Fast;
    auto r = req(i % 2 ? "castle at sunset" : "forest river", i, p);
    lib.store(r, i < 20 ? rec() : rec("other_model", "aaaaaaaaaa"), noise_image(8, 8, i), nullptr, o);
  }
  // Newest first, pages of 10, no overlap, nothing lost.
  std::vector<int64_t> seen;
  std::optional<PageCursor> cur;
  int pages = 0;
  do {
    auto p = lib.page({}, 10, cur);
    for (auto& g : p.items) seen.push_back(g.id);
    cur = p.next;
    ++pages;
  } while (cur);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 25u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i - 1], seen[i]);

  GalleryFilter f;
  f.text = "castle";
  EXPECT_EQ(lib.page(f, 100).items.size(), 12u);
  f.text = "cast";  // prefix
  EXPECT_EQ(lib.page(f, 100).items.size(), 12u);
  f.text = "blurry";  // negative prompt is searched too
  EXPECT_EQ(lib.page(f, 100).items.size(), 25u);
  f = {};
  f.model = "other_model";
  EXPECT_EQ(lib.page(f, 100).items.size(), 5u);
  f.model = "aaaaaaaaaa";  // by hash
  EXPECT_EQ(lib.page(f, 100).items.size(), 5u);
  f = {};
  f.mode = "quality";
  EXPECT_EQ(lib.page(f, 100).items.size(), 9u);
  f = {};
  f.from_ms = 1000000 + 50;
  f.to_ms = 1000000 + 99;
  EXPECT_EQ(lib.page(f, 100).items.size(), 5u);
  auto first = lib.page({}, 1).items.front();
  lib.set_favourite(first.id, true);
  lib.set_rating(first.id, 4);
  lib.set_tags(first.id, {"keeper", "blue"});
  f = {};
  f.favourite = true;
  auto favs = lib.page(f, 100).items;
  ASSERT_EQ(favs.size(), 1u);
  EXPECT_EQ(favs[0].rating, 4);
  EXPECT_EQ(favs[0].tags, (std::vector<std::string>{"blue", "keeper"}));
  f = {};
  f.tag = "keeper";
  EXPECT_EQ(lib.page(f, 100).items.size(), 1u);
  int64_t c = lib.create_collection("best");
  lib.add_to_collection(c, first.id);
  f = {};
  f.collection_id = c;
  EXPECT_EQ(lib.page(f, 100).items.size(), 1u);
  f = {};
  f.text = "\"unbalanced quote AND (";  // user text never breaks the FTS syntax
  EXPECT_NO_THROW(lib.page(f, 10));

  auto st = lib.statistics();
  EXPECT_EQ(st.generations, 25);
  EXPECT_EQ(st.favourites, 1);
  EXPECT_EQ(st.models, 2);
  EXPECT_EQ(st.by_mode["quality"], 9);
  EXPECT_EQ(st.top_models.front().first, "dreamshaper_8");
}

TEST(Library, LineageAndSameSeed) {
  Library lib(test::temp_dir("lib_lineage") / "lib");
  auto fast = req("lighthouse in a storm", 99, Preset::Fast);
  int64_t root = lib.store(fast, rec(), noise_image(8, 8, 1));
  auto child_req = req("lighthouse in a storm", 99, Preset::Quality);
  child_req.parent_id = root;
  child_req.promote = PromoteMode::Rerender;
  int64_t child = lib.store(child_req, rec(), noise_image(8, 8, 2));
  auto grand_req = child_req;
  grand_req.parent_id = child;
  grand_req.promote = PromoteMode::Polish;
  int64_t grand = lib.store(grand_req, rec(), noise_image(8, 8, 3));
  lib.store(req("lighthouse in a storm", 100), rec(), noise_image(8, 8, 4));  // other seed
  lib.store(req("lighthouse in a storm", 99, Preset::Fast), rec(), noise_image(8, 8, 5));  // same mode: not "other"

  auto anc = lib.ancestors(grand);
  ASSERT_EQ(anc.size(), 2u);
  EXPECT_EQ(anc[0].id, child);
  EXPECT_EQ(anc[1].id, root);
  auto kids = lib.children(root);
  ASSERT_EQ(kids.size(), 1u);
  EXPECT_EQ(kids[0].id, child);
  EXPECT_EQ(kids[0].request.promote, PromoteMode::Rerender);
  EXPECT_EQ(lib.descendants(root).size(), 2u);
  auto same = lib.same_seed_other_modes(root);
  ASSERT_EQ(same.size(), 2u);
  EXPECT_EQ(same[0].id, child);
  EXPECT_EQ(same[1].id, grand);
  // Removing the parent keeps the child, whose parent link becomes empty.
  lib.remove(root);
  EXPECT_TRUE(lib.ancestors(child).empty());
}

TEST(Library, ExportEveryFormatThenImportGivesTheSameRequest) {
  fs::path tmp = test::temp_dir("lib_roundtrip");
  Library lib(tmp / "lib");
  auto r = req("a glass teapot, studio light, caf\xc3\xa9", 123456789);
  r.preset = Preset::Quality;
  r.sampler = "dpmpp_2m";
  r.cfg = 5.5;
  r.clip_skip = 2;
  r.hires = true;
  int64_t id = lib.store(r, rec(), noise_image(32, 32, 9));
  auto g = *lib.get(id);
  Image pixels = imageio::read_image(lib.image_file(g));
  fs::create_directories(tmp / "export");
  int n = 0;
  for (auto f : imageio::available_formats()) {
    imageio::ExportOptions o;
    o.format = f;
    fs::path out = tmp / "export" /
                   (imageio::expand_name_template("{seed}_{mode}_{prompt:20}", g.request, g.record, g.id) + "_" +
                    imageio::format_name(f) + imageio::format_extension(f));
    imageio::export_image(out, pixels, nullptr, g.request, g.record, o);
    ++n;
  }
  Library other(tmp / "lib2");
  auto rep = import_path(other, tmp / "export");
  EXPECT_EQ(rep.imported, n) << (rep.problems.empty() ? "" : rep.problems.front());
  for (int64_t nid : rep.ids) {
    auto ig = other.get(nid);
    ASSERT_TRUE(ig);
    EXPECT_EQ(ig->request, r) << ig->image_path;
    EXPECT_EQ(ig->source, "ripen");
  }
  // Importing again adds nothing.
  auto again = import_path(other, tmp / "export");
  EXPECT_EQ(again.imported, 0);
  EXPECT_EQ(again.already_present, n);
  EXPECT_TRUE(other.check(false).clean());
}

TEST(Library, CheckFindsAndRepairs) {
  fs::path dir = test::temp_dir("lib_check") / "lib";
  Library lib(dir);
  int64_t a = lib.store(req("one", 1), rec(), noise_image(8, 8, 1));
  int64_t b = lib.store(req("two", 2), rec(), noise_image(8, 8, 2));
  fs::remove(lib.image_file(*lib.get(a)));  // row without file
  // A file without a row, as a crash between rename and commit leaves it (it has its metadata).
  imageio::export_image(dir / "images" / "orphan.png", noise_image(8, 8, 3), nullptr, req("three", 3), rec(), {});
  imageio::write_file_synced(dir / "images" / ".tmp-x.png-123", "partial");  // interrupted write
  auto rep = lib.check(false);
  EXPECT_TRUE(rep.integrity_ok);
  EXPECT_EQ(rep.rows_without_file, std::vector<int64_t>{a});
  EXPECT_EQ(rep.files_without_row.size(), 1u);
  EXPECT_EQ(rep.temp_files.size(), 1u);
  rep = lib.check(true);
  EXPECT_EQ(rep.rows_removed, 1);
  EXPECT_EQ(rep.files_adopted, 1);
  EXPECT_TRUE(lib.check(false).clean());
  EXPECT_EQ(lib.count(), 2);
  EXPECT_TRUE(lib.get(b));
  GalleryFilter f;
  f.text = "three";
  EXPECT_EQ(lib.page(f).items.size(), 1u);
}

TEST(Library, StoreResultKeepsEachImageWithItsLatents) {
  fs::path dir = test::temp_dir("lib_record") / "lib";
  const Image a = noise_image(8, 8, 1), b = noise_image(8, 8, 2);
  std::vector<session::StoredImage> images(2);
  for (int i = 0; i < 2; ++i) {
    images[i].request = req("batch of two", 500 + i);
    images[i].record = rec();
    images[i].image = i == 0 ? &a : &b;
    images[i].batch_index = i;
  }
  images[1].latents = "latent bytes";
  std::vector<int64_t> ids;
  {
    LibraryStore store(dir);
    ids = store.store(images);
    ASSERT_EQ(ids.size(), 2u);
    auto parent = store.parent(ids[1]);
    ASSERT_TRUE(parent);
    EXPECT_EQ(parent->request.seed, 501u);
    EXPECT_EQ(imageio::read_file(parent->latents), "latent bytes");
    EXPECT_TRUE(store.parent(ids[0])->latents.empty());
    EXPECT_FALSE(store.parent(ids[1] + 100));
  }
  Library lib(dir);
  EXPECT_EQ(lib.get(ids[0])->request.seed, 500u);
  EXPECT_EQ(lib.get(ids[1])->request.seed, 501u);
  EXPECT_EQ(lib.get(ids[1])->batch_index, 1);
}

TEST(Library, SchemaVersionIsCurrent) {
  Library lib(test::temp_dir("lib_schema") / "lib");
  EXPECT_EQ(schema_version(lib.db()), kSchemaVersion);
  Stmt s(lib.db(), "PRAGMA journal_mode");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "wal");
  Stmt fk(lib.db(), "PRAGMA foreign_keys");
  ASSERT_TRUE(fk.step());
  EXPECT_EQ(fk.i64(0), 1);
}
