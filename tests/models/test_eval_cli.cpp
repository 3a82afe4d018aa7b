// `ripen-cli eval` on both layouts reproduces the oracle's references (max|d| <= 1e-4 max|ref| + 1e-5). Runs the
// built binary, as an outside reference implementation would.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/test_common.h"
#include "models/ldm_export.h"
#include "models/source.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {

int cli(const std::string& args) {
  std::string cmd = std::string(RIPEN_CLI_PATH) + " " + args + " 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Runs one component and returns its output file.
SafeTensors eval(const fs::path& model, const std::string& component, const fs::path& inputs, const fs::path& dir,
                 const std::string& extra = "") {
  auto out = dir / (fs::path(model).stem().string() + "-" + component + ".safetensors");
  int rc = cli("eval --model " + model.string() + " --component " + component + " --inputs " + inputs.string() +
               " --output " + out.string() + " " + extra);
  EXPECT_EQ(rc, 0) << component << " on " << model;
  return SafeTensors::open(out.string());
}

void expect_close(const SafeTensors& got, const std::string& key, const at::Tensor& ref) {
  ASSERT_TRUE(got.contains(key)) << key;
  EXPECT_TRUE(test::close_to(got.tensor(key), ref, 1e-4, 1e-5)) << key;
}

}  // namespace

TEST(EvalCli, Sd15BothLayoutsMatchOracle) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto dir = test::temp_dir("eval-sd15");
  auto te_ref = SafeTensors::open((oracle / "tiny-sd15/ref/text_encoder.safetensors").string());
  auto unet_ref = SafeTensors::open((oracle / "tiny-sd15/ref/unet.safetensors").string());
  auto vae_ref = SafeTensors::open((oracle / "tiny-sd15/ref/vae.safetensors").string());
  save_safetensors((dir / "te_in.safetensors").string(), {{"input_ids", te_ref.tensor("input_ids")}});
  save_safetensors((dir / "unet_in.safetensors").string(),
                   {{"sample", unet_ref.tensor("sample")}, {"timestep", unet_ref.tensor("timestep")},
                    {"encoder_hidden_states", unet_ref.tensor("encoder_hidden_states")}});
  save_safetensors((dir / "dec_in.safetensors").string(), {{"latents", vae_ref.tensor("decode_latent")}});
  at::Tensor image = vae_ref.tensor("encode_image_u8_hwc").to(at::kFloat).div(127.5).sub(1).permute({2, 0, 1}).unsqueeze(0).contiguous();
  save_safetensors((dir / "enc_in.safetensors").string(), {{"image", image}});
  auto tokens = ripen::read_json_file(oracle / "tiny-sd15/ref/tokens.json");
  std::ofstream(dir / "prompts.json") << tokens["prompts"].dump();

  for (const fs::path model : {oracle / "tiny-sd15", oracle / "tiny-sd15-ldm.safetensors"}) {
    SCOPED_TRACE(model.string());
    auto te = eval(model, "text_encoder", dir / "te_in.safetensors", dir);
    for (const char* k : {"last_hidden_state", "penultimate_hidden_state", "penultimate_final_ln", "pooler_output"})
      expect_close(te, k, te_ref.tensor(k));
    EXPECT_FALSE(te.contains("text_embeds"));
    expect_close(eval(model, "unet", dir / "unet_in.safetensors", dir), "model_output", unet_ref.tensor("eps"));
    expect_close(eval(model, "vae_decode", dir / "dec_in.safetensors", dir), "decoded", vae_ref.tensor("decode_output"));
    auto enc = eval(model, "vae_encode", dir / "enc_in.safetensors", dir);
    expect_close(enc, "mean", vae_ref.tensor("encode_mean"));
    expect_close(enc, "logvar", vae_ref.tensor("encode_logvar"));
    auto ids = eval(model, "tokenizer", dir / "prompts.json", dir);
    std::vector<int64_t> flat;
    for (const auto& row : tokens["hf_input_ids"])
      for (const auto& v : row) flat.push_back(v.get<int64_t>());
    EXPECT_TRUE(at::equal(ids.tensor("input_ids"), at::tensor(flat).reshape({-1, 77})));
  }
}

