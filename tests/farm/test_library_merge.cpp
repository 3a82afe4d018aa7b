// library merge at the library level: lineage remapped onto merged (or already present) parents, duplicates by
// content and by job, idempotence, conflicting job rows reported, shards of another schema refused untouched.
#include <gtest/gtest.h>

#include <set>

#include "common/test_common.h"
#include "imageio/file_util.h"
#include "library/library.h"
#include "library/merge.h"
#include "library/schema.h"
#include "library/sqlite_db.h"
#include "tensors/error.h"

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
int64_t store(Library& lib, uint64_t seed, uint8_t pixels, const std::string& job, std::optional<int64_t> parent = {},
              double seconds = 1.0) {
  GenerationRequest r = req(seed);
  r.parent_id = parent;
  if (parent) r.promote = PromoteMode::Polish;
  GenerationRecord rec;
  rec.seconds_total = seconds;  // differs between two renders of one job: the files differ, the pixels do not
  StoreOptions o;
  o.job_id = job;
  o.latents = "latents of " + job + std::string(100, char(pixels));
  return lib.store(r, rec, flat_image(pixels), nullptr, o);
}
// (job or pixels) -> (parent's job or pixels), for every row.
std::set<std::pair<std::string, std::string>> lineage(Library& lib) {
  std::set<std::pair<std::string, std::string>> edges;
  for (const auto& g : lib.page({}, 1000).items) {
    auto key = [&](const Generation& x) { return x.job_id.empty() ? pixel_hash(lib.image_file(x)) : x.job_id; };
    auto parents = lib.ancestors(g.id);
    edges.insert({key(g), parents.empty() ? "" : key(parents.front())});
  }
  return edges;
}
}  // namespace

TEST(LibraryMerge, LineageDuplicatesIdempotenceAndConflicts) {
  const fs::path root = test::temp_dir("merge");
  {
    Library a(root / "a");
    const int64_t j1 = store(a, 1, 10, "job1");
    store(a, 1, 11, "job2", j1);
    Library b(root / "b");
    store(b, 1, 10, "job1", {}, 2.5);  // the same job rendered again (two shards given one index): same pixels
    store(b, 2, 30, "job3");
    Library c(root / "c");
    store(c, 1, 99, "job1");  // the same job with other pixels: a conflict
  }
  Library into(root / "into");
  MergeReport r = merge_libraries(into, {root / "a", root / "b"});
  EXPECT_EQ(r.added, 3);
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(into.count(), 3);
  const auto child = into.get(*into.find_by_job_id("job2"));
  ASSERT_TRUE(child);
  ASSERT_TRUE(child->request.parent_id);
  EXPECT_EQ(*child->request.parent_id, *into.find_by_job_id("job1"));
  EXPECT_EQ(into.ancestors(child->id).size(), 1u);
  EXPECT_EQ(imageio::read_file(into.latents_file(*child)), "latents of job2" + std::string(100, char(11)));
  EXPECT_EQ(lineage(into), (std::set<std::pair<std::string, std::string>>{{"job1", ""}, {"job2", "job1"}, {"job3", ""}}));

  MergeReport again = merge_libraries(into, {root / "a", root / "b"});
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.duplicates, 4);
  EXPECT_EQ(into.count(), 3);

  MergeReport conflict = merge_libraries(into, {root / "c"});
  EXPECT_EQ(conflict.added, 0);
  ASSERT_EQ(conflict.conflicts.size(), 1u);
  EXPECT_EQ(conflict.conflicts[0].job_id, "job1");
  EXPECT_NE(conflict.conflicts[0].shard_pixels, conflict.conflicts[0].into_pixels);
  EXPECT_EQ(into.count(), 3);
}

TEST(LibraryMerge, ACopiedParentMapsOntoTheOriginalRow) {
  const fs::path root = test::temp_dir("merge_origin");
  Library origin(root / "origin");
  const int64_t draft = store(origin, 7, 50, "");  // a studio draft: no job, no content hash recorded
  {
    Library shard(root / "shard");  // what batch does for a promotion: the parent copied byte for byte, then the child
    auto g = origin.get(draft);
    const std::string bytes = imageio::read_file(origin.image_file(*g));
    GenerationRequest r = g->request;
    r.parent_id.reset();
    const int64_t copy = shard.add_image_bytes(bytes, ".png", r, g->record, {}, content_hash(bytes));
    store(shard, 7, 60, "promote-job", copy);
  }
  MergeReport r = merge_libraries(origin, {root / "shard"});
  EXPECT_EQ(r.added, 1);
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_EQ(origin.count(), 2);
  const auto child = origin.get(*origin.find_by_job_id("promote-job"));
  ASSERT_TRUE(child && child->request.parent_id);
  EXPECT_EQ(*child->request.parent_id, draft);
}

TEST(LibraryMerge, RefusesAShardOfAnotherSchemaBeforeWritingAnything) {
  const fs::path root = test::temp_dir("merge_schema");
  {
    Library ok(root / "ok");
    store(ok, 1, 10, "job1");
    Library old_one(root / "old");
    store(old_one, 2, 20, "job2");
    Library new_one(root / "new");
    store(new_one, 3, 30, "job3");
  }
  for (auto [name, version] : {std::pair{"old", kSchemaVersion - 1}, std::pair{"new", kSchemaVersion + 1}}) {
    SCOPED_TRACE(name);
    {
      Db db((root / name / "library.db").string(), SQLITE_OPEN_READWRITE);
      db.exec("PRAGMA user_version = " + std::to_string(version));
    }
    Library into(root / ("into-" + std::string(name)));
    try {
      merge_libraries(into, {root / "ok", root / name});
      FAIL() << "merged a shard of schema version " << version;
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find((root / name).string()), std::string::npos) << m;
      EXPECT_NE(m.find("schema version " + std::to_string(version)), std::string::npos) << m;
    }
    EXPECT_EQ(into.count(), 0);  // not even the compatible shard was merged
    Db db((root / name / "library.db").string(), SQLITE_OPEN_READONLY);
    EXPECT_EQ(schema_version(db), version);  // the shard was left as it was
  }
}

TEST(LibraryMerge, ShardFoldersUnderOneFolder) {
  const fs::path root = test::temp_dir("merge_folders");
  { Library(root / "out" / "shard-1"); Library(root / "out" / "shard-0"); }
  fs::create_directories(root / "out" / "logs");
  EXPECT_EQ(shard_libraries(root / "out"),
            (std::vector<fs::path>{root / "out" / "shard-0", root / "out" / "shard-1"}));
  EXPECT_EQ(shard_libraries(root / "out" / "shard-0"), std::vector<fs::path>{root / "out" / "shard-0"});
  EXPECT_THROW(shard_libraries(root / "out" / "logs"), Error);
}
