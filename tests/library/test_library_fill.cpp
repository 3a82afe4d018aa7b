// `library fill`: the generated rows are well-formed (the check finds nothing, every image is there), the same
// seed gives the same library, full-text search over them answers what a scan of the prompts answers (words,
// prefixes, punctuation, accents, CJK), and the disk figures count what was written.
#include <gtest/gtest.h>

#include <functional>

#include "bench/library_fill.h"
#include "common/test_common.h"
#include "library/disk_usage.h"
#include "library/library.h"

using namespace ripen;
using namespace ripen::library;
namespace fs = std::filesystem;

namespace {
std::vector<Generation> every_row(Library& lib) {
  std::vector<Generation> out;
  std::optional<PageCursor> cur;
  do {
    auto p = lib.page({}, 500, cur);
    for (auto& g : p.items) out.push_back(std::move(g));
    cur = p.next;
  } while (cur);
  return out;
}

std::vector<int64_t> search_ids(Library& lib, const std::string& text) {
  GalleryFilter f;
  f.text = text;
  std::vector<int64_t> ids;
  std::optional<PageCursor> cur;
  do {
    auto p = lib.page(f, 100, cur);
    for (auto& g : p.items) ids.push_back(g.id);
    cur = p.next;
  } while (cur);
  return ids;
}

std::vector<int64_t> scan_ids(const std::vector<Generation>& rows, const std::function<bool(const std::string&)>& keep) {
  std::vector<int64_t> ids;
  for (const auto& g : rows)
    if (keep(g.request.prompt + " " + g.request.negative_prompt)) ids.push_back(g.id);
  return ids;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST(LibraryFill, RowsAreWellFormedAndDeterministic) {
  const fs::path tmp = test::temp_dir("lib_fill");
  Library la(tmp / "a"), lb(tmp / "b");
  FillOptions o;
  o.count = 400;
  EXPECT_EQ(fill_library(la, o).rows, 400);
  fill_library(lb, o);
  EXPECT_EQ(la.count(), 400);
  const CheckReport rep = la.check(false);
  EXPECT_TRUE(rep.clean()) << rep.integrity << ", rows without file " << rep.rows_without_file.size();
  const auto ra = every_row(la), rb = every_row(lb);
  ASSERT_EQ(ra.size(), rb.size());
  int children = 0, favourites = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    EXPECT_EQ(ra[i].request.prompt, rb[i].request.prompt);
    EXPECT_EQ(ra[i].request.seed, rb[i].request.seed);
    EXPECT_FALSE(ra[i].request.prompt.empty());
    EXPECT_TRUE(fs::exists(la.image_file(ra[i])));
    children += ra[i].request.parent_id.has_value();
    favourites += ra[i].favourite;
  }
  EXPECT_GT(children, 20);
  EXPECT_GT(favourites, 5);
  EXPECT_EQ(la.statistics().models, 5);
  EXPECT_FALSE(la.thumbnail(ra.front()).empty());  // the stored image is a real picture

  const DiskUsage du = disk_usage(la.dir());
  EXPECT_EQ(du.image_files, 400);
  EXPECT_EQ(du.thumbnail_files, 1);
  EXPECT_GT(du.database_bytes, 0);
  EXPECT_EQ(du.total(), du.database_bytes + du.image_bytes + du.thumbnail_bytes + du.latents_bytes + du.other_bytes);
}

TEST(LibraryFill, FullTextSearchAnswersWhatAScanAnswers) {
  Library lib(test::temp_dir("lib_fill_search") / "lib");
  FillOptions o;
  o.count = 1500;
  fill_library(lib, o);
  const auto rows = every_row(lib);
  auto expect_same = [&](const std::string& query, const std::function<bool(const std::string&)>& keep) {
    const auto want = scan_ids(rows, keep);
    EXPECT_FALSE(want.empty()) << query;
    EXPECT_EQ(search_ids(lib, query), want) << query;
  };
  expect_same("lighthouse", [](const std::string& p) { return has(p, "lighthouse"); });
  expect_same("masterp", [](const std::string& p) { return has(p, "masterpiece"); });      // the last word: a prefix
  expect_same("sci-fi", [](const std::string& p) { return has(p, "sci-fi"); });           // punctuation: one phrase
  expect_same("(masterpiece:1.2)", [](const std::string& p) { return has(p, "(masterpiece:1.2)"); });
  expect_same("cafe", [](const std::string& p) { return has(p, "café"); });               // accents folded
  expect_same("猫", [](const std::string& p) { return has(p, "猫"); });
  expect_same("red fox bokeh", [](const std::string& p) { return has(p, "red fox") && has(p, "bokeh"); });
  expect_same("wizard's", [](const std::string& p) { return has(p, "wizard's"); });
  EXPECT_TRUE(search_ids(lib, "zanzibar").empty());
}
