#pragma once
#include <cstdint>
#include <span>

namespace autoscale {

// Mean with a two-sided 95% confidence interval (Student's t), for n independent samples.
struct MeanCi {
  double mean = 0;
  double half_width = 0;  // the interval is mean +- half_width
  double sd = 0;
  int n = 0;
  // An interval needs a spread, and a spread needs two samples: with fewer it is undefined.
  bool has_interval() const { return n >= 2; }
  double lo() const { return mean - half_width; }
  double hi() const { return mean + half_width; }
};

MeanCi mean_ci(std::span<const double> x);
// The paired difference a_i - b_i (same episodes for both: common random numbers).
MeanCi paired_diff_ci(std::span<const double> a, std::span<const double> b);
// The paired difference with episodes grouped in clusters that are not independent of each other
// (replicates of the same stretch of traffic): the differences are averaged within each cluster,
// and the interval is over the clusters' means (n = clusters). clusters[i] labels episode i.
MeanCi clustered_paired_diff_ci(std::span<const double> a, std::span<const double> b, std::span<const int> clusters);
// A percentile interval of the paired mean difference from a bootstrap that resamples whole
// clusters with replacement (a block bootstrap over days: Politis & Romano's blocks are the
// days here), `resamples` times from a fixed seed (same inputs, same interval). Unlike the t
// interval it does not assume the day means are normal: one outage day among a dozen widens a
// t interval over every day, while resamples without it show what the other days say.
struct Interval {
  double lo = 0, hi = 0;
};
Interval cluster_bootstrap_diff_ci(std::span<const double> a, std::span<const double> b, std::span<const int> clusters,
                                   int resamples = 10000, std::uint64_t seed = 1);
// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom.
double t_quantile_975(int df);

}  // namespace autoscale
