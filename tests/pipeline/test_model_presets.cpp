// Model presets as data (resources/presets/*.json and users' folders): the shipped set, what applying one does,
// which preset a model file proposes, and bad files (each refusal naming the file and the key).
#include <gtest/gtest.h>

#include <fstream>

#include "common/test_common.h"
#include "pipeline/model_presets.h"
#include "pipeline/presets.h"
#include "tensors/error.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {
fs::path shipped() { return test::source_dir() / "resources" / "presets"; }

void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }
}  // namespace

TEST(ModelPresets, ShippedPresetsLoadAndMakeValidPlans) {
  const ModelPresetCatalog c = load_model_presets({shipped()});
  EXPECT_TRUE(c.problems.empty()) << c.problems.front();
  for (const char* name : {"sdxl-lightning-2step", "sdxl-lightning-4step", "sdxl-lightning-8step", "lcm", "lcm-lora",
                           "sdxl-turbo", "sd-turbo", "hyper-sdxl-8step", "hyper-sd15-8step"})
    EXPECT_NE(c.find(name), nullptr) << name;
  for (const auto& p : c.presets) {
    SCOPED_TRACE(p.name);
    GenerationRequest r = p.applied_to({});
    EXPECT_EQ(r.preset, Preset::Custom);
    EXPECT_EQ(r.model_preset, p.name);
    SamplingPlan plan = plan_for(r);  // validates the names and ranges
    EXPECT_EQ(plan.steps, p.steps);
    EXPECT_EQ(plan.schedule, p.schedule);
    EXPECT_EQ(plan.sampler_at(0), p.sampler);
    EXPECT_EQ(plan.adaptive.enabled, p.adaptive && p.steps >= 2);
    EXPECT_EQ(GenerationRequest::from_json(r.to_json()), r);
  }
  const ModelPreset& lightning = *c.find("sdxl-lightning-4step");
  EXPECT_EQ(lightning.sampler, "euler");
  EXPECT_EQ(lightning.schedule, "sgm_uniform");
  EXPECT_EQ(lightning.cfg, 1.0);
  EXPECT_EQ(lightning.width, 1024);
  EXPECT_EQ(c.find("sdxl-turbo")->width, 512);
}

TEST(ModelPresets, FewStepAdaptiveStopsFromHalfWayWithOneStepOfItsSampler) {
  AdaptivePlan a = few_step_adaptive(8, "euler");
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.checkpoints, (std::vector<int>{2, 4, 6}));
  EXPECT_EQ(a.min_steps, 4);
  EXPECT_EQ(a.tail_sampler, "euler");
  EXPECT_EQ(a.tail_steps_after(4), 1);  // the 8-step model stopped at 4 runs 5 UNet steps
  EXPECT_EQ(few_step_adaptive(4, "lcm").checkpoints, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(few_step_adaptive(1, "euler").enabled);
  GenerationRequest r;
  r.preset = Preset::Custom;
  r.steps = 8;
  r.adaptive = true;
  GenerationRequest back;
  back.preset = Preset::Custom;
  set_request_from_plan(back, plan_for(r));
  EXPECT_TRUE(back.adaptive);
}

TEST(ModelPresets, AModelFileProposesItsPreset) {
  const ModelPresetCatalog c = load_model_presets({shipped()});
  auto proposed = [&](const std::string& file, std::map<std::string, std::string> meta = {}) {
    const ModelPreset* p = c.proposed_for(fs::path("/models/unet") / file, meta);
    return p ? p->name : std::string("none");
  };
  EXPECT_EQ(proposed("sdxl_lightning_4step_unet.safetensors"), "sdxl-lightning-4step");
  EXPECT_EQ(proposed("SDXL_Lightning_8step_LoRA.safetensors"), "sdxl-lightning-8step");
  EXPECT_EQ(proposed("sd_xl_turbo_1.0_fp16.safetensors"), "sdxl-turbo");
  EXPECT_EQ(proposed("Hyper-SDXL-8steps-lora.safetensors"), "hyper-sdxl-8step");
  EXPECT_EQ(proposed("v1-5-pruned-emaonly.safetensors"), "none");
  EXPECT_EQ(proposed("model.safetensors", {{"modelspec.title", "LCM_Dreamshaper_v7"}}), "lcm");
  EXPECT_EQ(proposed("model.safetensors", {{"modelspec.title", "a portrait model"}}), "none");
}

