// LoRA merging against the wave-2 diffusers references (shared/oracle/wave2/lora, see its README §1), exact
// unmerging, stacking, multiplier changes, LyCORIS LoHa/LoKr against their formulas, row-block merging of large
// weights, raw PEFT names, and refusals that leave the model untouched.
#include <ATen/core/grad_mode.h>

#include <fstream>

#include "common/error_of.h"
#include "lora/apply.h"
#include "lora/delta.h"
#include "lora/network_file.h"
#include "models/model.h"
#include "tensors/safetensors.h"
#include "common/test_common.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {

const models::LoadOptions kNoHash = [] {
  models::LoadOptions o;
  o.compute_hash = false;
  return o;
}();

NetworkRef net(const fs::path& file, double te, double unet) {
  NetworkRef n;
  n.name = file.stem().string();
  n.path = file.string();
  n.te = te;
  n.unet = unet;
  return n;
}

struct Outputs {
  std::map<std::string, at::Tensor> t;
};

// UNet eps and text-encoder outputs for a reference file's inputs, named as the file names them.
Outputs run(const models::LoadedModel& m, const SafeTensors& ref) {
  at::NoGradGuard no_grad;
  Outputs o;
  const bool xl = m.arch == models::Arch::SDXL;
  if (m.unet) {
    std::optional<UNetAddedCond> added;
    if (xl) added = UNetAddedCond{ref.tensor("input.unet_text_embeds"), ref.tensor("input.unet_time_ids")};
    o.t["unet_eps"] = m.unet->forward(ref.tensor("input.unet_sample"), ref.tensor("input.unet_timestep"),
                                      ref.tensor("input.unet_encoder_hidden_states"), added ? &*added : nullptr);
  }
  if (m.text_encoder && !xl) {
    o.t["te_last_hidden_state"] = m.text_encoder->forward(ref.tensor("input.te_input_ids")).last_hidden_state;
  } else if (m.text_encoder) {
    o.t["te1_penultimate_hidden_state"] =
        m.text_encoder->forward(ref.tensor("input.te1_input_ids")).penultimate_hidden_state;
  }
  if (m.text_encoder_2) {
    auto out = m.text_encoder_2->forward(ref.tensor("input.te2_input_ids"));
    o.t["te2_penultimate_hidden_state"] = out.penultimate_hidden_state;
    o.t["te2_text_embeds"] = out.text_embeds;
  }
  return o;
}

void expect_close(const Outputs& o, const SafeTensors& ref, const std::string& prefix) {
  for (const auto& [k, t] : o.t) EXPECT_TRUE(test::close_to(t, ref.tensor(prefix + k), 1e-4, 0)) << prefix << k;
}

void expect_equal(const Outputs& a, const Outputs& b) {
  ASSERT_EQ(a.t.size(), b.t.size());
  for (const auto& [k, t] : a.t) EXPECT_TRUE(at::equal(t, b.t.at(k))) << k << " differs from the base output";
}

// Every weight's bytes, to compare a model against itself before a refused call.
std::map<std::string, at::Tensor> snapshot(const models::LoadedModel& m) {
  std::map<std::string, at::Tensor> s;
  for (const auto& [c, ws] : m.weights)
    for (const auto& [k, w] : ws) s[c + ":" + k] = w.clone();
  return s;
}

void expect_same_weights(const models::LoadedModel& m, const std::map<std::string, at::Tensor>& s) {
  int64_t differ = 0;
  for (const auto& [c, ws] : m.weights)
    for (const auto& [k, w] : ws) differ += !at::equal(w, s.at(c + ":" + k));
  EXPECT_EQ(differ, 0) << "weights changed";
}

struct Fixture {
  fs::path lora, sd15, sdxl;
};

std::optional<Fixture> fixture() {
  auto o = test::oracle_dir();
  if (!o || !fs::exists(*o / "wave2/lora/ref_sd15.safetensors")) return std::nullopt;
  return Fixture{*o / "wave2/lora", *o / "tiny-sd15", *o / "tiny-sdxl"};
}

#define LORA_FIXTURE_OR_SKIP(f)                                                                              \
  auto f##_opt = fixture();                                                                                \
  if (!f##_opt) GTEST_SKIP() << "oracle wave2/lora fixtures not found (set RIPEN_ORACLE_DIR); skipping"; \
  const Fixture& f = *f##_opt

// A network file written by the test (fixtures' names and shapes, or made-up modules).
fs::path write_network(const std::string& name, const std::map<std::string, at::Tensor>& tensors,
                       const std::map<std::string, std::string>& meta = {}) {
  fs::path p = test::temp_dir("lora") / (name + ".safetensors");
  save_safetensors(p.string(), tensors, meta);
  return p;
}

std::map<std::string, at::Tensor> file_tensors(const fs::path& p) {
  std::map<std::string, at::Tensor> out;
  for (auto& [k, t] : SafeTensors::open(p.string()).load_all()) out[k] = t.clone();
  return out;
}

}  // namespace

