#include "eval/stats.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace autoscale {

double t_quantile_975(int df) {
  static constexpr std::array<double, 30> table = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                                   2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                                   2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                                   2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return 0;
  if (df <= 30) return table[static_cast<std::size_t>(df - 1)];
  // Cornish-Fisher expansion around the normal quantile; within 1e-4 of exact for df > 30.
  const double z = 1.959963985, d = df;
  return z + (z * z * z + z) / (4 * d) + (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * d * d);
}

MeanCi mean_ci(std::span<const double> x) {
  MeanCi r;
  r.n = static_cast<int>(x.size());
  if (x.empty()) return r;
  for (double v : x) r.mean += v;
  r.mean /= r.n;
  if (r.n < 2) return r;
  double ss = 0;
  for (double v : x) ss += (v - r.mean) * (v - r.mean);
  r.sd = std::sqrt(ss / (r.n - 1));
  r.half_width = t_quantile_975(r.n - 1) * r.sd / std::sqrt(static_cast<double>(r.n));
  return r;
}

MeanCi paired_diff_ci(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) throw Error("paired comparison needs the same episodes for both policies");
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return mean_ci(d);
}

namespace {

// The mean difference of each cluster, in cluster-label order.
std::vector<double> cluster_means(std::span<const double> a, std::span<const double> b, std::span<const int> clusters) {
  if (a.size() != b.size()) throw Error("paired comparison needs the same episodes for both policies");
  if (clusters.size() != a.size()) throw Error("clustered comparison needs one cluster label per episode");
  std::map<int, std::pair<double, int>> sums;  // cluster -> (sum of differences, episodes)
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto& [sum, n] = sums[clusters[i]];
    sum += a[i] - b[i];
    n += 1;
  }
  std::vector<double> means;
  means.reserve(sums.size());
  for (const auto& [cluster, sn] : sums) means.push_back(sn.first / sn.second);
  return means;
}

}  // namespace

Interval cluster_bootstrap_diff_ci(std::span<const double> a, std::span<const double> b, std::span<const int> clusters,
                                   int resamples, std::uint64_t seed) {
  const std::vector<double> means = cluster_means(a, b, clusters);
  if (means.empty() || resamples < 1) throw Error("bootstrap: needs clusters and at least one resample");
  Rng rng(seed);
  std::vector<double> stats(static_cast<std::size_t>(resamples));
  for (auto& st : stats) {
    double sum = 0;
    for (std::size_t k = 0; k < means.size(); ++k) sum += means[rng.below(means.size())];
    st = sum / static_cast<double>(means.size());
  }
  std::sort(stats.begin(), stats.end());
  const auto at = [&](double q) {
    const double pos = q * static_cast<double>(stats.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    const double f = pos - static_cast<double>(i);
    return i + 1 < stats.size() ? stats[i] * (1 - f) + stats[i + 1] * f : stats[i];
  };
  return {at(0.025), at(0.975)};
}

MeanCi clustered_paired_diff_ci(std::span<const double> a, std::span<const double> b, std::span<const int> clusters) {
  const std::vector<double> means = cluster_means(a, b, clusters);
  return mean_ci(means);
}

}  // namespace autoscale
