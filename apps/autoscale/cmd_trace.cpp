// `autoscale trace`: a request-rate history from Prometheus as a trace CSV a scenario file reads
// (src/prometheus/: the range query client and the conversion).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <strings.h>

#include <cstdio>
#include <functional>

#include "commands.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "load/trace_text.hpp"
#include "prometheus/query_range.hpp"
#include "prometheus/time_args.hpp"
#include "prometheus/trace_csv.hpp"
#include "validators.hpp"

namespace autoscale::cli {
namespace {

namespace prom = autoscale::prometheus;

struct TraceArgs {
  std::string url, query, start, end, step = "60s", out, token_file;
  std::vector<std::string> headers;
};

// "35 of 17280 steps had no value: 34 in 1 gap, the longest 8.5 min (a scenario needs
// max_gap_minutes = 9 to read the file), 1 before the first row"; empty when none is missing.
std::string missing_text(const prom::TraceCsvStats& st) {
  const std::int64_t missing = st.steps - st.rows;
  if (missing == 0) return "";
  std::vector<std::string> parts;
  if (st.gaps > 0) {
    const std::int64_t need = st.max_gap_minutes_needed();
    parts.push_back(fmt::format(
        "{} in {} gap{}, the longest {} ({})", st.gap_steps, st.gaps, st.gaps == 1 ? "" : "s",
        st.longest_gap_ms < 60'000 ? seconds_text(st.longest_gap_ms)
                                   : number_text(static_cast<double>(st.longest_gap_ms) / 60'000) + " min",
        need <= 5 ? std::string("within the default max_gap_minutes = 5")
                  : fmt::format("a scenario needs max_gap_minutes = {} to read the file", need)));
  }
  if (st.missing_before > 0) parts.push_back(fmt::format("{} before the first row", st.missing_before));
  if (st.missing_after > 0) parts.push_back(fmt::format("{} after the last", st.missing_after));
  return fmt::format("{} of {} steps had no value: {}", missing, st.steps, fmt::join(parts, ", "));
}

void pull_trace(const TraceArgs& a) {
  const prom::TimeRange range{prom::parse_time_arg(a.start), prom::parse_time_arg(a.end), prom::parse_duration_arg(a.step)};
  if (range.end_ms < range.start_ms)
    throw CLI::ValidationError("--end", "must not be before --start (" + prom::trace_timestamp(range.start_ms) + "), got " +
                                            prom::trace_timestamp(range.end_ms));
  if (range.steps() > prom::kMaxTraceSteps)
    throw CLI::ValidationError("--step", fmt::format("the range holds {} steps of {}, more than {}; use a larger step",
                                                     range.steps(), seconds_text(range.step_ms), prom::kMaxTraceSteps));
  prom::ClientOptions o;
  o.url = a.url;
  bool authorization = false;
  for (const auto& h : a.headers) {
    o.headers.push_back(prom::parse_header(h));
    authorization |= strcasecmp(o.headers.back().first.c_str(), "Authorization") == 0;
  }
  if (!a.token_file.empty()) {
    if (authorization) throw CLI::ValidationError("--bearer-token-file", "conflicts with the Authorization --header");
    o.headers.push_back(prom::bearer_token_header(a.token_file));
  }

  const auto result = prom::query_range(o, a.query, range, [](std::size_t i, std::size_t n, const prom::TimeRange& w) {
    if (n > 1)
      fmt::print(stderr, "trace: window {} of {}: {} to {} ({} steps)\n", i + 1, n, prom::trace_timestamp(w.start_ms),
                 prom::trace_timestamp(w.end_ms), w.steps());
  });
  for (const auto& w : result.warnings) fmt::print(stderr, "trace: warning from Prometheus: {}\n", w);
  const prom::Series& series = prom::single_series(result, a.query);
  const prom::TraceCsv csv = prom::to_trace_csv(series, range);
  write_file_atomic(a.out, csv.text);
  const auto& st = csv.stats;
  fmt::print(stderr, "trace: {} rows every {} from {} to {} -> {}\n", st.rows, seconds_text(range.step_ms),
             prom::trace_timestamp(st.first_ms), prom::trace_timestamp(st.last_ms), a.out == "-" ? "stdout" : a.out);
  if (const std::string m = missing_text(st); !m.empty()) fmt::print(stderr, "trace: {}\n", m);
}

}  // namespace

void add_trace(CLI::App& app) {
  auto a = std::make_shared<TraceArgs>();
  CLI::App* c = app.add_subcommand(
      "trace",
      "Pull a request-rate history from Prometheus (GET /api/v1/query_range, in windows of at most 11,000 steps) into a "
      "trace CSV for a scenario file: timestamp,requests, one row per step with the query's per-second rate times the "
      "step's seconds (the requests in that step: at --step 60s requests per minute, the simulator's tpm); steps with "
      "no value or NaN are left out, a gap the scenario's max_gap_minutes interpolates");
  c->add_option("--prometheus", a->url, "Prometheus's base URL: http(s)://HOST:PORT[/PREFIX]")->required();
  c->add_option("--query", a->query,
                "PromQL giving one series of requests per second, e.g. 'sum(rate(http_requests_total[2m]))'")
      ->required();
  const auto time = parsed_by([](const std::string& t) { prom::parse_time_arg(t); }, "TIME");
  c->add_option("--start", a->start, "first evaluation time: RFC 3339 (2024-05-01T00:00:00Z) or unix seconds")
      ->required()
      ->check(time);
  c->add_option("--end", a->end, "last evaluation time (included when on the step grid), same forms")->required()->check(time);
  c->add_option("--step", a->step, "time between evaluations: 15s, 1m, ... (a divisor of a minute or whole minutes)")
      ->capture_default_str()
      ->check(parsed_by([](const std::string& t) { prom::check_trace_step(prom::parse_duration_arg(t)); }, "DURATION"));
  c->add_option("--out", a->out, "the trace CSV to write ('-' = stdout)")->required();
  c->add_option("--header", a->headers, "'Name: value' sent with every request (repeatable), e.g. 'Authorization: Bearer X'")
      ->check(parsed_by([](const std::string& t) { prom::parse_header(t); }, "'NAME: VALUE'"));
  c->add_option("--bearer-token-file", a->token_file, "file holding a token sent as 'Authorization: Bearer TOKEN'");
  c->callback([a] { pull_trace(*a); });
}

}  // namespace autoscale::cli
