// The pipeline end to end on the tiny SD1.5 model: presets, events, cancel, model cache, promotion.
#include <gtest/gtest.h>

#include "common/test_common.h"
#include "pipeline/promote.h"

using namespace ripen;

namespace {
GenerationRequest small(const std::filesystem::path& oracle, Preset preset) {
  GenerationRequest r;
  r.model = (oracle / "tiny-sd15").string();
  r.prompt = "a red apple on a white table";
  r.seed = 7;
  r.width = 64;
  r.height = 96;
  r.preset = preset;
  return r;
}
}  // namespace

TEST(PipelineFlow, FastPresetEventsAndRecord) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  Pipeline p;
  std::vector<StepEvent> events;
  GenerationRequest req = small(oracle, Preset::Fast);
  req.batch = 2;
  GenerationResult r = p.generate(req, [&](const StepEvent& e) { events.push_back(e); });
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.images.size(), 2u);
  EXPECT_EQ(r.images[0].width, 64);
  EXPECT_EQ(r.images[0].height, 96);
  EXPECT_GE(r.record.steps_used, 8);
  EXPECT_LE(r.record.steps_used, 22);
  EXPECT_FALSE(r.record.stop_reason.empty());
  EXPECT_EQ(r.request, req);
  EXPECT_EQ(r.sigmas.back(), 0.0);
  ASSERT_TRUE(r.composition_latents.defined());
  EXPECT_GT(r.composition_sigma, 0);
  // One event per step with a preview, then the decode event.
  ASSERT_EQ(int(events.size()), r.record.steps_used + 1);
  for (int i = 0; i < r.record.steps_used; ++i) {
    EXPECT_EQ(events[i].step, i + 1);
    EXPECT_FALSE(events[i].preview.empty());
  }
  EXPECT_EQ(events.back().phase, Phase::Decode);
  // Image i of a batch depends only on seed + i. The adaptive controller decides for the whole batch (it stops when
  // every image has settled), so the single run is stopped where the batch stopped.
  struct StopWhere : StopPredictor {
    int k;
    explicit StopWhere(int k) : k(k) {}
    std::string name() const override { return "as the batch"; }
    StopDecision decide(const ConvergenceObservation& o) override { return {o.step >= k, "as the batch"}; }
  };
  int batch_stop = 1000;
  for (const auto& c : r.checkpoints)
    if (c.stop) batch_stop = c.step;
  GenerationRequest one = req;
  one.batch = 1;
  one.seed = 8;
  GenerateInputs in;
  in.predictor = std::make_shared<StopWhere>(batch_stop);
  GenerationResult r1 = p.generate(one, {}, Pipeline::never_cancel(), in);
  EXPECT_EQ(r1.record.steps_used, r.record.steps_used);
  ASSERT_TRUE(r1.ok()) << r1.error;
  EXPECT_TRUE(at::allclose(r1.latents[0], r.latents[1], 1e-4, 1e-4));
}

TEST(PipelineFlow, CancelStopsWithinOneStepAndReturnsNothing) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  Pipeline p;
  GenerationRequest req = small(oracle, Preset::Quality);
  std::atomic<bool> cancel{false};
  int last = 0, count = 0;
  GenerationResult r = p.generate(req, [&](const StepEvent& e) {
    last = e.step;
    ++count;
    if (e.step == 3) cancel = true;
  }, cancel);
  EXPECT_EQ(r.status, GenerationResult::Status::Cancelled);
  EXPECT_EQ(last, 3);
  EXPECT_EQ(count, 3);
  EXPECT_TRUE(r.images.empty());
  EXPECT_FALSE(r.latents.defined());
}

TEST(PipelineFlow, ErrorsComeBackAsResults) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  Pipeline p;
  GenerationRequest req = small(oracle, Preset::Custom);
  req.width = 60;
  GenerationResult r = p.generate(req);
  EXPECT_EQ(r.status, GenerationResult::Status::Failed);
  EXPECT_NE(r.error.find("multiple of 8"), std::string::npos);
  req = small(oracle, Preset::Fast);
  req.model = "/nonexistent/model";
  r = p.generate(req);
  EXPECT_EQ(r.status, GenerationResult::Status::Failed);
  EXPECT_FALSE(r.error.empty());
  // A UNet that does not fit (an SDXL UNet on the SD1.5 base) is refused before the loaded model is dropped.
  const auto loaded = p.model((oracle / "tiny-sd15").string());
  req = small(oracle, Preset::Fast);
  req.unet = (oracle / "wave2/unet-only/tiny-sdxl-unet-ldm.safetensors").string();
  r = p.generate(req);
  EXPECT_EQ(r.status, GenerationResult::Status::Failed);
  EXPECT_NE(r.error.find("tiny-sdxl-unet-ldm.safetensors"), std::string::npos) << r.error;
  EXPECT_EQ(p.model((oracle / "tiny-sd15").string()), loaded) << "the previous model stays loaded";
}

TEST(PipelineFlow, PromoteContinueRerenderPolish) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  Pipeline p;
  GenerationResult fast = p.generate(small(oracle, Preset::Fast));
  ASSERT_TRUE(fast.ok()) << fast.error;
  auto model_before = p.model(fast.request.model);

  GenerationResult cont = promote(p, promote_source(fast), PromoteMode::Continue);
  ASSERT_TRUE(cont.ok()) << cont.error;
  EXPECT_EQ(cont.request.promote, PromoteMode::Continue);
  EXPECT_EQ(cont.request.preset, Preset::Quality);
  EXPECT_DOUBLE_EQ(cont.sigmas.front(), fast.composition_sigma);
  EXPECT_LT(cont.record.steps_used, 30);
  GenerationResult cont2 = promote(p, promote_source(fast), PromoteMode::Continue);
  ASSERT_TRUE(cont2.ok());
  EXPECT_TRUE(at::equal(cont.latents, cont2.latents));  // same Brownian path, deterministic

  GenerationResult rer = promote(p, promote_source(fast), PromoteMode::Rerender);
  ASSERT_TRUE(rer.ok()) << rer.error;
  GenerationResult quality = p.generate(small(oracle, Preset::Quality));
  ASSERT_TRUE(quality.ok());
  EXPECT_TRUE(at::equal(rer.latents, quality.latents));
  EXPECT_EQ(rer.record.steps_used, 30);

  GenerationResult ref = promote(p, promote_source(fast), PromoteMode::Polish);
  ASSERT_TRUE(ref.ok()) << ref.error;
  EXPECT_LT(ref.sigmas.front(), 14.0);
  EXPECT_LT(ref.record.steps_used, 30);

  // Promoting from a saved latents file gives the same as from memory.
  auto dir = test::temp_dir("pipeline_promote");
  save_result_latents((dir / "fast.safetensors").string(), fast);
  GenerationResult cont3 = promote(p, load_promote_source((dir / "fast.safetensors").string()), PromoteMode::Continue);
  ASSERT_TRUE(cont3.ok()) << cont3.error;
  EXPECT_TRUE(at::equal(cont.latents, cont3.latents));
  EXPECT_EQ(p.model(fast.request.model).get(), model_before.get());  // cached, not reloaded
  GenerationResult none = promote(p, PromoteSource{}, PromoteMode::Continue);
  EXPECT_EQ(none.status, GenerationResult::Status::Failed);
}
