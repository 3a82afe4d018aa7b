// One check of a model's shapes against its configs (models/validate.h): what it refuses and how it says so,
// and that `ripen-cli info` and the loader refuse the same models with the same words. Random-weight models
// (random_model.h), so no oracle is needed.
#include <array>
#include <cstdio>
#include <filesystem>

#include "common/error_of.h"
#include "common/test_common.h"
#include "models/model.h"
#include "models/validate.h"
#include "random_model.h"
#include "tensors/error.h"

using namespace ripen;
using namespace ripen::models;
namespace fs = std::filesystem;

namespace {

using test::error_of;

struct CliResult {
  int rc = -1;
  std::string output;
};

CliResult cli(const std::string& args) {
  CliResult r;
  std::string cmd = std::string(RIPEN_CLI_PATH) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
  int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "missing: " << (part) << "\nin:\n" << (text)

}  // namespace

TEST(Validate, WellFormedModelsPassInBothLayouts) {
  auto dir = test::temp_dir("validate-good");
  for (Arch arch : {Arch::SD1, Arch::SD2}) {
    auto m = test::random_model(arch, 48);
    const std::string tag = arch_name(arch);
    test::write_diffusers_folder(m, dir / tag);
    test::write_single_file(m, dir / (tag + ".safetensors"));
    for (const fs::path p : {dir / tag, dir / (tag + ".safetensors")}) {
      SCOPED_TRACE(p.string());
      EXPECT_NO_THROW(validate_model(p.string()));
      auto r = cli("info " + p.string());
      EXPECT_EQ(r.rc, 0) << r.output;
      EXPECT_HAS(r.output, "architecture: " + tag);
    }
  }
  auto loaded = load_model((dir / "sd1").string(), LoadOptions{.compute_hash = false});
  EXPECT_TRUE(loaded.unet && loaded.vae && loaded.text_encoder);
}

// The first model: unet/config.json's block_out_channels disagrees with the UNet weights.
TEST(Validate, InfoRefusesAUnetWithWrongBlockOutChannels) {
  auto dir = test::temp_dir("validate-blocks");
  auto m = test::random_model(Arch::SD1);
  m.configs["unet"]["block_out_channels"] = {32, 96};
  test::write_diffusers_folder(m, dir / "m");
  const std::string file = (dir / "m/unet/diffusion_pytorch_model.safetensors").string();
  const std::string key = "key 'down_blocks.1.resnets.0.conv1.weight': expected [96, 32, 3, 3], file has [64, 32, 3, 3]";

  auto msg = error_of([&] { validate_model((dir / "m").string()); });
  EXPECT_HAS(msg, file);
  EXPECT_HAS(msg, key);
  auto r = cli("info " + (dir / "m").string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.output, file);
  EXPECT_HAS(r.output, key);
  // `generate`'s loader refuses it through the same function, in the same words, before converting any weight.
  EXPECT_EQ(error_of([&] { load_model((dir / "m").string()); }), msg);
  // So does inspect_model, which the studio's model picker calls.
  EXPECT_EQ(error_of([&] { inspect_model((dir / "m").string()); }), msg);
}

// The second model: an SD2 folder whose unet/config.json has the wrong cross_attention_dim.
TEST(Validate, InfoRefusesAnSd2ModelWithWrongCrossAttentionDim) {
  auto dir = test::temp_dir("validate-sd2-cross");
  auto m = test::random_model(Arch::SD2, 48);
  m.configs["unet"]["cross_attention_dim"] = 64;
  test::write_diffusers_folder(m, dir / "m");
  const std::string key = "key 'down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight': expected [32, 64], file has [32, 48]";
  auto msg = error_of([&] { validate_model((dir / "m").string()); });
  EXPECT_HAS(msg, (dir / "m/unet/diffusion_pytorch_model.safetensors").string());
  EXPECT_HAS(msg, key);
  EXPECT_HAS(msg, "wrong shapes (8)");  // to_k and to_v of the four cross-attention blocks
  auto r = cli("info " + (dir / "m").string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.output, key);
  EXPECT_EQ(detect_architecture((dir / "m").string()).arch, Arch::SD2);  // detection alone still answers
}

// A single file carries no configs: each component's config is read off its own shapes, so a UNet made for
// another text encoder only shows against its neighbour.
TEST(Validate, UnetCrossAttentionMustMatchTheTextEncoderWidth) {
  auto dir = test::temp_dir("validate-sd2-te");
  auto m = test::random_model(Arch::SD2, 48);
  m.weights["unet"] = test::random_model(Arch::SD2, 32).weights.at("unet");
  const fs::path file = dir / "sd2.safetensors";
  test::write_single_file(m, file);
  auto msg = error_of([&] { validate_model(file.string()); });
  EXPECT_HAS(msg, file.string() + " (unet)");
  EXPECT_HAS(msg, "cross_attention_dim 32 must be the text encoder's hidden_size 48");
  EXPECT_HAS(msg, "key 'up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_v.weight': expected [32, 48], file has [32, 32]");
  auto r = cli("info " + file.string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.output, "must be the text encoder's hidden_size 48");

  // The same in a folder, whose configs agree with their own weights.
  auto sd1 = test::random_model(Arch::SD1, 48);
  auto narrow = test::random_model(Arch::SD1, 32);
  sd1.weights["unet"] = narrow.weights.at("unet");
  sd1.configs["unet"] = narrow.configs.at("unet");
  test::write_diffusers_folder(sd1, dir / "sd1");
  msg = error_of([&] { validate_model((dir / "sd1").string()); });
  EXPECT_HAS(msg, (dir / "sd1/unet/config.json").string() + ": the UNet does not fit the other components");
  EXPECT_HAS(msg, "(" + (dir / "sd1/text_encoder/config.json").string() + ")");
}

TEST(Validate, UnetChannelsMustMatchTheVaeLatents) {
  auto dir = test::temp_dir("validate-latents");
  auto m = test::random_model(Arch::SD1);
  auto wide = test::random_model(Arch::SD1, 32, 8);
  m.weights["vae"] = wide.weights.at("vae");
  m.configs["vae"] = wide.configs.at("vae");
  test::write_diffusers_folder(m, dir / "m");
  auto msg = error_of([&] { validate_model((dir / "m").string()); });
  EXPECT_HAS(msg, "in_channels 4 and out_channels 4 must be the VAE's latent_channels 8 (" +
                      (dir / "m/vae/config.json").string() + "; in_channels 2·latent + 1 for an inpainting UNet)");
  EXPECT_HAS(msg, "key 'conv_in.weight': expected [32, 8, 3, 3], file has [32, 4, 3, 3]");
  EXPECT_HAS(msg, "key 'conv_out.weight': expected [8, 32, 3, 3], file has [4, 32, 3, 3]");
  auto r = cli("info " + (dir / "m").string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.output, "key 'conv_in.weight': expected [32, 8, 3, 3], file has [32, 4, 3, 3]");
}

TEST(Validate, EveryProblemIsReportedAtOnceAndMissingKeysByName) {
  auto dir = test::temp_dir("validate-missing");
  auto m = test::random_model(Arch::SD1);
  m.weights["vae"].erase("decoder.conv_out.bias");
  m.configs["unet"]["block_out_channels"] = {32, 96};
  test::write_diffusers_folder(m, dir / "m");
  auto msg = error_of([&] { validate_model((dir / "m").string()); });
  EXPECT_HAS(msg, "(2 problems)");
  EXPECT_HAS(msg, (dir / "m/vae/diffusion_pytorch_model.safetensors").string() + ": checkpoint does not match the network");
  EXPECT_HAS(msg, "missing keys (1):\n    decoder.conv_out.bias");
  EXPECT_HAS(msg, "expected [96, 32, 3, 3], file has [64, 32, 3, 3]");
  // A config that does not parse is named by its file.
  m.configs["vae"]["block_out_channels"] = nlohmann::json::array({"wide"});
  test::write_diffusers_folder(m, dir / "bad");
  msg = error_of([&] { validate_model((dir / "bad").string()); });
  EXPECT_HAS(msg, (dir / "bad/vae/config.json").string() + ": 'block_out_channels' must hold integers");
}
