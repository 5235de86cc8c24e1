#pragma once
// Random numbers for the simulator. xoshiro256++ is small, fast and has a well-studied output.
// Normals come from our own 256-layer ziggurat (Marsaglia & Tsang, in Doornik's ZIGNOR form):
// two normals per step are a large share of the simulator's step, and Boost's ziggurat took about
// three times the instructions of this one (docs/performance.md).
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace autoscale {

namespace detail {
struct Ziggurat {
  static constexpr int kLayers = 256;
  static constexpr double kR = 3.6541528853610088;     // start of the tail
  static constexpr double kArea = 0.00492867323399;    // area of each layer
  std::array<double, kLayers + 1> x{};                  // layer edges, x[0] = kArea / f(kR)
  std::array<double, kLayers> ratio{};                  // x[i + 1] / x[i]: the fast-path bound
  Ziggurat() {
    const auto f = [](double v) { return std::exp(-0.5 * v * v); };
    x[0] = kArea / f(kR);
    x[1] = kR;
    for (int i = 1; i < kLayers - 1; ++i) x[i + 1] = std::sqrt(-2 * std::log(kArea / x[i] + f(x[i])));
    x[kLayers] = 0;
    for (int i = 0; i < kLayers; ++i) ratio[i] = x[i + 1] / x[i];
  }
};
inline const Ziggurat kZiggurat;
}  // namespace detail

// SplitMix64: turns any 64-bit seed (including 0, 1, 2, ...) into well-mixed state words.
constexpr std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Derives an independent stream seed from an episode seed and a stream id, so that load and
// capacity draws never share a generator (common random numbers across policies).
constexpr std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t x = seed ^ (0xD1B54A32D192ED03ULL * (stream + 1));
  splitmix64(x);
  return splitmix64(x);
}

class Rng {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& w : s_) w = splitmix64(x);
  }

  std::array<std::uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  void set_state(const std::array<std::uint64_t, 4>& s) {
    for (int i = 0; i < 4; ++i) s_[i] = s[static_cast<std::size_t>(i)];
  }

  result_type operator()() {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n) (n > 0), by Lemire's multiply-shift; the bias is below 2^-32 for n < 2^32.
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<u128>((*this)()) * n) >> 64);
  }
  double normal() {
    const auto& z = detail::kZiggurat;
    for (;;) {
      const std::uint64_t bits = (*this)();
      const int i = static_cast<int>(bits & 0xFF);
      const double u = static_cast<double>(bits >> 11) * 0x1.0p-52 - 1.0;  // (-1, 1)
      if (std::abs(u) < z.ratio[i]) return u * z.x[i];
      if (i == 0) return tail(u < 0);
      const double xx = u * z.x[i];
      const double f0 = std::exp(-0.5 * (z.x[i] * z.x[i] - xx * xx));
      const double f1 = std::exp(-0.5 * (z.x[i + 1] * z.x[i + 1] - xx * xx));
      if (f1 + uniform() * (f0 - f1) < 1.0) return xx;
    }
  }
  double normal(double mean, double sigma) { return mean + sigma * normal(); }
  // Lognormal with the underlying normal's mean and sigma.
  double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  // Marsaglia's exact sampler for the normal tail beyond kR.
  double tail(bool negative) {
    double x, y;
    do {
      x = -std::log(1.0 - uniform()) / detail::Ziggurat::kR;
      y = -std::log(1.0 - uniform());
    } while (y + y < x * x);
    return negative ? -(detail::Ziggurat::kR + x) : detail::Ziggurat::kR + x;
  }
  std::uint64_t s_[4]{};
};

// Stream ids: one per source of randomness, fixed forever so seeds keep their meaning. An
// episode's seed keys its load and capacity streams; a training run's seed keys the rest.
// 3 was a policy stream nothing drew from; it stays unused so no id changes meaning.
enum class Stream : std::uint64_t {
  kLoad = 1,              // the episode's load (env.cpp; the oracle replays it)
  kCapacity = 2,          // the episode's per-minute capacity draws (CapacityStream)
  kInitialization = 4,    // the networks' initial weights (and the normalizer's)
  kMinibatchShuffle = 100,  // PPO's minibatch permutations
  kActionSampling = 1000,   // + env index: the uniforms that sample env i's training actions
};

constexpr std::uint64_t stream_seed(std::uint64_t seed, Stream s, std::uint64_t index = 0) {
  return stream_seed(seed, static_cast<std::uint64_t>(s) + index);
}

inline Rng make_stream(std::uint64_t seed, Stream s, std::uint64_t index = 0) { return Rng(stream_seed(seed, s, index)); }

// Sub-streams of an episode's load stream (a load model's seed is stream_seed(episode, kLoad)).
enum class LoadStream : std::uint64_t {
  kTraceScale = 7,  // a trace's random level; its own stream, so the window start stays the unscaled one's
  kWeek = 100,      // seed-weekly's week pattern
  kEvents = 101,    // seed-events' surges
};

constexpr std::uint64_t stream_seed(std::uint64_t load_seed, LoadStream s) {
  return stream_seed(load_seed, static_cast<std::uint64_t>(s));
}

}  // namespace autoscale
