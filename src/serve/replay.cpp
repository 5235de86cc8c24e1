#include "serve/replay.hpp"

// Eigen-using headers before httplib's, whose system headers define `_res`.
#include "rl/agent.hpp"

#include <httplib.h>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "eval/policy_factory.hpp"
#include "policies/run_episode.hpp"
#include "serve/text_file.hpp"

namespace autoscale::serve {
namespace {

constexpr std::int64_t kNoClockBase = 1704067200;  // 2024-01-01T00:00:00Z, for loads without a clock

nlohmann::json call(httplib::Client& c, const std::string& method, const std::string& path, const nlohmann::json& body,
                    const httplib::Headers& headers, std::initializer_list<int> ok) {
  httplib::Result r = method == "GET"      ? c.Get(path, headers)
                      : method == "DELETE" ? c.Delete(path, headers)
                      : method == "PUT"    ? c.Put(path, headers, body.dump(), "application/json")
                                           : c.Post(path, headers, body.dump(), "application/json");
  if (!r) throw Error(fmt::format("{} {}: {}", method, path, httplib::to_string(r.error())));
  if (std::find(ok.begin(), ok.end(), r->status) == ok.end()) {
    throw Error(fmt::format("{} {}: HTTP {}: {}", method, path, r->status, std::string(trim(r->body))));
  }
  return nlohmann::json::parse(r->body, nullptr, false);
}

}  // namespace

nlohmann::json replay_through_server(const ReplayOptions& o) {
  if (o.model.empty()) throw Error("replay needs --model, the model file the server serves");
  Scenario scenario = resolve_scenario(o.scenario);
  if (o.minutes > 0) scenario.set_episode_minutes(o.minutes);
  // A .spec file (run's deployed.spec) names a learned model or a classical policy, as the server
  // reads it (ModelRegistry).
  std::string model_file = o.model, classical;
  if (std::filesystem::path(o.model).extension() == ".spec") {
    const std::string named = expand_spec("@" + o.model);
    if (named.starts_with("ppo:")) {
      model_file = named.substr(4);
    } else {
      classical = named;
    }
  }
  const PolicySpec spec = parse_policy_spec(classical.empty() ? "ppo:" + model_file : classical);

  // evaluate's decisions: the minutes of one episode under the model, in-process.
  std::vector<StepInfo> minutes;
  {
    Env first = scenario.make_env();
    first.reset(o.seed);
    minutes.push_back(first.info());  // minute 0, which run_episode's observer does not see
    Env env = scenario.make_env();
    auto policy = make_policy(spec, scenario);
    run_episode(env, *policy, o.seed, [&](const StepInfo& i) { minutes.push_back(i); });
  }

  httplib::Client client(o.server);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // headers and body go out in two writes: no 40 ms delayed-ACK stall
  client.set_read_timeout(30);
  httplib::Headers headers;
  if (!o.token_file.empty()) headers.emplace("Authorization", "Bearer " + std::string(trim(read_text_file(o.token_file, "token file"))));

  const std::string checksum =
      classical.empty() ? nlohmann::json::parse(read_text_file(model_file, "model file")).value("checksum", "")
                        : "fnv1a64:" + rl::fnv1a64_hex(classical);
  const auto ping = call(client, "GET", "/ping", {}, headers, {200});
  std::string served;
  for (const auto& m : ping.value("models", nlohmann::json::array())) {
    if (m.value("name", "") == "default") served = m.value("checksum", "");
  }
  if (served != checksum) {
    throw Error(fmt::format("the server serves model {} but {} is {}: replay compares the same model", served, o.model, checksum));
  }

  const bool has_clock = minutes[0].clock != kNoClock;
  const std::string base = "/v1/services/" + o.service;
  call(client, "DELETE", base, {}, headers, {200, 404});
  call(client, "PUT", base, {{"model", "default"}, {"dry_run", false}, {"wall_clock", has_clock}}, headers, {200});

  const auto t0 = std::chrono::steady_clock::now();
  std::int64_t compared = 0, mismatches = 0;
  nlohmann::json first_mismatch;
  for (std::size_t n = 0; n < minutes.size(); ++n) {
    const StepInfo& i = minutes[n];
    if (has_clock && i.clock % 60 != 0) throw Error(fmt::format("minute {} has clock {}, not on a minute boundary", n, i.clock));
    const std::int64_t ts = has_clock ? i.clock : kNoClockBase + 60 * static_cast<std::int64_t>(n);
    const nlohmann::json report = {{"timestamp", ts}, {"load", i.load}, {"failed", i.failed}, {"active", i.active}, {"warming", i.warming}};
    const auto d = call(client, "POST", base + "/metrics", report, headers, {200});
    if (d.value("minute", -1) != static_cast<std::int64_t>(n)) {
      throw Error(fmt::format("minute {}: the server answered for minute {}", n, d.value("minute", -1)));
    }
    if (n + 1 == minutes.size()) break;  // the episode ends: its last decision is never applied
    const StepInfo& next = minutes[n + 1];
    ++compared;
    if (d.value("add", -1) != next.add || d.value("remove", -1) != next.remove) {
      if (mismatches++ == 0) {
        first_mismatch = {{"minute", n}, {"server", {{"add", d.value("add", -1)}, {"remove", d.value("remove", -1)}}},
                          {"evaluate", {{"add", next.add}, {"remove", next.remove}}}};
      }
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json out = {{"server", o.server},   {"scenario", scenario.name}, {"seed", o.seed},
                        {"model", o.model},     {"checksum", checksum},      {"minutes", minutes.size()},
                        {"compared", compared}, {"mismatches", mismatches},  {"seconds", secs},
                        {"requests_per_second", secs > 0 ? static_cast<double>(minutes.size()) / secs : 0.0}};
  if (mismatches > 0) out["first_mismatch"] = first_mismatch;
  return out;
}

}  // namespace autoscale::serve
