// UNet2DCondition against the oracle (diffusers v0.30.3, fp32 CPU) and its configuration handling.
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>

#include "common/test_common.h"
#include "nets/small_unet_config.h"
#include "nets/attention.h"
#include "nets/unet.h"
#include "tensors/error.h"
#include "tensors/parallel_gemm.h"
#include "tensors/safetensors.h"

namespace ripen {
namespace {

struct Loaded {
  UNetConfig config;
  UNet2DCondition unet;
};

// On RIPEN_TEST_DEVICE (cpu unless set; tests/gpu/run-on-gpu.sh sets cuda), so the same bounds are checked there.
Loaded load_oracle_unet(const std::filesystem::path& dir,
                        at::TensorOptions opts = at::TensorOptions().dtype(at::kFloat).device(test::device())) {
  auto config = UNetConfig::from_file((dir / "config.json").string());
  const auto weights = (dir / "diffusion_pytorch_model.safetensors").string();
  auto ps = ParamStore::from_tensors(SafeTensors::open(weights).load_all(), weights, opts);
  auto unet = UNet2DCondition::bind(ps, config);
  ps.finish();
  return {config, std::move(unet)};
}

TEST(UNet, Sd15MatchesOracle) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  c10::InferenceMode guard;
  auto m = load_oracle_unet(oracle / "tiny-sd15/unet");
  EXPECT_EQ(m.config.num_attention_heads, (std::vector<int64_t>{8, 8}));  // attention_head_dim 8 counts heads
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/unet.safetensors").string());
  auto in = [&](const char* key) { return ref.tensor(key).to(test::device()); };
  at::Tensor eps = m.unet.forward(in("sample"), in("timestep"), in("encoder_hidden_states")).cpu();
  EXPECT_TRUE(test::close_to(eps, ref.tensor("eps"), 1e-4, 1e-5));
}

TEST(UNet, Sd15DebugActivationsMatchOracle) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  c10::InferenceMode guard;
  auto m = load_oracle_unet(oracle / "tiny-sd15/unet");
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/unet.safetensors").string());
  std::map<std::string, at::Tensor> acts;
  m.unet.probe = [&](const std::string& name, const at::Tensor& t) { acts[name] = t.clone(); };
  at::Tensor eps = m.unet.forward(ref.tensor("debug16_sample"), ref.tensor("debug16_timestep"),
                                  ref.tensor("debug16_encoder_hidden_states"));
  int checked = 0;
  for (const auto& info : ref.tensors()) {
    const std::string prefix = "debug16_act.";
    if (info.name.rfind(prefix, 0) != 0) continue;
    const std::string name = info.name.substr(prefix.size());
    if (name == "conv_out") {
      EXPECT_TRUE(test::close_to(eps, ref.tensor(info.name), 1e-4, 1e-5)) << name;
    } else {
      ASSERT_TRUE(acts.count(name)) << "no activation named " << name;
      EXPECT_TRUE(test::close_to(acts[name], ref.tensor(info.name), 1e-4, 1e-5)) << name;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 10);
  EXPECT_TRUE(test::close_to(eps, ref.tensor("debug16_eps"), 1e-4, 1e-5));
}

TEST(UNet, SdxlMatchesOracle) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  c10::InferenceMode guard;
  auto m = load_oracle_unet(oracle / "tiny-sdxl/unet");  // stored fp16, computed in fp32
  EXPECT_EQ(m.config.num_attention_heads, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(m.config.transformer_layers_per_block, (std::vector<int64_t>{1, 2}));
  auto ref = SafeTensors::open((oracle / "tiny-sdxl/ref/unet.safetensors").string());
  auto in = [&](const char* key) { return ref.tensor(key).to(test::device()); };
  std::map<std::string, at::Tensor> acts;
  m.unet.probe = [&](const std::string& name, const at::Tensor& t) { acts[name] = t.cpu(); };
  UNetAddedCond added{in("text_embeds"), in("time_ids")};
  at::Tensor eps = m.unet.forward(in("sample"), in("timestep"), in("encoder_hidden_states"), &added).cpu();
  EXPECT_TRUE(test::close_to(eps, ref.tensor("eps"), 1e-4, 1e-5));
  for (const char* name : {"time_proj", "time_embedding", "add_time_proj", "add_embedding"}) {
    ASSERT_TRUE(acts.count(name)) << name;
    EXPECT_TRUE(test::close_to(acts[name], ref.tensor(std::string("act.") + name), 1e-4, 1e-5)) << name;
  }
  EXPECT_THROW(m.unet.forward(in("sample"), in("timestep"), in("encoder_hidden_states")), Error);
}

TEST(UNet, ChunkedAttentionMatchesFullAndBf16StaysClose) {
  c10::InferenceMode guard;
  auto gen = at::detail::createCPUGenerator(7);
  const int64_t heads = 4;
  at::Tensor q = at::randn({2, 300, heads * 16}, gen), k = at::randn({2, 77, heads * 16}, gen),
             v = at::randn({2, 77, heads * 16}, gen);
  // reference: plain softmax(q k^T / sqrt(d)) v per head
  auto split = [&](const at::Tensor& x) { return x.view({2, x.size(1), heads, 16}).transpose(1, 2); };
  at::Tensor ref = at::matmul(at::softmax(at::matmul(split(q), split(k).transpose(-1, -2)) / 4.0, -1), split(v))
                       .transpose(1, 2)
                       .reshape({2, 300, heads * 16});
  auto& settings = nn::attention_settings();
  const auto saved = settings;
  settings.use_sdpa = false;
  for (int64_t budget : {int64_t{0}, int64_t{1}, int64_t{4096}, int64_t{1} << 30}) {
    settings.score_budget_bytes = budget;
    EXPECT_TRUE(test::close_to(nn::multi_head_attention(q, k, v, heads), ref, 1e-5, 1e-6)) << "budget " << budget;
  }
  settings.score_budget_bytes = 5000;
  for (bool upcast : {false, true}) {
    at::Tensor b = nn::multi_head_attention(q.to(at::kBFloat16), k.to(at::kBFloat16), v.to(at::kBFloat16), heads, upcast);
    EXPECT_EQ(b.scalar_type(), at::kBFloat16);
    EXPECT_TRUE(test::close_to(b.to(at::kFloat), ref, 3e-2, 0)) << "upcast " << upcast;
  }
  settings = saved;
}

// Layers that round their output once: those with a weight (convolutions, linears, norms). Parallel branches
// (q/k/v, shortcuts) are counted too, so this is at least the depth of any path from input to output.
int64_t weighted_layers(const std::map<std::string, at::Tensor>& params) {
  int64_t n = 0;
  for (const auto& [name, t] : params) n += name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
  return n;
}

// A network of N rounding layers, each off by at most one unit roundoff u of its output, independently: the errors
// add like a random walk, sqrt(N) u relative to the output (Higham & Mary's probabilistic bound with lambda = 1:
// errors spread over [-u, u] have standard deviation u / sqrt(3), so this is sqrt(3) standard deviations of their
// sum, and counting every weighted layer overstates the depth). The per-layer bound, one rounding of an fp32 sum,
// is checked exactly (test_packed_conv, test_parallel_gemm).
double random_walk_bound(int64_t layers, double unit_roundoff) { return std::sqrt(double(layers)) * unit_roundoff; }

// bf16 against fp32 with the same (bf16-rounded) weights, so only the layers' roundings (u = 2^-8) differ, with
// ATen's oneDNN use on and off: off is the path of a CPU without AVX-512 (ATen's own kernels, or fp32 where those
// accumulate in bf16: tensors/cpu_isa.h). Before that fallback ATen 1.13's own kernels left this output 0.087-0.092
// of max|out| off on AVX2 EPYCs, twice the bound (116 layers: 0.042).
TEST(UNet, RandomWeightsOddSizesAndBf16) {
  c10::InferenceMode guard;
  auto cfg = test::small_unet_config();
  auto ps = ParamStore::random(3);
  auto unet = UNet2DCondition::bind(ps, cfg);
  ps.finish();
  auto gen = at::detail::createCPUGenerator(11);
  at::Tensor x = at::randn({2, 4, 13, 9}, gen), ctx = at::randn({1, 5, 24}, gen);
  at::Tensor out = unet.forward(x, at::tensor({500.0f}), ctx);  // timestep and context broadcast over the batch
  EXPECT_EQ(out.sizes(), x.sizes());
  EXPECT_TRUE(out.isfinite().all().item<bool>());

  auto ps16 = ParamStore::from_tensors(ps.param_map(), "fp32 weights", at::TensorOptions().dtype(at::kBFloat16));
  auto unet16 = UNet2DCondition::bind(ps16, cfg);
  ps16.finish();
  auto ps_rounded = ParamStore::from_tensors(ps16.param_map(), "bf16 weights", at::TensorOptions().dtype(at::kFloat));
  auto unet_rounded = UNet2DCondition::bind(ps_rounded, cfg);
  ps_rounded.finish();
  const at::Tensor ref = unet_rounded.forward(x, at::tensor({500.0f}), ctx);
  const double bound = random_walk_bound(weighted_layers(ps.param_map()), std::ldexp(1.0, -8));
  auto& aten = at::globalContext();
  const bool mkldnn = aten.userEnabledMkldnn();
  for (bool onednn_on : {true, false}) {
    aten.setUserEnabledMkldnn(onednn_on);
    at::Tensor out16 = unet16.forward(x, at::tensor({500.0f}), ctx);
    EXPECT_EQ(out16.scalar_type(), at::kFloat);  // output in the sample's dtype
    EXPECT_TRUE(test::close_to(out16, ref, bound, 0)) << "oneDNN use " << onednn_on;
  }
  aten.setUserEnabledMkldnn(mkldnn);
}

// The two paths run the same products in different orders (packed against ATen's convolutions, chunked against
// whole attention, ...). Two orders of a K-long fp32 sum differ by about sqrt(K) u (u = 2^-24); over the N layers
// those differences add like a random walk: lambda sqrt(N K) u with K = 9 * 64, the longest sum (3x3 convolutions
// over 64 channels).
TEST(UNet, InferenceModePathMatchesTheGradPathAndReturnsAnOrdinaryTensor) {
  auto cfg = test::small_unet_config();
  auto ps = ParamStore::random(5);
  auto unet = UNet2DCondition::bind(ps, cfg);
  ps.finish();
  auto gen = at::detail::createCPUGenerator(12);
  at::Tensor x = at::randn({2, 4, 8, 8}, gen), ctx = at::randn({2, 5, 24}, gen), t = at::tensor({300.0f, 700.0f});
  at::Tensor ref = unet.forward(x, t, ctx).detach();  // grad mode on: no InferenceMode (what training runs)
  at::Tensor out;
  {
    at::NoGradGuard no_grad;  // grad off: forward runs under InferenceMode itself
    out = unet.forward(x, t, ctx);
  }
  const int64_t longest_sum = 9 * cfg.block_out_channels.back();
  const double bound = random_walk_bound(weighted_layers(ps.param_map()) * longest_sum, std::ldexp(1.0, -24));
  EXPECT_TRUE(test::close_to(out, ref, bound, 0));
  EXPECT_FALSE(out.is_inference());
  EXPECT_NO_THROW(out.mul_(2.0));  // callers may update it in place outside InferenceMode
}

TEST(UNet, SplittingMatrixProductsOverThreadsKeepsTheOutput) {
  const int threads = at::get_num_threads();
  const bool split = parallel_gemm_enabled();
  at::set_num_threads(2);
  auto cfg = test::small_unet_config();
  auto ps = ParamStore::random(6);
  auto unet = UNet2DCondition::bind(ps, cfg);
  ps.finish();
  auto gen = at::detail::createCPUGenerator(13);
  at::Tensor x = at::randn({2, 4, 16, 16}, gen), ctx = at::randn({2, 77, 24}, gen), t = at::tensor({300.0f, 700.0f});
  at::NoGradGuard no_grad;
  set_parallel_gemm(false);
  at::Tensor ref = unet.forward(x, t, ctx);
  set_parallel_gemm(true);
  at::Tensor out = unet.forward(x, t, ctx.clone());  // another tensor: K/V recomputed, not reused from the memo
  set_parallel_gemm(split);
  at::set_num_threads(threads);
  EXPECT_TRUE(test::close_to(out, ref, 1e-5, 1e-6));
}

TEST(UNet, WrongShapedKeyNamesKeyAndBothShapes) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const auto weights = (oracle / "tiny-sd15/unet/diffusion_pytorch_model.safetensors").string();
  auto tensors = SafeTensors::open(weights).load_all();
  tensors["down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"] = at::zeros({64, 48});
  auto ps = ParamStore::from_tensors(tensors, weights);
  auto cfg = UNetConfig::from_file((oracle / "tiny-sd15/unet/config.json").string());
  auto unet = UNet2DCondition::bind(ps, cfg);
  try {
    ps.finish();
    FAIL() << "no error for a wrong-shaped key";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("diffusion_pytorch_model.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[64, 32]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[64, 48]"), std::string::npos) << msg;
  }
}

