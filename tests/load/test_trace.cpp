#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "load/trace.hpp"
#include "load/trace_load.hpp"

#include <unistd.h>

namespace autoscale {
namespace {

TraceSeries parse(std::string_view text, const TraceOptions& opt = {}) {
  return parse_trace_csv(text, "t.csv", opt);
}

// The message of the Error that f throws ("" and a test failure if it throws none).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected autoscale::Error";
  return "";
}

std::string parse_error(std::string_view text, const TraceOptions& opt = {}) {
  return error_of([&] { parse(text, opt); });
}

// Every fragment must appear in the message, so the tests pin down the file, line and cause.
#define EXPECT_MESSAGE(message, ...)                                                              \
  do {                                                                                            \
    const std::string msg_ = (message);                                                           \
    for (const std::string& frag_ : std::initializer_list<std::string>{__VA_ARGS__})              \
      EXPECT_NE(msg_.find(frag_), std::string::npos) << "missing '" << frag_ << "' in: " << msg_; \
  } while (0)

// A CSV file in the temp directory, removed when the test ends.
class TempCsv {
 public:
  explicit TempCsv(std::string_view contents) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("autoscale_trace_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".csv");
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempCsv() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::vector<std::int64_t> draw(LoadModel& load, int n) {
  std::vector<std::int64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(load.next());
  return out;
}

std::shared_ptr<const TraceSeries> ramp_series(std::size_t minutes) {
  auto s = std::make_shared<TraceSeries>();
  s->source = "ramp";
  for (std::size_t i = 0; i < minutes; ++i) s->tpm.push_back(static_cast<double>(i));
  return s;
}

// ---- Timestamps -----------------------------------------------------------------------------

TEST(TraceTimestamp, ParsesIsoForms) {
  EXPECT_EQ(parse_iso_timestamp_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso_timestamp_ms("1970-01-01 00:01"), 60'000);
  EXPECT_EQ(parse_iso_timestamp_ms("1970-01-01t00:01:02z"), 62'000);
  EXPECT_EQ(parse_iso_timestamp_ms("1970-01-02"), 86'400'000);
  EXPECT_EQ(parse_iso_timestamp_ms("1969-12-31T23:59:00+00:00"), -60'000);
  EXPECT_EQ(parse_iso_timestamp_ms("1995-07-01T00:00:00-04:00"), 804571200'000LL);
  EXPECT_EQ(parse_iso_timestamp_ms("1998-04-30T21:30:00+00:00"), 893971800'000LL);
  EXPECT_EQ(parse_iso_timestamp_ms("2000-02-29T12:34:56+05:30"), 951807896'000LL);
  EXPECT_EQ(parse_iso_timestamp_ms("2000-02-29T12:34:56+0530"), 951807896'000LL);
  EXPECT_EQ(parse_iso_timestamp_ms("2000-02-29T13:04:56+06"), 951807896'000LL);
  EXPECT_EQ(parse_iso_timestamp_ms("2024-03-10T01:59:00-05:00"), 1710053940'000LL);
  EXPECT_EQ(parse_iso_timestamp_ms("0001-01-01T00:00:00Z"), -62135596800'000LL);
  EXPECT_EQ(parse_iso_timestamp_ms("9999-12-31T23:59:59Z"), 253402300799'000LL);
}

TEST(TraceTimestamp, FractionalSecondsToMilliseconds) {
  EXPECT_EQ(parse_iso_timestamp_ms("1970-01-01T00:00:01.5Z"), 1'500);
  EXPECT_EQ(parse_iso_timestamp_ms("1970-01-01T00:00:01,25"), 1'250);
  EXPECT_EQ(parse_iso_timestamp_ms("1970-01-01T00:00:00.123456+00:00"), 123);
}

TEST(TraceTimestamp, RejectsMalformed) {
  for (const char* bad : {"", "abc", "1995-07-01T", "1995-7-01T00:00", "1995-07-01T24:00", "1995-07-01T23:60",
                          "1995-07-01T00:00:60", "1995-13-01", "1995-02-29", "1900-02-29", "1995-07-32",
                          "1995-07-01T00:00:00+", "1995-07-01T00:00:00+05:", "1995-07-01T00:00:00.Z",
                          "1995-07-01T00:00:00 junk", "0000-01-01", "1995/07/01 00:00", "12"})
    EXPECT_FALSE(parse_iso_timestamp_ms(bad).has_value()) << bad;
}

// ---- Good files -----------------------------------------------------------------------------

TEST(TraceParse, IsoWithTAndOffset) {
  const auto s = parse(
      "timestamp,requests\n1995-07-01T00:00:00-04:00,42\n1995-07-01T00:01:00-04:00,62\n"
      "1995-07-01T00:02:00-04:00,58\n");
  EXPECT_EQ(s.tpm, (std::vector<double>{42, 62, 58}));
  EXPECT_EQ(s.start_epoch_seconds, 804571200);
  EXPECT_EQ(s.source, "t.csv");
  EXPECT_EQ(s.column, "requests");
  EXPECT_EQ(s.original_interval_seconds, 60);
  EXPECT_EQ(s.gaps_filled, 0);
}

TEST(TraceParse, SpaceSeparatorNoSecondsNoOffsetIsUtc) {
  const auto s = parse("time,n\n1970-01-01 00:10,1\n1970-01-01 00:11,2\n");
  EXPECT_EQ(s.tpm, (std::vector<double>{1, 2}));
  EXPECT_EQ(s.start_epoch_seconds, 600);
}

TEST(TraceParse, OffsetChangeMidFileIsOneTimeline) {
  // A daylight-saving switch: the local clock jumps but the UTC minutes are consecutive.
  const auto s = parse(
      "Timestamp,n\n2024-03-10T01:58:00-05:00,1\n2024-03-10T01:59:00-05:00,2\n"
      "2024-03-10T03:00:00-04:00,3\n");
  EXPECT_EQ(s.tpm, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(s.gaps_filled, 0);
}

TEST(TraceParse, TimestampColumnRecognisedByContent) {
  const auto s = parse("when,n\n2024-01-01T00:00Z,5\n2024-01-01T00:01Z,6\n");
  EXPECT_TRUE(s.start_epoch_seconds.has_value());
  EXPECT_EQ(s.tpm, (std::vector<double>{5, 6}));
}

TEST(TraceParse, HeaderNamesRecognisedCaseInsensitively) {
  for (const char* name : {"TIMESTAMP", "Time", "ts", "Date", "DateTime"}) {
    const auto s = parse(std::string(name) + ",n\n2024-01-01,5\n2024-01-02,6\n");
    EXPECT_EQ(s.start_epoch_seconds, 1704067200) << name;
    EXPECT_EQ(s.tpm.size(), 2u * 1440) << name;  // daily counts become per-minute rates
  }
}

TEST(TraceParse, NoTimestampSingleColumn) {
  const auto s = parse("requests\n1\n2.5\n3\n");
  EXPECT_EQ(s.tpm, (std::vector<double>{1, 2.5, 3}));
  EXPECT_FALSE(s.start_epoch_seconds.has_value());
  EXPECT_EQ(s.column, "requests");
  EXPECT_EQ(s.original_interval_seconds, 60);
}

TEST(TraceParse, NoTimestampUsesIntervalSeconds) {
  TraceOptions opt;
  opt.interval_seconds = 120;
  EXPECT_EQ(parse("n\n10\n4\n", opt).tpm, (std::vector<double>{5, 5, 2, 2}));
  opt.interval_seconds = 30;
  EXPECT_EQ(parse("n\n1\n2\n3\n4\n5\n", opt).tpm, (std::vector<double>{3, 7}));
}

TEST(TraceParse, ColumnChosenByName) {
  const std::string text = "timestamp,a,b,c\n2024-01-01T00:00Z,1,10,100\n2024-01-01T00:01Z,2,20,200\n";
  EXPECT_EQ(parse(text).column, "a");
  EXPECT_EQ(parse(text).tpm, (std::vector<double>{1, 2}));
  TraceOptions opt;
  opt.column = "c";
  EXPECT_EQ(parse(text, opt).tpm, (std::vector<double>{100, 200}));
  EXPECT_EQ(parse(text, opt).column, "c");
  opt.column = "b";
  EXPECT_EQ(parse("a,b\n1,7\n2,8\n", opt).tpm, (std::vector<double>{7, 8}));
}

TEST(TraceParse, UnusedColumnsAreNotValidated) {
  TraceOptions opt;
  opt.column = "b";
  EXPECT_EQ(parse("a,b\n,7\nx,8\n", opt).tpm, (std::vector<double>{7, 8}));
}

TEST(TraceParse, FiveMinuteCountsBecomePerMinuteRates) {
  const auto s = parse("timestamp,n\n2024-01-01T00:00Z,50\n2024-01-01T00:05Z,100\n");
  EXPECT_EQ(s.tpm, (std::vector<double>{10, 10, 10, 10, 10, 20, 20, 20, 20, 20}));
  EXPECT_EQ(s.original_interval_seconds, 300);
}

TEST(TraceParse, PerSecondCountsSumIntoMinutes) {
  std::string text = "timestamp,n\n";
  for (int i = 0; i < 150; ++i) {  // 2.5 minutes: the partial last minute is dropped
    char row[64];
    std::snprintf(row, sizeof row, "2024-01-01T00:%02d:%02dZ,%d\n", i / 60, i % 60, i < 60 ? 1 : 2);
    text += row;
  }
  const auto s = parse(text);
  EXPECT_EQ(s.tpm, (std::vector<double>{60, 120}));
  EXPECT_EQ(s.original_interval_seconds, 1);
  EXPECT_EQ(s.start_epoch_seconds, 1704067200);
}

TEST(TraceParse, FifteenSecondCounts) {
  const auto s = parse(
      "timestamp,n\n2024-01-01T00:00:00Z,1\n2024-01-01T00:00:15Z,2\n"
      "2024-01-01T00:00:30Z,3\n2024-01-01T00:00:45Z,4\n2024-01-01T00:01:00Z,5\n");
  EXPECT_EQ(s.tpm, (std::vector<double>{10}));
  EXPECT_EQ(s.original_interval_seconds, 15);
}

TEST(TraceParse, CrlfBlankLinesBomAndSpaces) {
  const auto s = parse(
      "\xEF\xBB\xBFtimestamp,requests\r\n\r\n2024-01-01T00:00Z, 3 \r\n  \r\n"
      "2024-01-01T00:01Z,+4\r\n2024-01-01T00:02Z,1e1\r\n");
  EXPECT_EQ(s.tpm, (std::vector<double>{3, 4, 10}));
}

TEST(TraceParse, QuotedHeaderNames) {
  TraceOptions opt;
  opt.column = "b";
  EXPECT_EQ(parse("\"timestamp\",\"a\",\"b\"\n2024-01-01T00:00Z,1,2\n2024-01-01T00:01Z,1,3\n", opt).tpm,
            (std::vector<double>{2, 3}));
}

TEST(TraceParse, MostCommonStepIsTheInterval) {
  // The first step is a gap; the interval is still one minute.
  const auto s = parse(
      "timestamp,n\n2024-01-01T00:00Z,0\n2024-01-01T00:02Z,2\n2024-01-01T00:03Z,3\n"
      "2024-01-01T00:04Z,4\n");
  EXPECT_EQ(s.tpm, (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(s.original_interval_seconds, 60);
}

// ---- Bad files ------------------------------------------------------------------------------

TEST(TraceErrors, ExampleMessageFormat) {
  EXPECT_EQ(parse_error("timestamp,requests\n2024-01-01T00:00Z,1\n2024-01-01T00:01Z,abc\n"),
            "t.csv:3: column 'requests': not a number: 'abc'");
}

TEST(TraceErrors, MalformedRow) {
  EXPECT_MESSAGE(parse_error("timestamp,requests\n2024-01-01T00:00Z,1,2\n"), "t.csv:2:", "malformed row",
                 "expected 2 fields", "found 3");
  EXPECT_MESSAGE(parse_error("a,b\n1,2\n3\n"), "t.csv:3:", "expected 2 fields", "found 1");
}

TEST(TraceErrors, EmptyValue) {
  EXPECT_MESSAGE(parse_error("timestamp,requests\n2024-01-01T00:00Z,1\n2024-01-01T00:01Z,\n"),
                 "t.csv:3:", "column 'requests': empty value");
  EXPECT_MESSAGE(parse_error("timestamp,requests\n,1\n"), "t.csv:2:", "column 'timestamp': empty timestamp");
}

TEST(TraceErrors, NonNumericValue) {
  EXPECT_MESSAGE(parse_error("requests\n1\n12x\n"), "t.csv:3:", "column 'requests': not a number: '12x'");
  EXPECT_MESSAGE(parse_error("requests\n0x10\n"), "t.csv:2:", "not a number: '0x10'");
}

TEST(TraceErrors, NegativeValue) {
  EXPECT_MESSAGE(parse_error("requests\n1\n-2\n"), "t.csv:3:", "column 'requests': negative value: '-2'");
}

TEST(TraceErrors, NanAndInf) {
  EXPECT_MESSAGE(parse_error("requests\nnan\n"), "t.csv:2:", "column 'requests': not finite: 'nan'");
  EXPECT_MESSAGE(parse_error("requests\n1\ninf\n"), "t.csv:3:", "not finite: 'inf'");
  EXPECT_MESSAGE(parse_error("requests\n1e999\n"), "t.csv:2:", "out of range: '1e999'");
}

TEST(TraceErrors, BadTimestamp) {
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:00Z,1\n2024-01-01T25:00Z,2\n"),
                 "t.csv:3:", "column 'timestamp': bad timestamp: '2024-01-01T25:00Z'");
  EXPECT_MESSAGE(parse_error("time,n\nyesterday,1\n"), "t.csv:2:", "bad timestamp: 'yesterday'");
}

TEST(TraceErrors, EmptyFileAndHeaderOnly) {
  EXPECT_MESSAGE(parse_error(""), "t.csv:", "empty file");
  EXPECT_MESSAGE(parse_error("\n\r\n  \n"), "t.csv:", "empty file");
  EXPECT_MESSAGE(parse_error("timestamp,requests\n"), "t.csv:1:", "header only");
  EXPECT_MESSAGE(parse_error("\ntimestamp,requests\r\n\r\n"), "t.csv:2:", "header only");
}

TEST(TraceErrors, LineNumbersCountBlankLinesAndHeader) {
  EXPECT_MESSAGE(parse_error("requests\n\n1\n\nx\n"), "t.csv:5:", "not a number: 'x'");
}

TEST(TraceErrors, DuplicateTimestamp) {
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:00Z,1\n2024-01-01T00:01Z,1\n2024-01-01T00:01Z,2\n"),
                 "t.csv:4:", "duplicate timestamp '2024-01-01T00:01Z'", "line 3");
  // The same instant written with another offset is still a duplicate.
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:00Z,1\n2024-01-01T01:00+01:00,1\n"),
                 "t.csv:3:", "duplicate timestamp");
}

TEST(TraceErrors, TimeGoingBackwards) {
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:05Z,1\n2024-01-01T00:04Z,1\n"),
                 "t.csv:3:", "goes back in time", "'2024-01-01T00:04Z'", "increasing time order");
}

TEST(TraceErrors, IrregularStep) {
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,1\n"
                             "2024-01-01T00:02:00Z,1\n2024-01-01T00:03:30Z,1\n"),
                 "t.csv:5:", "irregular timestamp '2024-01-01T00:03:30Z'", "90 s", "interval (60 s)");
}

TEST(TraceErrors, IntervalMustFitTheMinuteGrid) {
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:00:00Z,1\n2024-01-01T00:00:07Z,1\n"),
                 "t.csv:", "7 s", "does not divide a minute");
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:30Z,1\n"),
                 "t.csv:", "90 s", "not a whole number of minutes");
  TraceOptions opt;
  opt.interval_seconds = 45;
  EXPECT_MESSAGE(parse_error("n\n1\n", opt), "t.csv:", "interval_seconds of 45 s",
                 "does not divide a minute");
  for (const double bad : {0.0, -60.0, std::nan("")}) {
    opt.interval_seconds = bad;
    EXPECT_MESSAGE(parse_error("n\n1\n", opt), "t.csv:", "interval_seconds must be a positive");
  }
}

TEST(TraceErrors, SubMinuteTraceShorterThanAMinute) {
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:00:00Z,1\n2024-01-01T00:00:20Z,1\n"),
                 "t.csv:", "less than one whole minute");
}

TEST(TraceErrors, UnknownColumnListsAvailable) {
  TraceOptions opt;
  opt.column = "reqs";
  EXPECT_MESSAGE(parse_error("timestamp,requests,errors\n2024-01-01T00:00Z,1,0\n", opt),
                 "t.csv:1:", "no value column 'reqs'", "available: 'requests', 'errors'");
  EXPECT_MESSAGE(parse_error("\n\nrequests\n1\n", opt), "t.csv:3:", "no value column 'reqs'");
  opt.column = "timestamp";  // the timestamp column is not a value column
  EXPECT_MESSAGE(parse_error("timestamp,requests\n2024-01-01T00:00Z,1\n", opt),
                 "t.csv:1:", "available: 'requests'");
}

TEST(TraceErrors, TimestampColumnOnly) {
  EXPECT_MESSAGE(parse_error("timestamp\n2024-01-01T00:00Z\n"), "t.csv:1:", "no value column");
}

TEST(TraceErrors, SingleTimestampedRow) {
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:00Z,1\n"), "t.csv:2:", "single timestamped row");
}

TEST(TraceErrors, NegativeMaxGap) {
  TraceOptions opt;
  opt.max_gap_minutes = -1;
  EXPECT_MESSAGE(parse_error("n\n1\n", opt), "t.csv:", "max_gap_minutes must be >= 0");
}

// ---- Gaps -----------------------------------------------------------------------------------

TEST(TraceGaps, ShortGapsInterpolated) {
  const auto s = parse(
      "timestamp,n\n2024-01-01T00:00Z,10\n2024-01-01T00:02Z,30\n2024-01-01T00:03Z,0\n"
      "2024-01-01T00:07Z,40\n");
  EXPECT_EQ(s.tpm, (std::vector<double>{10, 20, 30, 0, 10, 20, 30, 40}));
  EXPECT_EQ(s.gaps_filled, 4);  // missing intervals, here minutes
}

TEST(TraceGaps, GapOfExactlyMaxIsFilled) {
  const auto s = parse("timestamp,n\n2024-01-01T00:00Z,0\n2024-01-01T00:01Z,0\n2024-01-01T00:07Z,6\n");
  EXPECT_EQ(s.tpm.size(), 8u);
  EXPECT_EQ(s.gaps_filled, 5);
}

TEST(TraceGaps, TooLongGapNamesFileLineLengthAndFix) {
  const std::string text = "timestamp,n\n2024-01-01T00:00Z,0\n2024-01-01T00:01Z,0\n2024-01-01T00:08Z,6\n";
  EXPECT_MESSAGE(parse_error(text), "t.csv:4:", "gap of 6 minutes", "'2024-01-01T00:01Z'",
                 "'2024-01-01T00:08Z'", "max_gap_minutes = 5", "set max_gap_minutes to 6 or more");
  TraceOptions opt;
  opt.max_gap_minutes = 6;
  EXPECT_EQ(parse(text, opt).gaps_filled, 6);
  opt.max_gap_minutes = 0;
  EXPECT_MESSAGE(
      parse_error("timestamp,n\n2024-01-01T00:00Z,0\n2024-01-01T00:01Z,0\n2024-01-01T00:03Z,6\n", opt),
      "t.csv:4:", "gap of 1 minutes", "max_gap_minutes = 0");
}

TEST(TraceGaps, GapsInFiveMinuteData) {
  // One missing 5-minute interval is 5 minutes of missing time: within the default limit.
  const auto s = parse("timestamp,n\n2024-01-01T00:00Z,5\n2024-01-01T00:05Z,5\n2024-01-01T00:15Z,15\n");
  EXPECT_EQ(s.gaps_filled, 1);
  EXPECT_EQ(s.tpm, (std::vector<double>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3}));
  EXPECT_MESSAGE(parse_error("timestamp,n\n2024-01-01T00:00Z,5\n2024-01-01T00:05Z,5\n2024-01-01T00:20Z,15\n"),
                 "t.csv:4:", "gap of 10 minutes");
}

TEST(TraceGaps, GapsInPerSecondData) {
  std::string text = "timestamp,n\n";
  for (int i = 0; i < 60; ++i)
    if (i < 20 || i >= 50)
      text += "2024-01-01T00:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "Z,2\n";
  const auto s = parse(text);
  EXPECT_EQ(s.gaps_filled, 30);
  EXPECT_EQ(s.tpm, (std::vector<double>{120}));
}

// ---- Scaling --------------------------------------------------------------------------------

TEST(TraceScaling, QuantileInterpolatesOrderStatistics) {
  EXPECT_DOUBLE_EQ(trace_quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(trace_quantile({4, 1, 3, 2}, 0), 1);
  EXPECT_DOUBLE_EQ(trace_quantile({4, 1, 3, 2}, 1), 4);
  EXPECT_DOUBLE_EQ(trace_quantile({7}, 0.99), 7);
  EXPECT_DOUBLE_EQ(trace_quantile({}, 0.99), 0);
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_DOUBLE_EQ(trace_quantile(v, 0.99), 99.01);
}

TEST(TraceScaling, ScaleMultiplies) {
  auto s = parse("n\n1\n2\n3\n");
  TraceOptions opt;
  opt.scale = 2.5;
  apply_trace_scaling(s, opt);
  EXPECT_EQ(s.tpm, (std::vector<double>{2.5, 5, 7.5}));
}

TEST(TraceScaling, ScaleToP99) {
  std::string text = "n\n";
  for (int i = 1; i <= 100; ++i) text += std::to_string(i) + "\n";
  auto s = parse(text);
  TraceOptions opt;
  opt.scale_to_p99 = 5000;
  apply_trace_scaling(s, opt);
  EXPECT_NEAR(trace_quantile(s.tpm, 0.99), 5000, 1e-9);
  EXPECT_NEAR(s.tpm.front(), 5000 / 99.01, 1e-9);
}

TEST(TraceScaling, BadScalingOptions) {
  auto s = parse("n\n1\n2\n");
  TraceOptions opt;
  opt.scale = 2;
  opt.scale_to_p99 = 100;
  EXPECT_MESSAGE(error_of([&] { apply_trace_scaling(s, opt); }), "t.csv:", "both set");
  opt.scale_to_p99.reset();
  for (const double bad : {0.0, -1.0, std::nan(""), HUGE_VAL}) {
    opt.scale = bad;
    EXPECT_MESSAGE(error_of([&] { apply_trace_scaling(s, opt); }),
                   "t.csv:", "scale must be a positive number");
  }
  opt.scale.reset();
  opt.scale_to_p99 = -5;
  EXPECT_MESSAGE(error_of([&] { apply_trace_scaling(s, opt); }), "scale_to_p99 must be a positive number");
  EXPECT_EQ(s.tpm, (std::vector<double>{1, 2}));  // untouched by the failed calls
}

TEST(TraceScaling, ZeroP99CannotBeScaled) {
  auto s = parse("n\n0\n0\n0\n");
  TraceOptions opt;
  opt.scale_to_p99 = 100;
  EXPECT_MESSAGE(error_of([&] { apply_trace_scaling(s, opt); }), "t.csv:", "99th percentile of 0");
}

// ---- Files ----------------------------------------------------------------------------------

TEST(TraceFile, LoadReadsParsesAndScales) {
  const TempCsv file("timestamp,requests\r\n2024-01-01T00:00Z,1\r\n2024-01-01T00:01Z,2\r\n");
  TraceOptions opt;
  opt.path = file.path();
  opt.scale = 10;
  const auto s = load_trace(opt);
  EXPECT_EQ(s.tpm, (std::vector<double>{10, 20}));
  EXPECT_EQ(s.source, file.path().string());
}

TEST(TraceFile, ErrorsNameThePath) {
  const TempCsv file("requests\n1\noops\n");
  TraceOptions opt;
  opt.path = file.path();
  EXPECT_MESSAGE(error_of([&] { load_trace(opt); }), file.path().string() + ":3:", "not a number: 'oops'");
  opt.path = "/nonexistent/trace.csv";
  EXPECT_MESSAGE(error_of([&] { load_trace(opt); }), "/nonexistent/trace.csv:", "no such file");
  opt.path = std::filesystem::temp_directory_path();
  EXPECT_MESSAGE(error_of([&] { load_trace(opt); }), "is a directory");
}

TEST(TraceFile, ScalingConflictReportedBeforeReading) {
  TraceOptions opt;
  opt.path = "/nonexistent/trace.csv";
  opt.scale = 1;
  opt.scale_to_p99 = 1;
  EXPECT_MESSAGE(error_of([&] { load_trace(opt); }), "both set");
}

// ---- Start resolution -----------------------------------------------------------------------

TEST(TraceStart, ResolveStart) {
  const auto s =
      parse("timestamp,n\n2024-01-01T00:00Z,1\n2024-01-01T00:10Z,1\n");  // 10 minutes via 10-min step
  ASSERT_EQ(s.tpm.size(), 20u);
  TraceOptions opt;
  EXPECT_EQ(resolve_start(s, opt), -1);
  opt.start_minute = 7;
  EXPECT_EQ(resolve_start(s, opt), 7);
  opt.start_minute = 20;
  EXPECT_MESSAGE(error_of([&] { resolve_start(s, opt); }),
                 "t.csv:", "start_minute 20 is outside the trace (0 to 19)");
  opt.start_minute = -1;
  EXPECT_MESSAGE(error_of([&] { resolve_start(s, opt); }), "start_minute -1 is outside");
  opt.start_minute.reset();
  opt.start_time = "2024-01-01T01:05:00+01:00";
  EXPECT_EQ(resolve_start(s, opt), 5);
  opt.start_time = "2024-01-01 00:19";
  EXPECT_EQ(resolve_start(s, opt), 19);
  opt.start_time = "2024-01-01T00:20Z";
  EXPECT_MESSAGE(error_of([&] { resolve_start(s, opt); }), "outside the trace", "2024-01-01T00:00:00Z",
                 "2024-01-01T00:19:00Z");
  opt.start_time = "2023-12-31T23:59Z";
  EXPECT_MESSAGE(error_of([&] { resolve_start(s, opt); }), "outside the trace");
  opt.start_time = "2024-01-01T00:05:30Z";
  EXPECT_MESSAGE(error_of([&] { resolve_start(s, opt); }), "not on the trace's 1-minute grid");
  opt.start_time = "noon";
  EXPECT_MESSAGE(error_of([&] { resolve_start(s, opt); }), "not an ISO-8601 timestamp: 'noon'");
  opt.start_minute = 1;
  opt.start_time = "2024-01-01T00:05Z";
  EXPECT_MESSAGE(error_of([&] { resolve_start(s, opt); }), "both set");
}

TEST(TraceStart, StartTimeNeedsTimestamps) {
  const auto s = parse("n\n1\n2\n");
  TraceOptions opt;
  opt.start_time = "2024-01-01T00:00Z";
  EXPECT_MESSAGE(error_of([&] { resolve_start(s, opt); }), "needs a trace with timestamps");
}

// ---- TraceLoad ------------------------------------------------------------------------------

TEST(TraceLoadTest, FixedStartReplaysRoundedClampedValues) {
  auto s = std::make_shared<TraceSeries>();
  s->source = "x";
  s->tpm = {9, 1.4, 1.6, 2.5, 0.2, 7};
  TraceLoad load(s, 1, 4);
  load.reset(123);
  EXPECT_EQ(load.window_start(), 1);
  EXPECT_EQ(draw(load, 4), (std::vector<std::int64_t>{1, 2, 3, 0}));
  load.reset(456);  // a fixed start ignores the seed
  EXPECT_EQ(draw(load, 2), (std::vector<std::int64_t>{1, 2}));
}

TEST(TraceLoadTest, WrapsAroundPastTheWindow) {
  TraceLoad load(ramp_series(5), 2, 3);
  load.reset(0);
  EXPECT_EQ(draw(load, 8), (std::vector<std::int64_t>{2, 3, 4, 0, 1, 2, 3, 4}));
}

TEST(TraceLoadTest, SameSeedSameWindow) {
  const auto s = ramp_series(10'000);
  TraceLoad a(s, std::nullopt, 1440), b(s, std::nullopt, 1440);
  a.reset(42);
  b.reset(42);
  EXPECT_EQ(a.window_start(), b.window_start());
  EXPECT_EQ(draw(a, 100), draw(b, 100));
  const auto first = a.window_start();
  a.reset(42);
  EXPECT_EQ(a.window_start(), first);
  EXPECT_EQ(a.next(), first);  // the ramp's value is its index
}

TEST(TraceLoadTest, DifferentSeedsDifferentWindows) {
  const auto s = ramp_series(10'000);
  TraceLoad load(s, std::nullopt, 1440);
  std::set<std::int64_t> starts;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    load.reset(seed);
    EXPECT_GE(load.window_start(), 0);
    EXPECT_LE(load.window_start(), 10'000 - 1440);
    starts.insert(load.window_start());
  }
  EXPECT_GE(starts.size(), 45u);
}

TEST(TraceLoadTest, RandomStartCoversEveryValidStart) {
  // Three valid starts (0, 1, 2): all should appear, none beyond.
  TraceLoad load(ramp_series(5), std::nullopt, 3);
  std::set<std::int64_t> starts;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    load.reset(seed);
    starts.insert(load.window_start());
  }
  EXPECT_EQ(starts, (std::set<std::int64_t>{0, 1, 2}));
}

TEST(TraceLoadTest, EpisodeAsLongAsTrace) {
  TraceLoad load(ramp_series(5), std::nullopt, 5);
  load.reset(99);
  EXPECT_EQ(load.window_start(), 0);
}

TEST(TraceLoadTest, CloneReplaysTheSame) {
  TraceLoad load(ramp_series(1000), std::nullopt, 100);
  auto copy = load.clone();
  load.reset(7);
  copy->reset(7);
  EXPECT_EQ(draw(load, 50), draw(*copy, 50));
}

TEST(TraceLoadTest, ConstructorErrors) {
  const auto s = ramp_series(100);
  EXPECT_MESSAGE(error_of([&] { TraceLoad(s, std::nullopt, 101); }), "ramp:", "100 minutes", "101 minutes");
  EXPECT_MESSAGE(error_of([&] { TraceLoad(s, 51, 50); }), "start minute 51", "latest start is 50");
  EXPECT_MESSAGE(error_of([&] { TraceLoad(s, -1, 50); }), "start minute -1");
  EXPECT_MESSAGE(error_of([&] { TraceLoad(s, std::nullopt, 0); }), "episode length must be positive");
  EXPECT_MESSAGE(error_of([&] { TraceLoad(nullptr, std::nullopt, 10); }), "no trace series");
  EXPECT_NO_THROW(TraceLoad(s, 50, 50));
}

// ---- Real traces ----------------------------------------------------------------------------
// The shipped copies in data/traces (see data/traces/README.md), so these run everywhere.

TraceSeries load_shipped(const char* name) {
  TraceOptions opt;
  opt.path = std::filesystem::path(AUTOSCALE_SOURCE_DIR) / "data" / "traces" / name;
  return load_trace(opt);
}

TEST(TraceReal, Nasa1995) {
  const auto s = load_shipped("nasa_1995_07.csv");
  EXPECT_EQ(s.tpm.size(), 39'692u);  // 1995-07-01 00:00 to 07-28 13:31 local, no missing rows
  EXPECT_EQ(s.gaps_filled, 0);
  EXPECT_EQ(s.start_epoch_seconds, 804571200);
  EXPECT_EQ(s.column, "requests");
  EXPECT_EQ(s.original_interval_seconds, 60);
  EXPECT_EQ(s.tpm[0], 42);  // the first data row, 1995-07-01T00:00:00-04:00
  EXPECT_EQ(s.tpm[1], 62);
  TraceOptions opt;
  opt.start_time = "1995-07-02T00:00:00-04:00";
  EXPECT_EQ(resolve_start(s, opt), 1440);
}

TEST(TraceReal, WorldCup98) {
  const auto s = load_shipped("worldcup98_group.csv");
  // 79,340 rows; 7 gaps (five of 1 minute, one of 2, one of 3) add 10 interpolated minutes.
  EXPECT_EQ(s.tpm.size(), 79'350u);
  EXPECT_EQ(s.gaps_filled, 10);
  EXPECT_EQ(s.start_epoch_seconds, 893971800);
}

TEST(TraceReal, ScaledReplayOfAWeek) {
  TraceOptions opt;
  opt.path = std::filesystem::path(AUTOSCALE_SOURCE_DIR) / "data" / "traces" / "worldcup98_group.csv";
  opt.scale_to_p99 = 8000;
  const auto s = std::make_shared<const TraceSeries>(load_trace(opt));
  std::vector<double> sorted = s->tpm;
  std::sort(sorted.begin(), sorted.end());
  const double pos = 0.99 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  EXPECT_NEAR(sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - static_cast<double>(lo)), 8000, 1e-6);
  TraceLoad load(s, std::nullopt, 7 * 1440);
  load.reset(1);
  for (const auto v : draw(load, 7 * 1440)) {
    EXPECT_GE(v, 0);
    EXPECT_LE(v, 100'000);
  }
}

}  // namespace
}  // namespace autoscale