TEST(Lora, Sd15KohyaAndPeftMatchDiffusersAndUnloadIsExact) {
  LORA_FIXTURE_OR_SKIP(f);
  auto ref = SafeTensors::open((f.lora / "ref_sd15.safetensors").string());
  auto m = models::load_model(f.sd15.string(), kNoHash);
  const Outputs base = run(m, ref);
  expect_close(base, ref, "base.");

  auto r = lora::set_networks(m, {net(f.lora / "tiny-sd15-kohya.safetensors", 0.7, 0.7)});
  EXPECT_TRUE(r.changed);
  ASSERT_EQ(r.networks.size(), 1u);
  EXPECT_EQ(r.networks[0].modules, 126);
  EXPECT_EQ(r.networks[0].applied, 126);
  EXPECT_TRUE(r.networks[0].unmatched.empty()) << r.summary();
  EXPECT_EQ(r.patched_weights, 126);
  expect_close(run(m, ref), ref, "kohya.");

  r = lora::set_networks(m, {net(f.lora / "tiny-sd15-peft.safetensors", 0.7, 0.7)});
  EXPECT_EQ(r.networks[0].format, "peft");
  EXPECT_EQ(r.networks[0].applied, 126);
  expect_close(run(m, ref), ref, "peft.");

  r = lora::set_networks(m, {});
  EXPECT_EQ(r.restored_weights, 126);
  EXPECT_EQ(r.patched_weights, 0);
  expect_equal(run(m, ref), base);
  EXPECT_TRUE(lora::merged_networks(m).empty());
}

TEST(Lora, SdxlKohyaLdmNamesMatchDiffusersAndUnloadIsExact) {
  LORA_FIXTURE_OR_SKIP(f);
  auto ref = SafeTensors::open((f.lora / "ref_sdxl.safetensors").string());
  auto m = models::load_model(f.sdxl.string(), kNoHash);
  const Outputs base = run(m, ref);
  expect_close(base, ref, "base.");
  auto r = lora::set_networks(m, {net(f.lora / "tiny-sdxl-kohya.safetensors", 0.7, 0.7)});
  EXPECT_EQ(r.networks[0].modules, 216);
  EXPECT_EQ(r.networks[0].applied, 216) << r.summary();
  expect_close(run(m, ref), ref, "kohya.");
  lora::set_networks(m, {});
  expect_equal(run(m, ref), base);
}

TEST(Lora, StackedNetworksAddAndAMultiplierChangeReMergesWithoutReload) {
  LORA_FIXTURE_OR_SKIP(f);
  auto ref = SafeTensors::open((f.lora / "ref_sd15.safetensors").string());
  auto m = models::load_model(f.sd15.string(), kNoHash);
  const Outputs base = run(m, ref);
  const at::Tensor conv_in = m.weights.at("unet").at("conv_in.weight");
  const auto kohya = f.lora / "tiny-sd15-kohya.safetensors", peft = f.lora / "tiny-sd15-peft.safetensors";
  // The two files hold the same ΔW, so half of each is the whole of one.
  lora::set_networks(m, {net(kohya, 0.35, 0.35), net(peft, 0.35, 0.35)});
  EXPECT_EQ(lora::merged_networks(m).size(), 2u);
  expect_close(run(m, ref), ref, "kohya.");

  lora::set_networks(m, {net(kohya, 0.2, 0.9)});
  const Outputs other = run(m, ref);
  EXPECT_FALSE(test::close_to(other.t.at("unet_eps"), ref.tensor("kohya.unet_eps"), 1e-2, 0));
  EXPECT_FALSE(test::close_to(other.t.at("te_last_hidden_state"), ref.tensor("kohya.te_last_hidden_state"), 1e-2, 0));
  auto r = lora::set_networks(m, {net(kohya, 0.7, 0.7)});
  EXPECT_TRUE(r.changed);
  const Outputs again = run(m, ref);
  expect_close(again, ref, "kohya.");
  // Same request twice: nothing to do, and the same numbers as merging once from the originals.
  EXPECT_FALSE(lora::set_networks(m, {net(kohya, 0.7, 0.7)}).changed);
  lora::set_networks(m, {});
  lora::set_networks(m, {net(kohya, 0.7, 0.7)});
  expect_equal(run(m, ref), again);
  // The model was never reloaded: the networks still hold the same tensor objects.
  EXPECT_TRUE(m.weights.at("unet").at("conv_in.weight").is_same(conv_in));
  lora::set_networks(m, {});
  expect_equal(run(m, ref), base);
}

