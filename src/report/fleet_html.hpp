#pragma once
// The fleet page (`fleet merge` writes OUT/fleet.html): every service of a fleet at a glance, a
// forest plot of what the learned and deployed policies earn a day against the classical policy
// best on each service's past (with the day-clustered intervals), then the table, each service
// linking to its own report. Self-contained like the evaluation report: one file, no network.
#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

namespace autoscale::report {

// `fleet` is fleet::merge_fleet's document; the page is written atomically.
void write_fleet_report(const nlohmann::json& fleet, const std::filesystem::path& out);

// The document a fleet page carries (the inverse of write_fleet_report's embedding); Error when
// the page has none or it does not parse.
nlohmann::json read_embedded_fleet(std::string_view html);

}  // namespace autoscale::report
