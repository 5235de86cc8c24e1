#include "prometheus/query_range.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "load/timestamp.hpp"
#include "prometheus/http_get.hpp"
#include "prometheus/time_args.hpp"

namespace autoscale::prometheus {
namespace {

using namespace detail;

// One window's matrix merged into `merged`.
void read_matrix(const std::string& body, const TimeRange& w, const std::string& context,
                 std::map<std::map<std::string, std::string>, Series>& merged, std::set<std::string>& warnings) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || j.value("status", "") != "success" || !j.contains("data") || !j["data"].is_object())
    throw Error(context + ": not a Prometheus success response: " + server_message(body));
  if (j.contains("warnings") && j["warnings"].is_array())
    for (const auto& s : j["warnings"])
      if (s.is_string()) warnings.insert(one_line(s.get<std::string>()));
  const auto& data = j["data"];
  const std::string type = data.value("resultType", "");
  if (type != "matrix")
    throw Error(context + ": the result is a '" + type + "', not a matrix (a range query returns one series per label set)");
  if (!data.contains("result") || !data["result"].is_array()) throw Error(context + ": the result has no list of series");
  for (const auto& item : data["result"]) {
    std::map<std::string, std::string> labels;
    if (item.contains("metric") && item["metric"].is_object())
      for (const auto& [k, v] : item["metric"].items()) labels[k] = v.is_string() ? v.get<std::string>() : v.dump();
    const std::string where = context + ": series " + labels_text(labels);
    if (!item.contains("values") || !item["values"].is_array())
      throw Error(where + " has no float samples (\"values\"); native histograms are not request rates: query a rate()");
    Series& s = merged[labels];
    s.labels = labels;
    for (const auto& p : item["values"]) {
      if (!p.is_array() || p.size() != 2 || !p[0].is_number())
        throw Error(where + ": a sample is not [time, \"value\"]: " + one_line(p.dump(), 60));
      const auto t = static_cast<std::int64_t>(std::llround(p[0].get<double>() * 1000));
      if (t < w.start_ms || t > w.end_ms || (t - w.start_ms) % w.step_ms != 0)
        throw Error(where + ": a sample at " + api_seconds(t) + " is not one of the window's evaluation times");
      if (!s.samples.empty() && t <= s.samples.back().time_ms)
        throw Error(where + ": samples out of order or repeated at " + api_seconds(t));
      s.samples.push_back({t, sample_value(p[1], where)});
    }
  }
}

}  // namespace

std::vector<TimeRange> plan_windows(const TimeRange& range, std::int64_t max_points) {
  if (range.step_ms <= 0) throw Error("the step must be positive, got " + std::to_string(range.step_ms) + " ms");
  if (range.end_ms < range.start_ms)
    throw Error("the end (" + format_utc(range.end_ms) + ") is before the start (" + format_utc(range.start_ms) + ")");
  if (max_points < 1) throw Error("max_points must be at least 1, got " + std::to_string(max_points));
  std::vector<TimeRange> windows;
  const std::int64_t steps = range.steps();
  for (std::int64_t first = 0; first < steps; first += max_points) {
    const std::int64_t n = std::min(max_points, steps - first);
    windows.push_back({range.start_ms + first * range.step_ms, range.start_ms + (first + n - 1) * range.step_ms,
                       range.step_ms});
  }
  return windows;
}

std::string labels_text(const std::map<std::string, std::string>& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ", ";
    out += k + "=" + nlohmann::json(v).dump();  // quoted and escaped as Prometheus writes it
  }
  return out + "}";
}

std::pair<std::string, std::string> parse_header(const std::string& text) {
  static const std::regex kToken("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$");  // RFC 9110's token
  const auto colon = text.find(':');
  const std::string name(trim(std::string_view(text).substr(0, colon)));
  const std::string value(colon == std::string::npos ? "" : trim(std::string_view(text).substr(colon + 1)));
  if (colon == std::string::npos || !std::regex_match(name, kToken) ||
      value.find_first_of("\r\n") != std::string::npos)
    throw Error("expected 'Name: value', got '" + one_line(text, 60) + "'");
  return {name, value};
}

std::pair<std::string, std::string> bearer_token_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read the bearer token file");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string token(trim(text.str()));
  if (token.empty()) throw Error(path + ": the bearer token file is empty");
  if (token.find_first_of("\r\n") != std::string::npos) throw Error(path + ": the bearer token file holds more than one line");
  return {"Authorization", "Bearer " + token};
}

QueryResult query_range(const ClientOptions& o, const std::string& query, const TimeRange& range,
                        const WindowProgress& progress) {
  const Endpoint endpoint = split_url(o.url);
  const auto windows = plan_windows(range);
  httplib::Client client = make_client(endpoint, o);
  const httplib::Headers headers = make_headers(o);

  QueryResult result;
  std::map<std::map<std::string, std::string>, Series> merged;
  std::set<std::string> warnings;
  const std::string path = endpoint.path_prefix + "/api/v1/query_range";
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const TimeRange& w = windows[i];
    if (progress) progress(i, windows.size(), w);
    const std::string target = path + "?query=" + percent_encode(query) + "&start=" + api_seconds(w.start_ms) +
                               "&end=" + api_seconds(w.end_ms) + "&step=" + api_seconds(w.step_ms);
    const std::string context = "GET " + endpoint.scheme_host_port + path + " (window " +
                                std::to_string(i + 1) + " of " + std::to_string(windows.size()) + ", " +
                                format_utc(w.start_ms) + " to " + format_utc(w.end_ms) + ")";
    const std::string body = get_with_retries(client, target, headers, o, context, result.requests);
    read_matrix(body, w, context, merged, warnings);
  }
  for (auto& [labels, s] : merged) result.series.push_back(std::move(s));
  result.warnings.assign(warnings.begin(), warnings.end());
  return result;
}

}  // namespace autoscale::prometheus