TEST(Lora, TextEncoderOnlyFileLeavesTheUNetAlone) {
  LORA_FIXTURE_OR_SKIP(f);
  auto ref = SafeTensors::open((f.lora / "ref_sd15.safetensors").string());
  std::map<std::string, at::Tensor> te_only;
  for (auto& [k, t] : file_tensors(f.lora / "tiny-sd15-kohya.safetensors"))
    if (k.rfind("lora_te_", 0) == 0) te_only[k] = t;
  auto file = write_network("te_only", te_only);
  auto m = models::load_model(f.sd15.string(), kNoHash);
  const Outputs base = run(m, ref);
  auto r = lora::set_networks(m, {net(file, 0.7, 0.7)});
  EXPECT_EQ(r.networks[0].applied, 30);
  const Outputs o = run(m, ref);
  EXPECT_TRUE(at::equal(o.t.at("unet_eps"), base.t.at("unet_eps")));
  EXPECT_TRUE(test::close_to(o.t.at("te_last_hidden_state"), ref.tensor("kohya.te_last_hidden_state"), 1e-4, 0));
}

TEST(Lora, UNetOnlyModelSkipsTextEncoderModulesAndRefusesAnotherArchitecture) {
  LORA_FIXTURE_OR_SKIP(f);
  models::LoadOptions o = kNoHash;
  o.components = {"unet"};
  auto m = models::load_model(f.sd15.string(), o);
  auto r = lora::set_networks(m, {net(f.lora / "tiny-sd15-kohya.safetensors", 0.7, 0.7)});
  EXPECT_EQ(r.networks[0].applied, 96);
  EXPECT_EQ(r.networks[0].skipped, 30);
  lora::set_networks(m, {});
  // SDXL's LoRA on the SD 1.5 model: its LDM UNet names address nothing here (or a weight of another shape).
  const auto before = snapshot(m);
  auto msg = test::error_of([&] { lora::set_networks(m, {net(f.lora / "tiny-sdxl-kohya.safetensors", 1, 1)}); });
  EXPECT_NE(msg.find("tiny-sdxl-kohya.safetensors"), std::string::npos) << msg;
  expect_same_weights(m, before);
}

// Rank 8 without alpha (scale 1) and rank 2 with alpha 3 (scale 1.5), on a Linear and a 3x3 conv (LoCon).
TEST(Lora, MissingAlphaAndOtherRanksFollowTheFormula) {
  LORA_FIXTURE_OR_SKIP(f);
  models::LoadOptions o = kNoHash;
  o.components = {"unet"};
  auto m = models::load_model(f.sd15.string(), o);
  const std::string q = "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q";
  const std::string conv = "up_blocks.0.resnets.1.conv1";
  const at::Tensor wq = m.weights.at("unet").at(q + ".weight").clone();
  const at::Tensor wc = m.weights.at("unet").at(conv + ".weight").clone();
  at::manual_seed(7);
  const int64_t out = wq.size(0), in = wq.size(1), co = wc.size(0), ci = wc.size(1);
  at::Tensor qd = at::randn({8, in}), qu = at::randn({out, 8}) * 0.1;
  at::Tensor cd = at::randn({2, ci, 3, 3}), cu = at::randn({co, 2, 1, 1}) * 0.1;
  auto kq = "lora_unet_" + std::string("down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q");
  auto kc = std::string("lora_unet_up_blocks_0_resnets_1_conv1");
  auto file = write_network("ranks", {{kq + ".lora_down.weight", qd}, {kq + ".lora_up.weight", qu},
                                      {kc + ".lora_down.weight", cd}, {kc + ".lora_up.weight", cu},
                                      {kc + ".alpha", at::scalar_tensor(3.0)}});
  lora::set_networks(m, {net(file, 1, 0.6)});
  at::Tensor want_q = wq.to(at::kDouble) + 0.6 * at::mm(qu.to(at::kDouble), qd.to(at::kDouble));
  at::Tensor want_c = wc.to(at::kDouble).clone();
  for (int64_t r = 0; r < 2; ++r)
    want_c += 0.6 * 1.5 * cu.to(at::kDouble).select(1, r).reshape({co, 1, 1, 1}) * cd.to(at::kDouble)[r].unsqueeze(0);
  EXPECT_TRUE(test::close_to(m.weights.at("unet").at(q + ".weight"), want_q.to(at::kFloat), 1e-6, 0));
  EXPECT_TRUE(test::close_to(m.weights.at("unet").at(conv + ".weight"), want_c.to(at::kFloat), 1e-6, 0));
}

