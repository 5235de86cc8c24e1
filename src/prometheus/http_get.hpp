#pragma once
// What the range and the instant query clients share: the endpoint of a --prometheus URL, the
// GET with retries, and the reading of Prometheus's values and error bodies.
#include <cstdint>
#include <string>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "prometheus/query_range.hpp"

namespace autoscale::prometheus::detail {

struct Endpoint {
  std::string scheme_host_port;  // "http://127.0.0.1:9090"
  std::string path_prefix;       // "" or "/prometheus" (a server behind a route prefix)
};
// Throws Error naming --prometheus for anything but http(s)://HOST[:PORT][/PATH].
Endpoint split_url(const std::string& url);

// A client for the endpoint with the options' timeouts, and the options' headers (Accept added).
httplib::Client make_client(const Endpoint& endpoint, const ClientOptions& o);
httplib::Headers make_headers(const ClientOptions& o);

// Text from a server on one line and of bounded length, so a message stays one line.
std::string one_line(std::string_view s, std::size_t max = 300);
std::string percent_encode(std::string_view s);
// "bad_data: invalid parameter ..." from Prometheus's error JSON, else the start of the body.
std::string server_message(const std::string& body);

// The body of a 2xx answer to `target`, retrying connection errors, 5xx and 429 (o.tries in all,
// doubling backoff from o.first_backoff); an Error starting with `context` otherwise.
std::string get_with_retries(httplib::Client& client, const std::string& target, const httplib::Headers& headers,
                             const ClientOptions& o, const std::string& context, std::int64_t& requests);

// A sample value as Prometheus writes it ("1.5", "NaN", "+Inf"); Error naming `context` otherwise.
double sample_value(const nlohmann::json& v, const std::string& context);

}  // namespace autoscale::prometheus::detail
