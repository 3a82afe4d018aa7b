// Detection, single-file vs folder loading, refusals and error messages, on the oracle's tiny models.
#include <filesystem>
#include <fstream>

#include "common/error_of.h"
#include "common/test_common.h"
#include "models/ldm_export.h"
#include "models/model.h"
#include "models/sha256.h"
#include "models/source.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

using namespace ripen;
using namespace ripen::models;
namespace fs = std::filesystem;

namespace {

using test::error_of;

// Every component tensor of two sources equal (as fp32), same key sets.
void expect_same_weights(const ModelSource& a, const ModelSource& b, const std::vector<std::string>& comps) {
  for (const auto& c : comps) {
    SCOPED_TRACE(c);
    const auto& ta = a.components.at(c).tensors;
    const auto& tb = b.components.at(c).tensors;
    size_t compared = 0;
    for (const auto& [k, v] : tb) {
      if (k.find("position_ids") != std::string::npos) continue;
      auto it = ta.find(k);
      ASSERT_NE(it, ta.end()) << "missing " << k;
      EXPECT_TRUE(at::equal(it->second.to(at::kFloat).reshape(v.sizes()), v.to(at::kFloat))) << k;
      ++compared;
    }
    EXPECT_EQ(compared, ta.size());
    EXPECT_GT(compared, 10u);
  }
}

}  // namespace

TEST(Models, DetectsOracleModels) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto folder = detect_architecture((oracle / "tiny-sd15").string());
  EXPECT_EQ(folder.arch, Arch::SD1);
  EXPECT_EQ(folder.layout, Layout::DiffusersFolder);
  EXPECT_EQ(folder.prediction, Prediction::Epsilon);
  EXPECT_EQ(folder.prediction_source, "scheduler_config.json");
  auto ldm = detect_architecture((oracle / "tiny-sd15-ldm.safetensors").string());
  EXPECT_EQ(ldm.arch, Arch::SD1);
  EXPECT_EQ(ldm.layout, Layout::SingleFile);
  EXPECT_EQ(ldm.prediction, Prediction::Epsilon);
  ASSERT_TRUE(ldm.yaml);
  EXPECT_EQ(fs::path(*ldm.yaml).filename(), "tiny-sd15-ldm.yaml");
  auto v = detect_architecture((oracle / "tiny-sd15-ldm.safetensors").string(), Prediction::V);
  EXPECT_EQ(v.prediction, Prediction::V);
  EXPECT_EQ(v.prediction_source, "override");
  auto xl = detect_architecture((oracle / "tiny-sdxl").string());
  EXPECT_EQ(xl.arch, Arch::SDXL);
}

TEST(Models, ConfigsInferredFromLdmShapesMatchTheFolder) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ldm = open_model_source((oracle / "tiny-sd15-ldm.safetensors").string(), {});
  auto folder = open_model_source((oracle / "tiny-sd15").string(), {});
  auto u1 = UNetConfig::from_json(ldm.components.at("unet").config);
  auto u2 = UNetConfig::from_json(folder.components.at("unet").config);
  EXPECT_EQ(u1.block_out_channels, u2.block_out_channels);
  EXPECT_EQ(u1.layers_per_block, u2.layers_per_block);
  EXPECT_EQ(u1.down_block_types, u2.down_block_types);
  EXPECT_EQ(u1.up_block_types, u2.up_block_types);
  EXPECT_EQ(u1.num_attention_heads, u2.num_attention_heads);
  EXPECT_EQ(u1.transformer_layers_per_block, u2.transformer_layers_per_block);
  EXPECT_EQ(u1.cross_attention_dim, u2.cross_attention_dim);
  EXPECT_EQ(u1.use_linear_projection, u2.use_linear_projection);
  EXPECT_EQ(u1.time_embed_dim(), u2.time_embed_dim());
  EXPECT_EQ(u1.sample_size, 32);  // from the yaml's image_size
  auto v1 = VaeConfig::from_json(ldm.components.at("vae").config);
  auto v2 = VaeConfig::from_json(folder.components.at("vae").config);
  EXPECT_EQ(v1.block_out_channels, v2.block_out_channels);
  EXPECT_EQ(v1.layers_per_block, v2.layers_per_block);
  EXPECT_EQ(v1.latent_channels, v2.latent_channels);
  EXPECT_DOUBLE_EQ(v1.scaling_factor, v2.scaling_factor);
  auto t1 = ldm.components.at("text_encoder").config;
  auto t2 = folder.components.at("text_encoder").config;
  for (const char* k : {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size",
                        "max_position_embeddings", "hidden_act", "eos_token_id"})
    EXPECT_EQ(t1[k], t2[k]) << k;
  EXPECT_DOUBLE_EQ(ldm.scheduler.beta_start, 0.00085);
  EXPECT_DOUBLE_EQ(ldm.scheduler.beta_end, 0.012);
}

