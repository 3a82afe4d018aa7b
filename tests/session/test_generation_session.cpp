// GenerationSession without a GUI: generate into a store, promote a stored result (from the session's cache and
// from the stored latents file), fall back to a re-render without latents, failures and cancels store nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/test_common.h"
#include "session/generation_session.h"
#include "tensors/error.h"

using namespace ripen;
using namespace ripen::session;
namespace fs = std::filesystem;

namespace {
// A store in memory; latents go to files in a folder, as the library keeps them.
struct MemoryStore : ResultStore {
  fs::path dir;
  std::map<int64_t, StoredImage> rows;
  std::map<int64_t, Image> pixels;
  int64_t next = 1;
  bool fail = false;
  explicit MemoryStore(fs::path d) : dir(std::move(d)) { fs::create_directories(dir); }
  std::vector<int64_t> store(const std::vector<StoredImage>& images) override {
    if (fail) throw Error(dir.string() + ": disk full");
    std::vector<int64_t> ids;
    for (const auto& s : images) {
      const int64_t id = next++;
      rows[id] = s;
      pixels[id] = *s.image;
      rows[id].image = &pixels[id];
      if (!s.latents.empty()) std::ofstream(dir / (std::to_string(id) + ".safetensors"), std::ios::binary) << s.latents;
      ids.push_back(id);
    }
    return ids;
  }
  std::optional<StoredParent> parent(int64_t id) override {
    auto it = rows.find(id);
    if (it == rows.end()) return std::nullopt;
    fs::path f = dir / (std::to_string(id) + ".safetensors");
    return StoredParent{it->second.request, fs::exists(f) ? f : fs::path()};
  }
};

GenerationRequest draft(uint64_t seed) {
  GenerationRequest r;
  r.model = "embedded";
  r.prompt = "grinning face, google style";
  r.seed = seed;
  r.width = r.height = 64;
  r.preset = Preset::Fast;
  return r;
}

Job promotion(int64_t parent, PromoteMode mode) {
  Job j;
  j.promote = PromoteSettings{};
  j.promote->mode = mode;
  j.parent = parent;
  return j;
}
}  // namespace

class Session : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = std::make_unique<MemoryStore>(test::temp_dir("session_store"));
    store = s.get();
    session = std::make_unique<GenerationSession>(PipelineOptions{}, std::move(s));
  }
  MemoryStore* store = nullptr;
  std::unique_ptr<GenerationSession> session;
};

TEST_F(Session, GenerateStoresEveryImageWithItsSeedAndLatents) {
  Job j;
  j.request = draft(40);
  j.request.batch = 2;
  JobOutcome o = session->run(j);
  ASSERT_TRUE(o.ok()) << o.result.error;
  ASSERT_EQ(o.ids.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const StoredImage& s = store->rows.at(o.ids[i]);
    EXPECT_EQ(s.request.seed, 40u + i);
    EXPECT_EQ(s.request.batch, 1);
    EXPECT_EQ(s.batch_index, int(i));
    EXPECT_EQ(s.record.steps_used, o.result.record.steps_used);
    PromoteSource back = load_promote_source(store->parent(o.ids[i])->latents.string());
    EXPECT_EQ(back.request.seed, 40u + i);
    EXPECT_TRUE(at::equal(back.latents, o.result.latents.slice(0, int64_t(i), int64_t(i) + 1)));
    EXPECT_TRUE(at::equal(back.composition_latents, o.result.composition_latents.slice(0, int64_t(i), int64_t(i) + 1)));
    EXPECT_EQ(back.composition_sigma, o.result.composition_sigma);
  }
}

