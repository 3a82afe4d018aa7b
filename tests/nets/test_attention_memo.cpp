// Cross-attention's K/V memo: a repeated context reuses its K/V, and anything that changes them is seen.
#include <c10/core/InferenceMode.h>

#include "common/test_common.h"
#include "nets/small_unet_config.h"
#include "nets/attention.h"
#include "nets/unet.h"

namespace ripen {
namespace {

// Restores the process-wide attention settings when a test ends.
struct SettingsRestore {
  nn::AttentionSettings saved = nn::attention_settings();
  ~SettingsRestore() { nn::attention_settings() = saved; }
};

struct CrossAttentionMemo : ::testing::Test {
  SettingsRestore restore;
  UNetConfig cfg = test::small_unet_config();
  ParamStore ps = ParamStore::random(21);
  UNet2DCondition unet = UNet2DCondition::bind(ps, cfg);
  at::Generator gen = at::detail::createCPUGenerator(22);
  at::Tensor x = at::randn({2, 4, 8, 8}, gen), t = at::tensor({300.0f, 700.0f});
  at::Tensor ctx = at::randn({2, 7, 24}, gen);  // an ordinary tensor, as the pipeline's ctx_both

  void SetUp() override { ps.finish(); }
  at::Tensor param(const std::string& name) const {
    for (const auto& [k, v] : ps.params())
      if (k == name) return v;
    throw std::runtime_error("no parameter " + name);
  }
  // The pipeline's case: grad off, the UNet enters InferenceMode itself.
  at::Tensor run(const at::Tensor& context) {
    at::NoGradGuard no_grad;
    return unet.forward(x, t, context);
  }
  at::Tensor fresh(const at::Tensor& context) {
    nn::attention_settings().reuse_context_kv = false;
    at::Tensor out = run(context);
    nn::attention_settings().reuse_context_kv = true;
    return out;
  }
  // Reuses counted during one call.
  int64_t reuses_in(const at::Tensor& context, at::Tensor* out = nullptr) {
    const int64_t before = nn::context_kv_reuses();
    at::Tensor o = run(context);
    if (out) *out = o;
    return nn::context_kv_reuses() - before;
  }
};

constexpr int64_t kCrossAttentionLayers = 4;  // down 1, mid 1, up 2 (layers_per_block + 1)

TEST_F(CrossAttentionMemo, RepeatedContextReusesKvInEveryLayerAndKeepsTheOutputBitForBit) {
  const at::Tensor ref = fresh(ctx);
  at::Tensor first, second, third;
  EXPECT_EQ(reuses_in(ctx, &first), 0);
  EXPECT_EQ(reuses_in(ctx, &second), kCrossAttentionLayers);
  EXPECT_EQ(reuses_in(ctx, &third), kCrossAttentionLayers);
  EXPECT_TRUE(at::equal(first, ref));
  EXPECT_TRUE(at::equal(second, ref));
  EXPECT_TRUE(at::equal(third, ref));
}

TEST_F(CrossAttentionMemo, ReleasedContextIsDroppedAndComputedAgain) {
  const at::Tensor ref = fresh(ctx);
  run(ctx);
  unet.release_context();
  at::Tensor out;
  EXPECT_EQ(reuses_in(ctx, &out), 0);
  EXPECT_TRUE(at::equal(out, ref));
  EXPECT_EQ(reuses_in(ctx), kCrossAttentionLayers);
}

TEST_F(CrossAttentionMemo, ContextChangedInPlaceIsRecomputed) {
  run(ctx);
  ctx.mul_(2);
  at::Tensor out;
  EXPECT_EQ(reuses_in(ctx, &out), 0);
  EXPECT_TRUE(at::equal(out, fresh(ctx)));
  EXPECT_FALSE(at::equal(out, fresh(ctx / 2)));
  // through a view, which shares the version counter
  ctx.narrow(1, 2, 3).add_(1);
  EXPECT_EQ(reuses_in(ctx, &out), 0);
  EXPECT_TRUE(at::equal(out, fresh(ctx)));
}

TEST_F(CrossAttentionMemo, ProjectionWeightChangedInPlaceIsRecomputed) {
  run(ctx);
  for (const char* name : {"down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight",
                           "up_blocks.1.attentions.1.transformer_blocks.0.attn2.to_v.weight"}) {
    const at::Tensor before = fresh(ctx);
    {
      at::NoGradGuard no_grad;
      param(name).detach().mul_(1.5);  // as Ema::swap_into writes weights
    }
    at::Tensor out;
    EXPECT_EQ(reuses_in(ctx, &out), kCrossAttentionLayers - 1) << name;  // the other layers still reuse
    EXPECT_TRUE(at::equal(out, fresh(ctx))) << name;
    EXPECT_FALSE(at::equal(out, before)) << name;
  }
}

TEST_F(CrossAttentionMemo, EqualValuesInAnotherTensorAndAlternatingContexts) {
  const at::Tensor ref = fresh(ctx);
  run(ctx);
  const at::Tensor copy = ctx.clone();
  at::Tensor out;
  EXPECT_EQ(reuses_in(copy, &out), 0);  // another tensor is never taken for the same one
  EXPECT_TRUE(at::equal(out, ref));
  const at::Tensor other = at::randn({2, 7, 24}, gen);
  const at::Tensor ref_other = fresh(other);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(at::equal(run(other), ref_other));
    EXPECT_TRUE(at::equal(run(ctx), ref));
  }
  at::Tensor longer = at::randn({2, 9, 24}, gen);
  EXPECT_TRUE(at::equal(run(longer), fresh(longer)));
}

TEST_F(CrossAttentionMemo, InferenceTensorContextIsComputedEachTime) {
  at::Tensor ictx, ref = fresh(ctx);
  {
    c10::InferenceMode guard;
    ictx = ctx.clone();
  }
  ASSERT_TRUE(ictx.is_inference());
  at::Tensor out;
  EXPECT_EQ(reuses_in(ictx, &out), 0);
  EXPECT_EQ(reuses_in(ictx, &out), 0);
  EXPECT_TRUE(at::equal(out, ref));
}

TEST_F(CrossAttentionMemo, TrainingWithGradStillBackpropagatesThroughKv) {
  for (const auto& [k, v] : ps.params()) v.requires_grad_(true);
  const std::string wk = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";
  run(ctx);
  run(ctx);  // the memo now holds this context's K/V
  const int64_t before = nn::context_kv_reuses();
  at::Tensor loss = unet.forward(x, t, ctx).square().mean();  // grad mode on, as in training
  loss.backward();
  EXPECT_EQ(nn::context_kv_reuses(), before);
  const at::Tensor grad = param(wk).grad();
  ASSERT_TRUE(grad.defined());
  EXPECT_GT(grad.abs().max().item<float>(), 0.f);

  // the same gradient as without the memo
  const at::Tensor with_memo = grad.clone();
  for (const auto& [k, v] : ps.params()) v.mutable_grad() = at::Tensor();
  nn::attention_settings().reuse_context_kv = false;
  unet.forward(x, t, ctx).square().mean().backward();
  EXPECT_TRUE(at::equal(param(wk).grad(), with_memo));
}

TEST_F(CrossAttentionMemo, ContextConvertedByTheUNetIsReusedToo) {
  // bf16 weights with the pipeline's fp32 context, and a batch-1 context broadcast over the batch: the UNet
  // converts each call, and keeps the converted tensor so cross-attention still sees the same one.
  auto ps16 = ParamStore::from_tensors(ps.param_map(), "fp32 weights", at::TensorOptions().dtype(at::kBFloat16));
  unet = UNet2DCondition::bind(ps16, cfg);
  ps16.finish();
  for (at::Tensor context : {ctx, ctx.narrow(0, 0, 1).clone()}) {
    const at::Tensor ref = fresh(context);
    EXPECT_EQ(reuses_in(context), 0);
    at::Tensor out;
    EXPECT_EQ(reuses_in(context, &out), kCrossAttentionLayers);
    EXPECT_TRUE(at::equal(out, ref));
    context.mul_(2);
    EXPECT_EQ(reuses_in(context, &out), 0);
    EXPECT_TRUE(at::equal(out, fresh(context)));
  }
}

TEST(AttentionMemo, KvCachedInInferenceModeServesAnOrdinaryNoGradCallAndCopiesShareIt) {
  SettingsRestore restore;
  auto ps = ParamStore::random(23);
  nn::CrossAttention attn;
  attn.bind(ps, "attn2", 16, 12, 2, 8, false);
  auto gen = at::detail::createCPUGenerator(24);
  const at::Tensor x = at::randn({2, 5, 16}, gen), ctx = at::randn({2, 6, 12}, gen);
  at::NoGradGuard no_grad;
  nn::attention_settings().reuse_context_kv = false;
  const at::Tensor ref = attn(x, ctx);
  nn::attention_settings().reuse_context_kv = true;
  {
    c10::InferenceMode guard;
    EXPECT_TRUE(at::equal(attn(x, ctx), ref));  // K/V stored as inference tensors
  }
  const nn::CrossAttention copy = attn;
  const int64_t before = nn::context_kv_reuses();
  at::Tensor out = copy(x, ctx);
  EXPECT_EQ(nn::context_kv_reuses() - before, 1);
  EXPECT_TRUE(at::equal(out, ref));
  EXPECT_FALSE(out.is_inference());
  EXPECT_NO_THROW(out.mul_(2.0));
  // self-attention keeps nothing
  EXPECT_TRUE(attn.memo != nullptr);
  nn::CrossAttention self;
  self.bind(ps, "attn1", 16, 0, 2, 8, false);
  EXPECT_TRUE(self.memo == nullptr);
}

}  // namespace
}  // namespace ripen
