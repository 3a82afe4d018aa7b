// packed_conv2d: the same numbers as at::conv2d, a weight changed in place is packed again, and it steps aside for
// gradients, large maps and a spent budget.
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <cmath>

#include "common/test_common.h"
#include "nets/layers.h"
#include "nets/packed_conv.h"

namespace ripen::nn {
namespace {

class PackedConv : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!at::hasMKLDNN()) GTEST_SKIP() << "this libtorch has no oneDNN: every call is at::conv2d";
    saved_ = packed_conv_settings();
    packed_conv_settings() = PackedConvSettings{};
  }
  void TearDown() override { packed_conv_settings() = saved_; }
  PackedConvSettings saved_;
  at::Generator gen = at::detail::createCPUGenerator(3);
};

TEST_F(PackedConv, GivesAtenConvolutionsNumbersForEveryStridePaddingAndKernel) {
  struct Case { int64_t cin, cout, kernel, stride, padding, side; };
  for (const Case c : {Case{8, 16, 3, 1, 1, 16}, Case{16, 16, 3, 2, 1, 16}, Case{12, 4, 1, 1, 0, 8}, Case{5, 7, 3, 1, 0, 9}}) {
    at::Tensor x = at::randn({2, c.cin, c.side, c.side}, gen), w = at::randn({c.cout, c.cin, c.kernel, c.kernel}, gen);
    at::Tensor b = at::randn({c.cout}, gen);
    auto memo = make_packed_conv_weight();
    at::NoGradGuard no_grad;
    const int64_t before = packed_conv_bytes();
    for (int call = 0; call < 2; ++call) {  // the second call uses the kept weight
      at::Tensor out = packed_conv2d(x, w, b, c.stride, c.padding, memo.get());
      at::Tensor ref = at::conv2d(x, w, b, c.stride, c.padding);
      ASSERT_EQ(out.sizes(), ref.sizes());
      EXPECT_TRUE(out.is_contiguous());
      EXPECT_LE((out - ref).abs().max().item<double>(), 1e-5 * ref.abs().max().item<double>()) << c.cin << "->" << c.cout;
    }
    EXPECT_EQ(packed_conv_bytes() - before, w.numel() * 4) << "the weight is kept once";
    at::Tensor no_bias = packed_conv2d(x, w, at::Tensor(), c.stride, c.padding, memo.get());
    EXPECT_TRUE(no_bias.allclose(at::conv2d(x, w, {}, c.stride, c.padding), 1e-5, 1e-5));
  }
}

TEST_F(PackedConv, AWeightChangedInPlaceIsPackedAgain) {
  at::Tensor x = at::randn({1, 4, 8, 8}, gen), w = at::randn({6, 4, 3, 3}, gen);
  auto memo = make_packed_conv_weight();
  at::NoGradGuard no_grad;
  at::Tensor first = packed_conv2d(x, w, {}, 1, 1, memo.get());
  w.mul_(-2);  // what an EMA update or a LoRA merge does
  at::Tensor second = packed_conv2d(x, w, {}, 1, 1, memo.get());
  EXPECT_TRUE(second.allclose(at::conv2d(x, w, {}, 1, 1), 1e-5, 1e-5));
  EXPECT_TRUE(second.allclose(first * -2, 1e-4, 1e-4));
  // A different tensor with the same storage geometry is a different weight too.
  at::Tensor w2 = at::randn({6, 4, 3, 3}, gen);
  EXPECT_TRUE(packed_conv2d(x, w2, {}, 1, 1, memo.get()).allclose(at::conv2d(x, w2, {}, 1, 1), 1e-5, 1e-5));
}

TEST_F(PackedConv, StepsAsideForGradientsLargeMapsAndASpentBudget) {
  at::Tensor x = at::randn({1, 4, 8, 8}, gen), w = at::randn({6, 4, 3, 3}, gen).requires_grad_();
  auto memo = make_packed_conv_weight();
  const int64_t before = packed_conv_bytes();
  {  // training: the result must carry the graph
    at::Tensor y = packed_conv2d(x, w, {}, 1, 1, memo.get());
    ASSERT_TRUE(y.requires_grad());
    y.sum().backward();
    EXPECT_TRUE(w.grad().defined());
    EXPECT_EQ(packed_conv_bytes(), before);
  }
  at::NoGradGuard no_grad;
  at::Tensor big = at::randn({1, 4, 40, 40}, gen);
  EXPECT_TRUE(packed_conv2d(big, w, {}, 1, 1, memo.get()).allclose(at::conv2d(big, w, {}, 1, 1), 1e-5, 1e-5));
  EXPECT_EQ(packed_conv_bytes(), before) << "maps over 16x16 run at::conv2d";
  packed_conv_settings().budget_bytes = packed_conv_bytes();
  EXPECT_TRUE(packed_conv2d(x, w, {}, 1, 1, memo.get()).allclose(at::conv2d(x, w, {}, 1, 1), 1e-5, 1e-5));
  EXPECT_EQ(packed_conv_bytes(), before) << "no room in the budget";
  packed_conv_settings().enabled = false;
  packed_conv_settings().budget_bytes = int64_t(1) << 30;
  EXPECT_TRUE(packed_conv2d(x, w, {}, 1, 1, memo.get()).allclose(at::conv2d(x, w, {}, 1, 1), 1e-5, 1e-5));
  EXPECT_EQ(packed_conv_bytes(), before) << "switched off";
}