TEST(EvalCli, SdxlFolderAndSingleFileMatchOracle) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto dir = test::temp_dir("eval-sdxl");
  // The single file: the folder's weights in LDM layout, plus a yaml for the head width weights cannot show.
  auto folder = models::open_model_source((oracle / "tiny-sdxl").string(), {});
  models::ComponentWeights w;
  for (const auto& [c, comp] : folder.components) w[c] = comp.tensors;
  save_safetensors((dir / "tiny-sdxl-ldm.safetensors").string(), models::to_ldm_checkpoint(models::Arch::SDXL, w));
  std::ofstream(dir / "tiny-sdxl-ldm.yaml") << "model:\n  params:\n    scale_factor: 0.13025\n    network_config:\n      params:\n"
                                                "        num_head_channels: 16\n";
  auto te_ref = SafeTensors::open((oracle / "tiny-sdxl/ref/text_encoders.safetensors").string());
  auto unet_ref = SafeTensors::open((oracle / "tiny-sdxl/ref/unet.safetensors").string());
  auto vae_ref = SafeTensors::open((oracle / "tiny-sdxl/ref/vae.safetensors").string());
  save_safetensors((dir / "te1_in.safetensors").string(), {{"input_ids", te_ref.tensor("tokenizer_input_ids")}});
  save_safetensors((dir / "te2_in.safetensors").string(), {{"input_ids", te_ref.tensor("tokenizer_2_input_ids")}});
  save_safetensors((dir / "unet_in.safetensors").string(),
                   {{"sample", unet_ref.tensor("sample")}, {"timestep", unet_ref.tensor("timestep")},
                    {"encoder_hidden_states", unet_ref.tensor("encoder_hidden_states")},
                    {"text_embeds", unet_ref.tensor("text_embeds")}, {"time_ids", unet_ref.tensor("time_ids")}});
  save_safetensors((dir / "dec_in.safetensors").string(), {{"latents", vae_ref.tensor("decode_latent")}});
  auto tokens = ripen::read_json_file(oracle / "tiny-sdxl/ref/tokens.json");
  std::ofstream(dir / "prompts.json") << tokens["prompts"].dump();

  for (const fs::path model : {oracle / "tiny-sdxl", dir / "tiny-sdxl-ldm.safetensors"}) {
    SCOPED_TRACE(model.string());
    expect_close(eval(model, "text_encoder", dir / "te1_in.safetensors", dir), "penultimate_hidden_state",
                 te_ref.tensor("te1_penultimate_hidden_state"));
    auto te2 = eval(model, "text_encoder_2", dir / "te2_in.safetensors", dir);
    expect_close(te2, "penultimate_hidden_state", te_ref.tensor("te2_penultimate_hidden_state"));
    expect_close(te2, "last_hidden_state", te_ref.tensor("te2_last_hidden_state"));
    expect_close(te2, "text_embeds", te_ref.tensor("te2_text_embeds"));
    expect_close(eval(model, "unet", dir / "unet_in.safetensors", dir), "model_output", unet_ref.tensor("eps"));
    expect_close(eval(model, "vae_decode", dir / "dec_in.safetensors", dir), "decoded", vae_ref.tensor("decode_output"));
    auto ids2 = eval(model, "tokenizer_2", dir / "prompts.json", dir);
    std::vector<int64_t> flat;
    for (const auto& row : tokens["tokenizer_2_input_ids"])
      for (const auto& v : row) flat.push_back(v.get<int64_t>());
    EXPECT_TRUE(at::equal(ids2.tensor("input_ids"), at::tensor(flat).reshape({-1, 77})));
  }
}

TEST(EvalCli, InfoAndBadUsage) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  EXPECT_EQ(cli("info " + (oracle / "tiny-sd15-ldm.safetensors").string() + " --json > /dev/null"), 0);
  EXPECT_EQ(cli("info"), 2);
  EXPECT_EQ(cli("eval --component unet --model " + (oracle / "tiny-sd15").string() + " --inputs x --output y --dtype fp8"), 2);
  EXPECT_EQ(cli("eval --component unet --model /nonexistent --inputs x --output y"), 1);
}
