// The LCM distillation's pieces on a tiny random teacher: the retention map, the boundary scalings, a fresh student
// equal to its teacher (both kinds), the kohya LoRA file it writes, the loss falling, and resume = uninterrupted run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "training/embedded_config.h"
#include "training/diffusion_trainer.h"
#include "training/feature_distance.h"
#include "training/lcm_distill.h"
#include "training/retention_map.h"

using namespace ripen;
using namespace ripen::training;
namespace fs = std::filesystem;

namespace {

struct Tiny {
  ParamStore ps = ParamStore::random(7);
  UNet2DCondition unet;
  Tiny() : unet(UNet2DCondition::bind(ps, embedded_unet_config("tiny", 32))) { ps.finish(); }
};

DistillData tiny_data() {
  DistillData d;
  auto gen = at::detail::createCPUGenerator(3);
  d.latents = at::randn({6, 4, 8, 8}, gen);
  d.retention = at::ones({6, 1, 8, 8});
  for (int i = 0; i < 6; ++i) d.captions.push_back({"caption " + std::to_string(i % 3)});
  return d;
}

DistillTeacher tiny_teacher(const Tiny& t) {
  DistillTeacher teacher;
  teacher.unet = &t.unet;
  teacher.encode = [](const std::vector<std::string>& prompts) {
    std::vector<at::Tensor> rows;
    for (const auto& p : prompts) rows.push_back(at::full({1, 5, 32}, static_cast<double>(p.size()) / 10.0));
    return at::cat(rows);
  };
  teacher.alphas_cumprod = scaled_linear_alphas_cumprod();
  return teacher;
}

DistillOptions tiny_options(const std::string& out, StudentKind kind) {
  DistillOptions o;
  o.out_dir = out;
  o.batch = 4;
  o.steps = 6;
  o.warmup = 1;
  o.lr = 1e-3;
  o.quiet = true;
  o.checkpoint_every = 3;
  o.student.kind = kind;
  o.student.rank = 4;
  o.student.time_cond_proj_dim = 16;
  return o;
}

}  // namespace

TEST(RetentionMap, WeightsEdgesByTheFactorAndKeepsTheMeanAtOne) {
  at::Tensor img = at::ones({1, 3, 16, 16});  // white, with a black right half: one vertical edge
  img.narrow(3, 8, 8).fill_(-1);
  const at::Tensor w = retention_map(img, 4, 3.0, 0.1);
  ASSERT_EQ(w.sizes(), (std::vector<int64_t>{1, 1, 4, 4}));
  EXPECT_NEAR(w.mean().item<double>(), 1.0, 1e-6);
  // The edge columns (pixels 7 and 8) fall in latent columns 1 and 2, each a quarter texture: 1 + 2 * 0.25 = 1.5 vs 1.
  EXPECT_NEAR((w[0][0][0][1] / w[0][0][0][0]).item<double>(), 1.5, 1e-5);
  EXPECT_NEAR(w[0][0][0][0].item<double>(), w[0][0][3][3].item<double>(), 1e-6);
  EXPECT_TRUE(at::allclose(retention_map(img, 4, 1.0), at::ones({1, 1, 4, 4})));
  EXPECT_THROW(retention_map(img, 4, 0.5), Error);
}

