// `ripen-cli eval --component unet --guidance-embed W` on the LCM UNet (oracle wave2/tiny-lcm, wave2/lcm): the
// embedding of W reaches the UNet, and a UNet without time_cond_proj_dim refuses the flag. Runs the built binary.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/test_common.h"
#include "tensors/safetensors.h"

namespace ripen {
namespace {

namespace fs = std::filesystem;

int cli(const std::string& args) {
  std::string cmd = std::string(RIPEN_CLI_PATH) + " " + args + " 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// tiny-lcm has no model_index.json (its other components are tiny-sd15's); a folder listing its unet and
// scheduler is all the UNet eval needs.
fs::path lcm_unet_folder(const fs::path& oracle, const fs::path& dir) {
  const fs::path m = dir / "tiny-lcm-unet";
  fs::create_directories(m);
  std::ofstream(m / "model_index.json")
      << R"({"_class_name": "LatentConsistencyModelPipeline", "unet": ["diffusers", "UNet2DConditionModel"],)"
      << R"( "scheduler": ["diffusers", "LCMScheduler"]})";
  fs::create_directory_symlink(oracle / "wave2/tiny-lcm/unet", m / "unet");
  fs::create_directory_symlink(oracle / "wave2/tiny-lcm/scheduler", m / "scheduler");
  return m;
}

TEST(UNetLcmCli, GuidanceEmbedReachesTheUNet) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const auto dir = test::temp_dir("unet-lcm-cli");
  const auto model = lcm_unet_folder(oracle, dir);
  auto ref = SafeTensors::open((oracle / "wave2/lcm/lcm_4step.safetensors").string());
  const auto in = (dir / "in.safetensors").string();
  save_safetensors(in, {{"sample", ref.tensor("unet_inputs")[0].contiguous()},
                        {"timestep", ref.tensor("unet_timesteps")[0].to(at::kFloat)},
                        {"encoder_hidden_states", ref.tensor("prompt_embeds")}});
  const std::string base = "eval --component unet --model " + model.string() + " --inputs " + in + " --output ";
  const auto w7 = (dir / "w7.safetensors").string(), none = (dir / "none.safetensors").string();
  ASSERT_EQ(cli(base + w7 + " --guidance-embed 7"), 0);  // guidance 8 → w = 7
  EXPECT_TRUE(test::close_to(SafeTensors::open(w7).tensor("model_output"), ref.tensor("unet_outputs")[0], 1e-4, 0));
  ASSERT_EQ(cli(base + none), 0);  // no flag: a zero embedding
  EXPECT_TRUE(test::close_to(SafeTensors::open(none).tensor("model_output"),
                             ref.tensor("step0_unet_output_with_w_embedding_zero"), 1e-4, 0));
  EXPECT_EQ(cli(base + none + " --guidance-embed seven"), 2);
}

TEST(UNetLcmCli, UNetWithoutTimeCondRefusesTheFlag) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const auto dir = test::temp_dir("unet-lcm-cli-refuse");
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/unet.safetensors").string());
  const auto in = (dir / "in.safetensors").string();
  save_safetensors(in, {{"sample", ref.tensor("sample")}, {"timestep", ref.tensor("timestep")},
                        {"encoder_hidden_states", ref.tensor("encoder_hidden_states")}});
  const auto out = dir / "out.safetensors";
  EXPECT_EQ(cli("eval --component unet --model " + (oracle / "tiny-sd15").string() + " --inputs " + in +
                " --output " + out.string() + " --guidance-embed 7"),
            2);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace ripen
