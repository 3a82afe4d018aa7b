// A UNet with time_cond_proj_dim (LCM's guidance embedding) and the LCM boundary condition, against diffusers'
// LatentConsistencyModelPipeline (v0.30.3, fp32 CPU; oracle wave2/tiny-lcm and wave2/lcm, README §3).
#include <c10/core/InferenceMode.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

#include "common/test_common.h"
#include "nets/embeddings.h"
#include "nets/unet.h"
#include "sampling/cfg_denoiser.h"
#include "sampling/schedules.h"
#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace ripen {
namespace {

namespace fs = std::filesystem;

// The folder holds only unet/ and scheduler/, so the UNet is built from its files directly.
UNet2DCondition load_unet(const fs::path& dir, std::map<std::string, at::Tensor>* replace = nullptr) {
  auto config = UNetConfig::from_file((dir / "config.json").string());
  const auto weights = (dir / "diffusion_pytorch_model.safetensors").string();
  auto tensors = SafeTensors::open(weights).load_all();
  if (replace)
    for (auto& [k, v] : *replace) tensors[k] = v;
  auto ps = ParamStore::from_tensors(std::move(tensors), weights,
                                     at::TensorOptions().dtype(at::kFloat).device(test::device()));
  auto unet = UNet2DCondition::bind(ps, config);
  ps.finish();
  return unet;
}

double rel_change(const at::Tensor& a, const at::Tensor& ref) {
  return (a - ref).abs().max().item<double>() / ref.abs().max().item<double>();
}

struct Lcm {
  fs::path oracle;
  SafeTensors ref;
  at::Tensor at(const char* key) const { return ref.tensor(key).to(test::device()); }
  at::Tensor at(const char* key, int64_t i) const { return ref.tensor(key)[i].to(test::device()); }
};

Lcm open_lcm(const fs::path& oracle) {
  return {oracle, SafeTensors::open((oracle / "wave2/lcm/lcm_4step.safetensors").string())};
}

TEST(UNetLcm, ConfigKeepsTimeCondProjDim) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto c = UNetConfig::from_file((oracle / "wave2/tiny-lcm/unet/config.json").string());
  EXPECT_EQ(c.time_cond_proj_dim, 32);
  EXPECT_TRUE(c.has_time_cond());
  EXPECT_EQ(UNetConfig::from_json(c.to_json()).time_cond_proj_dim, 32);
  EXPECT_FALSE(UNetConfig::sd15().has_time_cond());
}

TEST(UNetLcm, GuidanceEmbeddingMatchesPipeline) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto lcm = open_lcm(oracle);
  // Same float32 operations in the same order as diffusers: equal to the last bit.
  at::Tensor table = nn::guidance_scale_embedding(lcm.ref.tensor("guidance_embedding_table_w"), 32);
  EXPECT_EQ((table - lcm.ref.tensor("guidance_embedding_table")).abs().max().item<double>(), 0.0);
  const double w = nn::lcm_embedding_w(lcm.ref.tensor("guidance_scale").item<double>());
  EXPECT_EQ(w, lcm.ref.tensor("w").item<double>());
  at::Tensor e7 = nn::guidance_scale_embedding(at::full({1}, w, at::kFloat), 32);
  EXPECT_EQ((e7[0] - lcm.ref.tensor("guidance_embedding_w7_dim32")).abs().max().item<double>(), 0.0);
  EXPECT_EQ((e7 - lcm.ref.tensor("w_embedding")).abs().max().item<double>(), 0.0);
  // w = 0: sin 0 = 0 in the first half, cos 0 = 1 in the second (sin first).
  at::Tensor zero = nn::guidance_scale_embedding(at::zeros({1}), 32)[0];
  EXPECT_EQ(zero.narrow(0, 0, 16).abs().max().item<double>(), 0.0);
  EXPECT_EQ(zero.narrow(0, 16, 16).min().item<double>(), 1.0);
}

