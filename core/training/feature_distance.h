#pragma once
// Distances between two sets of image features (the classifier's, training/emoji_classifier.h) and the bootstrap
// the distillation ablation quotes its spreads with.
#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace ripen::training {

// Kernel distance (KID, Bińkowski et al. 2018): the unbiased MMD² with the cubic polynomial kernel
// k(x, y) = (x·y / d + 1)³ between features a [n, d] and b [m, d] (n, m ≥ 2). Unbiased, so it can come out
// slightly below 0 for sets from one distribution. Unlike the Fréchet distance it needs no covariance estimate,
// which 64 samples of a 128-wide feature could not give.
double kernel_distance(const at::Tensor& a, const at::Tensor& b);

struct Spread {
  double mean = 0, low = 0, high = 0;  // the statistic on all items, and the 2.5% / 97.5% bootstrap percentiles
};
// Resamples the n items with replacement `resamples` times (seeded) and evaluates `statistic` on each resample's
// indices.
Spread bootstrap(int64_t n, const std::function<double(const std::vector<int64_t>&)>& statistic,
                 int resamples = 1000, uint64_t seed = 1);
// The mean of `values` with its bootstrap interval.
Spread bootstrap_mean(const std::vector<double>& values, int resamples = 1000, uint64_t seed = 1);

}  // namespace ripen::training
