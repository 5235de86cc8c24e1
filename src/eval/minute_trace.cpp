#include "eval/minute_trace.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace autoscale {

MinuteTraceWriter::MinuteTraceWriter(const std::filesystem::path& path, int episodes, int keep_episodes)
    : out_(path), episodes_(episodes), keep_(keep_episodes) {
  out_.write(kTraceHeader);
}

std::string MinuteTraceWriter::policy_field(const std::string& spec) {
  std::string f = "\"";
  for (char c : spec) f += c == '"' ? std::string("\"\"") : std::string(1, c);
  return f + "\"";
}

void MinuteTraceWriter::format_row(std::string& rows, const std::string& policy_field, int episode, const StepInfo& i) {
  fmt::format_to(std::back_inserter(rows), "{},{},{},{},{},{},{},{},{},{},{},{:.4f}\n", policy_field, episode, i.minute,
                 i.load, i.capacity, i.active, i.warming, i.failed, int(i.down), i.add, i.remove, i.reward);
}

void MinuteTraceWriter::submit(int policy, int episode, std::string rows) {
  std::lock_guard lock(mu_);
  waiting_.emplace(job(policy, episode), std::move(rows));
  advance();
}

void MinuteTraceWriter::advance() {
  const int kept = keep_ < 0 ? episodes_ : std::min(keep_, episodes_);
  for (;;) {
    if (next_episode_ >= kept) {
      ++next_policy_;
      next_episode_ = 0;
    }
    const auto it = waiting_.find(job(next_policy_, next_episode_));
    if (it == waiting_.end()) return;
    out_.write(it->second);
    waiting_.erase(it);
    ++next_episode_;
  }
}

void MinuteTraceWriter::commit() {
  std::lock_guard lock(mu_);
  if (!waiting_.empty()) throw Error(fmt::format("{}: minute trace is missing episodes", out_.path().string()));
  out_.commit();
}

}  // namespace autoscale
