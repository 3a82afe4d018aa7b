#include "training/feature_distance.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "tensors/error.h"

namespace ripen::training {

double kernel_distance(const at::Tensor& a_, const at::Tensor& b_) {
  if (a_.dim() != 2 || b_.dim() != 2 || a_.size(1) != b_.size(1))
    throw Error("kernel distance: expected features [n, d] and [m, d]");
  const int64_t n = a_.size(0), m = b_.size(0);
  if (n < 2 || m < 2) throw Error("kernel distance: needs at least two samples in each set");
  const at::Tensor a = a_.to(at::kDouble), b = b_.to(at::kDouble);
  const double d = static_cast<double>(a.size(1));
  auto kernel = [d](const at::Tensor& x, const at::Tensor& y) { return (at::mm(x, y.t()) / d + 1).pow(3); };
  const at::Tensor kaa = kernel(a, a), kbb = kernel(b, b), kab = kernel(a, b);
  const double saa = (kaa.sum() - kaa.diagonal().sum()).item<double>() / static_cast<double>(n * (n - 1));
  const double sbb = (kbb.sum() - kbb.diagonal().sum()).item<double>() / static_cast<double>(m * (m - 1));
  const double sab = kab.sum().item<double>() / static_cast<double>(n * m);
  return saa + sbb - 2 * sab;
}

Spread bootstrap(int64_t n, const std::function<double(const std::vector<int64_t>&)>& statistic, int resamples,
                 uint64_t seed) {
  if (n < 1) throw Error("bootstrap: no items");
  std::vector<int64_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  Spread s;
  s.mean = statistic(all);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> pick(0, n - 1);
  std::vector<double> stats;
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int r = 0; r < resamples; ++r) {
    for (auto& i : idx) i = pick(rng);
    stats.push_back(statistic(idx));
  }
  std::sort(stats.begin(), stats.end());
  auto at_share = [&](double q) { return stats[std::min(stats.size() - 1, static_cast<size_t>(q * stats.size()))]; };
  s.low = at_share(0.025);
  s.high = at_share(0.975);
  return s;
}

Spread bootstrap_mean(const std::vector<double>& values, int resamples, uint64_t seed) {
  return bootstrap(
      static_cast<int64_t>(values.size()),
      [&](const std::vector<int64_t>& idx) {
        double sum = 0;
        for (int64_t i : idx) sum += values[static_cast<size_t>(i)];
        return sum / static_cast<double>(idx.size());
      },
      resamples, seed);
}

}  // namespace ripen::training