TEST(LcmDistill, BoundaryScalingsMatchTheConsistencyCondition) {
  const auto [c_skip, c_out] = lcm_boundary_scalings(at::tensor({0, 19, 999}, at::kLong));
  EXPECT_DOUBLE_EQ(c_skip[0].item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(c_out[0].item<double>(), 0.0);
  EXPECT_NEAR(c_skip[1].item<double>(), 0.25 / (190.0 * 190.0 + 0.25), 1e-9);
  EXPECT_NEAR(c_out[2].item<double>(), 9990.0 / std::sqrt(9990.0 * 9990.0 + 0.25), 1e-7);
}

TEST(LcmDistill, AFreshStudentComputesWhatItsTeacherDoes) {
  Tiny t;
  const at::Tensor x = at::randn({2, 4, 8, 8}), ts = at::tensor({500.f, 20.f}), ctx = at::randn({2, 5, 32});
  at::NoGradGuard g;
  const at::Tensor want = t.unet.forward(x, ts, ctx);
  for (StudentKind kind : {StudentKind::Full, StudentKind::Lora}) {
    LcmStudent s({kind, 4, 16}, t.unet.config(), t.ps.param_map(), 1, at::kCPU);
    const at::Tensor w_emb = at::randn({2, 16});
    EXPECT_TRUE(at::allclose(s.bind(s.params().param_map()).forward(x, ts, ctx, nullptr, w_emb), want, 1e-5, 1e-6))
        << to_string(kind);
  }
}

TEST(LcmDistill, TrainsResumesExactlyAndWritesAKohyaLora) {
  Tiny t;
  const DistillData data = tiny_data();
  const DistillTeacher teacher = tiny_teacher(t);
  const fs::path root = fs::temp_directory_path() / ("ripen-distill-" + std::to_string(::getpid()));
  fs::remove_all(root);

  LcmStudent whole({StudentKind::Lora, 4, 16}, t.unet.config(), t.ps.param_map(), 1, at::kCPU);
  const DistillResult r_whole = train_distill(whole, teacher, data, tiny_options((root / "whole").string(), StudentKind::Lora));
  EXPECT_EQ(r_whole.steps, 6);

  LcmStudent parts({StudentKind::Lora, 4, 16}, t.unet.config(), t.ps.param_map(), 1, at::kCPU);
  DistillOptions first = tiny_options((root / "parts").string(), StudentKind::Lora);
  first.stop_at = 3;
  EXPECT_EQ(train_distill(parts, teacher, data, first).steps, 3);
  LcmStudent resumed({StudentKind::Lora, 4, 16}, t.unet.config(), t.ps.param_map(), 1, at::kCPU);
  DistillOptions rest = tiny_options((root / "parts").string(), StudentKind::Lora);
  rest.resume = true;
  const DistillResult r_parts = train_distill(resumed, teacher, data, rest);
  for (const auto& [k, v] : r_whole.params) EXPECT_TRUE(at::equal(v, r_parts.params.at(k))) << k;

  // The up matrices moved off zero, and the file has kohya's names and parts.
  const fs::path dir = root / "student";
  whole.save(dir.string(), r_whole.params, {{"guidance", 9.0}});
  SafeTensors lora = SafeTensors::open((dir / "lora.safetensors").string());
  const std::string name = "lora_unet_down_blocks_0_resnets_0_conv1";
  ASSERT_TRUE(lora.contains(name + ".lora_down.weight"));
  ASSERT_TRUE(lora.contains(name + ".alpha"));
  EXPECT_EQ(lora.info(name + ".lora_up.weight").shape, (std::vector<int64_t>{16, 4, 1, 1}));
  EXPECT_GT(lora.tensor(name + ".lora_up.weight").abs().max().item<double>(), 0.0);
  EXPECT_TRUE(SafeTensors::open((dir / "cond_proj.safetensors").string()).contains(kCondProjKey));
  const auto j = nlohmann::json::parse(std::ifstream(dir / "student.json"));
  EXPECT_EQ(j.at("kind"), "lora");
  EXPECT_EQ(j.at("time_cond_proj_dim"), 16);
  EXPECT_EQ(j.at("guidance"), 9.0);
  fs::remove_all(root);
}

TEST(LcmDistill, TheConsistencyLossFallsOnAFixedBatch) {
  Tiny t;
  const DistillData data = tiny_data();
  const DistillTeacher teacher = tiny_teacher(t);
  LcmStudent s({StudentKind::Full, 4, 16}, t.unet.config(), t.ps.param_map(), 1, at::kCPU);
  DistillOptions o = tiny_options("", StudentKind::Full);
  auto params = make_trainable(s.params());
  torch::optim::Adam opt(params, torch::optim::AdamOptions(1e-3));
  // Target and online student share the weights being trained: the loss at one fixed step must go down.
  const auto before = consistency_loss(s, s.params().param_map(), teacher, data, o, 0).item<double>();
  for (int i = 0; i < 20; ++i) {
    auto target = s.params().param_map();
    for (auto& [k, v] : target) v = v.detach().clone();
    at::Tensor loss = consistency_loss(s, target, teacher, data, o, 0);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  auto target = s.params().param_map();
  for (auto& [k, v] : target) v = v.detach().clone();
  EXPECT_LT(consistency_loss(s, target, teacher, data, o, 0).item<double>(), 0.7 * before);
}

TEST(FeatureDistance, KernelDistanceSeparatesShiftedSetsAndBootstrapBrackets) {
  auto gen = at::detail::createCPUGenerator(5);
  const at::Tensor a = at::randn({64, 8}, gen), b = at::randn({64, 8}, gen), c = at::randn({64, 8}, gen) + 1.5;
  EXPECT_LT(std::abs(kernel_distance(a, b)), 0.2 * kernel_distance(a, c));
  const Spread s = bootstrap_mean({1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_DOUBLE_EQ(s.mean, 4.5);
  EXPECT_LT(s.low, 4.5);
  EXPECT_GT(s.high, 4.5);
}
