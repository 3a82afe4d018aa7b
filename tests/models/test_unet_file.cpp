// UNet-only and VAE files combined with a base model (LoadOptions::unet_path / vae_path, models/unet_file.h):
// the oracle's tiny-sdxl UNet as a diffusers-named and an LDM-named file reproduces tiny-sdxl/ref/unet through
// the library and through `ripen-cli eval`; misfits, truncated and mis-shaped files are refused by name.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "common/error_of.h"
#include "common/test_common.h"
#include "models/ldm_export.h"
#include "models/model.h"
#include "models/source.h"
#include "models/unet_file.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

using namespace ripen;
using namespace ripen::models;
namespace fs = std::filesystem;

namespace {

int cli(const std::string& args) {
  std::string cmd = std::string(RIPEN_CLI_PATH) + " " + args;
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}

using test::error_of;

// max|d| / max|ref|: the fixture's weights are fp16-exact and the UNet runs in fp32, so only summation order
// differs from the reference (9.7e-7 absolute in the oracle's own check).
double relative_error(const at::Tensor& got, const at::Tensor& ref) {
  return (got.to(at::kFloat) - ref.to(at::kFloat)).abs().max().item<double>() / ref.abs().max().item<double>();
}

at::Tensor run_unet(const LoadedModel& m, const SafeTensors& ref) {
  const auto& unet = *m.unet;
  at::Tensor sample = ref.tensor("sample").to(at::kFloat);
  at::Tensor t = ref.tensor("timestep").to(at::kFloat).reshape({-1});
  if (t.numel() == 1) t = t.expand({sample.size(0)}).contiguous();
  UNetAddedCond added{ref.tensor("text_embeds").to(at::kFloat), ref.tensor("time_ids").to(at::kFloat)};
  at::NoGradGuard no_grad;
  return unet.forward(sample, t, ref.tensor("encoder_hidden_states").to(at::kFloat), &added);
}

LoadOptions with_unet(const fs::path& unet) {
  LoadOptions o;
  o.unet_path = unet.string();
  o.compute_hash = false;
  return o;
}

void expect_names(const std::string& msg, const std::vector<std::string>& parts) {
  for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in:\n" << msg;
}

}  // namespace

TEST(UNetFile, BothLayoutsWithTheBaseReproduceTheReference) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const auto ref = SafeTensors::open((oracle / "tiny-sdxl/ref/unet.safetensors").string());
  // ComfyUI also writes LDM names without `model.diffusion_model.`, and bf16.
  auto dir = test::temp_dir("unet-file-bare");
  std::map<std::string, at::Tensor> bare;
  for (const auto& [k, t] : SafeTensors::open((oracle / "wave2/unet-only/tiny-sdxl-unet-ldm.safetensors").string()).load_all())
    bare[k.substr(std::string("model.diffusion_model.").size())] = t.to(at::kBFloat16);
  save_safetensors((dir / "bare-bf16.safetensors").string(), bare);
  for (const fs::path file : {oracle / "wave2/unet-only/tiny-sdxl-unet-diffusers.safetensors",
                              oracle / "wave2/unet-only/tiny-sdxl-unet-ldm.safetensors", dir / "bare-bf16.safetensors"}) {
    const std::string name = file.filename().string();
    SCOPED_TRACE(name);
    auto o = with_unet(file);
    o.components = {"unet"};
    LoadedModel m = load_model((oracle / "tiny-sdxl").string(), o);
    ASSERT_TRUE(m.unet);
    EXPECT_EQ(m.component_files.at("unet"), file.string());
    EXPECT_EQ(m.arch, Arch::SDXL);
    const double rel = relative_error(run_unet(m, ref), ref.tensor("eps"));
    // bf16 rounds each weight to 8 bits of mantissa (relative 2^-9): the output moves by about that much.
    EXPECT_LT(rel, name == "bare-bf16.safetensors" ? 2e-2 : 1e-4) << name;
    std::cout << name << ": max|d|/max|ref| = " << rel << " (library)\n";
    // The config is the base's (heads, sample size) with the sizes read off the file.
    EXPECT_EQ(m.configs.at("unet")["attention_head_dim"], nlohmann::json::array({2, 4}));
    EXPECT_EQ(m.configs.at("unet")["transformer_layers_per_block"], nlohmann::json::array({1, 2}));
  }
}