TEST_F(Session, PromoteFromCacheAndFromStoredFileAgree) {
  Job j;
  j.request = draft(41);
  JobOutcome d = session->run(j);
  ASSERT_TRUE(d.ok()) << d.result.error;
  JobOutcome cached = session->run(promotion(d.ids[0], PromoteMode::Continue));
  ASSERT_TRUE(cached.ok()) << cached.result.error;
  EXPECT_EQ(cached.promoted, PromoteMode::Continue);
  EXPECT_FALSE(cached.latents_from_store);
  EXPECT_EQ(cached.result.request.parent_id, d.ids[0]);
  EXPECT_EQ(cached.result.request.preset, Preset::Quality);
  EXPECT_EQ(store->rows.at(cached.ids[0]).request.parent_id, d.ids[0]);

  // A new session (the studio restarted, or ripen-cli) finds the latents in the store.
  auto* s = store;
  GenerationSession fresh(PipelineOptions{}, std::unique_ptr<ResultStore>(new MemoryStore(*s)));
  JobOutcome stored = fresh.run(promotion(d.ids[0], PromoteMode::Continue));
  ASSERT_TRUE(stored.ok()) << stored.result.error;
  EXPECT_TRUE(stored.latents_from_store);
  EXPECT_TRUE(at::equal(stored.result.latents, cached.result.latents));

  // And both equal the pipeline's promote of the draft's own result.
  GenerationResult direct = promote(session->pipeline(), promote_source(d.result), PromoteMode::Continue);
  ASSERT_TRUE(direct.ok()) << direct.error;
  EXPECT_TRUE(at::equal(direct.latents, cached.result.latents));
}

TEST_F(Session, WithoutLatentsContinueFallsBackToRerender) {
  Job j;
  j.request = draft(42);
  JobOutcome d = session->run(j);
  ASSERT_TRUE(d.ok()) << d.result.error;
  fs::remove(store->parent(d.ids[0])->latents);
  GenerationSession fresh(PipelineOptions{}, std::unique_ptr<ResultStore>(new MemoryStore(*store)));
  JobOutcome o = fresh.run(promotion(d.ids[0], PromoteMode::Continue));
  ASSERT_TRUE(o.ok()) << o.result.error;
  EXPECT_EQ(o.promoted, PromoteMode::Rerender);
  EXPECT_EQ(o.result.request.promote, PromoteMode::Rerender);
}

TEST_F(Session, FailuresAndCancelsStoreNothing) {
  // An unknown parent, a promotion without a store, a store that fails, a cancelled run.
  JobOutcome missing = session->run(promotion(999, PromoteMode::Rerender));
  EXPECT_EQ(missing.result.status, GenerationResult::Status::Failed);
  EXPECT_NE(missing.result.error.find("999"), std::string::npos) << missing.result.error;

  GenerationSession bare;
  JobOutcome no_store = bare.run(promotion(1, PromoteMode::Rerender));
  EXPECT_EQ(no_store.result.status, GenerationResult::Status::Failed);
  EXPECT_NE(no_store.result.error.find("no library"), std::string::npos) << no_store.result.error;

  store->fail = true;
  Job j;
  j.request = draft(43);
  JobOutcome full = session->run(j);
  EXPECT_EQ(full.result.status, GenerationResult::Status::Failed);
  EXPECT_NE(full.result.error.find("disk full"), std::string::npos) << full.result.error;
  EXPECT_TRUE(full.ids.empty());
  store->fail = false;

  std::atomic<bool> cancel{false};
  JobOutcome cancelled = session->run(j, [&](const StepEvent& e) { cancel = e.step >= 2; }, cancel);
  EXPECT_EQ(cancelled.result.status, GenerationResult::Status::Cancelled);
  EXPECT_TRUE(cancelled.ids.empty());
  EXPECT_TRUE(store->rows.empty());
}

TEST_F(Session, StepEventsArriveUnchangedInOrder) {
  Job j;
  j.request = draft(44);
  std::vector<StepEvent> events;
  JobOutcome o = session->run(j, [&](const StepEvent& e) { events.push_back(e); });
  ASSERT_TRUE(o.ok()) << o.result.error;
  ASSERT_EQ(int(events.size()), o.result.record.steps_used + 1);
  for (int i = 0; i < o.result.record.steps_used; ++i) {
    EXPECT_EQ(events[size_t(i)].step, i + 1);
    EXPECT_TRUE(events[size_t(i)].phase == Phase::Sampling || events[size_t(i)].phase == Phase::Tail);
  }
  EXPECT_EQ(events.back().phase, Phase::Decode);
}
