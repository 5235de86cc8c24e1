#pragma once
// Reads the minute traces that `autoscale evaluate --trace-out` writes (eval/minute_trace.hpp):
//   policy,episode,minute,load,capacity,active,warming,failed,down,add,remove,reward
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace autoscale::report {

// One policy's minutes in one episode, columns by name; minute m is first_minute + index.
struct PolicyTrace {
  std::string policy;
  std::vector<std::int64_t> capacity, active, warming, failed, down, add, remove;
  std::vector<double> reward;
};

// One episode: the load (the same for every policy: common random numbers) and each policy's run.
struct EpisodeTrace {
  int episode = 0;
  std::int64_t first_minute = 0;
  std::vector<std::int64_t> load;
  std::vector<PolicyTrace> policies;  // in order of first appearance
};

struct TraceSelection {
  // Keep these episode indices; when empty, the first `max_episodes` distinct indices met.
  std::vector<int> episodes;
  int max_episodes = 3;
};

// Reads every file in order and merges their episodes (a policy may appear in one file only).
// Rows of episodes not selected are skipped without being stored. Errors name file and line:
// a wrong header, a wrong field count, a non-integer field, minutes that do not follow each other,
// and a load that differs between policies in the same episode (traces of different seeds).
std::vector<EpisodeTrace> read_minute_traces(const std::vector<std::filesystem::path>& files,
                                             const TraceSelection& selection = {});

// The trace files a --traces argument names: the file itself, or every *.csv in a directory whose
// first line is the minute-trace header (sorted by name). Throws Error if there are none.
std::vector<std::filesystem::path> trace_files_in(const std::filesystem::path& file_or_dir);

}  // namespace autoscale::report
