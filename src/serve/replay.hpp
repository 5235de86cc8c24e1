#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace autoscale::serve {

// `autoscale replay`: plays one episode of a scenario through a running server, minute by minute
// on the stateful route, and checks each decision against the one `evaluate` takes in-process
// (run_episode with make_policy("ppo:MODEL"), the same code path) for the same minute.
struct ReplayOptions {
  std::string server = "http://127.0.0.1:8080";
  std::string scenario = "seed";
  std::string model;            // the file the server serves as "default" (checksums must match)
  std::uint64_t seed = 0;       // episode seed, as evaluate's --seed
  std::int64_t minutes = 0;     // episode length (0 = the scenario's)
  std::string service = "replay";
  std::string token_file;
};

// Returns {"minutes", "compared", "mismatches", "first_mismatch"?, "seconds", ...}; throws Error
// when the server cannot be reached, answers an error, or serves another model.
nlohmann::json replay_through_server(const ReplayOptions& o);

}  // namespace autoscale::serve