// LoHa and LoKr on small weights: the merged weight against the formulas written out element by element.
TEST(Lora, LyCorisLoHaAndLoKrFollowTheirFormulas) {
  at::manual_seed(3);
  using at::indexing::Slice;
  // LoHa, plain: [6, 4] weight, rank 2.
  lora::Module h;
  h.kind = lora::Kind::LoHa;
  h.parts = {{"w1a", at::randn({6, 2})}, {"w1b", at::randn({2, 4})}, {"w2a", at::randn({6, 2})}, {"w2b", at::randn({2, 4})}};
  at::Tensor d = lora::module_delta(h, {6, 4});
  for (int64_t o = 0; o < 6; ++o)
    for (int64_t i = 0; i < 4; ++i) {
      double a = 0, b = 0;
      for (int64_t r = 0; r < 2; ++r) {
        a += h.parts["w1a"][o][r].item<double>() * h.parts["w1b"][r][i].item<double>();
        b += h.parts["w2a"][o][r].item<double>() * h.parts["w2b"][r][i].item<double>();
      }
      EXPECT_NEAR(d[o][i].item<double>(), a * b, 1e-5);
    }
  // LoHa, Tucker: [5, 3, 3, 3] conv, rank 2: t [2, 2, 3, 3], wa [2, 5], wb [2, 3].
  lora::Module t;
  t.kind = lora::Kind::LoHa;
  t.parts = {{"w1a", at::randn({2, 5})}, {"w1b", at::randn({2, 3})}, {"t1", at::randn({2, 2, 3, 3})},
             {"w2a", at::randn({2, 5})}, {"w2b", at::randn({2, 3})}, {"t2", at::randn({2, 2, 3, 3})}};
  d = lora::module_delta(t, {5, 3, 3, 3});
  auto rebuild = [&](const char* ts, const char* as, const char* bs, int64_t p, int64_t q, int64_t k, int64_t l) {
    double s = 0;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 2; ++j)
        s += t.parts[ts][i][j][k][l].item<double>() * t.parts[as][i][p].item<double>() * t.parts[bs][j][q].item<double>();
    return s;
  };
  for (int64_t p = 0; p < 5; ++p)
    for (int64_t q = 0; q < 3; ++q)
      for (int64_t k = 0; k < 3; ++k)
        EXPECT_NEAR(d[p][q][k][1].item<double>(),
                    rebuild("t1", "w1a", "w1b", p, q, k, 1) * rebuild("t2", "w2a", "w2b", p, q, k, 1), 1e-4);
  // LoKr: w1 [2, 3] full, w2 = w2a [3, 1] @ w2b [1, 4·3·3]: ΔW [6, 12, 3, 3], ΔW[a·3+b, c·4+e, k, l] = w1[a,c]·w2[b,e,k,l].
  lora::Module k;
  k.kind = lora::Kind::LoKr;
  k.parts = {{"w1", at::randn({2, 3})}, {"w2a", at::randn({3, 1})}, {"w2b", at::randn({1, 36})}};
  d = lora::module_delta(k, {6, 12, 3, 3});
  at::Tensor w2 = at::mm(k.parts["w2a"], k.parts["w2b"]).reshape({3, 4, 3, 3});
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 3; ++c)
        for (int64_t e = 0; e < 4; ++e)
          EXPECT_NEAR(d[a * 3 + b][c * 4 + e][2][0].item<double>(),
                      k.parts["w1"][a][c].item<double>() * w2[b][e][2][0].item<double>(), 1e-5);
  // LoKr, Tucker w2 and factored w1 on a Linear-shaped [4, 6]: w1 = w1a [2,1] @ w1b [1,2], w2 from t2 [1,1], wa [1,2], wb [1,3].
  lora::Module kt;
  kt.kind = lora::Kind::LoKr;
  kt.parts = {{"w1a", at::randn({2, 1})}, {"w1b", at::randn({1, 2})}, {"w2", at::randn({2, 3})}};
  d = lora::module_delta(kt, {4, 6});
  EXPECT_TRUE(test::close_to(d, at::kron(at::mm(kt.parts["w1a"], kt.parts["w1b"]), kt.parts["w2"]), 1e-6, 0));
  // A shape that does not fit the weight is refused with both shapes.
  auto msg = test::error_of([&] { lora::module_delta(h, {6, 5}, "unet: x.weight"); });
  EXPECT_NE(msg.find("[6, 4]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[6, 5]"), std::string::npos) << msg;
}

