#include "bench/library_bench.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <vector>

#include "library/library.h"
#include "library/sqlite_db.h"
#include "tensors/error.h"

namespace ripen::library {
namespace fs = std::filesystem;
namespace {
const char* const kWords[] = {
    "portrait", "landscape", "cat", "dog", "castle", "forest", "river", "mountain", "city", "night", "sunset",
    "dragon", "robot", "astronaut", "ocean", "flower", "garden", "painting", "photo", "cinematic", "lighting",
    "detailed", "sharp", "soft", "golden", "hour", "misty", "rain", "snow", "desert", "neon", "cyberpunk",
    "watercolor", "oil", "sketch", "anime", "realistic", "bokeh", "macro", "wide", "angle", "studio", "vintage",
    "futuristic", "medieval", "knight", "wizard", "temple", "bridge", "lake", "island", "ship", "storm", "clouds",
    "stars", "galaxy", "moon", "sun", "tree", "owl", "fox", "wolf", "horse", "bird", "butterfly", "lantern", "market",
    "street", "cafe", "library", "tower", "ruins", "cave", "crystal", "glass", "metal", "wooden", "stone", "velvet"};
constexpr int kWordCount = sizeof(kWords) / sizeof(kWords[0]);

double median_ms(int repeats, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
}  // namespace

BenchResult run_bench(const fs::path& dir, int count, int repeats) {
  if (fs::exists(dir / "library.db")) throw Error(dir.string() + ": the benchmark needs a new, empty library folder");
  BenchResult res;
  res.count = count;
  Library lib(dir);
  std::mt19937_64 rng(1234);
  auto a = std::chrono::steady_clock::now();
  const int64_t t0 = 1700000000000;
  const char* modes[] = {"fast", "quality", "lightning", "custom"};
  {
    Db& db = lib.db();
    for (int i = 0; i < 5; ++i)
      Stmt(db, "INSERT INTO models(name, hash, path) VALUES (?1, ?2, ?3)")
          .bind(1, "model-" + std::to_string(i))
          .bind(2, "abcdef012" + std::to_string(i))
          .bind(3, "/models/model-" + std::to_string(i) + ".safetensors")
          .run();
    const int batch = 5000;
    for (int done = 0; done < count;) {
      Transaction tx(db);
      Stmt ins(db, R"sql(INSERT INTO generations(created_at, prompt, negative_prompt, seed, width, height, mode, sampler,
          schedule, steps, cfg, model_id, model_hash, parent_id, promote, steps_used, seconds_total, favourite,
          image_path, request_json, record_json) VALUES (?1, ?2, ?3, ?4, 512, 512, ?5, 'euler', 'karras', 20, 7.0, ?6,
          ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, '{}'))sql");
      for (int k = 0; k < batch && done < count; ++k, ++done) {
        std::string prompt;
        int words = 6 + static_cast<int>(rng() % 12);
        for (int w = 0; w < words; ++w) prompt += std::string(w ? " " : "") + kWords[rng() % kWordCount];
        if (done % 1000 == 7) prompt += " zanzibar";  // a rare word: 0.1% of rows
        int64_t model = 1 + static_cast<int64_t>(rng() % 5);
        bool child = done > 10 && rng() % 5 == 0;
        GenerationRequest r;
        r.prompt = prompt;
        r.negative_prompt = "blurry, low quality";
        r.seed = rng() % 4294967296ull;
        ins.reset();
        ins.bind(1, t0 + done * 1000)
            .bind(2, prompt)
            .bind(3, r.negative_prompt)
            .bind(4, static_cast<int64_t>(r.seed))
            .bind(5, modes[rng() % 4])
            .bind(6, model)
            .bind(7, "abcdef012" + std::to_string(model - 1))
            .bind(8, child ? std::optional<int64_t>(1 + static_cast<int64_t>(rng() % done)) : std::nullopt)
            .bind(9, child ? "polish" : "none")
            .bind(10, 8 + static_cast<int>(rng() % 14))
            .bind(11, 1.0 + (rng() % 1000) / 100.0)
            .bind(12, rng() % 20 == 0 ? 1 : 0)
            .bind(13, "bench/" + std::to_string(done) + ".png")
            .bind(14, r.to_json().dump());
        ins.run();
      }
      tx.commit();
    }
    db.exec("ANALYZE; PRAGMA optimize;");
  }
  res.fill_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();

