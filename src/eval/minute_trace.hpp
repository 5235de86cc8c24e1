#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "core/output_file.hpp"
#include "env/env.hpp"

namespace autoscale {

// The minute-level trace of an evaluation, one CSV row per policy, episode and minute:
//   policy,episode,minute,load,capacity,active,warming,failed,down,add,remove,reward
// (policy quoted, since specs hold commas). Episodes run in parallel and finish out of order;
// rows are written in (policy, episode) order as soon as every earlier kept episode is written,
// so memory holds only the episodes that finished early, never the whole trace.
inline constexpr const char* kTraceHeader = "policy,episode,minute,load,capacity,active,warming,failed,down,add,remove,reward\n";

class MinuteTraceWriter {
 public:
  // Keeps the first `keep_episodes` episodes of each policy (all when < 0) out of `episodes`.
  MinuteTraceWriter(const std::filesystem::path& path, int episodes, int keep_episodes = -1);

  bool keeps(int episode) const { return keep_ < 0 || episode < keep_; }
  // Appends one minute of `policy`'s episode to `rows` in the CSV layout.
  static void format_row(std::string& rows, const std::string& policy_field, int episode, const StepInfo& i);
  static std::string policy_field(const std::string& spec);
  // Hands over the rows of job (policy p, episode e); thread-safe.
  void submit(int policy, int episode, std::string rows);
  // Flushes and renames into place; every kept episode must have been submitted.
  void commit();

 private:
  std::int64_t job(int policy, int episode) const { return static_cast<std::int64_t>(policy) * episodes_ + episode; }
  void advance();

  OutputFile out_;
  int episodes_, keep_;
  std::mutex mu_;
  std::map<std::int64_t, std::string> waiting_;
  int next_policy_ = 0, next_episode_ = 0;  // the next job to write
};

}  // namespace autoscale