// LoHa / LoKr files through the reader and the merge: the module kinds and alpha / rank scales (LoHa: w1b rows;
// LoKr: w1b or w2b rows, none with both factors full).
TEST(Lora, LyCorisFilesMergeWithTheirScales) {
  LORA_FIXTURE_OR_SKIP(f);
  models::LoadOptions o = kNoHash;
  o.components = {"text_encoder"};
  auto m = models::load_model(f.sd15.string(), o);
  const std::string a = "text_model.encoder.layers.0.self_attn.q_proj", b = "text_model.encoder.layers.1.mlp.fc1";
  const at::Tensor wa = m.weights.at("text_encoder").at(a + ".weight").clone();
  const at::Tensor wb = m.weights.at("text_encoder").at(b + ".weight").clone();
  ASSERT_EQ(wa.sizes(), at::IntArrayRef({32, 32}));
  ASSERT_EQ(wb.sizes(), at::IntArrayRef({37, 32}));
  at::manual_seed(11);
  const std::string ka = "lora_te_text_model_encoder_layers_0_self_attn_q_proj", kb = "lora_te_text_model_encoder_layers_1_mlp_fc1";
  std::map<std::string, at::Tensor> t = {
      {ka + ".hada_w1_a", at::randn({32, 4}) * 0.1}, {ka + ".hada_w1_b", at::randn({4, 32})},
      {ka + ".hada_w2_a", at::randn({32, 4}) * 0.1}, {ka + ".hada_w2_b", at::randn({4, 32})},
      {ka + ".alpha", at::scalar_tensor(2.0)},     {kb + ".lokr_w1", at::randn({1, 4})},
      {kb + ".lokr_w2_a", at::randn({37, 2}) * 0.1}, {kb + ".lokr_w2_b", at::randn({2, 8})},
      {kb + ".alpha", at::scalar_tensor(1.0)}};
  auto file = write_network("lycoris", t);
  auto nf = lora::read_network_file(file.string());
  EXPECT_EQ(nf.format, "lycoris");
  ASSERT_EQ(nf.modules.size(), 2u);
  lora::set_networks(m, {net(file, 0.8, 1)});
  at::Tensor ha = at::mm(t[ka + ".hada_w1_a"], t[ka + ".hada_w1_b"]) * at::mm(t[ka + ".hada_w2_a"], t[ka + ".hada_w2_b"]);
  EXPECT_TRUE(test::close_to(m.weights.at("text_encoder").at(a + ".weight"), wa + 0.8 * 0.5 * ha, 1e-6, 1e-7));
  at::Tensor kr = at::kron(t[kb + ".lokr_w1"], at::mm(t[kb + ".lokr_w2_a"], t[kb + ".lokr_w2_b"]));
  EXPECT_TRUE(test::close_to(m.weights.at("text_encoder").at(b + ".weight"), wb + 0.8 * 0.5 * kr, 1e-6, 1e-7));
  lora::set_networks(m, {});
  EXPECT_TRUE(at::equal(m.weights.at("text_encoder").at(a + ".weight"), wa));
}

TEST(Lora, UnmatchedModulesAreReported) {
  LORA_FIXTURE_OR_SKIP(f);
  auto t = file_tensors(f.lora / "tiny-sd15-kohya.safetensors");
  t["lora_unet_no_such_block_to_q.lora_down.weight"] = at::zeros({4, 32});
  t["lora_unet_no_such_block_to_q.lora_up.weight"] = at::zeros({32, 4});
  auto file = write_network("extra", t);
  auto m = models::load_model(f.sd15.string(), kNoHash);
  auto r = lora::set_networks(m, {net(file, 1, 1)});
  ASSERT_EQ(r.networks[0].unmatched.size(), 1u);
  EXPECT_EQ(r.networks[0].unmatched[0], "lora_unet_no_such_block_to_q");
  EXPECT_NE(r.summary().find("1 of 127 modules match no weight"), std::string::npos) << r.summary();
}