  // Each measurement opens nothing new: the GUI keeps its connection; the first page is timed cold-ish
  // (right after the fill) and warm (median).
  GalleryFilter none;
  auto first = lib.page(none, 60);
  res.ms["first_page"] = median_ms(repeats, [&] { lib.page(none, 60); });
  res.ms["second_page"] = median_ms(repeats, [&] { lib.page(none, 60, first.next); });
  GalleryFilter by_model;
  by_model.model = "model-3";
  res.ms["model_page"] = median_ms(repeats, [&] { lib.page(by_model, 60); });
  GalleryFilter fav;
  fav.favourite = true;
  res.ms["favourite_page"] = median_ms(repeats, [&] { lib.page(fav, 60); });
  GalleryFilter mode_range;
  mode_range.mode = "quality";
  mode_range.from_ms = t0 + int64_t(count / 4) * 1000;
  mode_range.to_ms = t0 + int64_t(count / 2) * 1000;
  res.ms["mode_date_page"] = median_ms(repeats, [&] { lib.page(mode_range, 60); });
  GalleryFilter common;
  common.text = "castle sunset";
  res.ms["fts_common"] = median_ms(repeats, [&] { lib.page(common, 60); });
  GalleryFilter rare;
  rare.text = "zanzibar";
  res.ms["fts_rare"] = median_ms(repeats, [&] { lib.page(rare, 60); });
  // The same searches as a LIKE scan over the prompts would answer them, for comparison with the FTS index.
  auto like = [&](const std::string& where) {
    return median_ms(repeats, [&] {
      Stmt s(lib.db(), "SELECT id FROM generations WHERE " + where + " ORDER BY created_at DESC, id DESC LIMIT 61");
      while (s.step()) {
      }
    });
  };
  res.ms["like_common"] = like("prompt LIKE '%castle%' AND prompt LIKE '%sunset%'");
  res.ms["like_rare"] = like("prompt LIKE '%zanzibar%'");
  GalleryFilter prefix;
  prefix.text = "drag";
  res.ms["fts_prefix"] = median_ms(repeats, [&] { lib.page(prefix, 60); });
  std::optional<PageCursor> deep_cursor;  // the 20th page of the prefix search
  for (int i = 0; i < 19; ++i) deep_cursor = lib.page(prefix, 60, deep_cursor).next;
  res.ms["fts_prefix_page20"] = median_ms(repeats, [&] { lib.page(prefix, 60, deep_cursor); });
  GalleryFilter everywhere;
  everywhere.text = "blurry";  // every row's negative prompt
  res.ms["fts_every_row"] = median_ms(repeats, [&] { lib.page(everywhere, 60); });
  GalleryFilter combined = prefix;  // text with model, favourite and a date range: ~0.1% of the rows
  combined.model = "model-3";
  combined.favourite = true;
  combined.from_ms = t0;
  combined.to_ms = t0 + int64_t(count) * 900;
  res.ms["fts_filtered"] = median_ms(repeats, [&] { lib.page(combined, 60); });
  int64_t deep = count;  // the newest row; its chain goes back through random parents
  res.ms["lineage"] = median_ms(repeats, [&] {
    lib.ancestors(deep);
    lib.children(1);
  });
  res.ms["same_seed"] = median_ms(repeats, [&] { lib.same_seed_other_modes(deep); });
  res.ms["statistics"] = median_ms(std::max(3, repeats / 5), [&] { lib.statistics(); });
  return res;
}

}  // namespace ripen::library