TEST_F(PackedConv, InferenceModeWeightsAreNotKeptAndTheBytesReturnWithTheLayer) {
  at::Tensor x = at::randn({1, 4, 8, 8}, gen);
  const int64_t before = packed_conv_bytes();
  {
    ParamStore ps = ParamStore::random(5);
    Conv2d conv;
    conv.bind(ps, "conv", 4, 6, 3, 1, 1);
    ps.finish();
    c10::InferenceMode inference;  // what the UNet's forward runs under
    at::Tensor y = conv(x);
    EXPECT_TRUE(y.allclose(at::conv2d(x, conv.weight, conv.bias, 1, 1), 1e-5, 1e-5));
    EXPECT_EQ(packed_conv_bytes() - before, conv.weight.numel() * 4);
  }
  EXPECT_EQ(packed_conv_bytes(), before) << "the layer is gone";
  c10::InferenceMode inference;
  at::Tensor w = at::randn({6, 4, 3, 3}, gen);  // an inference tensor: no version counter to watch
  auto memo = make_packed_conv_weight();
  EXPECT_TRUE(packed_conv2d(x, w, {}, 1, 1, memo.get()).allclose(at::conv2d(x, w, {}, 1, 1), 1e-5, 1e-5));
  EXPECT_EQ(packed_conv_bytes(), before);
}

// bf16 accumulated in fp32 and rounded once, elementwise: |y - r| <= u16 (|r| + e) + e, with r the exact convolution
// of the bf16 inputs, u16 = 2^-8 bf16's unit roundoff and e = (K + 1) 2^-24 (|x| * |w| + |b|) the bound on an fp32
// sum of its K = Cin k^2 products and the bias in any order.
::testing::AssertionResult bf16_rounded_once(const at::Tensor& y, const at::Tensor& x, const at::Tensor& w,
                                             const at::Tensor& b, int64_t stride, int64_t padding) {
  auto d = [](const at::Tensor& t) { return t.defined() ? t.to(at::kDouble) : t; };
  const at::Tensor r = at::conv2d(d(x), d(w), d(b), stride, padding);
  const double k = double(w.size(1) * w.size(2) * w.size(3) + 1);
  const at::Tensor e =
      at::conv2d(d(x).abs(), d(w).abs(), b.defined() ? d(b).abs() : b, stride, padding) * (k * std::ldexp(1.0, -24));
  const double worst = ((d(y) - r).abs() - ((r.abs() + e) * std::ldexp(1.0, -8) + e)).max().item<double>();
  if (worst <= 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "an element is " << worst << " beyond one bf16 rounding of its fp32 sum";
}

// Packed (8x8) and plain (40x40) bf16 convolutions, with ATen's oneDNN use on and off (off: a CPU without AVX-512's
// path, tensors/cpu_isa.h), both layouts: each output is its fp32 sum rounded once, never ATen 1.13's own bf16
// kernel, which accumulates in bf16 (a 3x3 convolution over 64 channels measured 7% of max|out| off).
TEST_F(PackedConv, Bf16ConvolutionsAreFp32SumsRoundedOnceWhereverTheyRun) {
  auto& ctx = at::globalContext();
  const bool mkldnn = ctx.userEnabledMkldnn();
  at::NoGradGuard no_grad;
  for (bool onednn_on : {true, false}) {
    ctx.setUserEnabledMkldnn(onednn_on);
    for (int64_t side : {8, 40}) {
      for (bool channels_last : {false, true}) {
        const auto format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
        at::Tensor x = at::randn({2, 64, side, side}, gen).to(at::kBFloat16).contiguous(format);
        at::Tensor w = at::randn({32, 64, 3, 3}, gen).to(at::kBFloat16).contiguous(format);
        at::Tensor b = at::randn({32}, gen).to(at::kBFloat16);
        auto memo = make_packed_conv_weight();
        for (int call = 0; call < 2; ++call) {  // the second call uses a kept weight where one was packed
          at::Tensor y = packed_conv2d(x, w, b, 1, 1, memo.get());
          EXPECT_EQ(y.scalar_type(), at::kBFloat16);
          EXPECT_TRUE(bf16_rounded_once(y, x, w, b, 1, 1))
              << "oneDNN use " << onednn_on << ", " << side << "x" << side << ", channels-last " << channels_last;
        }
      }
    }
  }
#if TORCH_VERSION_MAJOR < 2
  {  // Why: libtorch 1.13's own NCHW bf16 convolution (oneDNN use off) accumulates in bf16 and fails the same check.
    ctx.setUserEnabledMkldnn(false);
    at::Tensor x = at::randn({2, 64, 40, 40}, gen).to(at::kBFloat16), w = at::randn({32, 64, 3, 3}, gen).to(at::kBFloat16);
    EXPECT_FALSE(bf16_rounded_once(at::conv2d(x, w, {}, 1, 1), x, w, {}, 1, 1));
  }
#endif
  ctx.setUserEnabledMkldnn(mkldnn);
}

}  // namespace
}  // namespace ripen::nn
