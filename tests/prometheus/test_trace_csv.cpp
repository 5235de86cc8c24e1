// A range query's result as a trace CSV (src/prometheus/trace_csv.hpp) and the times and
// durations `autoscale trace` reads, checked against what the trace loader makes of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "load/trace.hpp"
#include "prometheus/time_args.hpp"
#include "prometheus/trace_csv.hpp"

namespace autoscale::prometheus {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1'714'521'600'000;  // 2024-05-01T00:00:00Z
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(TimeArgs, ReadRfc3339AndUnixSeconds) {
  struct Case {
    const char* text;
    std::int64_t ms;
  };
  for (const Case& c : std::vector<Case>{{"2024-05-01T00:00:00Z", kT0},
                                         {"2024-05-01T02:00:00+02:00", kT0},
                                         {"2024-04-30T20:00:00-04:00", kT0},
                                         {"2024-05-01T00:00:00.250Z", kT0 + 250},
                                         {"2024-05-01 00:00:00", kT0},
                                         {"1714521600", kT0},
                                         {"1714521600.5", kT0 + 500},
                                         {"1714521600.0004", kT0},
                                         {"1714521600.0005", kT0 + 1},
                                         {" 1714521600 ", kT0},
                                         {"0", 0},
                                         {"-1.5", -1500}}) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(parse_time_arg(c.text), c.ms);
  }
  for (const char* bad : {"", "now", "1714521600.", ".5", "1e9", "2024-05-01T25:00:00Z", "2024-02-30", "12345678901234"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(error_of([&] { parse_time_arg(bad); }), HasSubstr("expected an RFC 3339 timestamp"));
  }
}

TEST(TimeArgs, ReadPrometheusDurationsAndSeconds) {
  struct Case {
    const char* text;
    std::int64_t ms;
  };
  for (const Case& c : std::vector<Case>{{"15s", 15'000},
                                         {"1m", 60'000},
                                         {"1h30m", 5'400'000},
                                         {"500ms", 500},
                                         {"2d", 172'800'000},
                                         {"1w", 604'800'000},
                                         {"60", 60'000},
                                         {"7.5", 7'500}}) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(parse_duration_arg(c.text), c.ms);
  }
  struct Bad {
    const char* text;
    const char* says;
  };
  for (const Bad& b : std::vector<Bad>{{"", "expected a duration"},
                                       {"5x", "unknown unit 'x'"},
                                       {"m", "expected a duration"},
                                       {"0s", "must be positive"},
                                       {"-5", "must be positive"},
                                       {"0.0001", "whole number of milliseconds"}}) {
    SCOPED_TRACE(b.text);
    EXPECT_THAT(error_of([&] { parse_duration_arg(b.text); }), HasSubstr(b.says));
  }
  EXPECT_EQ(api_seconds(kT0), "1714521600");
  EXPECT_EQ(api_seconds(kT0 + 250), "1714521600.25");
  EXPECT_EQ(api_seconds(7'500), "7.5");
  EXPECT_EQ(api_seconds(-1'500), "-1.5");
  EXPECT_EQ(api_seconds(-500), "-0.5");
}

// check_trace_step refuses exactly the steps the trace loader cannot resample.
TEST(TraceCsv, StepRuleIsTheLoaders) {
  for (const std::int64_t step : {1'000, 2'000, 7'000, 7'500, 15'000, 45'000, 60'000, 90'000, 120'000, 300'000, 3'600'000}) {
    SCOPED_TRACE(step);
    std::string csv = "timestamp,requests\n";  // rows over two minutes at least
    for (std::int64_t t = kT0; t <= kT0 + std::max<std::int64_t>(2 * 60'000, 2 * step); t += step)
      csv += trace_timestamp(t) + ",1\n";
    bool loader_ok = true;
    try {
      parse_trace_csv(csv, "t.csv", {});
    } catch (const Error&) {
      loader_ok = false;
    }
    bool ours_ok = true;
    try {
      check_trace_step(step);
    } catch (const Error&) {
      ours_ok = false;
    }
    EXPECT_EQ(ours_ok, loader_ok);
  }
}

// Rates per second become counts per step; NaN and missing times are left out (gaps), never zeros.
TEST(TraceCsv, WritesCountsPerStepAndLeavesGapsOut) {
  const TimeRange range{kT0, kT0 + 9 * 15'000, 15'000};  // 10 times
  Series s;
  s.labels = {{"job", "api"}};
  // Times 0 and 1 missing (before the first row), 4 NaN, 5 and 6 missing, 9 missing (after the last).
  const std::vector<std::pair<int, double>> values = {{2, 1}, {3, 2.5}, {4, kNaN}, {7, 0}, {8, 4}};
  for (const auto& [k, v] : values) s.samples.push_back({kT0 + k * 15'000, v});
  const TraceCsv csv = to_trace_csv(s, range);
  EXPECT_EQ(csv.text,
            "timestamp,requests\n"
            "2024-05-01T00:00:30Z,15\n"
            "2024-05-01T00:00:45Z,37.5\n"
            "2024-05-01T00:01:45Z,0\n"
            "2024-05-01T00:02:00Z,60\n");
  const TraceCsvStats& st = csv.stats;
  EXPECT_EQ(st.steps, 10);
  EXPECT_EQ(st.rows, 4);
  EXPECT_EQ(st.nan_values, 1);
  EXPECT_EQ(st.missing_before, 2);
  EXPECT_EQ(st.missing_after, 1);
  EXPECT_EQ(st.gaps, 1);
  EXPECT_EQ(st.gap_steps, 3);
  EXPECT_EQ(st.longest_gap_ms, 45'000);
  EXPECT_EQ(st.max_gap_minutes_needed(), 1);
  EXPECT_EQ(st.first_ms, kT0 + 30'000);
  EXPECT_EQ(st.last_ms, kT0 + 120'000);

  // What the loader makes of it: the gap interpolated, four 15 s counts summed into a minute.
  const TraceSeries t = parse_trace_csv(csv.text, "p.csv", {});
  EXPECT_EQ(t.original_interval_seconds, 15);
  EXPECT_EQ(t.gaps_filled, 3);
  ASSERT_EQ(t.tpm.size(), 1u);  // 7 intervals: one whole minute, the partial one dropped
  EXPECT_DOUBLE_EQ(t.tpm[0], 15 + 37.5 + (37.5 + (0 - 37.5) / 4) + (37.5 + (0 - 37.5) * 2 / 4));
  EXPECT_EQ(t.start_epoch_seconds, (kT0 + 30'000) / 1000);
}

// At a 60 s step a row holds requests per minute (tpm), and the loader reads it as is.
TEST(TraceCsv, AMinuteStepIsRequestsPerMinute) {
  const TimeRange range{kT0, kT0 + 3 * 60'000, 60'000};
  Series s;
  for (int k = 0; k < 4; ++k) s.samples.push_back({kT0 + k * 60'000, 10.0 + k});
  const TraceSeries t = parse_trace_csv(to_trace_csv(s, range).text, "p.csv", {});
  EXPECT_EQ(t.tpm, (std::vector<double>{600, 660, 720, 780}));
  EXPECT_EQ(t.original_interval_seconds, 60);
}

// A gap longer than max_gap_minutes stays an error of the loader, naming the setting that reads it.
TEST(TraceCsv, ALongGapNeedsMaxGapMinutes) {
  const TimeRange range{kT0, kT0 + 20 * 60'000, 60'000};
  Series s;
  for (int k = 0; k <= 20; ++k)
    if (k < 5 || k > 12) s.samples.push_back({kT0 + k * 60'000, 1});
  const TraceCsv csv = to_trace_csv(s, range);
  EXPECT_EQ(csv.stats.longest_gap_ms, 8 * 60'000);
  EXPECT_EQ(csv.stats.max_gap_minutes_needed(), 8);
  EXPECT_THAT(error_of([&] { parse_trace_csv(csv.text, "p.csv", {}); }), HasSubstr("set max_gap_minutes to 8"));
  TraceOptions o;
  o.max_gap_minutes = csv.stats.max_gap_minutes_needed();
  EXPECT_EQ(parse_trace_csv(csv.text, "p.csv", o).tpm.size(), 21u);
}

TEST(TraceCsv, SubSecondTimesKeepTheirMilliseconds) {
  EXPECT_EQ(trace_timestamp(kT0), "2024-05-01T00:00:00Z");
  EXPECT_EQ(trace_timestamp(kT0 + 7'500), "2024-05-01T00:00:07.500Z");
  EXPECT_EQ(trace_timestamp(-1), "1969-12-31T23:59:59.999Z");
  const TimeRange range{kT0 + 250, kT0 + 250 + 15 * 7'500, 7'500};
  Series s;
  for (int k = 0; k <= 15; ++k) s.samples.push_back({range.start_ms + k * 7'500, 2});
  const TraceSeries t = parse_trace_csv(to_trace_csv(s, range).text, "p.csv", {});
  EXPECT_EQ(t.tpm, (std::vector<double>{120, 120}));
}

TEST(TraceCsv, RefusesWhatNoTraceCanHold) {
  const TimeRange range{kT0, kT0 + 4 * 60'000, 60'000};
  struct Case {
    const char* what;
    std::vector<Sample> samples;
    TimeRange range;
    const char* says;
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (const Case& c : std::vector<Case>{
           {"negative", {{kT0, 1}, {kT0 + 60'000, -2}}, range, "the value at 2024-05-01T00:01:00Z is -2; a request rate must be"},
           {"infinite", {{kT0, inf}, {kT0 + 60'000, 1}}, range, "the value at 2024-05-01T00:00:00Z is inf"},
           {"only NaN", {{kT0, kNaN}, {kT0 + 60'000, kNaN}}, range, "0 of the range's 5 evaluation times have a value"},
           {"off the grid", {{kT0 + 1'000, 1}}, range, "a sample at 2024-05-01T00:00:01Z is not one of the range's evaluation times"},
           {"past the end", {{kT0 + 5 * 60'000, 1}}, range, "is not one of the range's evaluation times"},
           {"a bad step", {{kT0, 1}}, {kT0, kT0 + 90'000, 45'000}, "a step of 45 s does not divide a minute evenly"},
       }) {
    SCOPED_TRACE(c.what);
    Series s;
    s.labels = {{"job", "api"}};
    s.samples = c.samples;
    EXPECT_THAT(error_of([&] { to_trace_csv(s, c.range); }), HasSubstr(c.says));
  }
}

TEST(TraceCsv, ExactlyOneSeries) {
  QueryResult r;
  EXPECT_THAT(error_of([&] { single_series(r, "rate(x[2m])"); }), HasSubstr("the query 'rate(x[2m])' returned no series"));
  for (int i = 0; i < 7; ++i) r.series.push_back({{{"pod", "p" + std::to_string(i)}}, {}});
  const std::string e = error_of([&] { single_series(r, "rate(x[2m])"); });
  EXPECT_THAT(e, HasSubstr("returned 7 series, expected one: {pod=\"p0\"}, {pod=\"p1\"}"));
  EXPECT_THAT(e, HasSubstr("{pod=\"p4\"}, ... (2 more)"));
  r.series.resize(1);
  EXPECT_EQ(&single_series(r, "x"), &r.series[0]);
  EXPECT_EQ(labels_text({}), "{}");
  EXPECT_EQ(labels_text({{"a", "x\"y"}}), "{a=\"x\\\"y\"}");
}

}  // namespace
}  // namespace autoscale::prometheus
