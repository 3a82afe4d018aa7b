// A full LCM model through the pipeline against diffusers' LatentConsistencyModelPipeline (wave-2 oracle, lcm/):
// tiny-sd15 with the guidance-embedding UNet of tiny-lcm/unet, the `lcm` model preset, 4 steps at guidance 8,
// the fixture's initial latents and per-step noise. One UNet call per step (no CFG batch), the trajectory
// within 1e-4 of the reference; and through `ripen-cli generate --unet … --init-latents … --step-noise …`.
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/test_common.h"
#include "pipeline/model_presets.h"
#include "pipeline/pipeline.h"
#include "tensors/safetensors.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {
GenerationRequest lcm_request(const fs::path& oracle) {
  const ModelPresetCatalog presets = load_model_presets({test::source_dir() / "resources" / "presets"});
  EXPECT_NE(presets.find("lcm"), nullptr);
  GenerationRequest r = presets.find("lcm")->applied_to({});
  r.model = (oracle / "tiny-sd15").string();
  r.unet = (oracle / "wave2/tiny-lcm/unet").string();
  r.prompt = "a red apple on a white table";
  r.width = r.height = 256;
  r.steps = 4;
  r.cfg = 8.0;
  return r;
}
}  // namespace

TEST(LcmPipeline, MatchesDiffusersTrajectory) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ref = SafeTensors::open((oracle / "wave2/lcm/lcm_4step.safetensors").string());
  Pipeline p;
  GenerateInputs in;
  in.initial_noise = ref.tensor("initial_latents");
  in.step_noise = ref.tensor("step_noise");
  GenerationResult res = p.generate(lcm_request(oracle), {}, Pipeline::never_cancel(), in);
  ASSERT_TRUE(res.ok()) << res.error;
  EXPECT_EQ(res.record.unet_evals, 4);  // one call a step: the guidance is embedded, not a CFG batch
  EXPECT_EQ(res.plan().schedule, "lcm");
  EXPECT_TRUE(test::close_to(res.latents, ref.tensor("final_latents"), 1e-4, 1e-6));
}

TEST(LcmPipeline, CliReproducesTheFixture) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path dir = test::temp_dir("lcm-cli");
  auto ref = SafeTensors::open((oracle / "wave2/lcm/lcm_4step.safetensors").string());
  save_safetensors((dir / "init.safetensors").string(), {{"latents", ref.tensor("initial_latents")}});
  save_safetensors((dir / "noise.safetensors").string(), {{"step_noise", ref.tensor("step_noise")}});
  const std::string cmd = std::string(RIPEN_CLI_PATH) + " generate --model " + (oracle / "tiny-sd15").string() +
                          " --unet " + (oracle / "wave2/tiny-lcm/unet").string() +
                          " --preset lcm --steps 4 --cfg 8 --size 256x256 --prompt 'a red apple on a white table'" +
                          " --init-latents " + (dir / "init.safetensors").string() + " --step-noise " +
                          (dir / "noise.safetensors").string() + " --save-latents " +
                          (dir / "out.safetensors").string() + " --quiet 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto out = SafeTensors::open((dir / "out.safetensors").string());
  EXPECT_TRUE(test::close_to(out.tensor("latents"), ref.tensor("final_latents"), 1e-4, 1e-6));
}
