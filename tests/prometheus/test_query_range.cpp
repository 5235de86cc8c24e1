// The range query client against a stand-in Prometheus on a loopback port (httplib::Server): the
// windows it asks for, the errors it reports and the retries it makes. The real Prometheus is in
// test_prometheus_trace.cpp.
#include <httplib.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "prometheus/query_range.hpp"
#include "prometheus/trace_csv.hpp"
#include "cli_run.hpp"
#include "loopback_port.hpp"

namespace autoscale::prometheus {
namespace {

using ::testing::HasSubstr;

struct Reply {
  int status = 200;
  std::string body;
};

struct SeenRequest {
  std::string query, start, end, step, authorization, tenant;
};

// Answers GET /api/v1/query_range with what `answer` returns for each request, and keeps them.
class FakePrometheus {
 public:
  using Answer = std::function<Reply(const httplib::Request&, int index)>;
  explicit FakePrometheus(Answer answer) : answer_(std::move(answer)) {
    server_.Get("/api/v1/query_range", [this](const httplib::Request& req, httplib::Response& res) {
      int index = 0;
      {
        std::lock_guard lock(mu_);
        index = static_cast<int>(seen_.size());
        seen_.push_back({req.get_param_value("query"), req.get_param_value("start"), req.get_param_value("end"),
                         req.get_param_value("step"), req.get_header_value("Authorization"),
                         req.get_header_value("X-Scope-OrgID")});
      }
      const Reply r = answer_(req, index);
      res.status = r.status;
      res.set_content(r.body, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakePrometheus() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<SeenRequest> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  Answer answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<SeenRequest> seen_;
};

std::string matrix(const nlohmann::json& result) {
  return nlohmann::json{{"status", "success"}, {"data", {{"resultType", "matrix"}, {"result", result}}}}.dump();
}

// One series with labels `metric` and a value at each evaluation time of the request: value(t seconds).
nlohmann::json series_for(const httplib::Request& req, const nlohmann::json& metric,
                          const std::function<std::string(double)>& value) {
  const double start = std::stod(req.get_param_value("start")), end = std::stod(req.get_param_value("end")),
               step = std::stod(req.get_param_value("step"));
  nlohmann::json values = nlohmann::json::array();
  for (double t = start; t <= end + 1e-9; t += step) values.push_back({t, value(t)});
  return {{"metric", metric}, {"values", values}};
}

using autoscale::testing::CliRun;

// The CLI with `args`, stdout and stderr apart.
CliRun cli(const std::string& args) { return autoscale::testing::run_cli(args, autoscale::testing::Stderr::kApart); }

int closed_port() { return autoscale::testing::unused_loopback_port(); }

constexpr std::int64_t kT0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

TEST(PlanWindows, CoverEveryEvaluationTimeOnceWithinTheLimit) {
  struct Case {
    const char* what;
    TimeRange range;
    std::int64_t max_points;
    std::vector<std::int64_t> sizes;  // steps per window
  };
  const std::vector<Case> cases = {
      {"one time", {kT0, kT0, 15'000}, kMaxPointsPerSeries, {1}},
      {"end off the grid is rounded down", {kT0, kT0 + 59'999, 15'000}, kMaxPointsPerSeries, {4}},
      {"exactly the limit", {kT0, kT0 + 10'999 * 60'000LL, 60'000}, kMaxPointsPerSeries, {11'000}},
      {"one past the limit", {kT0, kT0 + 11'000 * 60'000LL, 60'000}, kMaxPointsPerSeries, {11'000, 1}},
      {"3 days at 15 s", {kT0, kT0 + 3 * 86'400'000LL - 15'000, 15'000}, kMaxPointsPerSeries, {11'000, 6'280}},
      {"three full windows", {kT0, kT0 + 32'999 * 1'000LL, 1'000}, kMaxPointsPerSeries, {11'000, 11'000, 11'000}},
      {"a small limit", {0, 6 * 7, 7}, 3, {3, 3, 1}},
      {"a limit of one", {0, 20, 10}, 1, {1, 1, 1}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const auto windows = plan_windows(c.range, c.max_points);
    std::vector<std::int64_t> sizes, times;
    for (const TimeRange& w : windows) {
      EXPECT_EQ(w.step_ms, c.range.step_ms);
      EXPECT_EQ((w.end_ms - w.start_ms) % w.step_ms, 0);
      // Prometheus's own check is (end - start) / step > 11,000.
      EXPECT_LE((w.end_ms - w.start_ms) / w.step_ms, c.max_points - 1);
      sizes.push_back(w.steps());
      for (std::int64_t t = w.start_ms; t <= w.end_ms; t += w.step_ms) times.push_back(t);
    }
    EXPECT_EQ(sizes, c.sizes);
    ASSERT_EQ(static_cast<std::int64_t>(times.size()), c.range.steps());
    for (std::size_t k = 0; k < times.size(); ++k)
      ASSERT_EQ(times[k], c.range.start_ms + static_cast<std::int64_t>(k) * c.range.step_ms) << k;
  }
}

TEST(PlanWindows, RefusesWhatIsNoRange) {
  struct Case {
    TimeRange range;
    std::int64_t max_points;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{{{0, 100, 0}, 10, "step must be positive"},
                                         {{1000, 0, 10}, 10, "is before the start"},
                                         {{0, 100, 10}, 0, "max_points must be at least 1"}}) {
    SCOPED_TRACE(c.says);
    try {
      plan_windows(c.range, c.max_points);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(c.says));
    }
  }
}

// 25,000 one-minute steps: three requests, tiling the range, each within the limit; the CSV holds
// every step once with the server's value (rate x 60).
TEST(QueryRange, ChunksALongRangeIntoWindowsTheServerAccepts) {
  FakePrometheus server([](const httplib::Request& req, int) -> Reply {
    const double start = std::stod(req.get_param_value("start")), end = std::stod(req.get_param_value("end")),
                 step = std::stod(req.get_param_value("step"));
    if ((end - start) / step > 11'000)
      return {400, R"({"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries"})"};
    return {200, matrix(nlohmann::json::array({series_for(req, nlohmann::json::object(), [](double t) {
              return std::to_string(static_cast<long long>(t) % 1000);
            })}))};
  });
  const TimeRange range{kT0, kT0 + 24'999 * 60'000LL, 60'000};
  std::vector<std::size_t> progress;
  const QueryResult r = query_range({.url = server.url()}, "rate(x[2m])", range,
                                    [&](std::size_t i, std::size_t n, const TimeRange&) {
                                      progress.push_back(i);
                                      EXPECT_EQ(n, 3u);
                                    });
  EXPECT_EQ(progress, (std::vector<std::size_t>{0, 1, 2}));
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(r.requests, 3);
  EXPECT_EQ(seen[0].start, "1700000000");
  EXPECT_EQ(seen[0].end, std::to_string(1'700'000'000 + 10'999 * 60));
  EXPECT_EQ(seen[1].start, std::to_string(1'700'000'000 + 11'000 * 60));
  EXPECT_EQ(seen[2].end, std::to_string(1'700'000'000 + 24'999 * 60));
  for (const auto& s : seen) {
    EXPECT_EQ(s.query, "rate(x[2m])");
    EXPECT_EQ(s.step, "60");
  }
  ASSERT_EQ(r.series.size(), 1u);
  const TraceCsv csv = to_trace_csv(r.series[0], range);
  EXPECT_EQ(csv.stats.rows, 25'000);
  EXPECT_EQ(csv.stats.gaps, 0);
  std::istringstream lines(csv.text);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "timestamp,requests");
  for (std::int64_t k = 0; std::getline(lines, line); ++k) {
    const std::int64_t t = kT0 / 1000 + k * 60;
    ASSERT_EQ(line, trace_timestamp(t * 1000) + "," + std::to_string(t % 1000 * 60)) << k;
  }
}

// Errors through the CLI: exit code 1 and one line on stderr that names the cause.
TEST(QueryRange, ReportsWhatWentWrongInOneLine) {
  struct Case {
    const char* what;
    std::function<Reply(const httplib::Request&)> answer;
    std::vector<std::string> says;
    std::size_t requests;
  };
  const auto labels = [](const char* instance) { return nlohmann::json{{"job", "api"}, {"instance", instance}}; };
  const auto constant = [](double) { return std::string("2"); };
  const std::vector<Case> cases = {
      {"zero series", [](const httplib::Request&) { return Reply{200, matrix(nlohmann::json::array())}; },
       {"returned no series", "'rate(http_requests_total[2m])'"}, 1},
      {"several series",
       [&](const httplib::Request& req) {
         return Reply{200, matrix(nlohmann::json::array({series_for(req, labels("a:80"), constant), series_for(req, labels("b:80"), constant)}))};
       },
       {"returned 2 series, expected one", R"({instance="a:80", job="api"})", R"({instance="b:80", job="api"})", "sum(rate"},
       1},
      {"a 400 with Prometheus's error JSON",
       [](const httplib::Request&) {
         return Reply{400, R"({"status":"error","errorType":"bad_data","error":"1:28: parse error: unclosed left parenthesis"})"};
       },
       {"HTTP 400: bad_data: 1:28: parse error: unclosed left parenthesis", "/api/v1/query_range", "window 1 of 1"}, 1},
      {"a 422 execution error",
       [](const httplib::Request&) {
         return Reply{422, R"({"status":"error","errorType":"execution","error":"query processing would load too many samples"})"};
       },
       {"HTTP 422: execution: query processing would load too many samples"}, 1},
      {"a 401 without JSON", [](const httplib::Request&) { return Reply{401, "Unauthorized\n"}; },
       {"HTTP 401: body: Unauthorized"}, 1},
      {"an instant vector",
       [](const httplib::Request&) {
         return Reply{200, R"({"status":"success","data":{"resultType":"vector","result":[]}})"};
       },
       {"the result is a 'vector', not a matrix"}, 1},
      {"not JSON", [](const httplib::Request&) { return Reply{200, "<html>proxy login</html>"}; },
       {"not a Prometheus success response", "<html>proxy login</html>"}, 1},
      {"a negative rate",
       [](const httplib::Request& req) {
         return Reply{200, matrix(nlohmann::json::array({series_for(req, nlohmann::json::object(), [](double) { return std::string("-1.5"); })}))};
       },
       {"is -1.5; a request rate must be a finite number >= 0", "2023-11-14T22:13:20Z"}, 1},
      {"a single value",
       [constant](const httplib::Request& req) {
         auto s = series_for(req, nlohmann::json::object(), constant);
         s["values"].erase(s["values"].begin() + 1, s["values"].end());
         return Reply{200, matrix(nlohmann::json::array({s}))};
       },
       {"1 of the range's 5 evaluation times have a value; a trace needs at least two rows"}, 1},
  };
  const auto dir = std::filesystem::temp_directory_path() / ("autoscale_prom_errors_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    FakePrometheus server([&](const httplib::Request& req, int) { return c.answer(req); });
    const auto out = dir / "out.csv";
    const CliRun r = cli("trace --prometheus " + server.url() + " --query 'rate(http_requests_total[2m])' --start " +
                         std::to_string(kT0 / 1000) + " --end " + std::to_string(kT0 / 1000 + 240) + " --out " + out.string());
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("autoscale: error: "));
    for (const auto& s : c.says) EXPECT_THAT(r.err, HasSubstr(s));
    EXPECT_EQ(server.seen().size(), c.requests);
    EXPECT_FALSE(std::filesystem::exists(out));
  }
  std::filesystem::remove_all(dir);
}

// Wrong calls are usage errors (2) naming the option, before any request.
TEST(QueryRange, BadOptionsAreUsageErrors) {
  FakePrometheus server([](const httplib::Request&, int) { return Reply{500, ""}; });
  struct Case {
    std::string args;
    std::string says;
  };
  const std::string base = "trace --prometheus " + server.url() + " --query up --out /dev/null ";
  for (const Case& c : std::vector<Case>{
           {"--start yesterday --end 1700000000", "--start: expected an RFC 3339 timestamp (2024-05-01T00:00:00Z) or unix seconds, got 'yesterday'"},
           {"--start 1700000000 --end 2023-13-01T00:00:00Z", "--end: expected an RFC 3339"},
           {"--start 1700000000 --end 1700000600 --step 45s", "--step: a step of 45 s does not divide a minute evenly"},
           {"--start 1700000000 --end 1700000600 --step 90s", "--step: a step of 90 s is not a whole number of minutes"},
           {"--start 1700000000 --end 1700000600 --step 5x", "--step: unknown unit 'x'"},
           {"--start 1700000600 --end 1700000000", "--end: must not be before --start (2023-11-14T22:23:20Z)"},
           {"--start 0 --end 1700000000 --step 1s", "--step: the range holds 1700000001 steps of 1 s, more than 10000000"},
           {"--start 1700000000 --end 1700000600 --header 'no colon'", "--header: expected 'Name: value', got 'no colon'"},
           {"--start 1700000000 --end 1700000600 --header 'Authorization: Basic x' --bearer-token-file /etc/hostname",
            "--bearer-token-file: conflicts with the Authorization --header"},
       }) {
    SCOPED_TRACE(c.args);
    const CliRun r = cli(base + c.args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.says));
  }
  const CliRun missing = cli(base + "--start 1700000000 --end 1700000600 --bearer-token-file /nonexistent/token");
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/token: cannot read the bearer token file"));
  EXPECT_TRUE(server.seen().empty());
}

// A 503 is retried and the second answer used; the headers go with every request.
TEST(QueryRange, RetriesA503ThenSucceeds) {
  FakePrometheus server([](const httplib::Request& req, int index) -> Reply {
    if (index == 0) return {503, R"({"status":"error","errorType":"unavailable","error":"starting up"})"};
    return {200, matrix(nlohmann::json::array({series_for(req, {{"job", "api"}}, [](double t) {
              return t == 1'700'000'060 ? std::string("NaN") : std::string("2.5");
            })}))};
  });
  const auto dir = std::filesystem::temp_directory_path() / ("autoscale_prom_retry_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "s3cret\n";
  const CliRun r = cli("trace --prometheus " + server.url() + "/ --query 'sum(rate(x[2m]))' --start 2023-11-14T22:13:20Z --end " +
                       "1700000180 --step 1m --header 'X-Scope-OrgID: tenant-1' --bearer-token-file " + (dir / "token").string() +
                       " --out -");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "timestamp,requests\n"
            "2023-11-14T22:13:20Z,150\n"
            "2023-11-14T22:15:20Z,150\n"
            "2023-11-14T22:16:20Z,150\n");
  EXPECT_THAT(r.err, HasSubstr("trace: 1 of 4 steps had no value: 1 in 1 gap, the longest 1 min (within the default max_gap_minutes = 5)\n"));
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& s : seen) {
    EXPECT_EQ(s.authorization, "Bearer s3cret");
    EXPECT_EQ(s.tenant, "tenant-1");
    EXPECT_EQ(s.start, "1700000000");
    EXPECT_EQ(s.end, "1700000180");
    EXPECT_EQ(s.step, "60");
  }
  std::filesystem::remove_all(dir);
}

// Connection errors, 5xx and 429 are tried `tries` times, then reported with the last cause.
TEST(QueryRange, GivesUpAfterAFixedNumberOfTries) {
  struct Case {
    const char* what;
    int status;  // 0: nothing listens
    std::string says;
  };
  for (const Case& c : std::vector<Case>{{"503", 503, "HTTP 503: unavailable: overloaded (gave up after 4 tries)"},
                                         {"429", 429, "HTTP 429: unavailable: overloaded (gave up after 4 tries)"},
                                         {"500", 500, "HTTP 500: unavailable: overloaded (gave up after 4 tries)"},
                                         {"refused", 0, "connection error: cannot connect (gave up after 4 tries)"}}) {
    SCOPED_TRACE(c.what);
    FakePrometheus server([&](const httplib::Request&, int) {
      return Reply{c.status, R"({"status":"error","errorType":"unavailable","error":"overloaded"})"};
    });
    ClientOptions o{.url = c.status == 0 ? "http://127.0.0.1:" + std::to_string(closed_port()) : server.url(),
                    .first_backoff = std::chrono::milliseconds(1)};
    try {
      query_range(o, "up", {kT0, kT0 + 60'000, 60'000});
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(c.says));
    }
    EXPECT_EQ(server.seen().size(), c.status == 0 ? 0u : 4u);
  }
}

TEST(QueryRange, RefusesAUrlItCannotUse) {
  for (const char* url : {"127.0.0.1:9090", "ftp://host/", "http://", "http://host?x=1"}) {
    SCOPED_TRACE(url);
    try {
      query_range({.url = url}, "up", {kT0, kT0 + 60'000, 60'000});
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("--prometheus: expected http://HOST[:PORT][/PATH]"));
    }
  }
}

TEST(Headers, ParseLikeCurlAndReadTokenFiles) {
  EXPECT_EQ(parse_header("Authorization: Bearer abc"), (std::pair<std::string, std::string>("Authorization", "Bearer abc")));
  EXPECT_EQ(parse_header("X-Empty:"), (std::pair<std::string, std::string>("X-Empty", "")));
  for (const char* bad : {"nocolon", ": value", "Bad Name: v", "X: a\r\nY: b"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_header(bad), Error);
  }
  const auto file = std::filesystem::temp_directory_path() / ("autoscale_prom_token_" + std::to_string(getpid()));
  std::ofstream(file) << "  tok-en\n\n";
  EXPECT_EQ(bearer_token_header(file.string()), (std::pair<std::string, std::string>("Authorization", "Bearer tok-en")));
  std::ofstream(file) << "\n";
  EXPECT_THROW(bearer_token_header(file.string()), Error);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace autoscale::prometheus
