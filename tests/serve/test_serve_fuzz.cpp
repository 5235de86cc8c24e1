// A small fuzz pass over request bodies: random bytes and mutations of valid JSON and CSV bodies,
// sent to every route that reads a body. The server must answer each with a status below 500 and
// keep serving. Seeded, so a failure reproduces.
#include "core/rng.hpp"
#include "serve_test_util.hpp"

namespace autoscale::serve {
namespace {

using namespace serve_testing;

std::string mutate(std::string s, Rng& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  static const std::string kPieces[] = {"{", "}", "[", "]", ",", ":", "\"", "-", "1e999", "NaN", "null", "true", "\n", "\\u0000",
                                        "0.5", "-7", "\"warming\"", "\"observation\"", "\xff\xfe", "1e-999", "99999999999999999999"};
  for (int e = 0; e < edits; ++e) {
    const std::size_t pos = s.empty() ? 0 : static_cast<std::size_t>(rng() % (s.size() + 1));
    switch (rng() % 5) {
      case 0:  // flip a byte
        if (!s.empty()) s[std::min(pos, s.size() - 1)] = static_cast<char>(rng() & 0xff);
        break;
      case 1:  // delete a run
        if (pos < s.size()) s.erase(pos, 1 + rng() % 8);
        break;
      case 2:  // insert a token
        s.insert(pos, kPieces[rng() % std::size(kPieces)]);
        break;
      case 3:  // truncate
        s.resize(pos);
        break;
      default:  // duplicate a slice
        if (pos < s.size()) s.insert(pos, s.substr(pos, 1 + rng() % 16));
    }
  }
  return s;
}

TEST(ServeFuzz, RandomAndMutatedBodiesNeverCrashOrGet5xx) {
  serve::ServeOptions o = options_for(trained_model("seed"));
  o.max_body_bytes = 64 * 1024;
  LiveServer live(o);
  auto c = live.client();
  c.set_keep_alive(true);
  Rng rng(20240601);
  std::string obs = "[";
  for (int i = 0; i < 25; ++i) obs += (i ? "," : "") + std::to_string(0.04 * i);
  obs += "]";
  std::string csv;
  for (int i = 0; i < 25; ++i) csv += (i ? "," : "") + std::to_string(0.04 * i);
  const std::vector<std::string> seeds = {
      obs,
      "{\"observation\": " + obs + ", \"load\": 12000, \"active\": 40, \"warming\": 3}",
      "{\"instances\": [" + obs + ", {\"observation\": " + obs + ", \"active\": 40}]}",
      csv + "\n" + csv + ",9000,40,1\n",
      R"({"timestamp": 1700000040, "load": 9000, "failed": 0, "active": 40, "warming": 2})",
      R"({"timestamp": "2023-11-14T22:14:00Z", "load": 9000.5, "failed": 3, "active": 40, "warming": [0,1,0,0,2]})",
      R"({"model": "default", "dry_run": true, "wall_clock": false, "max_gap_minutes": 5})",
  };
  const char* types[] = {"application/json", "text/csv", "application/json; charset=utf-8", "text/plain", ""};
  std::map<int, int> statuses;
  int minute = 0;
  // AUTOSCALE_FUZZ_ITERATIONS runs a longer pass by hand; the suite runs 1500.
  const char* env_n = std::getenv("AUTOSCALE_FUZZ_ITERATIONS");
  const int iterations = env_n ? std::atoi(env_n) : 1500;
  for (int i = 0; i < iterations; ++i) {
    std::string body;
    if (i % 10 == 0) {
      body.resize(rng() % 300);
      for (auto& ch : body) ch = static_cast<char>(rng() & 0xff);
    } else {
      body = mutate(seeds[rng() % seeds.size()], rng);
    }
    if (i % 50 == 0) {  // keep a valid stream of minutes going so mutations hit a live state too
      body = R"({"timestamp": )" + std::to_string(1'700'000'040 + 60 * minute++) +
             R"(, "load": 9000, "failed": 0, "active": 40, "warming": 1})";
    }
    const char* type = types[rng() % std::size(types)];
    httplib::Result r = [&] {
      switch (rng() % 4) {
        case 0: return c.Post("/invocations", body, type);
        case 1: return c.Put("/v1/services/fuzz", body, type);
        default: return c.Post("/v1/services/fuzz/metrics", body, type);
      }
    }();
    ASSERT_TRUE(r) << "no answer (server down?) for body #" << i << ": " << body;
    ASSERT_LT(r->status, 500) << "body #" << i << ": " << body << " -> " << r->body;
    ASSERT_TRUE(nlohmann::json::parse(r->body, nullptr, false).is_object()) << r->body;
    ++statuses[r->status];
  }
  EXPECT_EQ(c.Get("/ping")->status, 200);
  EXPECT_GT(statuses[200], iterations / 150) << "the mutations should not all be rejected";
  EXPECT_GT(statuses[400], iterations / 3);
}

}  // namespace
}  // namespace autoscale::serve
