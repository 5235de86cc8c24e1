#pragma once
// `fleet merge`: every task's answer in one document and one table. A trace service's row gives
// what `run` deployed and the learned and deployed policies against the classical policy best on
// its past (per day, with the day-clustered interval); a synthetic one the learned policy's profit
// against the best other policy. Unfinished tasks are listed as such, never silently left out.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleet/manifest.hpp"

namespace autoscale::fleet {

nlohmann::json merge_fleet(const std::vector<FleetRow>& rows, const std::filesystem::path& out);
std::string format_fleet_table(const nlohmann::json& fleet);
// What `fleet merge` writes under `out`: fleet.json (the document), fleet.md (the table) and
// fleet.html (the page: a forest plot of every service's gain and the table, linking each
// service's own report). Returns the table.
std::string write_fleet_merge(const std::vector<FleetRow>& rows, const std::filesystem::path& out);

}  // namespace autoscale::fleet
