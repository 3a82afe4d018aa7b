#include "bench/library_fill.h"

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "library/library.h"
#include "library/sqlite_db.h"
#include "tensors/error.h"

namespace ripen::library {
namespace {
const char* const kSubjects[] = {"portrait of a knight", "cat", "red fox", "dragon", "astronaut", "lighthouse",
                                 "castle", "robot", "owl", "samurai", "mountain lake", "city street", "café",
                                 "sci-fi corridor", "wizard's tower", "koi pond", "猫", "桜の木"};
const char* const kStyles[] = {"oil painting", "watercolor", "photo, 35mm", "anime", "(masterpiece:1.2)",
                               "cinematic lighting", "studio ghibli style", "pixel art", "isometric", "bokeh",
                               "golden hour", "neon, cyberpunk", "misty", "ultra-detailed", "8k"};
const char* const kModels[] = {"sd15-base", "dreamshaper_8", "sdxl-base-1.0", "sdxl-lightning-4step", "embedded"};
const char* const kNegatives[] = {"blurry, low quality", "", "bad hands, watermark", "text, signature"};
const char* const kSamplers[] = {"euler", "euler_a", "dpmpp_2m", "dpmpp_2m_sde", "heun"};
constexpr Preset kPresets[] = {Preset::Fast, Preset::Fast, Preset::Quality, Preset::Lightning, Preset::Custom};

template <typename T, size_t N>
const T& pick(std::mt19937_64& rng, const T (&a)[N]) {
  return a[rng() % N];
}

// A smooth two-colour gradient: real pixels that compress to a few hundred bytes.
Image gradient(std::mt19937_64& rng, int size) {
  Image im;
  im.width = im.height = size;
  im.rgb.resize(size_t(size) * size * 3);
  uint8_t a[3], b[3];
  for (int c = 0; c < 3; ++c) a[c] = uint8_t(rng()), b[c] = uint8_t(rng());
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      for (int c = 0; c < 3; ++c) {
        const int t = (x + y) * 255 / (2 * size - 2);
        im.rgb[(size_t(y) * size + x) * 3 + c] = uint8_t((a[c] * (255 - t) + b[c] * t) / 255);
      }
  return im;
}

GenerationRequest request_for(std::mt19937_64& rng, int size, std::optional<int64_t> parent) {
  GenerationRequest r;
  r.model = pick(rng, kModels);
  r.prompt = std::string(pick(rng, kSubjects)) + ", " + pick(rng, kStyles);
  if (rng() % 2) r.prompt += ", " + std::string(pick(rng, kStyles));
  r.negative_prompt = pick(rng, kNegatives);
  r.seed = rng();
  r.width = r.height = size;
  r.preset = pick(rng, kPresets);
  r.sampler = pick(rng, kSamplers);
  r.steps = 4 + int(rng() % 28);
  r.cfg = 1.0 + double(rng() % 90) / 10.0;
  if (parent) {
    r.parent_id = parent;
    r.promote = rng() % 2 ? PromoteMode::Polish : PromoteMode::Rerender;
  }
  return r;
}

GenerationRecord record_for(std::mt19937_64& rng, const GenerationRequest& r) {
  GenerationRecord rec;
  rec.model_name = r.model;
  rec.model_hash = std::to_string(1000000000 + (std::hash<std::string>{}(r.model) % 900000000));
  rec.steps_planned = r.steps;
  rec.steps_used = r.steps - int(rng() % 3);
  rec.unet_evals = rec.steps_used * 2;
  rec.seconds_total = 0.2 + double(rng() % 3000) / 100.0;
  rec.stop_reason = "max steps";
  return rec;
}
}  // namespace

FillResult fill_library(Library& lib, const FillOptions& o) {
  if (o.count < 0) throw Error("library fill: --count must be 0 or more");
  if (o.image_size < 8 || o.image_size > 1024) throw Error("library fill: --size must be 8..1024");
  const auto start = std::chrono::steady_clock::now();
  std::mt19937_64 rng(o.seed);
  Db& db = lib.db();
  db.exec("PRAGMA synchronous=OFF");  // a generated library: nothing to lose on a crash
  StoreOptions so;
  so.synced = false;
  int64_t t = o.first_ms;
  std::vector<int64_t> ids;
  ids.reserve(size_t(o.count));
  constexpr int kBatch = 2000;
  for (int done = 0; done < o.count;) {
    Transaction tx(db);
    for (int k = 0; k < kBatch && done < o.count; ++k, ++done) {
      const bool child = !ids.empty() && rng() % 6 == 0;
      const auto parent = child ? std::optional<int64_t>(ids[size_t(rng() % ids.size())]) : std::nullopt;
      const GenerationRequest r = request_for(rng, o.image_size, parent);
      const GenerationRecord rec = record_for(rng, r);
      t += 1000 + int64_t(rng() % 300000);
      so.created_at_ms = t;
      so.batch_index = int(rng() % 4);
      const int64_t id = lib.store(r, rec, gradient(rng, o.image_size), nullptr, so);
      ids.push_back(id);
      if (rng() % 20 == 0) Stmt(db, "UPDATE generations SET favourite = 1 WHERE id = ?1").bind(1, id).run();
      if (rng() % 8 == 0)
        Stmt(db, "UPDATE generations SET rating = ?2 WHERE id = ?1").bind(1, id).bind(2, int64_t(1 + rng() % 5)).run();
      if (rng() % 10 == 0)
        Stmt(db, "INSERT INTO tags(generation_id, tag) VALUES (?1, ?2)")
            .bind(1, id)
            .bind(2, std::string(rng() % 2 ? "keeper" : "wip"))
            .run();
    }
    tx.commit();
  }
  db.exec("PRAGMA synchronous=FULL; ANALYZE; PRAGMA optimize;");
  FillResult res;
  res.rows = o.count;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace ripen::library
