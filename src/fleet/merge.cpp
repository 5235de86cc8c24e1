#include "fleet/merge.hpp"

#include <fmt/format.h>

#include <fstream>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "fleet/task.hpp"
#include "report/fleet_html.hpp"

namespace autoscale::fleet {
namespace {

nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) throw Error(fmt::format("cannot read {}", p.string()));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON ({})", p.string(), e.what()));
  }
}

std::string interval(const nlohmann::json& c) {
  if (!c.is_object() || !c.contains("diff_mean")) return "";
  const auto& ci = c["diff_ci95"];
  return ci.is_array() ? fmt::format("{:+.0f} [{:+.0f}, {:+.0f}]", c["diff_mean"].get<double>(), ci[0].get<double>(), ci[1].get<double>())
                       : fmt::format("{:+.0f}", c["diff_mean"].get<double>());
}

}  // namespace

nlohmann::json merge_fleet(const std::vector<FleetRow>& rows, const std::filesystem::path& out) {
  nlohmann::json services = nlohmann::json::array();
  int done = 0;
  double deployed_gain = 0;
  for (const FleetRow& row : rows) {
    const TaskState state = task_state(out, row);
    nlohmann::json s = {{"service", row.service}, {"state", kTaskStateNames.name(state)}, {"row", to_json(row)}};
    if (state == TaskState::kDone) {
      ++done;
      const auto dir = task_dir(out, row);
      const nlohmann::json verdict = read_json(dir / "fleet-task.json").value("verdict", nlohmann::json());
      if (verdict.is_object() && verdict.contains("deployed_vs_baseline")) {
        s["verdict"] = verdict;
        deployed_gain += verdict["deployed_vs_baseline"].value("diff_mean", 0.0);
      } else {
        // A synthetic scenario: the learned policy (the first row) against the best other policy.
        const auto eval = read_json(dir / "evaluation.json");
        const auto& p = eval.at("policies").at(0);
        s["learned"] = {{"policy", p["policy"]}, {"mean_profit", p["mean_profit"]},
                        {"vs_best_other", p.value("vs_best_other", nlohmann::json())}};
      }
    }
    services.push_back(std::move(s));
  }
  return {{"tasks", rows.size()}, {"done", done}, {"deployed_gain_per_day", deployed_gain}, {"services", services}};
}

std::string format_fleet_table(const nlohmann::json& fleet) {
  std::string t = "| service | state | deployed | best classical on the past | learned - it, per day | deployed - it, per day |\n"
                  "|---|---|---|---|---|---|\n";
  for (const auto& s : fleet["services"]) {
    std::string deployed, baseline, learned, dep;
    if (s.contains("verdict")) {
      const auto& v = s["verdict"];
      deployed = v.value("deployed_role", "");
      baseline = v.value("baseline", "");
      learned = interval(v["learned_vs_baseline"]);
      dep = interval(v["deployed_vs_baseline"]);
    } else if (s.contains("learned")) {
      const auto& d = s["learned"]["vs_best_other"];
      deployed = "(synthetic)";
      if (d.is_object() && d.contains("mean_difference")) {
        baseline = d.value("policy", "");
        learned = fmt::format("{:+.0f} per episode", d["mean_difference"].get<double>());
      }
    }
    t += fmt::format("| {} | {} | {} | {} | {} | {} |\n", s["service"].get<std::string>(), s["state"].get<std::string>(), deployed,
                     baseline, learned, dep);
  }
  t += fmt::format("\n{} of {} tasks done; deployed policies earn {:+.0f} a day in all over the best classical policies on "
                   "their pasts.\n",
                   fleet["done"].get<int>(), fleet["tasks"].get<std::size_t>(), fleet["deployed_gain_per_day"].get<double>());
  return t;
}

std::string write_fleet_merge(const std::vector<FleetRow>& rows, const std::filesystem::path& out) {
  const nlohmann::json fleet = merge_fleet(rows, out);
  const std::string table = format_fleet_table(fleet);
  write_file_atomic(out / "fleet.json", fleet.dump(2) + "\n");
  write_file_atomic(out / "fleet.md", table);
  report::write_fleet_report(fleet, out / "fleet.html");
  return table;
}

}  // namespace autoscale::fleet
