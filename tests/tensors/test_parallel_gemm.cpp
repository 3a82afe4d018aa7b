// parallel_gemm: the split matrix products give the ATen op's result, and step aside wherever they must.
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <atomic>
#include <cmath>
#include <vector>

#include "common/test_common.h"
#include "tensors/cpu_isa.h"
#include "tensors/parallel_gemm.h"

namespace ripen {
namespace {

// Two ATen threads and splitting on, as configure_cpu_threads() leaves a 2-core machine; restored afterwards.
class ParallelGemm : public ::testing::Test {
 protected:
  void SetUp() override {
    threads_ = at::get_num_threads();
    enabled_ = parallel_gemm_enabled();
    at::set_num_threads(2);
    set_parallel_gemm(true);
    if (!parallel_gemm_enabled()) GTEST_SKIP() << "built without OpenMP: parallel_gemm stays off";
  }
  void TearDown() override {
    set_parallel_gemm(enabled_);
    at::set_num_threads(threads_);
  }
  int threads_ = 1;
  bool enabled_ = false;
};

at::Tensor reference_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  return at::bmm(at::softmax(at::bmm(q.to(at::kDouble), k.to(at::kDouble).transpose(1, 2)), -1), v.to(at::kDouble))
      .to(at::kFloat);
}

TEST_F(ParallelGemm, LinearMatchesAtenWithAndWithoutBiasAndKeepsLeadingDims) {
  auto gen = at::detail::createCPUGenerator(1);
  at::Tensor x = at::randn({2, 77, 96}, gen), w = at::randn({160, 96}, gen), b = at::randn({160}, gen);
  c10::InferenceMode guard;
  for (const at::Tensor& bias : {b, at::Tensor()}) {
    at::Tensor ref = at::linear(x, w, bias), out = parallel_linear(x, w, bias);
    EXPECT_EQ(out.sizes(), ref.sizes());
    EXPECT_TRUE(test::close_to(out, ref, 1e-5, 1e-5)) << "bias " << bias.defined();
  }
  at::Tensor x2 = at::randn({300, 96}, gen);  // 2-D, and a row count that does not split evenly
  EXPECT_TRUE(test::close_to(parallel_linear(x2, w, b), at::linear(x2, w, b), 1e-5, 1e-5));
  at::Tensor strided = at::randn({96, 300}, gen).t();  // non-contiguous input
  EXPECT_TRUE(test::close_to(parallel_linear(strided, w, b), at::linear(strided, w, b), 1e-5, 1e-5));
}

TEST_F(ParallelGemm, LinearOutsideInferenceModeReturnsAnOrdinaryTensor) {
  auto gen = at::detail::createCPUGenerator(2);
  at::Tensor x = at::randn({512, 64}, gen), w = at::randn({64, 64}, gen), b = at::randn({64}, gen);
  at::NoGradGuard no_grad;
  at::Tensor out = parallel_linear(x, w, b);
  EXPECT_FALSE(out.is_inference());
  EXPECT_TRUE(test::close_to(out, at::linear(x, w, b), 1e-5, 1e-5));
}

TEST_F(ParallelGemm, LinearKeepsAutogradWhenGradientsAreWanted) {
  auto gen = at::detail::createCPUGenerator(3);
  at::Tensor x = at::randn({512, 64}, gen), w = at::randn({32, 64}, gen).requires_grad_(), b = at::zeros({32});
  at::Tensor out = parallel_linear(x, w, b);
  ASSERT_TRUE(out.requires_grad());
  out.sum().backward();
  EXPECT_TRUE(test::close_to(w.grad(), x.sum(0).expand({32, 64}), 1e-4, 1e-4));
}

// Where parallel_linear steps aside it calls the ATen op itself, so the result is that op's bit for bit. A split
// result is only close: BLAS kernels round differently by row count (OpenBLAS's Haswell kernels, which
// OPENBLAS_CORETYPE=Haswell selects on any x86-64, do). A region of one thread is no parallel region to OpenMP
// (omp_in_parallel is false there), so the nested region here has two threads at work; this file is compiled with
// OpenMP, without which at::parallel_for (a header template) runs its loop inline, in no region at all.
TEST_F(ParallelGemm, NestedRegionsAndSwitchedOffAreTheAtenOpExactly) {
  auto gen = at::detail::createCPUGenerator(4);
  at::Tensor x = at::randn({256, 64}, gen), w = at::randn({128, 64}, gen), b = at::randn({128}, gen);
  c10::InferenceMode guard;
  const at::Tensor ref = at::linear(x, w, b);
  std::vector<at::Tensor> nested(2);
  std::atomic<int> in_region{0};
  at::parallel_for(0, 2, 1, [&](int64_t begin, int64_t end) {
    c10::InferenceMode inner;
    in_region += at::in_parallel_region();
    for (int64_t i = begin; i < end; ++i) nested[static_cast<size_t>(i)] = parallel_linear(x, w, b);
  });
  ASSERT_GT(in_region.load(), 0) << "OpenMP ran the outer region on one thread";
  for (const at::Tensor& n : nested) EXPECT_TRUE(at::equal(n, ref));
  EXPECT_TRUE(test::close_to(parallel_linear(x, w, b), ref, 1e-5, 1e-5));  // split: close
  set_parallel_gemm(false);
  EXPECT_TRUE(at::equal(parallel_linear(x, w, b), ref));
  EXPECT_FALSE(parallel_attention(x.view({4, 64, 64}), x.view({4, 64, 64}), x.view({4, 64, 64}), 0).defined());
}

// bf16 accumulated in fp32 and rounded once, elementwise: |y - r| <= u16 (|r| + e) + e, where r is the exact
// product of the bf16 inputs, u16 = 2^-8 bf16's unit roundoff and e = (K + 1) 2^-24 (|x| |w|^T + |b|) the bound on
// an fp32 sum of K products and a bias in any order.
::testing::AssertionResult bf16_rounded_once(const at::Tensor& y, const at::Tensor& x, const at::Tensor& w,
                                             const at::Tensor& b) {
  auto d = [](const at::Tensor& t) { return t.to(at::kDouble); };
  const at::Tensor r = at::linear(d(x), d(w), d(b));
  const at::Tensor e = at::linear(d(x).abs(), d(w).abs(), d(b).abs()) * (double(x.size(-1) + 1) * std::ldexp(1.0, -24));
  const at::Tensor excess = (d(y) - r).abs() - ((r.abs() + e) * std::ldexp(1.0, -8) + e);
  const double worst = excess.max().item<double>();
  if (worst <= 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "an element is " << worst << " beyond one bf16 rounding of its fp32 sum";
}

// bf16 where ATen hands it to oneDNN: the ATen op exactly. Where it would not (tensors/cpu_isa.h; forced here by
// switching ATen's oneDNN use off), fp32 products rounded once, not ATen's own kernel.
TEST_F(ParallelGemm, Bf16IsTheAtenOpWhereOneDnnRunsItElseFp32RoundedOnce) {
  auto gen = at::detail::createCPUGenerator(4);
  c10::InferenceMode guard;
  const at::Tensor xb = at::randn({256, 64}, gen).to(at::kBFloat16), wb = at::randn({128, 64}, gen).to(at::kBFloat16),
                   bb = at::randn({128}, gen).to(at::kBFloat16);
  auto& ctx = at::globalContext();
  const bool mkldnn = ctx.userEnabledMkldnn();
  for (bool onednn_on : {true, false}) {
    ctx.setUserEnabledMkldnn(onednn_on);
    const at::Tensor y = parallel_linear(xb, wb, bb);
    EXPECT_EQ(y.scalar_type(), at::kBFloat16);
    EXPECT_TRUE(bf16_rounded_once(y, xb, wb, bb)) << "oneDNN use " << onednn_on;
    if (!compute_in_fp32(xb)) EXPECT_TRUE(at::equal(y, at::linear(xb, wb, bb)));
    EXPECT_FALSE(parallel_attention(xb.view({4, 64, 64}), xb.view({4, 64, 64}), xb.view({4, 64, 64}), 0).defined());
  }
  ctx.setUserEnabledMkldnn(mkldnn);
}

TEST_F(ParallelGemm, AttentionMatchesSoftmaxQKVForManyHeadsOneHeadAndTightBudgets) {
  auto gen = at::detail::createCPUGenerator(5);
  c10::InferenceMode guard;
  struct Case {
    int64_t n, lq, lk, d, dv, budget;
  };
  for (const Case& c : {Case{8, 256, 77, 16, 16, 0}, Case{1, 1000, 1000, 32, 32, 0},  // one head: rows split
                        Case{3, 130, 64, 8, 24, 4096}}) {                            // 2 rows per chunk
    at::Tensor q = at::randn({c.n, c.lq, c.d}, gen) * 0.3, k = at::randn({c.n, c.lk, c.d}, gen),
               v = at::randn({c.n, c.lk, c.dv}, gen);
    at::Tensor out = parallel_attention(q, k, v, c.budget);
    ASSERT_TRUE(out.defined()) << c.n << "x" << c.lq;
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{c.n, c.lq, c.dv}));
    EXPECT_TRUE(test::close_to(out, reference_attention(q, k, v), 1e-5, 1e-5)) << c.n << "x" << c.lq;
  }
}

}  // namespace
}  // namespace ripen