TEST(UNetFile, FolderAsUNetAndVaeFilesInBothLayouts) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto dir = test::temp_dir("unet-file-vae");
  // The base's own VAE, as a diffusers file, an LDM file and a bare-LDM file (the fp16-fix VAE's layout).
  auto base = open_model_source((oracle / "tiny-sdxl").string(), {});
  const auto& vae = base.components.at("vae").tensors;
  auto ldm = to_ldm_checkpoint(Arch::SDXL, {{"vae", vae}});
  std::map<std::string, at::Tensor> bare;
  for (const auto& [k, t] : ldm) bare[k.substr(std::string("first_stage_model.").size())] = t;
  save_safetensors((dir / "vae-ldm.safetensors").string(), ldm);
  save_safetensors((dir / "vae-bare.safetensors").string(), bare);
  for (const fs::path file : {oracle / "tiny-sdxl/vae/diffusion_pytorch_model.safetensors", dir / "vae-ldm.safetensors",
                              dir / "vae-bare.safetensors"}) {
    SCOPED_TRACE(file.string());
    LoadOptions o;
    o.vae_path = file.string();
    o.unet_path = (oracle / "tiny-sdxl/unet").string();  // a diffusers unet/ folder
    auto src = open_model_source((oracle / "tiny-sdxl").string(), o);
    EXPECT_EQ(src.component_files.at("vae"), file.string());
    for (const char* field : {"block_out_channels", "latent_channels", "layers_per_block", "scaling_factor", "force_upcast"})
      EXPECT_EQ(src.components.at("vae").config[field], base.components.at("vae").config[field]) << field;
    for (const auto& [k, t] : vae) {
      auto it = src.components.at("vae").tensors.find(k);
      ASSERT_NE(it, src.components.at("vae").tensors.end()) << k;
      EXPECT_TRUE(at::equal(it->second.reshape(t.sizes()), t)) << k;
    }
    auto info = inspect_model((oracle / "tiny-sdxl").string(), o);
    EXPECT_EQ(info.component_files.size(), 2u);
  }
  // A VAE of other latent channels: refused naming both files and the key.
  auto wide = vae;
  wide["decoder.conv_in.weight"] = at::zeros({wide["decoder.conv_in.weight"].size(0), 8, 3, 3}, at::kHalf);
  wide["encoder.conv_out.weight"] = at::zeros({16, wide["encoder.conv_out.weight"].size(1), 3, 3}, at::kHalf);
  wide["encoder.conv_out.bias"] = at::zeros({16}, at::kHalf);
  wide["quant_conv.weight"] = at::zeros({16, 16, 1, 1}, at::kHalf);
  wide["quant_conv.bias"] = at::zeros({16}, at::kHalf);
  wide["post_quant_conv.weight"] = at::zeros({8, 8, 1, 1}, at::kHalf);
  wide["post_quant_conv.bias"] = at::zeros({8}, at::kHalf);
  save_safetensors((dir / "vae-8ch.safetensors").string(), wide);
  LoadOptions o;
  o.vae_path = (dir / "vae-8ch.safetensors").string();
  auto msg = error_of([&] { load_model((oracle / "tiny-sdxl").string(), o); });
  expect_names(msg, {"vae-8ch.safetensors", (oracle / "tiny-sdxl").string(), "latent channels 8", "decoder.conv_in.weight"});
}

