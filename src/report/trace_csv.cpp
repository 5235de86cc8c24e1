#include "report/trace_csv.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <string_view>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "eval/minute_trace.hpp"

namespace autoscale::report {
namespace {

constexpr int kFields = 12;  // policy + 11 numbers

std::string_view header_line() {
  std::string_view h = kTraceHeader;
  return h.substr(0, h.find('\n'));
}

struct Location {
  const std::filesystem::path& file;
  std::int64_t line;
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("{}:{}: {}", file.string(), line, what));
  }
};

// Splits a row: a quoted policy field ("" inside for a quote), then plain fields.
void split_row(std::string_view row, std::string& policy, std::vector<std::string_view>& fields, const Location& at) {
  policy.clear();
  fields.clear();
  std::size_t i = 0;
  if (!row.empty() && row[0] == '"') {
    for (i = 1;; ++i) {
      if (i >= row.size()) at.fail("unterminated quoted policy field");
      if (row[i] == '"') {
        if (i + 1 < row.size() && row[i + 1] == '"') {
          policy += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      } else {
        policy += row[i];
      }
    }
    if (i < row.size() && row[i] != ',') at.fail("text after the quoted policy field");
  } else {
    i = row.find(',');
    policy = std::string(row.substr(0, i));
  }
  while (i != std::string_view::npos && i < row.size()) {
    const std::size_t start = i + 1;
    i = row.find(',', start);
    fields.push_back(row.substr(start, i == std::string_view::npos ? std::string_view::npos : i - start));
  }
  if (static_cast<int>(fields.size()) + 1 != kFields) {
    at.fail(fmt::format("expected {} fields, found {}", kFields, fields.size() + 1));
  }
}

std::int64_t parse_int(std::string_view s, const char* name, const Location& at) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) at.fail(fmt::format("field '{}' is not an integer: '{}'", name, s));
  return v;
}

double parse_real(std::string_view s, const char* name, const Location& at) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) at.fail(fmt::format("field '{}' is not a number: '{}'", name, s));
  return v;
}

class Reader {
 public:
  explicit Reader(const TraceSelection& sel) : sel_(sel) {}

  void read(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(fmt::format("cannot open minute trace {}", file.string()));
    std::string line;
    Location at{file, 1};
    if (!std::getline(in, line) || trim(line) != header_line()) {
      at.fail(fmt::format("not a minute trace of `autoscale evaluate --trace-out`: the header must be '{}'", header_line()));
    }
    std::string policy;
    std::vector<std::string_view> f;
    while (std::getline(in, line)) {
      ++at.line;
      const std::string_view row = trim(line);
      if (row.empty()) continue;
      split_row(row, policy, f, at);
      const auto episode = parse_int(f[0], "episode", at);
      if (episode < 0 || episode > 1'000'000'000) at.fail(fmt::format("episode {} out of range", episode));
      EpisodeTrace* ep = episode_for(static_cast<int>(episode));
      if (!ep) continue;
      const auto minute = parse_int(f[1], "minute", at);
      const auto load = parse_int(f[2], "load", at);
      PolicyTrace& p = policy_in(*ep, policy, at);
      const std::size_t k = p.capacity.size();
      if (k == 0 && ep->load.empty()) ep->first_minute = minute;
      if (minute != ep->first_minute + static_cast<std::int64_t>(k)) {
        at.fail(fmt::format("policy '{}' episode {}: minute {} follows minute {}", policy, episode, minute,
                            ep->first_minute + static_cast<std::int64_t>(k) - 1));
      }
      if (k < ep->load.size()) {
        if (ep->load[k] != load) {
          at.fail(fmt::format("episode {} minute {}: load {} differs from {} of policy '{}' (traces of different "
                              "scenarios or seeds?)", episode, minute, load, ep->load[k], ep->policies.front().policy));
        }
      } else {
        ep->load.push_back(load);
      }
      p.capacity.push_back(parse_int(f[3], "capacity", at));
      p.active.push_back(parse_int(f[4], "active", at));
      p.warming.push_back(parse_int(f[5], "warming", at));
      p.failed.push_back(parse_int(f[6], "failed", at));
      p.down.push_back(parse_int(f[7], "down", at));
      p.add.push_back(parse_int(f[8], "add", at));
      p.remove.push_back(parse_int(f[9], "remove", at));
      p.reward.push_back(parse_real(f[10], "reward", at));
    }
    if (in.bad()) throw Error(fmt::format("error reading minute trace {}", file.string()));
  }

  std::vector<EpisodeTrace> take() {
    std::sort(episodes_.begin(), episodes_.end(), [](const auto& a, const auto& b) { return a.episode < b.episode; });
    for (const auto& e : episodes_) {
      for (const auto& p : e.policies) {
        if (p.capacity.size() != e.load.size()) {
          throw Error(fmt::format("minute traces: policy '{}' has {} minutes of episode {}, another policy {}", p.policy,
                                  p.capacity.size(), e.episode, e.load.size()));
        }
      }
    }
    return std::move(episodes_);
  }

 private:
  EpisodeTrace* episode_for(int episode) {
    for (auto& e : episodes_) {
      if (e.episode == episode) return &e;
    }
    const bool wanted = sel_.episodes.empty()
                            ? static_cast<int>(episodes_.size()) < sel_.max_episodes
                            : std::find(sel_.episodes.begin(), sel_.episodes.end(), episode) != sel_.episodes.end();
    if (!wanted) return nullptr;
    episodes_.emplace_back().episode = episode;
    return &episodes_.back();
  }

  // The policy's trace in this episode; a policy whose rows of this episode were interrupted by
  // another's, or that an earlier file already gave, is an error.
  PolicyTrace& policy_in(EpisodeTrace& ep, const std::string& policy, const Location& at) {
    if (!ep.policies.empty() && ep.policies.back().policy == policy) return ep.policies.back();
    for (const auto& p : ep.policies) {
      if (p.policy == policy) {
        at.fail(fmt::format("policy '{}' episode {} appears twice (rows not contiguous, or in two files)", policy, ep.episode));
      }
    }
    ep.policies.emplace_back().policy = policy;
    return ep.policies.back();
  }

  const TraceSelection& sel_;
  std::vector<EpisodeTrace> episodes_;
};

}  // namespace

std::vector<EpisodeTrace> read_minute_traces(const std::vector<std::filesystem::path>& files, const TraceSelection& selection) {
  Reader r(selection);
  for (const auto& f : files) r.read(f);
  return r.take();
}

std::vector<std::filesystem::path> trace_files_in(const std::filesystem::path& file_or_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(file_or_dir, ec)) {
    if (!std::filesystem::exists(file_or_dir, ec)) throw Error(fmt::format("--traces: {} does not exist", file_or_dir.string()));
    return {file_or_dir};
  }
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(file_or_dir)) {
    if (entry.path().extension() != ".csv" || !entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::string first;
    if (std::getline(in, first) && trim(first) == header_line()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) throw Error(fmt::format("--traces: no minute-trace CSV (header '{}') in {}", header_line(), file_or_dir.string()));
  return out;
}

}  // namespace autoscale::report