// Each broken input: a message naming the file (and key), and the model exactly as it was, also with a network
// already merged.
TEST(Lora, BadFilesAreRefusedAndLeaveTheModelAsItWas) {
  LORA_FIXTURE_OR_SKIP(f);
  const auto kohya = f.lora / "tiny-sd15-kohya.safetensors";
  const auto good = file_tensors(kohya);
  const std::string mod = "lora_unet_down_blocks_0_resnets_0_conv1";
  std::vector<std::pair<fs::path, std::string>> bad;  // file, what the message must name
  {
    auto t = good;
    t[mod + ".lora_up.weight"] = at::zeros({32, 5, 1, 1});
    bad.emplace_back(write_network("inconsistent", t), mod + ".lora_up.weight");
  }
  {
    auto t = good;  // the up/down pair fits, but not the model's conv
    t[mod + ".lora_down.weight"] = at::zeros({4, 32, 5, 5});
    bad.emplace_back(write_network("wrong_kernel", t), mod + ".lora_down.weight");
  }
  {
    auto t = good;
    t[mod + ".lora_down.weight"] = at::full({4, 32, 3, 3}, NAN);
    bad.emplace_back(write_network("nan", t), mod + ".lora_down.weight");
  }
  {
    auto t = good;
    t[mod + ".oft_blocks"] = at::ones({4, 8, 8});
    bad.emplace_back(write_network("oft", t), "OFT");
  }
  {
    auto t = good;  // the conv has 32 output rows and 32 input channels
    t[mod + ".dora_scale"] = at::ones({5, 1, 1, 1});
    bad.emplace_back(write_network("dora_shape", t), mod + ".dora_scale");
  }
  {
    std::string bytes;
    std::ifstream in(kohya, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
    fs::path p = test::temp_dir("lora") / "truncated.safetensors";
    std::ofstream(p, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() / 2));
    bad.emplace_back(p, "truncated.safetensors");
    fs::path h = test::temp_dir("lora") / "short_header.safetensors";
    std::ofstream(h, std::ios::binary).write(bytes.data(), 64);
    bad.emplace_back(h, "short_header.safetensors");
  }
  bad.emplace_back(f.sd15 / "unet/diffusion_pytorch_model.safetensors", "not a LoRA");  // a model
  bad.emplace_back(write_network("empty", {}), "no tensors");
  bad.emplace_back(test::temp_dir("lora") / "missing.safetensors", "missing.safetensors");

  auto m = models::load_model(f.sd15.string(), kNoHash);
  for (bool merged_first : {false, true}) {
    if (merged_first) lora::set_networks(m, {net(kohya, 0.7, 0.7)});
    const auto before = snapshot(m);
    const auto networks = lora::merged_networks(m);
    for (const auto& [file, what] : bad) {
      std::vector<NetworkRef> want = networks;
      want.push_back(net(file, 0.5, 0.5));
      auto msg = test::error_of([&] { lora::set_networks(m, want); });
      EXPECT_NE(msg.find(file.filename().string()), std::string::npos) << msg;
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
      expect_same_weights(m, before);
      EXPECT_EQ(lora::merged_networks(m).size(), networks.size());
    }
    NetworkRef nameless;
    nameless.name = "style";
    EXPECT_EQ(test::error_of([&] { lora::set_networks(m, {nameless}); }), "LoRA 'style': no file");
    expect_same_weights(m, before);
  }
}

// A model run in another dtype than its file's (fp32 file, bf16 run): W₀ is re-made from the file instead of kept,
// so nothing is held besides the merged weights, and merging and unmerging give the same bits as keeping W₀ would.
TEST(Lora, ConvertedWeightsAreReMadeFromTheFileNotKept) {
  LORA_FIXTURE_OR_SKIP(f);
  auto ref = SafeTensors::open((f.lora / "ref_sd15.safetensors").string());
  models::LoadOptions o = kNoHash;
  o.dtype = at::kBFloat16;
  auto from_file = models::load_model(f.sd15.string(), o);
  auto kept = models::load_model(f.sd15.string(), o);
  ASSERT_FALSE(from_file.weight_sources.at("unet").empty());
  kept.weight_sources.clear();
  const Outputs base = run(from_file, ref);
  const auto net07 = net(f.lora / "tiny-sd15-kohya.safetensors", 0.7, 0.7);
  auto r = lora::set_networks(from_file, {net07});
  EXPECT_EQ(r.kept_bytes, 0);
  auto rk = lora::set_networks(kept, {net07});
  EXPECT_GT(rk.kept_bytes, 0);
  EXPECT_EQ(r.merged_bytes, rk.merged_bytes);
  const Outputs merged = run(from_file, ref);
  expect_equal(merged, run(kept, ref));
  EXPECT_FALSE(at::equal(merged.t.at("unet_eps"), base.t.at("unet_eps")));
  lora::set_networks(from_file, {});
  expect_equal(run(from_file, ref), base);
}

