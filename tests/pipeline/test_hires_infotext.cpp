// The 2x hires pass in AUTOMATIC1111's infotext: written as A1111 writes hires fix (create_infotext order:
// "Denoising strength" among the main fields, "Hires upscale/steps/upscaler" after RNG, before Eta) and read back.
#include <gtest/gtest.h>

#include "imageio/a1111_infotext.h"
#include "pipeline/presets.h"

using namespace ripen;
using namespace ripen::imageio;

namespace {
// Quality's settings, spelled out as a custom request (whose infotext is A1111's fields alone).
GenerationRequest hires() {
  GenerationRequest r;
  r.prompt = "a cat";
  r.preset = Preset::Custom;
  r.steps = 30;
  r.sampler = "dpmpp_sde";
  r.schedule = "karras";
  r.cfg = 9;
  r.seed = 7;
  r.width = 512;
  r.height = 512;
  r.hires = true;
  r.hires_strength = 0.45;
  r.hires_steps = 20;
  r.hires_upscale = HiresUpscale::Latent;
  return r;
}
}  // namespace

TEST(HiresInfotext, WrittenLikeA1111HiresFix) {
  GenerationRecord rec;
  rec.model_hash = "6ce0161689";
  rec.model_name = "v1-5";
  GenerationRequest r = hires();
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec),
            "a cat\nSteps: 30, Sampler: DPM++ SDE, Schedule type: Karras, CFG scale: 9, Seed: 7, Size: 512x512, "
            "Model hash: 6ce0161689, Model: v1-5, Denoising strength: 0.45, RNG: CPU, Hires upscale: 2, "
            "Hires steps: 20, Hires upscaler: Latent");
  r.hires_upscale = HiresUpscale::Image;
  r.clip_skip = 2;
  r.eta = 0.5;
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec),
            "a cat\nSteps: 30, Sampler: DPM++ SDE, Schedule type: Karras, CFG scale: 9, Seed: 7, Size: 512x512, "
            "Model hash: 6ce0161689, Model: v1-5, Denoising strength: 0.45, Clip skip: 2, RNG: CPU, Hires upscale: 2, "
            "Hires steps: 20, Hires upscaler: Lanczos, Eta: 0.5");
  r.hires = false;
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec).find("Hires"), std::string::npos);
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec).find("Denoising"), std::string::npos);
}

// The quality preset runs the same recipe: the same A1111 fields, then Ripen's keys (the preset is not custom).
TEST(HiresInfotext, QualityPresetWritesTheA1111FieldsThenRipensKeys) {
  GenerationRecord rec;
  rec.model_hash = "6ce0161689";
  rec.model_name = "v1-5";
  GenerationRequest custom = hires(), quality = hires();
  quality.preset = Preset::Quality;
  ASSERT_EQ(plan_for(custom), plan_for(quality));
  const std::string a = a1111_parameters(custom, plan_for(custom), rec);
  const std::string q = a1111_parameters(quality, plan_for(quality), rec);
  ASSERT_EQ(q.substr(0, a.size()), a);
  const std::string keys = ", Ripen preset: quality, Ripen samplers: DPM++ SDE 1-30, Ripen CFG: 9 (1-30), ";
  EXPECT_EQ(q.substr(a.size(), keys.size()), keys);
  auto back = parse_a1111_parameters(q);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->request.preset, Preset::Quality);
  ASSERT_TRUE(back->record.plan);
  EXPECT_EQ(*back->record.plan, plan_for(quality));
  EXPECT_EQ(plan_for(back->request), plan_for(quality));
}

TEST(HiresInfotext, ReadBack) {
  GenerationRecord rec;
  auto p = parse_a1111_parameters(a1111_parameters(hires(), plan_for(hires()), rec));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->request.hires);
  EXPECT_EQ(p->request.hires_steps, 20);
  EXPECT_DOUBLE_EQ(p->request.hires_strength, 0.45);
  EXPECT_EQ(p->request.hires_upscale, HiresUpscale::Latent);
  // A1111 text without "Hires steps" (0 = same as Steps) and another upscaler; a 1.5x hires fix is not ours.
  auto q = parse_a1111_parameters("x\nSteps: 25, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, "
                                  "Denoising strength: 0.7, Hires upscale: 2, Hires upscaler: R-ESRGAN 4x+");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->request.hires);
  EXPECT_EQ(q->request.hires_steps, 25);
  EXPECT_DOUBLE_EQ(q->request.hires_strength, 0.7);
  EXPECT_EQ(q->request.hires_upscale, HiresUpscale::Image);
  auto s = parse_a1111_parameters("x\nSteps: 25, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, "
                                  "Denoising strength: 0.7, Hires upscale: 1.5, Hires upscaler: Latent");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->request.hires);
}