TEST(Models, SingleFileAndFolderGiveIdenticalWeights) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ldm = open_model_source((oracle / "tiny-sd15-ldm.safetensors").string(), {});
  auto folder = open_model_source((oracle / "tiny-sd15").string(), {});
  expect_same_weights(ldm, folder, {"unet", "vae", "text_encoder"});
  EXPECT_TRUE(ldm.ignored_keys.empty());
}

TEST(Models, LoadsBothLayoutsIntoNetworks) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  for (const char* p : {"tiny-sd15", "tiny-sd15-ldm.safetensors"}) {
    SCOPED_TRACE(p);
    auto m = load_model((oracle / p).string());
    ASSERT_TRUE(m.unet && m.vae && m.text_encoder && m.tokenizer);
    EXPECT_FALSE(m.text_encoder_2);
    EXPECT_EQ(m.short_hash.size(), 10u);
    EXPECT_EQ(m.unet->dtype(), at::kFloat);
    EXPECT_EQ(m.tokenizer->encode_batch({"a red apple"}).size(1), 77);
  }
  // A1111's short hash is sha256 of the whole file.
  auto m = load_model((oracle / "tiny-sd15-ldm.safetensors").string(), LoadOptions{.components = {"vae"}});
  EXPECT_EQ(m.short_hash, sha256_file((oracle / "tiny-sd15-ldm.safetensors").string()).substr(0, 10));
  EXPECT_FALSE(m.unet);
}

TEST(Models, Sha256KnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string(1000, 'a')), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST(Models, SdxlSingleFileRoutesTextEncodersByPrefix) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto folder = open_model_source((oracle / "tiny-sdxl").string(), {});
  ComponentWeights w;
  for (const auto& [c, comp] : folder.components) w[c] = comp.tensors;
  auto dir = test::temp_dir("sdxl-ldm");
  auto file = (dir / "tiny-sdxl.safetensors").string();
  save_safetensors(file, to_ldm_checkpoint(Arch::SDXL, w));
  // Head widths are not in the weights: the yaml beside the file says them (tiny-sdxl: 16-wide heads).
  std::ofstream(dir / "tiny-sdxl.yaml") << "model:\n  params:\n    scale_factor: 0.13025\n    network_config:\n      params:\n"
                                           "        num_head_channels: 16\n";
  auto ldm = open_model_source(file, {});
  EXPECT_EQ(ldm.detection.arch, Arch::SDXL);
  expect_same_weights(ldm, folder, {"unet", "vae", "text_encoder", "text_encoder_2"});
  auto u1 = UNetConfig::from_json(ldm.components.at("unet").config);
  auto u2 = UNetConfig::from_json(folder.components.at("unet").config);
  EXPECT_EQ(u1.num_attention_heads, u2.num_attention_heads);
  EXPECT_EQ(u1.transformer_layers_per_block, u2.transformer_layers_per_block);
  EXPECT_EQ(u1.addition_time_embed_dim, u2.addition_time_embed_dim);
  EXPECT_EQ(u1.projection_class_embeddings_input_dim, u2.projection_class_embeddings_input_dim);
  EXPECT_EQ(u1.cross_attention_dim, u2.cross_attention_dim);
  EXPECT_TRUE(u1.use_linear_projection);
  EXPECT_EQ(ldm.components.at("text_encoder_2").config["hidden_act"], "gelu");
  EXPECT_EQ(ldm.tokenizers.at("tokenizer_2").pad_id, 0);
  auto m = load_model(file);
  ASSERT_TRUE(m.text_encoder_2);
  EXPECT_EQ(m.conditioning, TextConditioning::PenultimateConcat);
}

