// `autoscale fleet plan|task|merge`: one `run` per service of a manifest (src/fleet/), as the
// tasks of a Slurm job array or a Kubernetes Indexed Job (deploy/slurm/, deploy/kubernetes/).
#include <fmt/format.h>

#include <cstdio>

#include "commands.hpp"
#include "fleet/manifest.hpp"
#include "fleet/merge.hpp"
#include "fleet/task.hpp"
#include "main_job_options.hpp"
#include "validators.hpp"

namespace autoscale::cli {

void add_fleet(CLI::App& app) {
  CLI::App* f = app.add_subcommand("fleet", "A fleet of services, one `run` each: plan the tasks, run one, merge their answers");
  f->require_subcommand(1);
  auto manifest = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>("runs/fleet");
  const auto common = [&](CLI::App* c) {
    c->add_option("--manifest", *manifest, "services.tsv: service<TAB>scenario<TAB>config<TAB>seed (config and seed may be -)")
        ->required();
    c->add_option("--out", *out, "the fleet's folder: one subfolder per service")->capture_default_str();
  };

  CLI::App* plan = f->add_subcommand("plan", "List the tasks, their folders and states, and the job-array size");
  common(plan);
  plan->callback([manifest, out] {
    const auto rows = fleet::read_manifest(*manifest);
    std::string t = "| index | service | scenario | seed | state |\n|---|---|---|---|---|\n";
    int todo = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto state = fleet::task_state(*out, rows[i]);
      todo += state != fleet::TaskState::kDone;
      t += fmt::format("| {} | {} | {} | {} | {} |\n", i, rows[i].service, rows[i].scenario, rows[i].seed, fleet::kTaskStateNames.name(state));
    }
    std::fputs(t.c_str(), stdout);
    std::printf("\n%zu tasks (%d to run): a Slurm job array of %zu (deploy/slurm/submit-fleet.sh queues it and the "
                "merge), or a Kubernetes Indexed Job with completions: %zu (deploy/kubernetes/fleet-job.yaml)\n",
                rows.size(), todo, rows.size(), rows.size());
  });

  CLI::App* task = f->add_subcommand("task", "Run one task: `run` for one row, into OUT/<service>/ (skipped when done)");
  common(task);
  auto index = std::make_shared<int>(-1);
  task->add_option("--index", *index, "the row (default: SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX)")->check(at_least(0));
  auto o = std::make_shared<pipeline::MainJobOptions>();
  auto config_unused = std::make_shared<std::string>();
  auto base_selection = std::make_shared<std::string>("holdout");
  add_main_job_options(task, o, config_unused, base_selection, true);
  task->callback([manifest, out, index, o, base_selection] {
    const auto rows = fleet::read_manifest(*manifest);
    apply_main_job_options(*o, "", *base_selection);
    const int i = fleet::task_index(*index >= 0 ? std::optional<int>(*index) : std::nullopt, static_cast<int>(rows.size()));
    fleet::run_task(rows, i, *out, *o, pipeline::stdout_log());
  });

  CLI::App* merge = f->add_subcommand("merge", "Gather every task's verdict into OUT/fleet.json, OUT/fleet.md and the page OUT/fleet.html");
  common(merge);
  merge->callback([manifest, out] {
    const auto rows = fleet::read_manifest(*manifest);
    const std::string table = fleet::write_fleet_merge(rows, *out);
    std::fputs(table.c_str(), stdout);
  });
}

}  // namespace autoscale::cli
