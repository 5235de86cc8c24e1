#include "fleet/task.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/output_file.hpp"

namespace autoscale::fleet {
namespace {

constexpr const char* kMarker = "fleet-task.json";

}  // namespace

std::filesystem::path task_dir(const std::filesystem::path& out, const FleetRow& row) { return out / row.service; }

TaskState task_state(const std::filesystem::path& out, const FleetRow& row) {
  const auto dir = task_dir(out, row);
  if (!std::filesystem::exists(dir)) return TaskState::kPending;
  std::ifstream in(dir / kMarker);
  if (!in) return TaskState::kStarted;
  try {
    const auto j = nlohmann::json::parse(in);
    return j.value("status", "") == "done" && j.contains("row") && j["row"] == to_json(row) ? TaskState::kDone
                                                                                           : TaskState::kStarted;
  } catch (const nlohmann::json::exception&) {
    return TaskState::kStarted;
  }
}

int task_index(std::optional<int> given, int tasks, const std::function<const char*(const char*)>& env) {
  std::string source = "--index";
  std::optional<long long> value;
  if (given) {
    value = *given;
  } else {
    for (const char* var : {"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"}) {
      const char* v = env(var);
      if (!v || !*v) continue;
      source = var;
      long long x = 0;
      const std::string s(v);
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
      if (ec != std::errc() || end != s.data() + s.size()) throw Error(fmt::format("{}='{}' is not a task index", var, s));
      value = x;
      break;
    }
  }
  if (!value) throw Error("no task index: give --index, or run under a Slurm job array (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)");
  if (*value < 0 || *value >= tasks) {
    throw Error(fmt::format("{} = {} is outside the manifest's tasks 0..{}", source, *value, tasks - 1));
  }
  return static_cast<int>(*value);
}

TaskResult run_task(const std::vector<FleetRow>& rows, int index, const std::filesystem::path& out,
                    const pipeline::MainJobOptions& base, const pipeline::Log& log) {
  const FleetRow& row = rows.at(static_cast<std::size_t>(index));
  TaskResult r{false, task_dir(out, row)};
  if (task_state(out, row) == TaskState::kDone) {
    log(fmt::format("fleet task {} ({}): done already in {}, skipped\n", index, row.service, r.dir.string()));
    r.skipped = true;
    return r;
  }
  pipeline::MainJobOptions o = base;
  o.scenario = row.scenario;
  o.out = r.dir;
  o.train_seed = row.seed;
  if (row.config) {
    o.config = rl::load_ppo_config(*row.config);
    o.config_label = row.config->string();
  }
  log(fmt::format("fleet task {} ({}): scenario {}, seed {}, into {}\n", index, row.service, row.scenario, row.seed, r.dir.string()));
  const pipeline::MainJobResult result = pipeline::run_main_job(o, log);
  write_file_atomic(r.dir / kMarker,
                    nlohmann::json{{"status", "done"}, {"index", index}, {"row", to_json(row)}, {"verdict", result.verdict}}.dump(2) + "\n");
  return r;
}

}  // namespace autoscale::fleet
