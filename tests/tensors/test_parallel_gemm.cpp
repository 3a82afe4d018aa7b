// parallel_gemm: the split matrix products give the ATen op's result, and step aside wherever they must.
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include "common/test_common.h"
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

TEST_F(ParallelGemm, OtherDtypesAndNestedRegionsAndSwitchedOffAreTheAtenOpExactly) {
  auto gen = at::detail::createCPUGenerator(4);
  at::Tensor x = at::randn({256, 64}, gen), w = at::randn({128, 64}, gen), b = at::randn({128}, gen);
  c10::InferenceMode guard;
  at::Tensor xb = x.to(at::kBFloat16), wb = w.to(at::kBFloat16), bb = b.to(at::kBFloat16);
  EXPECT_TRUE(at::equal(parallel_linear(xb, wb, bb), at::linear(xb, wb, bb)));
  EXPECT_FALSE(parallel_attention(xb.view({4, 64, 64}), xb.view({4, 64, 64}), xb.view({4, 64, 64}), 0).defined());
  at::Tensor nested;
  at::parallel_for(0, 1, 1, [&](int64_t, int64_t) {
    c10::InferenceMode inner;
    nested = parallel_linear(x, w, b);
  });
  EXPECT_TRUE(at::equal(nested, at::linear(x, w, b)));
  set_parallel_gemm(false);
  EXPECT_TRUE(at::equal(parallel_linear(x, w, b), at::linear(x, w, b)));
  EXPECT_FALSE(parallel_attention(x.view({4, 64, 64}), x.view({4, 64, 64}), x.view({4, 64, 64}), 0).defined());
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
