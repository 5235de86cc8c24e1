#include "prometheus/http_get.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <regex>
#include <thread>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "http/transport_error.hpp"

namespace autoscale::prometheus::detail {

std::string one_line(std::string_view s, std::size_t max) {
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

Endpoint split_url(const std::string& url) {
  static const std::regex kUrl(R"(^(https?://[^/?#]+)(/[^?#]*)?$)", std::regex::icase);
  std::smatch m;
  if (!std::regex_match(url, m, kUrl))
    throw Error("--prometheus: expected http://HOST[:PORT][/PATH] or https://..., got '" + url + "'");
  std::string prefix = m[2].str();
  while (prefix.ends_with('/')) prefix.pop_back();
  return {m[1].str(), prefix};
}

std::string server_message(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    const std::string type = j.value("errorType", "");
    return one_line((type.empty() ? "" : type + ": ") + j["error"].get<std::string>());
  }
  return body.empty() ? "empty body" : "body: " + one_line(body);
}

std::string get_with_retries(httplib::Client& client, const std::string& target, const httplib::Headers& headers,
                             const ClientOptions& o, const std::string& context, std::int64_t& requests) {
  auto backoff = o.first_backoff;
  std::string last;
  const int tries = std::max(1, o.tries);
  for (int attempt = 1; attempt <= tries; ++attempt) {
    ++requests;
    const httplib::Result r = client.Get(target, headers);
    if (!r) {
      last = "connection error: " + http::transport_error_text(r.error());
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

httplib::Client make_client(const Endpoint& endpoint, const ClientOptions& o) {
  httplib::Client client(endpoint.scheme_host_port);
  if (!client.is_valid()) throw Error("--prometheus: cannot make a client for '" + o.url + "'");
  client.set_connection_timeout(o.timeout);
  client.set_read_timeout(o.timeout);
  client.set_follow_location(true);
  return client;
}

httplib::Headers make_headers(const ClientOptions& o) {
  httplib::Headers headers;
  for (const auto& [k, v] : o.headers) headers.emplace(k, v);
  if (headers.find("Accept") == headers.end()) headers.emplace("Accept", "application/json");
  return headers;
}

}  // namespace autoscale::prometheus::detail
