#include "rl/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "core/error.hpp"
#include "core/output_file.hpp"

namespace autoscale::rl {

std::string to_csv(const ProgressRow& r) {
  const auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{:.2f}", *v) : std::string(); };
  return fmt::format("{},{:.3f},{:.0f},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g}\n", r.steps, r.seconds,
                     r.steps_per_second, opt(r.train_profit), opt(r.validation_profit), r.policy_loss, r.value_loss,
                     r.entropy, r.approx_kl, r.clip_fraction, r.explained_variance, r.learning_rate);
}

ProgressLog::ProgressLog(std::filesystem::path path, bool resume, std::int64_t resume_steps) : path_(std::move(path)) {
  std::string rows;
  if (resume) {
    const auto fields = std::count(std::string_view(kProgressHeader).begin(), std::string_view(kProgressHeader).end(), ',');
    std::ifstream in(path_);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      // Whole rows only: a row torn by a kill has fewer fields or an unparsable step count.
      if (std::count(line.begin(), line.end(), ',') != fields) continue;
      std::int64_t steps = 0;
      const auto comma = line.data() + line.find(',');
      const auto [end, ec] = std::from_chars(line.data(), comma, steps);
      if (ec == std::errc() && end == comma && steps <= resume_steps) rows += line + "\n";
    }
  }
  write_file_atomic(path_, std::string(kProgressHeader) + rows);
  out_.open(path_, std::ios::app);
}

void ProgressLog::append(const ProgressRow& row) {
  out_ << to_csv(row) << std::flush;
  if (!out_) throw Error(fmt::format("cannot append to {}", path_.string()));
}

}  // namespace autoscale::rl
