// `autoscale trace` against a real Prometheus (Debian's `prometheus` package): a counter with a
// known rate is backfilled with promtool, Prometheus serves it on a loopback port, and the CLI's
// CSV must be that rate, with the gap left as a gap, and load as a scenario's trace.
#include <httplib.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <numbers>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "load/timestamp.hpp"
#include "prometheus/trace_csv.hpp"
#include "scenario/scenario.hpp"
#include "cli_run.hpp"
#include "local_prometheus.hpp"

namespace autoscale::prometheus {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const fs::path& kPrometheus = autoscale::testing::kPrometheusBinary;
const fs::path& kPromtool = autoscale::testing::kPromtoolBinary;

// ---- The known series -------------------------------------------------------------------------
// http_requests_total sampled every 15 s for 3 days from 2023-11-06T00:00:00Z. Its rate is constant
// within each 10-minute block and follows a daily cycle with a jitter from block to block (whole
// requests per second, so every sample is an exact integer). No samples for 10 minutes in the
// third day (a scrape outage); the counter keeps counting through it.
constexpr std::int64_t kStart = 1'699'228'800;  // seconds
constexpr std::int64_t kSampleEvery = 15;
constexpr std::int64_t kSamples = 3 * 86'400 / kSampleEvery;  // 17,280: two windows of a query at 15 s
constexpr std::int64_t kBlock = 600;
constexpr std::int64_t kGapStart = kStart + 2 * 86'400 + 3 * 3'600 + 300;  // day 3, 03:05
constexpr std::int64_t kGapEnd = kGapStart + 600;                          // first sample after it
constexpr double kCounterStart = 1'000'000;

// Requests per second in the 10-minute block holding second t.
double rate_at(std::int64_t t) {
  const std::int64_t b = (t - kStart) / kBlock;
  const double day = static_cast<double>(b * kBlock % 86'400) / 86'400;  // of the block's start
  return 20 + std::round(15 * (1 - std::cos(2 * std::numbers::pi * day))) + static_cast<double>((b * 37) % 7);
}

bool sampled(std::int64_t t) { return t >= kStart && t < kStart + kSamples * kSampleEvery && (t < kGapStart || t >= kGapEnd); }

// The query's times fall 7 s after a sample, as a real server's scrapes and queries do not line up.
constexpr std::int64_t kQueryOffset = 7;

// What rate(x[2m]) evaluated at t sees: the samples in [t-2m, t] (2m of 15 s samples never puts
// one exactly at t-2m here, so Prometheus 2's [t-2m, t] and 3's (t-2m, t] agree) and the range of
// the rates between them.
struct Seen {
  int samples = 0;
  bool full = true;  // every 15 s sample time of the window has a sample
  double lo = 1e300, hi = 0;
};
Seen seen_at(std::int64_t t) {
  Seen w;
  std::int64_t first = -1, last = -1;
  for (std::int64_t s = t - 120; s <= t; ++s) {
    if ((s - kStart) % kSampleEvery != 0) continue;
    if (first < 0) first = s;
    last = s;
    if (sampled(s)) {
      ++w.samples;
    } else {
      w.full = false;
    }
  }
  for (std::int64_t s = first; s < last; s += kSampleEvery) w.lo = std::min(w.lo, rate_at(s)), w.hi = std::max(w.hi, rate_at(s));
  return w;
}

std::string openmetrics() {
  std::string text = "# HELP http_requests Requests served.\n# TYPE http_requests counter\n";
  double counter = kCounterStart;
  for (std::int64_t i = 0; i < kSamples; ++i) {
    const std::int64_t t = kStart + i * kSampleEvery;
    if (sampled(t)) text += "http_requests_total " + std::to_string(static_cast<long long>(counter)) + " " + std::to_string(t) + "\n";
    counter += rate_at(t) * kSampleEvery;
  }
  return text + "# EOF\n";
}

// ---- Processes --------------------------------------------------------------------------------

using autoscale::testing::read_file_text;

using autoscale::testing::CliRun;
// The CLI with `args`, stdout and stderr apart (the test reads stderr).
CliRun cli(const std::string& args) { return autoscale::testing::run_cli(args, autoscale::testing::Stderr::kApart); }

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("autoscale_prometheus_" + std::to_string(getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// The CSV's rows, time in seconds -> requests in that step.
std::map<std::int64_t, double> read_rows(const fs::path& csv) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "timestamp,requests");
  std::map<std::int64_t, double> rows;
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    const auto t = parse_iso_timestamp_ms(line.substr(0, comma));
    EXPECT_TRUE(t && line.substr(0, comma).ends_with('Z')) << line;
    if (!t) continue;
    EXPECT_TRUE(rows.emplace(*t / 1000, std::stod(line.substr(comma + 1))).second) << "duplicate " << line;
  }
  return rows;
}

TEST(PrometheusTrace, ARealPrometheusGivesTheKnownSeriesAcrossWindowsWithItsGap) {
  if (!fs::exists(kPrometheus) || !fs::exists(kPromtool)) {
    AUTOSCALE_SKIP_UNLESS_CI(kPrometheus << " or " << kPromtool << " is not installed (scripts/setup.sh installs Debian's prometheus)");
  }
  TempDir dir;
  std::ofstream(dir.path / "requests.om") << openmetrics();
  const auto data = dir.path / "data";
  const int backfill = std::system((kPromtool.string() + " tsdb create-blocks-from openmetrics " + (dir.path / "requests.om").string() +
                                    " " + data.string() + " >" + (dir.path / "promtool.log").string() + " 2>&1")
                                       .c_str());
  ASSERT_EQ(backfill, 0) << read_file_text(dir.path / "promtool.log");
  std::ofstream(dir.path / "prometheus.yml") << "global:\n  scrape_interval: 1m\nscrape_configs: []\n";

  // Prometheus on a free loopback port, ready when /-/ready answers 200.
  autoscale::testing::LocalPrometheus server(dir.path / "prometheus.yml", data, dir.path / "prometheus.log",
                                             {"--storage.tsdb.retention.time=100y"});
  const int port = server.port();
  ASSERT_TRUE(server.ready()) << "Prometheus did not become ready; its log:\n" << server.log();

  // 17,280 steps of 15 s: more than one request's 11,000.
  const std::int64_t first_step = kStart + kQueryOffset, last_step = first_step + (kSamples - 1) * kSampleEvery;
  const auto csv = dir.path / "requests.csv";
  const CliRun r = cli("trace --prometheus http://127.0.0.1:" + std::to_string(port) +
                           " --query 'rate(http_requests_total[2m])' --start 2023-11-06T00:00:07Z --end " +
                           std::to_string(last_step) + " --step 15s --out " + csv.string());
  ASSERT_EQ(r.code, 0) << r.err;
  std::cout << r.err;
  EXPECT_THAT(r.err, HasSubstr("window 1 of 2: 2023-11-06T00:00:07Z to 2023-11-07T21:49:52Z (11000 steps)"));
  EXPECT_THAT(r.err, HasSubstr("window 2 of 2: 2023-11-07T21:50:07Z to 2023-11-08T23:59:52Z (6280 steps)"));
  server.stop();

  // rate(x[2m]) at t is the slope of the samples it sees, extrapolated to the window's edges when
  // the first and last sample are within 1.1 sample intervals of them (here 7 and 8 s: always).
  // On a counter that grows linearly, extrapolating a line changes nothing: where every sample of
  // the window exists and one rate holds between them, the result is that rate. The counter's
  // samples are exact integers far below 2^53, and Prometheus's arithmetic (a difference, a
  // scaling by 120/105, a division by 120) rounds each step to a double, so the result is within a
  // few units in the last place (~1e-15 relative). The tolerance, 1e-9 relative, is far above
  // that and far below any real error: a wrong step, unit or offset is off by whole percent.
  // Where the rate changes inside the window, the slope is a mean of the rates: between them.
  // Where the window has samples missing (the series' first 2 minutes, the gap's edges),
  // extrapolation makes values no known series matches: only their existence is checked.
  const auto rows = read_rows(csv);
  const double tolerance = 1e-9;
  double max_deviation = 0;
  std::int64_t exact = 0, straddling = 0, inside_gap = 0;
  for (std::int64_t k = 0; k < kSamples; ++k) {
    const std::int64_t t = first_step + k * kSampleEvery;
    const auto row = rows.find(t);
    const Seen w = seen_at(t);
    if (w.samples < 2) {
      // No rate without two samples: a gap in the CSV, not a zero or a guess.
      EXPECT_EQ(row, rows.end()) << "a row without two samples at " << format_utc(t * 1000);
      inside_gap += t > kGapStart && t < kGapEnd + 120;
      continue;
    }
    ASSERT_NE(row, rows.end()) << "no row at " << format_utc(t * 1000);
    if (!w.full) continue;
    const double lo = w.lo * kSampleEvery, hi = w.hi * kSampleEvery;  // requests in the 15 s step
    if (lo == hi) {
      max_deviation = std::max(max_deviation, std::abs(row->second - lo) / lo);
      EXPECT_NEAR(row->second, lo, tolerance * lo) << format_utc(t * 1000);
      ++exact;
    } else {
      EXPECT_GE(row->second, lo * (1 - tolerance)) << format_utc(t * 1000);
      EXPECT_LE(row->second, hi * (1 + tolerance)) << format_utc(t * 1000);
      ++straddling;
    }
  }
  EXPECT_GT(exact, 14'000);  // the steps whose 2 minutes of samples lie in one 10-minute block
  EXPECT_GT(straddling, 2'000);
  EXPECT_GE(inside_gap, 30);  // 10 minutes without samples: about 8 without a rate
  // The windows' seam: the last time of the first request and the first of the second, once each.
  EXPECT_TRUE(rows.contains(first_step + 10'999 * kSampleEvery));
  EXPECT_TRUE(rows.contains(first_step + 11'000 * kSampleEvery));
  std::cout << "[ trace    ] " << rows.size() << " rows of " << kSamples << " steps; " << exact
            << " compared with the known rate, max relative deviation " << max_deviation << "; " << straddling
            << " across a rate change, within bounds; " << inside_gap << " steps in the gap without a row\n";
  RecordProperty("max_relative_deviation", std::to_string(max_deviation));

  // The gap is longer than the default max_gap_minutes: the CLI says what a scenario needs, and
  // the loader refuses the file without it, naming the same value.
  std::int64_t first = rows.begin()->first, longest = 0, previous = first;
  for (const auto& [t, v] : rows) longest = std::max(longest, t - previous - kSampleEvery), previous = t;
  const std::int64_t need = (longest + 59) / 60;
  EXPECT_GT(need, 5);
  EXPECT_THAT(r.err, HasSubstr("a scenario needs max_gap_minutes = " + std::to_string(need) + " to read the file"));
  const auto toml = dir.path / "from-prometheus.toml";
  std::ofstream(toml) << "name = \"from-prometheus\"\n[load]\nkind = \"trace\"\npath = \"requests.csv\"\n";
  try {
    resolve_scenario(toml.string());
    ADD_FAILURE() << "a gap longer than max_gap_minutes loaded";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("set max_gap_minutes to " + std::to_string(need)));
  }

  // With it, the trace loads: 15 s counts summed per minute are the known requests per minute.
  std::ofstream(toml) << "name = \"from-prometheus\"\n[load]\nkind = \"trace\"\npath = \"requests.csv\"\nmax_gap_minutes = " << need << "\n";
  const Scenario scenario = resolve_scenario(toml.string());
  const TraceSeries& series = *scenario.load.series;
  EXPECT_EQ(series.column, "requests");
  EXPECT_EQ(series.original_interval_seconds, 15);
  EXPECT_EQ(series.start_epoch_seconds, first);
  EXPECT_EQ(series.gaps_filled, static_cast<std::int64_t>((rows.rbegin()->first - first) / kSampleEvery + 1 - rows.size()));
  std::int64_t minutes_exact = 0;
  for (std::size_t m = 0; m < series.tpm.size(); ++m) {
    const std::int64_t t0 = first + static_cast<std::int64_t>(m) * 60;  // the minute's first row
    EXPECT_GT(series.tpm[m], 0) << "minute " << m;                       // the gap interpolated, not zeros
    bool clean = true;  // its four rows compared exactly above, all at one rate
    for (std::int64_t t = t0; t < t0 + 60; t += kSampleEvery) {
      const Seen w = seen_at(t);
      clean = clean && w.full && w.lo == w.hi && w.lo == seen_at(t0).lo;
    }
    if (!clean) continue;
    EXPECT_NEAR(series.tpm[m], seen_at(t0).lo * 60, tolerance * seen_at(t0).lo * 60) << "minute " << m;
    ++minutes_exact;
  }
  EXPECT_GT(minutes_exact, 3'000);  // of 4,320

  // And the CLI runs a scenario around it.
  const CliRun sim = cli("simulate --scenario " + toml.string() + " --episodes 1 --minutes 600 --policy static:10");
  EXPECT_EQ(sim.code, 0) << sim.err;
}

}  // namespace
}  // namespace autoscale::prometheus