TEST(Models, RefusesPicklesWithConversionAdvice) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto dir = test::temp_dir("binonly");
  fs::copy(oracle / "tiny-sd15", dir / "m", fs::copy_options::recursive);
  fs::permissions(dir / "m", fs::perms::owner_all, fs::perm_options::add);
  fs::permissions(dir / "m/unet", fs::perms::owner_all, fs::perm_options::add);
  fs::remove(dir / "m/unet/diffusion_pytorch_model.safetensors");
  std::ofstream(dir / "m/unet/diffusion_pytorch_model.bin") << "PK\x03\x04 not really";
  auto msg = error_of([&] { load_model((dir / "m").string()); });
  EXPECT_NE(msg.find("diffusion_pytorch_model.bin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("safe_serialization=True"), std::string::npos) << msg;
  std::ofstream(dir / "model.ckpt") << "PK\x03\x04";
  msg = error_of([&] { detect_architecture((dir / "model.ckpt").string()); });
  EXPECT_NE(msg.find("save_file"), std::string::npos) << msg;
  // A pickle renamed to .safetensors is recognised too.
  std::ofstream(dir / "renamed.safetensors") << "PK\x03\x04" << std::string(100, 'x');
  msg = error_of([&] { detect_architecture((dir / "renamed.safetensors").string()); });
  EXPECT_NE(msg.find("pickle"), std::string::npos) << msg;
}

TEST(Models, PartialAndMismatchedFilesAreErrorsNamingKeys) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto st = SafeTensors::open((oracle / "tiny-sd15-ldm.safetensors").string());
  auto all = st.load_all();
  auto dir = test::temp_dir("partial");
  // No VAE at all.
  auto no_vae = all;
  for (auto it = no_vae.begin(); it != no_vae.end();) it = it->first.rfind("first_stage_model.", 0) == 0 ? no_vae.erase(it) : std::next(it);
  save_safetensors((dir / "novae.safetensors").string(), no_vae);
  auto msg = error_of([&] { load_model((dir / "novae.safetensors").string()); });
  EXPECT_NE(msg.find("no VAE weights"), std::string::npos) << msg;
  // One UNet tensor missing: reported by its diffusers name.
  auto partial = all;
  partial.erase("model.diffusion_model.output_blocks.1.1.transformer_blocks.0.attn2.to_v.weight");
  save_safetensors((dir / "partial.safetensors").string(), partial);
  msg = error_of([&] { load_model((dir / "partial.safetensors").string()); });
  EXPECT_NE(msg.find("up_blocks.0.attentions.1.transformer_blocks.0.attn2.to_v.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
  // A wrong shape: key and both shapes.
  auto wrong = all;
  wrong["model.diffusion_model.middle_block.1.transformer_blocks.0.attn2.to_k.weight"] = at::zeros({64, 48}, at::kHalf);
  save_safetensors((dir / "wrong.safetensors").string(), wrong);
  msg = error_of([&] { load_model((dir / "wrong.safetensors").string()); });
  EXPECT_NE(msg.find("mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[64, 32]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[64, 48]"), std::string::npos) << msg;
  // An unknown extra key under the UNet: unexpected, by name.
  auto extra = all;
  extra["model.diffusion_model.input_blocks.1.0.mystery.weight"] = at::zeros({2}, at::kHalf);
  extra["model_ema.decay"] = at::zeros({}, at::kFloat);
  extra["alphas_cumprod"] = at::zeros({1000}, at::kFloat);
  save_safetensors((dir / "extra.safetensors").string(), extra);
  msg = error_of([&] { load_model((dir / "extra.safetensors").string()); });
  EXPECT_NE(msg.find("mystery"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("alphas_cumprod"), std::string::npos) << msg;
  // Keys of no component at all.
  auto stray = all;
  stray["lora_unet_down.weight"] = at::zeros({2}, at::kHalf);
  save_safetensors((dir / "stray.safetensors").string(), stray);
  msg = error_of([&] { load_model((dir / "stray.safetensors").string()); });
  EXPECT_NE(msg.find("lora_unet_down.weight"), std::string::npos) << msg;
  // Not a model at all.
  save_safetensors((dir / "other.safetensors").string(), {{"weight", at::zeros({2})}});
  msg = error_of([&] { detect_architecture((dir / "other.safetensors").string()); });
  EXPECT_NE(msg.find("not a Stable Diffusion checkpoint"), std::string::npos) << msg;
}

TEST(Models, Sd2SingleFileSplitsOpenClipAndDropsTheLastBlock) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  // An SD2-shaped single file from oracle weights: the OpenCLIP-style (gelu) tower of tiny-sdxl as the text
  // encoder under cond_stage_model.model.*, tiny-sd15's UNet and VAE.
  auto sd15 = open_model_source((oracle / "tiny-sd15").string(), {});
  auto sdxl = open_model_source((oracle / "tiny-sdxl").string(), {});
  ComponentWeights w;
  w["unet"] = sd15.components.at("unet").tensors;
  w["vae"] = sd15.components.at("vae").tensors;
  w["text_encoder"] = sdxl.components.at("text_encoder_2").tensors;
  w["text_encoder"].erase("text_projection.weight");
  auto dir = test::temp_dir("sd2");
  auto file = (dir / "tiny-sd2.safetensors").string();
  auto ldm = to_ldm_checkpoint(Arch::SD2, w);
  EXPECT_TRUE(ldm.count("cond_stage_model.model.transformer.resblocks.4.attn.in_proj_weight"));
  ldm["cond_stage_model.model.logit_scale"] = at::ones({});
  save_safetensors(file, ldm);

  auto src = open_model_source(file, {});
  EXPECT_EQ(src.detection.arch, Arch::SD2);
  EXPECT_EQ(src.detection.prediction, Prediction::Epsilon);
  EXPECT_EQ(src.components.at("text_encoder").config["num_hidden_layers"], 4);
  EXPECT_EQ(src.tokenizers.at("tokenizer").pad_id, 0);
  size_t dropped = 0;
  for (const auto& k : src.ignored_keys) dropped += k.find("resblocks.4.") != std::string::npos;
  EXPECT_EQ(dropped, 12u);  // ln_1, ln_2, attn.in_proj, attn.out_proj, mlp.c_fc, mlp.c_proj: weight and bias each
  // v-prediction cannot be read off SD2 weights: the yaml beside the file decides.
  std::ofstream(dir / "tiny-sd2.yaml") << "model:\n  params:\n    parameterization: \"v\"  # 768-v\n";
  auto v = detect_architecture(file);
  EXPECT_EQ(v.prediction, Prediction::V);
  EXPECT_EQ(v.prediction_source, "yaml");

  // The 4-block encoder's last_hidden_state is the 5-block tower's final LN of its penultimate state.
  auto m = load_model(file, LoadOptions{.components = {"text_encoder"}});
  auto refs = SafeTensors::open((oracle / "tiny-sdxl/ref/text_encoders.safetensors").string());
  auto out = m.text_encoder->forward(refs.tensor("tokenizer_2_input_ids"));
  auto pen = refs.tensor("te2_penultimate_hidden_state");
  auto& te2 = sdxl.components.at("text_encoder_2").tensors;
  auto expected = at::layer_norm(pen, {pen.size(-1)}, te2.at("text_model.final_layer_norm.weight").to(at::kFloat),
                                 te2.at("text_model.final_layer_norm.bias").to(at::kFloat), 1e-5);
  EXPECT_TRUE(test::close_to(out.last_hidden_state, expected, 1e-4, 1e-5));
}
