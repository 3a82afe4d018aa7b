// The interface the LoRA checks use: `ripen-cli eval --component unet|text_encoder* --model M --lora FILE:MULT`
// against the wave-2 diffusers references, and `ripen-cli info FILE --json` on a LoRA file.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/test_common.h"
#include "tensors/safetensors.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {

std::string cli(const std::string& args, int* rc = nullptr) {
  std::string out;
  FILE* p = popen((std::string(RIPEN_CLI_PATH) + " " + args + " 2>&1").c_str(), "r");
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  if (rc) *rc = WEXITSTATUS(status);
  return out;
}

}  // namespace

TEST(LoraCli, EvalWithLoraMatchesDiffusers) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path lora = oracle / "wave2/lora";
  if (!fs::exists(lora / "ref_sdxl.safetensors")) GTEST_SKIP() << "no wave2/lora";
  auto ref = SafeTensors::open((lora / "ref_sdxl.safetensors").string());
  const fs::path dir = test::temp_dir("lora_cli");
  const std::string unet_in = (dir / "unet_in.safetensors").string(), te_in = (dir / "te_in.safetensors").string();
  save_safetensors(unet_in, {{"sample", ref.tensor("input.unet_sample")},
                             {"timestep", ref.tensor("input.unet_timestep")},
                             {"encoder_hidden_states", ref.tensor("input.unet_encoder_hidden_states")},
                             {"text_embeds", ref.tensor("input.unet_text_embeds")},
                             {"time_ids", ref.tensor("input.unet_time_ids")}});
  save_safetensors(te_in, {{"input_ids", ref.tensor("input.te2_input_ids")}});
  const std::string model = (oracle / "tiny-sdxl").string(), file = (lora / "tiny-sdxl-kohya.safetensors").string();
  int rc = 0;
  const std::string out1 = (dir / "unet_out.safetensors").string(), out2 = (dir / "te2_out.safetensors").string();
  std::string log = cli("eval --component unet --model " + model + " --lora " + file + ":0.7 --inputs " + unet_in +
                        " --output " + out1, &rc);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_TRUE(test::close_to(SafeTensors::open(out1).tensor("model_output"), ref.tensor("kohya.unet_eps"), 1e-4, 0));
  log = cli("eval --component text_encoder_2 --model " + model + " --lora " + file + ":0.7:0 --inputs " + te_in +
            " --output " + out2, &rc);
  ASSERT_EQ(rc, 0) << log;
  auto te = SafeTensors::open(out2);
  EXPECT_TRUE(test::close_to(te.tensor("penultimate_hidden_state"), ref.tensor("kohya.te2_penultimate_hidden_state"), 1e-4, 0));
  EXPECT_TRUE(test::close_to(te.tensor("text_embeds"), ref.tensor("kohya.te2_text_embeds"), 1e-4, 0));

  log = cli("info --json " + file, &rc);
  ASSERT_EQ(rc, 0) << log;
  auto j = nlohmann::json::parse(log);
  EXPECT_EQ(j["format"], "kohya");
  EXPECT_EQ(j["architecture"], "sdxl");
  EXPECT_EQ(j["modules"], 216);
  EXPECT_EQ(j["ranks"]["4"], 216);
  EXPECT_EQ(j["components"]["text_encoder_2"], 30);

  log = cli("eval --component unet --model " + (oracle / "tiny-sd15").string() + " --lora " + file +
            " --inputs " + unet_in + " --output " + out1, &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("tiny-sdxl-kohya.safetensors"), std::string::npos) << log;
}
