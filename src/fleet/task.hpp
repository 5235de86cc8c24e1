#pragma once
// One row of a fleet: `autoscale run` for that service, into <out>/<service>/, at most once. A
// finished task leaves fleet-task.json beside its results (written last, atomically, with the row
// it ran); a task whose folder holds it for the same row is skipped, and one without it (never
// started, or interrupted) runs again from the start: `run`'s steps are minutes long, and
// restarting a row gives the same result as an uninterrupted run (same row, same seeds).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "core/name_table.hpp"
#include "fleet/manifest.hpp"
#include "pipeline/log.hpp"
#include "pipeline/main_job.hpp"

namespace autoscale::fleet {

enum class TaskState { kDone, kStarted, kPending };
inline constexpr auto kTaskStateNames = make_name_table<TaskState>(
    "task state", std::pair{TaskState::kDone, "done"}, std::pair{TaskState::kStarted, "started"},
    std::pair{TaskState::kPending, "pending"});

std::filesystem::path task_dir(const std::filesystem::path& out, const FleetRow& row);
// done: fleet-task.json holds this very row; started: the folder exists without it (or holds
// another row: the manifest changed); pending: no folder.
TaskState task_state(const std::filesystem::path& out, const FleetRow& row);

// The task's index: --index if given, else SLURM_ARRAY_TASK_ID (a Slurm job array), else
// JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). Throws Error when none is set, one is not a
// whole number, or it is outside 0..tasks-1, naming where it came from.
int task_index(std::optional<int> given, int tasks,
               const std::function<const char*(const char*)>& env = [](const char* k) { return std::getenv(k); });

struct TaskResult {
  bool skipped = false;
  std::filesystem::path dir;
};

// Runs row `index` with `base`'s options (budgets, threads, split...) and the row's scenario,
// config and seed.
TaskResult run_task(const std::vector<FleetRow>& rows, int index, const std::filesystem::path& out,
                    const pipeline::MainJobOptions& base, const pipeline::Log& log);

}  // namespace autoscale::fleet