TEST(UNetFile, MisfitsTruncatedAndMisShapedFilesAreRefusedByName) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path base = oracle / "tiny-sdxl";
  auto dir = test::temp_dir("unet-file-bad");
  // An SD1 UNet on an SDXL base: both files, both architectures, the keys that differ.
  const fs::path sd15 = oracle / "tiny-sd15/unet/diffusion_pytorch_model.safetensors";
  auto msg = error_of([&] { load_model(base.string(), with_unet(sd15)); });
  expect_names(msg, {sd15.string(), base.string(), "sd1", "sdxl", "cross-attention", "attn2.to_k.weight",
                     "add_embedding.linear_1.weight", "absent"});
  // Truncated: the file's name.
  const fs::path good = oracle / "wave2/unet-only/tiny-sdxl-unet-ldm.safetensors";
  {
    std::string bytes = read_text(good);
    std::ofstream(dir / "truncated.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  msg = error_of([&] { load_model(base.string(), with_unet(dir / "truncated.safetensors")); });
  expect_names(msg, {(dir / "truncated.safetensors").string()});
  // One key of the wrong shape: the file, the key (diffusers name), both shapes; nothing loaded.
  auto all = SafeTensors::open(good.string()).load_all();
  const std::string key = "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight";
  ASSERT_TRUE(all.count(key));
  all[key] = at::zeros({64, 48}, at::kHalf);
  save_safetensors((dir / "wrong.safetensors").string(), all);
  msg = error_of([&] { load_model(base.string(), with_unet(dir / "wrong.safetensors")); });
  expect_names(msg, {(dir / "wrong.safetensors").string(), "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight",
                     "[64, 64]", "[64, 48]"});
  // Not a UNet at all, and a full checkpoint passed as --unet.
  save_safetensors((dir / "other.safetensors").string(), {{"weight", at::zeros({2})}});
  msg = error_of([&] { load_model(base.string(), with_unet(dir / "other.safetensors")); });
  expect_names(msg, {"other.safetensors", "not a unet file"});
  msg = error_of([&] { load_model(base.string(), with_unet(oracle / "tiny-sd15-ldm.safetensors")); });
  expect_names(msg, {"tiny-sd15-ldm.safetensors", "full checkpoint"});
  // A VAE file passed as --unet.
  msg = error_of([&] { load_model(base.string(), with_unet(oracle / "tiny-sdxl/vae/diffusion_pytorch_model.safetensors")); });
  expect_names(msg, {"holds a vae", "not a unet"});
}

TEST(UNetFile, DescribedOnItsOwn) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  for (const auto& [name, layout] : std::vector<std::pair<std::string, std::string>>{
           {"tiny-sdxl-unet-diffusers.safetensors", "diffusers"}, {"tiny-sdxl-unet-ldm.safetensors", "ldm"}}) {
    auto info = inspect_component_file((oracle / "wave2/unet-only" / name).string());
    ASSERT_TRUE(info) << name;
    EXPECT_EQ(info->component, "unet");
    EXPECT_EQ(info->layout, layout);
    EXPECT_EQ(info->arch, "sdxl");
    EXPECT_EQ(info->weights.tensors, 428);
    EXPECT_EQ(info->weights.dtypes, (std::map<std::string, int64_t>{{"F16", 428}}));
    EXPECT_EQ(info->config["block_out_channels"], nlohmann::json::array({32, 64}));
    EXPECT_EQ(info->config["cross_attention_dim"], 64);
  }
  auto sd15 = inspect_component_file((oracle / "tiny-sd15/unet").string());
  ASSERT_TRUE(sd15);
  EXPECT_EQ(sd15->arch, "sd1");
  EXPECT_EQ(sd15->layout, "diffusers folder");
  EXPECT_FALSE(inspect_component_file((oracle / "tiny-sd15-ldm.safetensors").string()));
}

TEST(UNetFile, CliEvalAndInfo) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto dir = test::temp_dir("unet-file-cli");
  const auto ref = SafeTensors::open((oracle / "tiny-sdxl/ref/unet.safetensors").string());
  save_safetensors((dir / "unet_in.safetensors").string(),
                   {{"sample", ref.tensor("sample")}, {"timestep", ref.tensor("timestep")},
                    {"encoder_hidden_states", ref.tensor("encoder_hidden_states")},
                    {"text_embeds", ref.tensor("text_embeds")}, {"time_ids", ref.tensor("time_ids")}});
  for (const char* name : {"tiny-sdxl-unet-diffusers.safetensors", "tiny-sdxl-unet-ldm.safetensors"}) {
    SCOPED_TRACE(name);
    const fs::path file = oracle / "wave2/unet-only" / name, out = dir / (std::string(name) + ".out.safetensors");
    ASSERT_EQ(cli("eval --component unet --model " + (oracle / "tiny-sdxl").string() + " --unet " + file.string() +
                  " --inputs " + (dir / "unet_in.safetensors").string() + " --output " + out.string()),
              0);
    const double rel = relative_error(SafeTensors::open(out.string()).tensor("model_output"), ref.tensor("eps"));
    EXPECT_LT(rel, 1e-4);
    std::cout << name << ": max|d|/max|ref| = " << rel << " (ripen-cli eval)\n";
    // info FILE: what it holds, its key layout, dtype and size, instead of a refusal.
    const fs::path txt = dir / (std::string(name) + ".info.txt");
    ASSERT_EQ(cli("info " + file.string() + " > " + txt.string() + " 2>&1"), 0) << read_text(txt);
    expect_names(read_text(txt), {"unet only", "key layout:   " + std::string(name).substr(15, std::string(name).find('.') - 15),
                                  "architecture: sdxl", "F16 x428"});
    // info MODEL --unet FILE: the combination.
    ASSERT_EQ(cli("info " + (oracle / "tiny-sdxl").string() + " --unet " + file.string() + " > " + txt.string() + " 2>&1"), 0)
        << read_text(txt);
    expect_names(read_text(txt), {"own unet file: " + file.string()});
  }
  // The refusal reaches the command line as an error naming the file.
  const fs::path txt = dir / "refusal.txt";
  EXPECT_EQ(cli("eval --component unet --model " + (oracle / "tiny-sdxl").string() + " --unet " +
                (oracle / "tiny-sd15/unet").string() + " --inputs " + (dir / "unet_in.safetensors").string() + " --output " +
                (dir / "x.safetensors").string() + " > " + txt.string() + " 2>&1"),
            1);
  expect_names(read_text(txt), {(oracle / "tiny-sd15/unet").string(), "sd1", "sdxl"});
}