TEST(UNetLcm, EveryStepMatchesPipeline) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  c10::InferenceMode guard;
  auto lcm = open_lcm(oracle);
  auto unet = load_unet(oracle / "wave2/tiny-lcm/unet");
  at::Tensor temb;
  unet.probe = [&](const std::string& name, const at::Tensor& t) {
    if (name == "time_embedding") temb = t.clone();
  };
  const at::Tensor ctx = lcm.at("prompt_embeds"), w_emb = lcm.at("w_embedding");
  for (int64_t i = 0; i < 4; ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    at::Tensor t = lcm.ref.tensor("unet_timesteps")[i].to(at::kFloat).reshape({1});
    at::Tensor eps = unet.forward(lcm.at("unet_inputs", i), t, ctx, nullptr, w_emb).cpu();
    EXPECT_TRUE(test::close_to(eps, lcm.ref.tensor("unet_outputs")[i], 1e-4, 0));
    EXPECT_TRUE(test::close_to(temb.cpu(), lcm.ref.tensor("time_embedding_out")[i], 1e-5, 0));
  }
}

TEST(UNetLcm, EmbeddingConventionAndZerosAreDistinguishable) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  c10::InferenceMode guard;
  auto lcm = open_lcm(oracle);
  auto unet = load_unet(oracle / "wave2/tiny-lcm/unet");
  const at::Tensor x = lcm.at("unet_inputs", 0), ctx = lcm.at("prompt_embeds");
  const at::Tensor t = at::full({1}, 999.0f), ref = lcm.ref.tensor("unet_outputs")[0];
  auto run = [&](const at::Tensor& cond) { return unet.forward(x, t, ctx, nullptr, cond).cpu(); };

  // w = 8 (the guidance scale itself, not guidance − 1): what the fixture stores, 2.9% away from the real step.
  at::Tensor w8 = run(nn::guidance_scale_embedding(at::full({1}, 8.0f), 32).to(test::device()));
  EXPECT_TRUE(test::close_to(w8, lcm.ref.tensor("step0_unet_output_with_w8_wrong_convention"), 1e-4, 0));
  EXPECT_GT(rel_change(w8, ref), 0.02);

  // Zeros, and no timestep_cond at all (cond_proj has no bias): the fixture's zero-embedding step, 2.8% away.
  const at::Tensor zero_ref = lcm.ref.tensor("step0_unet_output_with_w_embedding_zero");
  at::Tensor zeros = run(at::zeros({1, 32}, x.options()));
  EXPECT_TRUE(test::close_to(zeros, zero_ref, 1e-4, 0));
  EXPECT_TRUE(test::close_to(run(at::Tensor()), zero_ref, 1e-4, 0));
  EXPECT_GT(rel_change(zeros, ref), 0.02);
}

TEST(UNetLcm, BoundaryScalingsMatchScheduler) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto j = read_json_file(oracle / "wave2/schedules/schedules.json");
  const sampling::ConsistencyBoundary lcm;  // σd 0.5, timestep_scaling 10: the LCMScheduler defaults
  EXPECT_EQ(j.at("lcm.config").at("timestep_scaling").get<double>(), lcm.timestep_scaling);
  int checked = 0;
  for (const auto& [key, v] : j.items()) {
    if (key.rfind("lcm.orig50.", 0) != 0) continue;
    const auto ts = v.at("timesteps").get<std::vector<double>>();
    for (size_t i = 0; i < ts.size(); ++i) {
      const auto c = sampling::boundary_scalings(lcm, ts[i]);
      EXPECT_NEAR(c.c_skip, v.at("c_skip")[i].get<double>(), 1e-15) << key << " t=" << ts[i];
      EXPECT_NEAR(c.c_out, v.at("c_out")[i].get<double>(), 1e-15) << key << " t=" << ts[i];
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2 * (1 + 2 + 4 + 8));
  const auto at0 = sampling::boundary_scalings(lcm, 0);  // t = 0: the input itself
  EXPECT_EQ(at0.c_skip, 1.0);
  EXPECT_EQ(at0.c_out, 0.0);
}

