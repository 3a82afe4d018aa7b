// The Brownian step-noise path: increments over a fine schedule sum to the coarse increment, unit variance,
// independence of query order / cache, per-seed paths.
#include <random>

#include "common/test_common.h"
#include "tensors/error.h"
#include "sampling/brownian.h"
#include "sampling/schedules.h"

using namespace ripen::sampling;

namespace {
// Σ sqrt(Δ_k)·noise_k over consecutive σ pairs = W(σ_last) − W(σ_first).
at::Tensor scaled_sum(const BrownianPath& path, const std::vector<double>& sig) {
  at::Tensor total = at::zeros(path.shape(), at::kDouble);
  for (size_t i = 0; i + 1 < sig.size(); ++i)
    total += path.noise(sig[i], sig[i + 1]) * std::sqrt(std::abs(sig[i + 1] - sig[i]));
  return total;
}
}  // namespace

TEST(Brownian, FineIncrementsSumToCoarseIncrement) {
  std::mt19937_64 rng(1234);
  std::uniform_real_distribution<double> u(0, 1);
  int cases = 0;
  for (uint64_t seed : {0ull, 1ull, 42ull, 999ull, 123456789ull, 18446744073709551615ull}) {
    for (int trial = 0; trial < 6; ++trial) {
      double hi = 0.5 + 40 * u(rng), lo = hi * (0.001 + 0.3 * u(rng));
      auto coarse = trial % 2 ? karras_sigmas(3 + trial, lo, hi) : exponential_sigmas(3 + trial, lo, hi);
      coarse.back() = lo * 0.5;  // stay above 0 so every point is a real query
      // Refine every coarse interval with random interior points.
      std::vector<double> fine;
      for (size_t i = 0; i + 1 < coarse.size(); ++i) {
        fine.push_back(coarse[i]);
        int k = 1 + int(u(rng) * 5);
        std::vector<double> inner;
        for (int j = 0; j < k; ++j) inner.push_back(coarse[i + 1] + (coarse[i] - coarse[i + 1]) * u(rng));
        std::sort(inner.rbegin(), inner.rend());
        fine.insert(fine.end(), inner.begin(), inner.end());
      }
      fine.push_back(coarse.back());
      BrownianPath a(seed, {2, 3, 5}), b(seed, {2, 3, 5});
      at::Tensor s_coarse = scaled_sum(a, coarse), s_fine = scaled_sum(b, fine);
      EXPECT_TRUE(ripen::test::close_to(s_fine, s_coarse, 1e-10, 1e-10)) << "seed " << seed << " trial " << trial;
      // and the one-interval increment over the whole range
      at::Tensor whole = a.noise(coarse.front(), coarse.back()) * std::sqrt(coarse.front() - coarse.back());
      EXPECT_TRUE(ripen::test::close_to(s_coarse, whole, 1e-10, 1e-10));
      ++cases;
    }
  }
  EXPECT_EQ(cases, 36);
}

TEST(Brownian, UnitVarianceAndIndependentIncrements) {
  BrownianPath path(7, {64, 64});
  auto sig = karras_sigmas(12, 0.03, 14.6);
  sig.back() = 0.01;
  std::vector<at::Tensor> ns;
  for (size_t i = 0; i + 1 < sig.size(); ++i) ns.push_back(path.noise(sig[i], sig[i + 1]));
  at::Tensor all = at::stack(ns);  // [12, 4096]
  for (int i = 0; i < all.size(0); ++i) {
    EXPECT_NEAR(all[i].mean().item<double>(), 0, 0.06) << i;
    EXPECT_NEAR(all[i].var().item<double>(), 1, 0.07) << i;
  }
  // Disjoint intervals are uncorrelated; halves of one interval are too.
  at::Tensor flat = all.reshape({all.size(0), -1});
  for (int i = 0; i + 1 < flat.size(0); ++i)
    EXPECT_LT(std::abs((flat[i] * flat[i + 1]).mean().item<double>()), 0.06) << i;
  // Brownian scaling across sub-intervals: Var(W(b) - W(a)) = |b - a| at small and large σ.
  for (auto [a, b] : {std::pair{0.031, 0.0312}, std::pair{5.5, 9.25}, std::pair{100.0, 300.0}}) {
    at::Tensor inc = path.value(b) - path.value(a);
    EXPECT_NEAR(inc.var().item<double>() / (b - a), 1, 0.08) << a << "->" << b;
  }
}

TEST(Brownian, DeterministicRegardlessOfQueryOrderAndCache) {
  std::vector<double> ts{0.0292, 14.6146, 3.3, 0.5, 1.0, 2.0, 0.7, 80.0, 0.0300001, 3.30000001};
  BrownianPath first(31, {3, 4});
  std::vector<at::Tensor> forward;
  for (double t : ts) forward.push_back(first.value(t));
  BrownianPath second(31, {3, 4});
  for (size_t i = ts.size(); i-- > 0;) EXPECT_TRUE(at::equal(second.value(ts[i]), forward[i])) << ts[i];
  // Fresh object per query (empty cache) gives the same bits too.
  for (size_t i = 0; i < ts.size(); ++i) EXPECT_TRUE(at::equal(BrownianPath(31, {3, 4}).value(ts[i]), forward[i]));
  EXPECT_TRUE(at::equal(first.value(0), at::zeros({3, 4}, at::kDouble)));
  // Direction: noise(a, b) = -noise(b, a); equal σ gives zeros.
  EXPECT_TRUE(ripen::test::close_to(first.noise(2.0, 1.0), -first.noise(1.0, 2.0), 0, 1e-15));
  EXPECT_TRUE(at::equal(first.noise(1.5, 1.5), at::zeros({3, 4}, at::kDouble)));
  // Different seeds give different paths.
  EXPECT_FALSE(at::equal(BrownianPath(32, {3, 4}).value(1.7), first.value(1.7)));
  EXPECT_THROW(first.value(-1), ripen::Error);
}

TEST(Brownian, BatchedSamplerStacksPerImagePaths) {
  auto sampler = brownian_noise_sampler({10, 11}, {4, 2, 2}, at::TensorOptions().dtype(at::kFloat));
  at::Tensor n = sampler(14.6, 9.0);
  ASSERT_EQ(n.sizes(), (std::vector<int64_t>{2, 4, 2, 2}));
  EXPECT_EQ(n.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(n[1], BrownianPath(11, {4, 2, 2}).noise(14.6, 9.0).to(at::kFloat)));
  // Image 1 alone (seed 11 at batch position 0) sees the same noise.
  EXPECT_TRUE(at::equal(brownian_noise_sampler({11}, {4, 2, 2}, at::TensorOptions().dtype(at::kFloat))(14.6, 9.0)[0], n[1]));
}