// The older diffusers names (attention processors: unet.….attn1.processor.to_q_lora.down.weight, text encoder
// ….self_attn.to_q_lora) for the PEFT file's attention modules give the PEFT file's outputs.
TEST(Lora, OlderDiffusersProcessorNamesResolve) {
  LORA_FIXTURE_OR_SKIP(f);
  auto ref = SafeTensors::open((f.lora / "ref_sd15.safetensors").string());
  const std::vector<std::pair<std::string, std::string>> renames = {
      {".to_q", ".processor.to_q_lora"}, {".to_k", ".processor.to_k_lora"}, {".to_v", ".processor.to_v_lora"},
      {".to_out.0", ".processor.to_out_lora"}, {".q_proj", ".to_q_lora"}, {".k_proj", ".to_k_lora"},
      {".v_proj", ".to_v_lora"}, {".out_proj", ".to_out_lora"}};
  std::map<std::string, at::Tensor> old;
  int64_t renamed = 0;
  for (auto& [k, t] : file_tensors(f.lora / "tiny-sd15-peft.safetensors")) {
    const bool down = k.size() > 14 && k.compare(k.size() - 14, 14, ".lora_A.weight") == 0;
    std::string path = k.substr(0, k.size() - 14), name = k;
    for (const auto& [tail, repl] : renames)
      if (path.size() > tail.size() && path.compare(path.size() - tail.size(), tail.size(), tail) == 0) {
        name = path.substr(0, path.size() - tail.size()) + repl + (down ? ".down.weight" : ".up.weight");
        ++renamed;
        break;
      }
    old[name] = t;
  }
  EXPECT_EQ(renamed, 2 * (48 + 20));  // 6 transformer blocks x 8 projections in the UNet, 5 layers x 4 in the TE
  auto file = write_network("diffusers_old", old);
  auto m = models::load_model(f.sd15.string(), kNoHash);
  auto r = lora::set_networks(m, {net(file, 0.7, 0.7)});
  EXPECT_EQ(r.networks[0].applied, 126) << r.summary();
  expect_close(run(m, ref), ref, "peft.");
}

// peft's own save_pretrained names modules base_model.model.<path>: the PEFT fixture renamed so gives its outputs,
// and a UNet-only model counts the text-encoder paths as skipped, not unmatched.
TEST(Lora, RawPeftBaseModelNamesResolve) {
  LORA_FIXTURE_OR_SKIP(f);
  auto ref = SafeTensors::open((f.lora / "ref_sd15.safetensors").string());
  std::map<std::string, at::Tensor> raw;
  for (auto& [k, t] : file_tensors(f.lora / "tiny-sd15-peft.safetensors")) {
    const size_t dot = k.find('.');
    ASSERT_TRUE(k.substr(0, dot) == "unet" || k.substr(0, dot) == "text_encoder") << k;
    raw["base_model.model." + k.substr(dot + 1)] = t;
  }
  auto file = write_network("peft_raw", raw);
  auto m = models::load_model(f.sd15.string(), kNoHash);
  auto r = lora::set_networks(m, {net(file, 0.7, 0.7)});
  EXPECT_EQ(r.networks[0].format, "peft");
  EXPECT_EQ(r.networks[0].applied, 126) << r.summary();
  expect_close(run(m, ref), ref, "peft.");
  models::LoadOptions o = kNoHash;
  o.components = {"unet"};
  auto u = models::load_model(f.sd15.string(), o);
  r = lora::set_networks(u, {net(file, 0.7, 0.7)});
  EXPECT_EQ(r.networks[0].applied, 96);
  EXPECT_EQ(r.networks[0].skipped, 30);
}

// Weights large enough to be merged in several row blocks (the last one partial), in bf16 and fp32, with a LoRA and
// a LoHa stacked: W' = cast(W₀ in fp32 + Σ m · scale · ΔW) as computed on the whole matrix, and unloading gives W₀'s
// bits back.
TEST(Lora, RowBlockMergeIsTheWholeMatrixFormulaAndUnloadsExactly) {
  at::manual_seed(21);
  const std::string key = "text_model.encoder.layers.0.mlp.fc1.weight", name = "lora_te_text_model_encoder_layers_0_mlp_fc1";
  const int64_t out = 2501, in = 300;  // 1 MiB / (4 · 300) = 873 rows a block: 3 blocks
  at::Tensor down = at::randn({16, in}).to(at::kHalf), up = (at::randn({out, 16}) * 0.05).to(at::kHalf);
  auto lora_file = write_network("rows_lora", {{name + ".lora_down.weight", down}, {name + ".lora_up.weight", up},
                                               {name + ".alpha", at::scalar_tensor(8.0)}});
  at::Tensor w1a = at::randn({out, 4}) * 0.1, w1b = at::randn({4, in}), w2a = at::randn({out, 4}) * 0.1, w2b = at::randn({4, in});
  auto loha_file = write_network("rows_loha", {{name + ".hada_w1_a", w1a}, {name + ".hada_w1_b", w1b},
                                               {name + ".hada_w2_a", w2a}, {name + ".hada_w2_b", w2b}});
  for (at::ScalarType dtype : {at::kBFloat16, at::kFloat}) {
    models::LoadedModel m;
    m.arch = models::Arch::SD1;
    const at::Tensor w0 = at::randn({out, in}).to(dtype);
    m.weights["text_encoder"][key] = w0.clone();
    lora::set_networks(m, {net(lora_file, 0.8, 1), net(loha_file, -0.5, 1)});
    const at::Tensor want = (w0.to(at::kFloat) + 0.8 * 0.5 * at::mm(up.to(at::kFloat), down.to(at::kFloat)) -
                             0.5 * at::mm(w1a, w1b) * at::mm(w2a, w2b))
                                .to(dtype);
    const at::Tensor got = m.weights.at("text_encoder").at(key);
    EXPECT_EQ(got.scalar_type(), dtype);
    // Block and whole-matrix products may round their last fp32 bit apart, so a bf16 result one ulp apart.
    EXPECT_TRUE(test::close_to(got.to(at::kFloat), want.to(at::kFloat), dtype == at::kFloat ? 1e-5 : 8e-3, 1e-5));
    EXPECT_FALSE(at::equal(got, w0));
    lora::set_networks(m, {});
    EXPECT_TRUE(at::equal(m.weights.at("text_encoder").at(key), w0));
  }
}