TEST(UNetConfig, HeadsListsAndErrors) {
  using nlohmann::json;
  json j = {{"block_out_channels", {32, 64}},
            {"down_block_types", {"DownBlock2D", "CrossAttnDownBlock2D"}},
            {"up_block_types", {"CrossAttnUpBlock2D", "UpBlock2D"}},
            {"attention_head_dim", {2, 4}},
            {"transformer_layers_per_block", 3}};
  auto c = UNetConfig::from_json(j);
  EXPECT_EQ(c.num_attention_heads, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(c.transformer_layers_per_block, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(c.layers_per_block, (std::vector<int64_t>{2, 2}));
  j["num_attention_heads"] = 4;  // takes precedence over attention_head_dim
  EXPECT_EQ(UNetConfig::from_json(j).num_attention_heads, (std::vector<int64_t>{4, 4}));
  // Round trip through to_json.
  EXPECT_EQ(UNetConfig::from_json(c.to_json()).num_attention_heads, c.num_attention_heads);

  auto expect_error = [](const json& bad, const std::string& needle) {
    try {
      UNetConfig::from_json(bad, "cfg.json");
      ADD_FAILURE() << "accepted: " << bad.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("cfg.json"), std::string::npos) << e.what();
    }
  };
  json bad = j;
  bad["attention_head_dim"] = {2, 4, 8};
  bad.erase("num_attention_heads");
  expect_error(bad, "attention_head_dim");
  bad = j;
  bad["num_attention_heads"] = 5;
  expect_error(bad, "attention heads");
  bad = j;
  bad["block_out_channels"] = {32, 60};
  expect_error(bad, "norm_num_groups");
  bad = j;
  bad["class_embed_type"] = "timestep";
  expect_error(bad, "class_embed_type");
  bad = j;
  bad["up_block_types"] = {"AttnUpBlock2D", "UpBlock2D"};
  expect_error(bad, "AttnUpBlock2D");

  for (const char* name : {"sd15", "sd21", "sdxl"}) EXPECT_NO_THROW(UNetConfig::preset(name).validate());
  EXPECT_EQ(UNetConfig::sd21().num_attention_heads, (std::vector<int64_t>{5, 10, 20, 20}));
  EXPECT_EQ(UNetConfig::sdxl().transformer_layers_per_block, (std::vector<int64_t>{1, 2, 10}));
  EXPECT_THROW(UNetConfig::preset("sd3"), Error);
}

}  // namespace
}  // namespace ripen
