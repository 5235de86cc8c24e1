#include "prometheus/instant_query.hpp"

#include <cmath>
#include <set>

#include "core/error.hpp"
#include "prometheus/http_get.hpp"
#include "prometheus/time_args.hpp"

namespace autoscale::prometheus {

using namespace detail;

InstantResult query_instant(const ClientOptions& o, const std::string& query, std::optional<std::int64_t> time_ms) {
  const Endpoint endpoint = split_url(o.url);
  httplib::Client client = make_client(endpoint, o);
  const httplib::Headers headers = make_headers(o);
  const std::string path = endpoint.path_prefix + "/api/v1/query";
  std::string target = path + "?query=" + percent_encode(query);
  if (time_ms) target += "&time=" + api_seconds(*time_ms);
  const std::string context = "GET " + endpoint.scheme_host_port + path + " (query " + one_line(query, 120) + ")";

  InstantResult result;
  const std::string body = get_with_retries(client, target, headers, o, context, result.requests);
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || j.value("status", "") != "success" || !j.contains("data") || !j["data"].is_object())
    throw Error(context + ": not a Prometheus success response: " + server_message(body));
  std::set<std::string> warnings;
  if (j.contains("warnings") && j["warnings"].is_array())
    for (const auto& s : j["warnings"])
      if (s.is_string()) warnings.insert(one_line(s.get<std::string>()));
  result.warnings.assign(warnings.begin(), warnings.end());
  const auto& data = j["data"];
  result.type = data.value("resultType", "");
  if (!data.contains("result")) throw Error(context + ": the answer has no result");
  const auto& res = data["result"];

  auto read_point = [&](const nlohmann::json& p, const std::string& where) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number())
      throw Error(where + ": a sample is not [time, \"value\"]: " + one_line(p.dump(), 60));
    InstantSample s;
    s.time_ms = static_cast<std::int64_t>(std::llround(p[0].get<double>() * 1000));
    s.value = sample_value(p[1], where);
    return s;
  };
  if (result.type == "scalar") {
    result.samples.push_back(read_point(res, context + ": the scalar"));
  } else if (result.type == "vector") {
    if (!res.is_array()) throw Error(context + ": the vector result is not a list of series");
    for (const auto& item : res) {
      std::map<std::string, std::string> labels;
      if (item.contains("metric") && item["metric"].is_object())
        for (const auto& [k, v] : item["metric"].items()) labels[k] = v.is_string() ? v.get<std::string>() : v.dump();
      const std::string where = context + ": series " + labels_text(labels);
      if (!item.contains("value"))
        throw Error(where + " has no float sample (\"value\"); native histograms are not counts: query a sum or rate");
      InstantSample s = read_point(item["value"], where);
      s.labels = std::move(labels);
      result.samples.push_back(std::move(s));
    }
  } else {
    throw Error(context + ": the result is a '" + result.type +
                "', not a vector or scalar (an instant query of a range selector: wrap it in a function such as increase())");
  }
  return result;
}

}  // namespace autoscale::prometheus
