#include "prometheus/query_range.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "load/timestamp.hpp"
#include "prometheus/time_args.hpp"

namespace autoscale::prometheus {
namespace {

// Text from a server on one line and of bounded length, so a message stays one line.
std::string one_line(std::string_view s, std::size_t max = 300) {
  std::string out(trim(s.substr(0, max)));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (s.size() > max) out += "...";
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct Endpoint {
  std::string scheme_host_port;  // "http://127.0.0.1:9090"
  std::string path_prefix;       // "" or "/prometheus" (a server behind a route prefix)
};

Endpoint split_url(const std::string& url) {
  static const std::regex kUrl(R"(^(https?://[^/?#]+)(/[^?#]*)?$)", std::regex::icase);
  std::smatch m;
  if (!std::regex_match(url, m, kUrl))
    throw Error("--prometheus: expected http://HOST[:PORT][/PATH] or https://..., got '" + url + "'");
  std::string prefix = m[2].str();
  while (prefix.ends_with('/')) prefix.pop_back();
  return {m[1].str(), prefix};
}

// "bad_data: invalid parameter ..." from Prometheus's error JSON, else the start of the body.
std::string server_message(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    const std::string type = j.value("errorType", "");
    return one_line((type.empty() ? "" : type + ": ") + j["error"].get<std::string>());
  }
  return body.empty() ? "empty body" : "body: " + one_line(body);
}

std::string connection_error(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection: return "cannot connect";
    case httplib::Error::ConnectionTimeout: return "connecting timed out";
    case httplib::Error::Read: return "reading the response failed or timed out";
    case httplib::Error::Write: return "sending the request failed";
    case httplib::Error::SSLConnection: return "the TLS connection failed";
    case httplib::Error::SSLServerVerification: return "the server's TLS certificate did not verify";
    case httplib::Error::ExceedRedirectCount: return "too many redirects";
    default: return "the request failed (" + httplib::to_string(e) + ")";
  }
}

// The body of a 2xx answer to `target`, retrying connection errors, 5xx and 429.
std::string get_with_retries(httplib::Client& client, const std::string& target, const httplib::Headers& headers,
                             const ClientOptions& o, const std::string& context, std::int64_t& requests) {
  auto backoff = o.first_backoff;
  std::string last;
  const int tries = std::max(1, o.tries);
  for (int attempt = 1; attempt <= tries; ++attempt) {
    ++requests;
    const httplib::Result r = client.Get(target, headers);
    if (!r) {
      last = "connection error: " + connection_error(r.error());
    } else if (r->status >= 200 && r->status < 300) {
      return r->body;
    } else if (r->status >= 500 || r->status == 429) {
      last = "HTTP " + std::to_string(r->status) + ": " + server_message(r->body);
    } else {
      throw Error(context + ": HTTP " + std::to_string(r->status) + ": " + server_message(r->body));
    }
    if (attempt < tries) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
  throw Error(context + ": " + last + " (gave up after " + std::to_string(tries) + (tries == 1 ? " try)" : " tries)"));
}

double sample_value(const nlohmann::json& v, const std::string& context) {
  if (!v.is_string()) throw Error(context + ": a sample value is not a string: " + one_line(v.dump(), 60));
  const std::string s = v.get<std::string>();
  if (s == "NaN") return std::nan("");
  if (s == "+Inf" || s == "Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  const std::string_view digits = std::string_view(s).substr(s.starts_with('+') ? 1 : 0);
  double x = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), x);
  if (ec != std::errc() || end != digits.data() + digits.size())
    throw Error(context + ": a sample value is not a number: '" + one_line(s, 60) + "'");
  return x;
}

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
  httplib::Client client(endpoint.scheme_host_port);
  if (!client.is_valid()) throw Error("--prometheus: cannot make a client for '" + o.url + "'");
  client.set_connection_timeout(o.timeout);
  client.set_read_timeout(o.timeout);
  client.set_follow_location(true);
  httplib::Headers headers;
  for (const auto& [k, v] : o.headers) headers.emplace(k, v);
  if (headers.find("Accept") == headers.end()) headers.emplace("Accept", "application/json");

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
