// The server over real HTTP on a loopback port: every route, every kind of bad input, limits,
// auth, metrics, logs, reload, graceful stop, and replay against evaluate's decisions.
#include <gmock/gmock.h>

#include "core/error.hpp"
#include "eval/policy_factory.hpp"
#include "rl/learned_policy.hpp"
#include "serve/replay.hpp"
#include "serve_test_util.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <regex>

namespace autoscale::serve {
namespace {

using namespace serve_testing;

nlohmann::json observation_request(const Env& env, bool with_fleet) {
  nlohmann::json j = {{"observation", std::vector<float>(env.observation().begin(), env.observation().end())}};
  if (with_fleet) {
    j["load"] = env.info().load;
    j["active"] = env.fleet().active();
    j["warming"] = env.fleet().warming();
  }
  return j;
}

// /invocations with the observation a policy would build gives that policy's network decision
// (the guardrail needs history a bare observation lacks, so the reference runs without it).
TEST(ServeHttp, InvocationsGiveThePolicysDecisionForTheSameObservation) {
  for (const char* preset : {"seed", "default"}) {
    const std::string model = trained_model(preset);
    LiveServer live(options_for(model));
    auto c = live.client();
    const Scenario s = resolve_scenario("seed");
    const FeatureSet features = std::string(preset) == "seed" ? FeatureSet::kNotebook : FeatureSet::kExtended;
    Env env(s.service, s.make_load(), features);
    auto agent = std::make_shared<rl::Agent>(rl::load_model(model));
    agent->guardrail.floor = false;
    agent->guardrail.fallback = false;
    auto policy = std::make_unique<rl::LearnedPolicy>(agent, s.service);
    env.reset(21);
    policy->reset(env);
    int distinct = 0, last_add = -1;
    for (int minute = 0; minute < 300; ++minute) {
      const Action want = env.clamp(policy->act(env));
      const auto r = c.Post("/invocations", observation_request(env, true).dump(), "application/json");
      ASSERT_TRUE(r) << httplib::to_string(r.error());
      ASSERT_EQ(r->status, 200) << r->body;
      const auto p = body_json(r)["predictions"][0];
      ASSERT_EQ(p["add"], want.add) << preset << " minute " << minute;
      ASSERT_EQ(p["remove"], want.remove) << preset << " minute " << minute;
      EXPECT_EQ(p["desired"], env.fleet().active() + env.fleet().warming() + want.add - std::min(want.remove, env.fleet().active()));
      if (want.add != last_add) ++distinct;
      last_add = want.add;
      env.step(want);
    }
    EXPECT_GT(distinct, 1) << "a constant decision would make this test vacuous";
  }
}

// The seed notebook invokes its endpoint with a 25-float observation (np.arange(1, 26)); the main
// job's model takes 39 (the extended features). The server reads a seed observation back into the
// minute it describes and answers with the model's decision for it.
TEST(ServeHttp, TheSeedsOwnCallWorksAgainstTheMainJobsModel) {
  const std::string model = trained_model("default");
  LiveServer live(options_for(model));
  auto c = live.client();
  std::vector<float> arange(25);
  for (int i = 0; i < 25; ++i) arange[static_cast<std::size_t>(i)] = static_cast<float>(i + 1);
  const auto r = c.Post("/invocations", nlohmann::json(arange).dump(), "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  const auto p = body_json(r)["predictions"][0];
  ASSERT_EQ(p["choice"].size(), 2u);
  // Load 1 x max_tpm, five full warm-up slots of max_machine_delta, active clamped under max_machines.
  EXPECT_EQ(p["seed_observation"]["load"], 100000);
  EXPECT_EQ(p["seed_observation"]["warming"], 50);
  EXPECT_EQ(p["seed_observation"]["active"], 833 - 50);
  EXPECT_TRUE(p.contains("add") && p.contains("remove") && p.contains("desired")) << p.dump();

  // A real minute's seed observation: the model answers exactly what it answers for its own vector
  // built from that minute (the caller's 25 values first, the extended rest from the minute).
  const Scenario s = resolve_scenario("seed");
  Env seed_env(s.service, s.make_load(), FeatureSet::kNotebook);
  seed_env.reset(5);
  for (int m = 0; m < 90; ++m) seed_env.step({m % 3, m % 2});
  const std::vector<float> seed_obs(seed_env.observation().begin(), seed_env.observation().end());
  ReportedMinute minute;
  minute.load = seed_env.info().load;
  minute.failed = seed_env.info().failed;
  minute.active = seed_env.fleet().active();
  for (int k = 0; k < s.service.warmup_latency; ++k) minute.queue.push_back(seed_env.fleet().queued(k));
  Env extended(s.service, s.make_load(), FeatureSet::kExtended);
  const auto built = extended.reset_reported(minute);
  std::vector<float> own(built.begin(), built.end());
  std::copy(seed_obs.begin(), seed_obs.end(), own.begin());
  const auto a = c.Post("/invocations", nlohmann::json(seed_obs).dump(), "application/json");
  const auto b = c.Post("/invocations", nlohmann::json(own).dump(), "application/json");
  ASSERT_EQ(a->status, 200) << a->body;
  ASSERT_EQ(b->status, 200) << b->body;
  EXPECT_EQ(body_json(a)["predictions"][0]["choice"], body_json(b)["predictions"][0]["choice"]);
  EXPECT_EQ(body_json(a)["predictions"][0]["seed_observation"]["load"], minute.load);
  EXPECT_EQ(body_json(a)["predictions"][0]["seed_observation"]["active"], minute.active);
  // Other lengths are still refused, naming both.
  const auto bad = c.Post("/invocations", "[1, 2, 3]", "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, ::testing::HasSubstr("this model takes 39 (or the seed's 25)"));
}

TEST(ServeHttp, InvocationsAcceptEveryDocumentedForm) {
  const std::string model = trained_model("seed");
  LiveServer live(options_for(model));
  auto c = live.client();
  const auto agent = rl::load_model(model);
  std::vector<float> obs(25);
  for (int i = 0; i < 25; ++i) obs[static_cast<std::size_t>(i)] = 0.01f * static_cast<float>(i);
  const nlohmann::json arr = obs;
  std::string csv_line;
  for (float v : obs) csv_line += (csv_line.empty() ? "" : ",") + nlohmann::json(v).dump();

  const auto single = c.Post("/invocations", nlohmann::json{{"observation", arr}}.dump(), "application/json");
  ASSERT_EQ(single->status, 200) << single->body;
  const auto choice = body_json(single)["predictions"][0]["choice"];
  EXPECT_EQ(body_json(single)["model"]["checksum"], nlohmann::json::parse(std::ifstream(model)).at("checksum"));

  const auto bare = c.Post("/invocations", arr.dump(), "application/json");
  ASSERT_EQ(bare->status, 200);
  EXPECT_EQ(body_json(bare)["predictions"][0]["choice"], choice);

  const nlohmann::json batch = {{"instances", {arr, arr, {{"observation", arr}, {"active", 40}, {"warming", 2}}}}};
  const auto b = c.Post("/invocations", batch.dump(), "application/json");
  ASSERT_EQ(b->status, 200) << b->body;
  const auto preds = body_json(b)["predictions"];
  ASSERT_EQ(preds.size(), 3u);
  for (const auto& p : preds) EXPECT_EQ(p["choice"], choice);
  EXPECT_FALSE(preds[0].contains("desired"));
  EXPECT_EQ(preds[2]["desired"], 40 + 2 + preds[2]["add"].get<int>() - preds[2]["remove"].get<int>());

  const auto csv = c.Post("/invocations", csv_line + "\n" + csv_line + ",12000,40,2\n", "text/csv");
  ASSERT_EQ(csv->status, 200) << csv->body;
  ASSERT_EQ(body_json(csv)["predictions"].size(), 2u);
  EXPECT_EQ(body_json(csv)["predictions"][0]["choice"], choice);
  EXPECT_EQ(body_json(csv)["predictions"][1]["desired"], preds[2]["desired"]);
}

TEST(ServeHttp, BadInputsAre400WithAJsonErrorNamingTheProblem) {
  LiveServer live(options_for(trained_model("seed")));
  auto c = live.client();
  const std::string ok25 = nlohmann::json(std::vector<float>(25, 0.5f)).dump();
  struct Case {
    std::string path, type, body, names;
  };
  const std::string m = "/v1/services/svc/metrics";
  const std::vector<Case> cases = {
      {"/invocations", "application/json", "[1, 2, 3]", "has 3 values; this model takes 25"},
      {"/invocations", "application/json", "{\"observation\": [1, 2", "not valid JSON"},
      {"/invocations", "application/json", "[" + std::string(24 * 2, ' ') + "1e999]", "not valid JSON"},
      {"/invocations", "application/json", "{\"observation\": " + ok25 + ", \"extra\": 1}", "unknown field 'extra'"},
      {"/invocations", "application/json", "{\"instances\": []}", "non-empty"},
      {"/invocations", "application/json", "{\"instances\": [" + ok25 + ", [1]]}", "instances[1] has 1 values"},
      {"/invocations", "application/json", "{\"observation\": " + ok25 + ", \"active\": -1}", "active must be an integer"},
      {"/invocations", "application/json", "\"hello\"", "body must be"},
      {"/invocations", "text/plain", ok25, "Content-Type must be application/json or text/csv"},
      {"/invocations", "text/csv", "1,2,x", "line 1, value 3: 'x' is not a number"},
      {"/invocations", "text/csv", "1,2,3", "line 1 has 3 values"},
      {"/invocations", "text/csv", "inf" + std::string(",0", 24), "not a finite float"},
      {"/invocations", "text/csv", "", "no observation"},
      {m, "application/json", "{\"timestamp\": 1, \"load\": 1}", "missing field 'failed'"},
      {m, "application/json", "{\"timestamp\": 1, \"load\": 1, \"failed\": 0, \"active\": 1, \"warming\": 0, \"x\": 1}", "unknown field 'x'"},
      {m, "application/json", "not json", "not valid JSON"},
      {m, "text/csv", "{}", "Content-Type must be application/json"},
      {"/v1/services/.hidden/metrics", "application/json", "{}", "service id"},
  };
  for (const auto& k : cases) {
    const auto r = c.Post(k.path, k.body, k.type.c_str());
    ASSERT_TRUE(r) << k.body;
    EXPECT_EQ(r->status, 400) << k.path << " " << k.body << " -> " << r->body;
    const auto j = body_json(r);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
    EXPECT_NE(j["error"].get<std::string>().find(k.names), std::string::npos) << k.body << " -> " << r->body;
  }
  const auto put = c.Put("/v1/services/svc", "{\"model\": \"nope\"}", "application/json");
  EXPECT_EQ(put->status, 400);
  EXPECT_NE(body_json(put)["error"].get<std::string>().find("unknown model 'nope' (known: default)"), std::string::npos);
  const auto put2 = c.Put("/v1/services/svc", "{\"dry_run\": \"yes\"}", "application/json");
  EXPECT_EQ(put2->status, 400);
  EXPECT_NE(body_json(put2)["error"].get<std::string>().find("'dry_run' must be true or false"), std::string::npos);
}

TEST(ServeHttp, OversizedBodies413UnknownRoutes404WrongMethods405) {
  serve::ServeOptions o = options_for(trained_model("seed"));
  o.max_body_bytes = 1000;
  LiveServer live(o);
  auto c = live.client();
  const auto big = c.Post("/invocations", std::string(5000, ' '), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_TRUE(body_json(big).contains("error")) << big->body;
  const auto nf = c.Get("/nowhere");
  EXPECT_EQ(nf->status, 404);
  EXPECT_NE(body_json(nf).value("error", "").find("no route GET /nowhere"), std::string::npos);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/invocations"}, {"POST", "/ping"}, {"GET", "/v1/services/a/metrics"}, {"POST", "/v1/services/a"}}) {
    const auto r = method == "GET" ? c.Get(path) : c.Post(path, "{}", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 405) << method << " " << path;
  }
  EXPECT_EQ(c.Get("/ping")->status, 200);
}

TEST(ServeHttp, BearerTokenIsRequiredExceptForPing) {
  const auto dir = temp_dir("token");
  std::ofstream(dir / "token") << "s3cret-token\n";
  serve::ServeOptions o = options_for(trained_model("seed"));
  o.token_file = (dir / "token").string();
  LiveServer live(o);
  auto c = live.client();
  EXPECT_EQ(c.Get("/ping")->status, 200);
  const auto none = c.Get("/metrics");
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(c.Get("/metrics", {{"Authorization", "Bearer s3cret-tokem"}})->status, 401);
  EXPECT_EQ(c.Get("/metrics", {{"Authorization", "Bearer s3cret-token-and-more"}})->status, 401);
  EXPECT_EQ(c.Get("/metrics", {{"Authorization", "Basic s3cret-token"}})->status, 401);
  EXPECT_EQ(c.Post("/invocations", "[]", "application/json")->status, 401);  // before any parsing
  EXPECT_EQ(c.Get("/metrics", {{"Authorization", "Bearer s3cret-token"}})->status, 200);
}

nlohmann::json minute_report(std::int64_t minute, std::int64_t load, int active, int warming) {
  return {{"timestamp", 1'700'000'040 + 60 * minute}, {"load", load}, {"failed", 0}, {"active", active}, {"warming", warming}};
}

TEST(ServeHttp, StatefulServicesLifecycleAndRules) {
  serve::ServeOptions o = options_for(trained_model("default"));
  o.models["seed-model"] = trained_model("seed");
  LiveServer live(o);
  auto c = live.client();
  const std::string a = "/v1/services/shop-a", b = "/v1/services/shop-b";
  ASSERT_EQ(c.Put(b, "{\"model\": \"seed-model\", \"wall_clock\": false}", "application/json")->status, 200);
  for (int minute = 0; minute < 30; ++minute) {
    for (const auto& svc : {a, b}) {
      const auto r = c.Post(svc + "/metrics", minute_report(minute, 9000 + 50 * minute, 40, minute % 3).dump(), "application/json");
      ASSERT_EQ(r->status, 200) << r->body;
      const auto d = body_json(r);
      EXPECT_EQ(d["minute"], minute);
      EXPECT_EQ(d["act"], true);
      EXPECT_EQ(d["desired"], 40 + minute % 3 + d["add"].get<int>() - d["remove"].get<int>());
    }
  }
  const auto ga = body_json(c.Get(a));
  const auto gb = body_json(c.Get(b));
  EXPECT_EQ(ga["reports"], 30);
  EXPECT_EQ(ga["config"]["model"], "default");
  EXPECT_EQ(gb["config"]["model"], "seed-model");
  EXPECT_NE(ga["model_checksum"], gb["model_checksum"]);
  EXPECT_EQ(ga["fleet"]["warming"], 29 % 3);
  // A retry of the last minute: same answer, marked duplicate; other values or an older minute: 409.
  const auto last = body_json(c.Post(a + "/metrics", minute_report(29, 9000 + 50 * 29, 40, 2).dump(), "application/json"));
  EXPECT_EQ(last["duplicate"], true);
  EXPECT_EQ(last["minute"], 29);
  const auto clash = c.Post(a + "/metrics", minute_report(29, 1, 40, 2).dump(), "application/json");
  EXPECT_EQ(clash->status, 409);
  EXPECT_NE(body_json(clash)["error"].get<std::string>().find("already reported"), std::string::npos);
  EXPECT_EQ(c.Post(a + "/metrics", minute_report(10, 1, 40, 2).dump(), "application/json")->status, 409);
  // A gap is filled; the answer says how many minutes.
  const auto gap = body_json(c.Post(a + "/metrics", minute_report(33, 9000, 40, 0).dump(), "application/json"));
  EXPECT_EQ(gap["filled_minutes"], 3);
  EXPECT_EQ(gap["minute"], 33);
  // Changing how past reports are read needs a fresh start.
  EXPECT_EQ(c.Put(a, "{\"wall_clock\": false}", "application/json")->status, 409);
  const auto list = body_json(c.Get("/v1/services"));
  EXPECT_EQ(list["services"], nlohmann::json::array({"shop-a", "shop-b"}));
  EXPECT_EQ(c.Delete(a)->status, 200);
  EXPECT_EQ(c.Get(a)->status, 404);
  EXPECT_EQ(c.Delete(a)->status, 404);
  const auto again = body_json(c.Post(a + "/metrics", minute_report(40, 9000, 40, 0).dump(), "application/json"));
  EXPECT_EQ(again["minute"], 0);  // forgotten: starts anew
}

TEST(ServeHttp, DryRunMarksDecisionsWithoutChangingThem) {
  const std::string model = trained_model("default");
  serve::ServeOptions dry = options_for(model);
  dry.dry_run = true;
  LiveServer live_dry(dry), live(options_for(model));
  auto cd = live_dry.client();
  auto c = live.client();
  ASSERT_EQ(c.Put("/v1/services/per-service", "{\"dry_run\": true}", "application/json")->status, 200);
  for (int minute = 0; minute < 50; ++minute) {
    const std::string body = minute_report(minute, 12000 + 97 * (minute % 7), 45, minute % 4).dump();
    const auto d1 = body_json(cd.Post("/v1/services/s/metrics", body, "application/json"));
    const auto d2 = body_json(c.Post("/v1/services/per-service/metrics", body, "application/json"));
    const auto d3 = body_json(c.Post("/v1/services/acting/metrics", body, "application/json"));
    EXPECT_EQ(d1["act"], false);
    EXPECT_EQ(d1["dry_run"], true);
    EXPECT_EQ(d2["act"], false);
    EXPECT_EQ(d3["act"], true);
    for (const char* k : {"add", "remove", "desired"}) {
      EXPECT_EQ(d1[k], d3[k]) << k << " minute " << minute;
      EXPECT_EQ(d2[k], d3[k]) << k << " minute " << minute;
    }
  }
  const std::string metrics = c.Get("/metrics")->body;
  EXPECT_NE(metrics.find("dry_run=\"true\""), std::string::npos);
}

TEST(ServeHttp, PrometheusMetricsAndOneJsonLogLinePerRequest) {
  const std::string model = trained_model("seed");
  std::FILE* log = std::tmpfile();
  {
    LiveServer live(options_for(model), log);
    auto c = live.client();
    for (int i = 0; i < 3; ++i) c.Post("/invocations", nlohmann::json(std::vector<float>(25, 0.1f)).dump(), "application/json");
    c.Post("/invocations", "[1]", "application/json");
    c.Post("/v1/services/m/metrics", minute_report(0, 9000, 40, 0).dump(), "application/json");
    c.Get("/nowhere");
    const auto r = c.Get("/metrics");
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4");
    const std::string& m = r->body;
    EXPECT_NE(m.find("autoscale_http_requests_total{route=\"invocations\",method=\"POST\",status=\"200\"} 3\n"), std::string::npos) << m;
    EXPECT_NE(m.find("autoscale_http_requests_total{route=\"invocations\",method=\"POST\",status=\"400\"} 1\n"), std::string::npos);
    EXPECT_NE(m.find("autoscale_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n"), std::string::npos);
    EXPECT_NE(m.find("autoscale_http_request_duration_seconds_bucket{route=\"invocations\",le=\"+Inf\"} 4\n"), std::string::npos);
    EXPECT_NE(m.find("autoscale_http_request_duration_seconds_count{route=\"service_metrics\"} 1\n"), std::string::npos);
    EXPECT_NE(m.find("autoscale_services 1\n"), std::string::npos);
    const std::string checksum = nlohmann::json::parse(std::ifstream(model)).at("checksum");
    EXPECT_NE(m.find("autoscale_model_info{name=\"default\",checksum=\"" + checksum + "\",generation=\"1\""), std::string::npos);
    EXPECT_NE(m.find("autoscale_decisions_total{direction="), std::string::npos);
    // Every line is a comment or `name{labels} value`.
    const std::regex line(R"(^(#.*|[a-z_]+(\{[^}]*\})? [-+0-9.eInf]+)$)");
    std::istringstream in(m);
    for (std::string l; std::getline(in, l);) EXPECT_TRUE(std::regex_match(l, line)) << l;
  }
  std::rewind(log);
  int requests = 0;
  char buf[8192];
  while (std::fgets(buf, sizeof buf, log)) {
    const auto j = nlohmann::json::parse(buf, nullptr, false);
    ASSERT_TRUE(j.is_object()) << buf;
    EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("msg")) << buf;
    if (j["msg"] == "request") {
      ++requests;
      EXPECT_TRUE(j.contains("status") && j.contains("path")) << buf;
    }
  }
  EXPECT_EQ(requests, 7);  // the /metrics request logs after its own answer
  std::fclose(log);
}

TEST(ServeHttp, ReloadSwapsModelsAtomicallyAndKeepsTheOldOneOnABadFile) {
  const auto dir = temp_dir("reload");
  const auto path = dir / "model";
  std::filesystem::copy_file(trained_model("default"), path);
  serve::ServeOptions o = options_for(path.string());
  LiveServer live(o);
  auto c = live.client();
  const auto checksum_of = [&](const std::string& p) { return nlohmann::json::parse(std::ifstream(p)).at("checksum").get<std::string>(); };
  const std::string v1 = checksum_of(path.string());
  for (int minute = 0; minute < 20; ++minute) c.Post("/v1/services/r/metrics", minute_report(minute, 9000 + 40 * minute, 40, 0).dump(), "application/json");
  // A truncated file: refused, the old model keeps serving.
  const std::string text = [&] { std::stringstream ss; ss << std::ifstream(path).rdbuf(); return ss.str(); }();
  std::ofstream(path) << text.substr(0, text.size() / 2);
  live.server().reload_models();
  EXPECT_EQ(body_json(c.Get("/ping"))["models"][0]["checksum"], v1);
  EXPECT_NE(c.Get("/metrics")->body.find("autoscale_model_reloads_total{result=\"failed\"} 1"), std::string::npos);
  // A new valid model: swapped in, and the service rebuilt with it from its reports.
  rl::Agent next = rl::load_model(trained_model("default"));
  next.actor.params().array() += 0.05f;  // another version of the same kind of model
  rl::save_model(next, path);
  const std::string v2 = checksum_of(path.string());
  ASSERT_NE(v1, v2);
  live.server().reload_models();
  EXPECT_EQ(body_json(c.Get("/ping"))["models"][0]["checksum"], v2);
  LiveServer fresh(options_for(path.string()));
  auto cf = fresh.client();
  for (int minute = 0; minute < 20; ++minute) cf.Post("/v1/services/r/metrics", minute_report(minute, 9000 + 40 * minute, 40, 0).dump(), "application/json");
  for (int minute = 20; minute < 40; ++minute) {
    const std::string body = minute_report(minute, 9000 + 40 * minute, 40, minute % 2).dump();
    const auto d = body_json(c.Post("/v1/services/r/metrics", body, "application/json"));
    const auto f = body_json(cf.Post("/v1/services/r/metrics", body, "application/json"));
    EXPECT_EQ(d["model"]["checksum"], v2);
    EXPECT_EQ(d["add"], f["add"]) << minute;
    EXPECT_EQ(d["remove"], f["remove"]) << minute;
  }
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

std::string read_until_close(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string send_all_and_read(int fd, const std::string& bytes) {
  EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  return read_until_close(fd);
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// HTTP/1.1 framing a client may use: chunked bodies (within and past the limit), "Expect:
// 100-continue", pipelined requests, and the per-connection request bound.
TEST(ServeHttp, ChunkedContinuePipelinedAndKeepAliveBound) {
  serve::ServeOptions o = options_for(trained_model("seed"));
  o.max_body_bytes = 2000;
  o.limits.keep_alive_max = 3;
  LiveServer live(o);
  const std::string body = nlohmann::json(std::vector<float>(25, 0.2f)).dump();
  const auto hex = [](std::size_t n) { return fmt::format("{:x}", n); };
  {
    const int fd = connect_to(live.port());
    const std::string half = body.substr(0, 40), rest = body.substr(40);
    const std::string out = send_all_and_read(
        fd, "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n" + hex(half.size()) + "\r\n" + half + "\r\n" + hex(rest.size()) + "\r\n" + rest + "\r\n0\r\n\r\n");
    ::close(fd);
    EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
    EXPECT_NE(out.find("\"predictions\""), std::string::npos) << out;
  }
  {
    const int fd = connect_to(live.port());
    std::string big(3000, ' ');
    const std::string out = send_all_and_read(
        fd, "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                hex(big.size()) + "\r\n" + big + "\r\n0\r\n\r\n");
    ::close(fd);
    EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
    EXPECT_NE(out.find("request body too large"), std::string::npos) << out;
  }
  {
    const int fd = connect_to(live.port());
    const std::string head = "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);  // the interim answer comes before the body is sent
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)).rfind("HTTP/1.1 100", 0), 0u);
    const std::string out = send_all_and_read(fd, body);
    ::close(fd);
    EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
  }
  {
    // Four pipelined requests on one connection: three are answered, in order, and the third
    // says the connection closes (keep_alive_max = 3).
    const int fd = connect_to(live.port());
    std::string four;
    for (int i = 0; i < 4; ++i) {
      four += "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    const std::string out = send_all_and_read(fd, four);
    ::close(fd);
    EXPECT_EQ(count_of(out, "HTTP/1.1 200"), 3u) << out;
    EXPECT_EQ(count_of(out, "Connection: close"), 1u) << out;
  }
}

TEST(ServeHttp, ConnectionsBeyondTheBoundGet503AtOnce) {
  serve::ServeOptions o = options_for(trained_model("seed"));
  o.limits.threads = 1;
  o.limits.max_connections = 1;
  LiveServer live(o);
  auto holder = live.client();
  holder.set_keep_alive(true);
  ASSERT_EQ(holder.Get("/ping")->status, 200);  // its connection now occupies the only worker
  const int fd = connect_to(live.port());
  ASSERT_GE(fd, 0);
  const std::string answer = read_until_close(fd);  // answered without sending anything
  ::close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find("too many connections"), std::string::npos);
  holder.stop();  // frees the worker (a client that connects before the worker is free is shed too)
  auto later = live.client();
  later.set_keep_alive(true);
  std::string metrics;
  for (int i = 0; i < 100 && metrics.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (const auto r = later.Get("/metrics"); r && r->status == 200) metrics = r->body;
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics, m, std::regex(R"(autoscale_connections_shed_total (\d+)\n)"))) << metrics;
  EXPECT_GE(std::stoi(m[1].str()), 1);
}

TEST(ServeHttp, IdleAndSlowClientsAreCutOffByTheTimeouts) {
  serve::ServeOptions o = options_for(trained_model("seed"));
  o.limits.keep_alive_seconds = 1;
  o.limits.read_timeout_seconds = 1;
  LiveServer live(o);
  using clock = std::chrono::steady_clock;
  // Connects and says nothing: closed after the keep-alive time.
  const int idle = connect_to(live.port());
  auto t0 = clock::now();
  EXPECT_EQ(read_until_close(idle), "");
  EXPECT_LT(clock::now() - t0, std::chrono::seconds(3));
  ::close(idle);
  // Starts a request and stalls in its headers: cut off after the read timeout.
  const int slow = connect_to(live.port());
  const std::string part = "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-";
  ASSERT_EQ(::send(slow, part.data(), part.size(), 0), static_cast<ssize_t>(part.size()));
  t0 = clock::now();
  const std::string answer = read_until_close(slow);
  EXPECT_LT(clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(answer.find("200 OK"), std::string::npos) << answer;
  ::close(slow);
  EXPECT_EQ(live.client().Get("/ping")->status, 200);
}

TEST(ServeHttp, StopFinishesTheRequestInProgress) {
  LiveServer live(options_for(trained_model("seed")));
  const std::string body = nlohmann::json(std::vector<float>(25, 0.2f)).dump();
  const int fd = connect_to(live.port());
  ASSERT_GE(fd, 0);
  const std::string head = "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  ASSERT_EQ(::send(fd, body.data(), 10, 0), 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the worker is reading the body
  std::thread stopper([&] { live.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(::send(fd, body.data() + 10, body.size() - 10, 0), static_cast<ssize_t>(body.size() - 10));
  const std::string answer = read_until_close(fd);
  ::close(fd);
  stopper.join();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"predictions\""), std::string::npos);
  EXPECT_LT(connect_to(live.port()), 0) << "a stopped server accepts nothing";
}

// Done-when: over HTTP, exactly the decisions evaluate takes in-process for the same minutes.
TEST(ServeHttp, ReplayMatchesEvaluateOnTheSeedAndATraceScenario) {
  struct Run {
    std::string preset, scenario;
    std::int64_t minutes;
  };
  const std::string nasa = std::string(AUTOSCALE_SOURCE_DIR) + "/scenarios/nasa.toml";
  for (const Run& run : {Run{"seed", "seed", 0}, Run{"default", "seed", 3000}, Run{"default", nasa, 3000},
                         Run{"relative", nasa, 3000}}) {
    const std::string model = trained_model(run.preset);
    serve::ServeOptions o = options_for(model);
    o.scenario = run.scenario;
    LiveServer live(o);
    ReplayOptions r;
    r.server = "http://127.0.0.1:" + std::to_string(live.port());
    r.scenario = run.scenario;
    r.model = model;
    r.seed = 77;
    r.minutes = run.minutes;
    const auto out = replay_through_server(r);
    EXPECT_EQ(out["mismatches"], 0) << out.dump();
    EXPECT_EQ(out["compared"].get<std::int64_t>() + 1, out["minutes"].get<std::int64_t>());
    EXPECT_GT(out["compared"].get<std::int64_t>(), run.minutes > 0 ? run.minutes - 1 : 10000);
  }
  // What `run` deploys when its gate keeps the classical policy: a spec file naming it, served by
  // the stateful route as evaluate plays it; /invocations has no observation to give it.
  {
    const auto dir = temp_dir("deployed_spec");
    const auto spec = dir / "deployed.spec";
    std::ofstream(spec) << "# gate: kept the classical policy\nhpa:target=0.7,tolerance=0.05\n";
    serve::ServeOptions o = options_for(spec.string());
    o.scenario = nasa;
    LiveServer live(o);
    ReplayOptions r;
    r.server = "http://127.0.0.1:" + std::to_string(live.port());
    r.scenario = nasa;
    r.model = spec.string();
    r.seed = 5;
    r.minutes = 3000;
    const auto out = replay_through_server(r);
    EXPECT_EQ(out["mismatches"], 0) << out.dump();
    EXPECT_GT(out["compared"].get<std::int64_t>(), 2990);
    auto c = live.client();
    const auto inv = c.Post("/invocations", R"({"observation": [1, 2, 3]})", "application/json");
    ASSERT_TRUE(inv);
    EXPECT_EQ(inv->status, 400);
    EXPECT_NE(inv->body.find("classical policy hpa:target=0.7,tolerance=0.05"), std::string::npos) << inv->body;
  }
  // Against another model the replay refuses to compare.
  LiveServer other(options_for(trained_model("default")));
  ReplayOptions r;
  r.server = "http://127.0.0.1:" + std::to_string(other.port());
  r.model = trained_model("seed");
  r.minutes = 10;
  EXPECT_THROW(replay_through_server(r), autoscale::Error);
}

}  // namespace
}  // namespace autoscale::serve
