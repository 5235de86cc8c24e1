#pragma once
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace autoscale::rl {

// One line of progress.csv (and of the progress display), CleanRL's health signals included.
struct ProgressRow {
  std::int64_t steps = 0;
  double seconds = 0, steps_per_second = 0;
  std::optional<double> train_profit, validation_profit;
  double policy_loss = 0, value_loss = 0, entropy = 0, approx_kl = 0, clip_fraction = 0;
  // 1 - Var(returns - values) / Var(returns) over the rollout: near 1 the critic tracks the
  // returns; near or below 0 it has stopped learning.
  double explained_variance = 0;
  double learning_rate = 0;
};
inline constexpr const char* kProgressHeader =
    "steps,wall_seconds,steps_per_second,train_episode_profit,validation_profit,policy_loss,value_loss,entropy,"
    "approx_kl,clip_fraction,explained_variance,learning_rate\n";
std::string to_csv(const ProgressRow& r);

// progress.csv of a run: rewritten whole (atomically) when a run starts or resumes, then appended
// one row per iteration, so a kill loses at most the row being written.
class ProgressLog {
 public:
  // Starts a fresh log, or with `resume` keeps the whole rows of the existing one up to
  // `resume_steps` (later rows belong to the stretch lost since the checkpoint).
  ProgressLog(std::filesystem::path path, bool resume, std::int64_t resume_steps);
  void append(const ProgressRow& row);

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

}  // namespace autoscale::rl