// The LCM multistep loop written out here, with the denoiser doing x0 and the boundary:
//   x_vp at t_i → σ_i = sqrt((1 − ᾱ)/ᾱ), x = x_vp·sqrt(σ_i² + 1) (k-diffusion's VE form, which the denoiser scales
//   back), D = c_out·x0 + c_skip·x_vp, then x_vp = sqrt(ᾱ_next)·D + sqrt(1 − ᾱ_next)·noise_i.
TEST(UNetLcm, FourStepLoopThroughDenoiserMatchesPipeline) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  c10::InferenceMode guard;
  auto lcm = open_lcm(oracle);
  auto unet = load_unet(oracle / "wave2/tiny-lcm/unet");
  auto schedule = std::make_shared<sampling::DiscreteSchedule>(
      sampling::scaled_linear_alphas_cumprod(sampling::BetaPrecision::DiffusersFloat32));
  const at::Tensor ac = schedule->alphas_cumprod().to(at::kDouble);
  const at::Tensor ctx = lcm.at("prompt_embeds");

  sampling::CfgDenoiserOptions opts;
  opts.timestep_mode = sampling::TimestepMode::Table;
  for (int64_t i = 0; i < 4; ++i) opts.timestep_table.push_back(lcm.ref.tensor("timesteps")[i].item<double>());
  EXPECT_EQ(opts.timestep_table, (std::vector<double>{999, 759, 499, 259}));
  opts.consistency = sampling::ConsistencyBoundary{};
  opts.timestep_cond = nn::guidance_scale_embedding(
      at::full({1}, nn::lcm_embedding_w(lcm.ref.tensor("guidance_scale").item<double>()), at::kFloat), 32);
  // As UNetDenoiser builds it: the options' timestep_cond goes to every call.
  sampling::ModelFn net = [&, cond = opts.timestep_cond](const at::Tensor& x, const at::Tensor& t,
                                                         sampling::CondBatch which) {
    EXPECT_EQ(which, sampling::CondBatch::CondOnly);  // LCM: no CFG batch
    return unet.forward(x, t, ctx, nullptr, cond);
  };
  sampling::CfgDenoiser denoiser(net, schedule, opts);

  at::Tensor x_vp = lcm.at("initial_latents");
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    const double a = ac[int64_t(opts.timestep_table[size_t(i)])].item<double>();
    const double sigma = std::sqrt((1 - a) / a);
    at::Tensor d = denoiser(x_vp * std::sqrt(sigma * sigma + 1), sigma, i);
    EXPECT_TRUE(test::close_to(d.cpu(), lcm.ref.tensor("denoised")[i], 1e-4, 0));
    if (i == 3) {
      x_vp = d;
      break;
    }
    const double next = ac[int64_t(opts.timestep_table[size_t(i + 1)])].item<double>();
    x_vp = d * std::sqrt(next) + lcm.at("step_noise", i) * std::sqrt(1 - next);
    EXPECT_TRUE(test::close_to(x_vp.cpu(), lcm.ref.tensor("latents_after_step")[i], 1e-4, 0));
  }
  EXPECT_TRUE(test::close_to(x_vp.cpu(), lcm.ref.tensor("final_latents"), 1e-4, 0));
  EXPECT_EQ(denoiser.model_calls(), 4);
}

TEST(UNetLcm, RefusesWrongShapes) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const auto dir = oracle / "wave2/tiny-lcm/unet";
  // A cond_proj of the wrong width: the message names the file, the key and both shapes.
  std::map<std::string, at::Tensor> bad{{"time_embedding.cond_proj.weight", at::zeros({32, 16}, at::kHalf)}};
  try {
    load_unet(dir, &bad);
    ADD_FAILURE() << "a [32, 16] cond_proj was accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("time_embedding.cond_proj.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("diffusion_pytorch_model.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("16"), std::string::npos) << msg;
  }
  // The same config over weights without cond_proj (tiny-sd15's): the missing key is named.
  auto config = UNetConfig::from_file((dir / "config.json").string());
  const auto sd15 = (oracle / "tiny-sd15/unet/diffusion_pytorch_model.safetensors").string();
  auto ps = ParamStore::from_tensors(SafeTensors::open(sd15).load_all(), sd15);
  UNet2DCondition::bind(ps, config);
  try {
    ps.finish();
    ADD_FAILURE() << "weights without cond_proj were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("time_embedding.cond_proj.weight"), std::string::npos) << e.what();
  }

  c10::InferenceMode guard;
  auto unet = load_unet(dir);
  const at::Tensor x = at::zeros({1, 4, 8, 8}), t = at::full({1}, 999.0f), ctx = at::zeros({1, 77, 32});
  EXPECT_THROW(unet.forward(x, t, ctx, nullptr, at::zeros({1, 16})), Error);  // wrong embedding width
  // A UNet without time_cond_proj_dim takes no embedding.
  auto plain = UNetConfig::from_file((oracle / "tiny-sd15/unet/config.json").string());
  auto ps15 = ParamStore::from_tensors(SafeTensors::open(sd15).load_all(), sd15);
  auto unet15 = UNet2DCondition::bind(ps15, plain);
  ps15.finish();
  EXPECT_THROW(unet15.forward(x, t, ctx, nullptr, at::zeros({1, 32})), Error);
}

}  // namespace
}  // namespace ripen