// DoRA against the definition computed here element by element in double: W'' = W₀ + scale · up·down, each output
// row (PEFT lora_magnitude_vector; LyCORIS dora_scale [out, 1]) or input column (dora_scale [1, in]) of W'' scaled
// to its magnitude (LyCORIS adding fp32 epsilon to the norm), and W' = W₀ + m · (that − W₀).
TEST(Lora, DoraRescalesTheMergedWeightToItsMagnitudes) {
  at::manual_seed(5);
  const std::string key = "text_model.encoder.layers.0.mlp.fc1.weight", name = "lora_te_text_model_encoder_layers_0_mlp_fc1";
  const std::string peft_name = "text_encoder.text_model.encoder.layers.0.mlp.fc1";
  const int64_t out = 7, in = 5, rank = 2;
  const at::Tensor w0 = at::randn({out, in}), down = at::randn({rank, in}), up = at::randn({out, rank}) * 0.3;
  const at::Tensor mag_out = at::rand({out}) + 0.5, mag_in = at::rand({in}) + 0.5;
  struct Case {
    std::string file;
    std::map<std::string, at::Tensor> tensors;
    bool on_out;
    double scale, eps;
  };
  const std::vector<Case> cases = {
      {"dora_out", {{name + ".lora_down.weight", down}, {name + ".lora_up.weight", up},
                    {name + ".alpha", at::scalar_tensor(1.0)}, {name + ".dora_scale", mag_out.reshape({out, 1})}},
       true, 0.5, 1.1920928955078125e-07},
      {"dora_in", {{name + ".lora_down.weight", down}, {name + ".lora_up.weight", up},
                   {name + ".dora_scale", mag_in.reshape({1, in})}},
       false, 1.0, 1.1920928955078125e-07},
      {"dora_peft", {{peft_name + ".lora_A.weight", down}, {peft_name + ".lora_B.weight", up},
                     {peft_name + ".lora_magnitude_vector.weight", mag_out}},
       true, 1.0, 0.0},
  };
  for (const Case& c : cases) {
    auto file = write_network(c.file, c.tensors);
    for (double mult : {1.0, 0.6}) {
      models::LoadedModel m;
      m.arch = models::Arch::SD1;
      m.weights["text_encoder"][key] = w0.clone();
      lora::set_networks(m, {net(file, mult, 1)});
      std::vector<std::vector<double>> merged(out, std::vector<double>(in));
      for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i) {
          double d = 0;
          for (int64_t r = 0; r < rank; ++r) d += up[o][r].item<double>() * down[r][i].item<double>();
          merged[o][i] = w0[o][i].item<double>() + c.scale * d;
        }
      const at::Tensor got = m.weights.at("text_encoder").at(key);
      for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i) {
          double sq = 0;
          for (int64_t k = 0; k < (c.on_out ? in : out); ++k) {
            const double v = c.on_out ? merged[o][k] : merged[k][i];
            sq += v * v;
          }
          const double mag = c.on_out ? mag_out[o].item<double>() : mag_in[i].item<double>();
          const double want = w0[o][i].item<double>() + mult * (merged[o][i] * mag / (std::sqrt(sq) + c.eps) - w0[o][i].item<double>());
          EXPECT_NEAR(got[o][i].item<double>(), want, 1e-5) << c.file << " m=" << mult << " [" << o << "," << i << "]";
        }
      lora::set_networks(m, {});
      EXPECT_TRUE(at::equal(m.weights.at("text_encoder").at(key), w0)) << c.file;
    }
  }
}