TEST(ModelPresets, BadFilesAreReportedByFileAndKeyAndTheRestStillLoad) {
  const fs::path dir = test::temp_dir("presets-bad");
  const std::string good = R"({"name": "mine", "sampler": "euler", "schedule": "trailing", "steps": 6, "cfg": 2})";
  write(dir / "a-good.json", good);
  struct Bad {
    const char* file;
    std::string text, key;
  } bad[] = {
      {"unknown-key.json", R"({"name": "x", "sampler": "euler", "schedule": "karras", "steps": 4, "sheduler": 1})", "sheduler"},
      {"steps.json", R"({"name": "x", "sampler": "euler", "schedule": "karras", "steps": 0})", "steps"},
      {"cfg.json", R"({"name": "x", "sampler": "euler", "schedule": "karras", "steps": 4, "cfg": 99})", "cfg"},
      {"sampler.json", R"({"name": "x", "sampler": "euler_magic", "schedule": "karras", "steps": 4})", "sampler"},
      {"schedule.json", R"({"name": "x", "sampler": "euler", "schedule": "cosine", "steps": 4})", "schedule"},
      {"type.json", R"({"name": "x", "sampler": "euler", "schedule": "karras", "steps": "four"})", "steps"},
      {"size.json", R"({"name": "x", "sampler": "euler", "schedule": "karras", "steps": 4, "size": [500, 512]})", "size"},
      {"missing.json", R"({"name": "x", "sampler": "euler", "steps": 4})", "schedule"},
      {"builtin.json", R"({"name": "fast", "sampler": "euler", "schedule": "karras", "steps": 4})", "name"},
      {"arch.json", R"({"name": "x", "sampler": "euler", "schedule": "karras", "steps": 4, "architectures": ["sd3"]})", "architectures"},
      {"syntax.json", R"({"name": "x", )", ""},
  };
  for (const auto& b : bad) write(dir / b.file, b.text);
  const ModelPresetCatalog c = load_model_presets({dir});
  ASSERT_EQ(c.presets.size(), 1u);
  EXPECT_EQ(c.presets[0].name, "mine");
  ASSERT_EQ(c.problems.size(), std::size(bad));
  for (const auto& b : bad) {
    auto it = std::find_if(c.problems.begin(), c.problems.end(),
                           [&](const std::string& m) { return m.find(b.file) != std::string::npos; });
    ASSERT_NE(it, c.problems.end()) << b.file;
    if (!b.key.empty()) EXPECT_NE(it->find("'" + b.key + "'"), std::string::npos) << *it;
  }
}

TEST(ModelPresets, AUserFolderAddsPresetsAndReplacesShippedOnesByName) {
  const fs::path dir = test::temp_dir("presets-user");
  write(dir / "lightning.json",
        R"({"name": "sdxl-lightning-4step", "sampler": "euler", "schedule": "trailing", "steps": 4, "cfg": 1})");
  write(dir / "own.json", R"({"name": "my-turbo", "sampler": "euler_ancestral", "schedule": "trailing", "steps": 2})");
  const ModelPresetCatalog c = load_model_presets({shipped(), dir});
  EXPECT_TRUE(c.problems.empty());
  EXPECT_EQ(c.find("sdxl-lightning-4step")->schedule, "trailing");
  EXPECT_EQ(c.find("sdxl-lightning-4step")->file, dir / "lightning.json");
  EXPECT_NE(c.find("my-turbo"), nullptr);
  EXPECT_NE(c.find("lcm"), nullptr);
  EXPECT_EQ(load_model_presets({dir / "absent"}).presets.size(), 0u);
}
