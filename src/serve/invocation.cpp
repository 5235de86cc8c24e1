#include "serve/invocation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "core/strings.hpp"
#include "serve/http_error.hpp"

namespace autoscale::serve {
namespace {

constexpr std::size_t kMaxBatch = 10000;

std::vector<float> observation_from(const nlohmann::json& a, const ObservationShape& shape, const std::string& where) {
  if (!a.is_array()) throw bad_request(fmt::format("{} must be an array of {} numbers", where, shape.lengths()));
  if (!shape.accepts(a.size())) {
    throw bad_request(fmt::format("{} has {} values; this model takes {}", where, a.size(), shape.lengths()));
  }
  std::vector<float> v(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_number()) throw bad_request(fmt::format("{}[{}] is not a number", where, i));
    const double d = a[i].get<double>();
    if (!std::isfinite(d) || std::abs(d) > 3.0e38) throw bad_request(fmt::format("{}[{}] is not a finite float", where, i));
    v[i] = static_cast<float>(d);
  }
  return v;
}

int count_field(const nlohmann::json& v, const std::string& where) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 10'000'000) {
    throw bad_request(fmt::format("{} must be an integer in [0, 10000000]", where));
  }
  return v.get<int>();
}

// One {"observation": [...], "load", "active", "warming"} object.
void add_instance_object(Invocation& inv, const nlohmann::json& o, const ObservationShape& shape, const std::string& where) {
  for (const auto& [key, value] : o.items()) {
    (void)value;
    if (key != "observation" && key != "load" && key != "active" && key != "warming") {
      throw bad_request(fmt::format("unknown field '{}' in {} (known: observation, load, active, warming)", key, where));
    }
  }
  if (!o.contains("observation")) throw bad_request(fmt::format("{} has no 'observation'", where));
  inv.observations.push_back(observation_from(o["observation"], shape, where + ".observation"));
  const bool any_fleet = o.contains("load") || o.contains("active") || o.contains("warming");
  if (!any_fleet) {
    inv.fleet.emplace_back();
    return;
  }
  if (!o.contains("active")) throw bad_request(fmt::format("{}: a fleet needs 'active' (and 'warming')", where));
  FleetContext f;
  f.active = count_field(o["active"], where + ".active");
  f.warming = o.contains("warming") ? count_field(o["warming"], where + ".warming") : 0;
  if (o.contains("load")) {
    const auto& l = o["load"];
    if (!l.is_number() || !std::isfinite(l.get<double>()) || l.get<double>() < 0 || l.get<double>() > 1e12) {
      throw bad_request(fmt::format("{}.load must be a finite number in [0, 1e12]", where));
    }
    f.load = std::llround(l.get<double>());
  }
  inv.fleet.push_back(f);
}

void skip_space(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A JSON number at s[i]: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, converted as the full
// parser converts it (correctly rounded double, then float).
bool scan_number(std::string_view s, std::size_t& i, float& out) {
  const std::size_t start = i;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !is_digit(s[i])) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    if (++i >= s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  double d = 0;
  const auto [ptr, ec] = std::from_chars(s.data() + start, s.data() + i, d);
  if (ec != std::errc() || ptr != s.data() + i || !std::isfinite(d) || std::abs(d) > 3.0e38) return false;
  out = static_cast<float>(d);
  return true;
}

// The common request, {"observation": [numbers]} or [numbers] with the model's length, read
// without building a JSON tree. Anything else (other forms, bad input) returns false and goes to
// the full parser, which accepts or refuses it with the error message: this path never decides
// that a body is bad, so it cannot accept what the full parser would refuse.
bool parse_plain_observation(std::string_view s, const ObservationShape& shape, std::vector<float>& out) {
  std::size_t i = 0;
  skip_space(s, i);
  bool wrapped = false;
  if (i < s.size() && s[i] == '{') {
    ++i;
    skip_space(s, i);
    constexpr std::string_view kKey = "\"observation\"";
    if (s.substr(i, kKey.size()) != kKey) return false;
    i += kKey.size();
    skip_space(s, i);
    if (i >= s.size() || s[i++] != ':') return false;
    skip_space(s, i);
    wrapped = true;
  }
  if (i >= s.size() || s[i++] != '[') return false;
  out.clear();
  for (;;) {
    skip_space(s, i);
    float v = 0;
    if (!scan_number(s, i, v)) return false;
    out.push_back(v);
    skip_space(s, i);
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == ']') {
      ++i;
      break;
    }
    return false;
  }
  skip_space(s, i);
  if (wrapped) {
    if (i >= s.size() || s[i++] != '}') return false;
    skip_space(s, i);
  }
  return i == s.size() && shape.accepts(out.size());
}

}  // namespace

Invocation parse_invocation_json(std::string_view body, const ObservationShape& shape) {
  {
    Invocation fast;
    std::vector<float> v;
    if (parse_plain_observation(body, shape, v)) {
      fast.observations.push_back(std::move(v));
      fast.fleet.emplace_back();
      return fast;
    }
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw bad_request(fmt::format("body is not valid JSON (at byte {})", e.byte));
  } catch (const nlohmann::json::exception&) {
    throw bad_request("body is not valid JSON (a number out of range)");  // e.g. 1e999
  }
  Invocation inv;
  if (j.is_array()) {
    inv.observations.push_back(observation_from(j, shape, "the observation"));
    inv.fleet.emplace_back();
  } else if (j.is_object() && j.contains("instances")) {
    if (j.size() != 1) throw bad_request("a batch is {\"instances\": [...]} with no other field");
    const auto& list = j["instances"];
    if (!list.is_array() || list.empty()) throw bad_request("'instances' must be a non-empty array");
    if (list.size() > kMaxBatch) throw bad_request(fmt::format("'instances' holds {} observations; at most {}", list.size(), kMaxBatch));
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string where = fmt::format("instances[{}]", i);
      if (list[i].is_object()) {
        add_instance_object(inv, list[i], shape, where);
      } else {
        inv.observations.push_back(observation_from(list[i], shape, where));
        inv.fleet.emplace_back();
      }
    }
  } else if (j.is_object()) {
    add_instance_object(inv, j, shape, "the request");
  } else {
    throw bad_request("body must be {\"observation\": [...]}, a bare array, or {\"instances\": [...]}");
  }
  return inv;
}

Invocation parse_invocation_csv(std::string_view body, const ObservationShape& shape) {
  Invocation inv;
  std::size_t line_no = 0, pos = 0;
  while (pos < body.size()) {
    auto end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = trim(body.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    std::vector<double> values;
    std::size_t p = 0;
    for (;;) {
      const auto comma = line.find(',', p);
      const std::string_view cell = trim(line.substr(p, comma == std::string_view::npos ? std::string_view::npos : comma - p));
      double d = 0;
      const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), d);
      if (cell.empty() || ec != std::errc() || ptr != cell.data() + cell.size()) {
        throw bad_request(fmt::format("line {}, value {}: '{}' is not a number", line_no, values.size() + 1, std::string(cell.substr(0, 40))));
      }
      if (!std::isfinite(d) || std::abs(d) > 3.0e38) {
        throw bad_request(fmt::format("line {}, value {}: not a finite float", line_no, values.size() + 1));
      }
      values.push_back(d);
      if (comma == std::string_view::npos) break;
      p = comma + 1;
    }
    const int n = static_cast<int>(values.size());
    // The model's own length first: a seed observation is read as one only when it is not also that.
    int obs_dim = shape.model;
    if (n != shape.model && n != shape.model + 3 && shape.seed > 0 && (n == shape.seed || n == shape.seed + 3)) obs_dim = shape.seed;
    if (n != obs_dim && n != obs_dim + 3) {
      throw bad_request(fmt::format("line {} has {} values; this model takes {}, each optionally followed by load, active, warming",
                                    line_no, n, shape.lengths()));
    }
    inv.observations.emplace_back(values.begin(), values.begin() + obs_dim);
    if (n == obs_dim) {
      inv.fleet.emplace_back();
    } else {
      FleetContext f;
      const double load = values[static_cast<std::size_t>(obs_dim)];
      const double active = values[static_cast<std::size_t>(obs_dim) + 1], warming = values[static_cast<std::size_t>(obs_dim) + 2];
      for (double c : {active, warming}) {
        if (c < 0 || c > 1e7 || c != std::floor(c)) throw bad_request(fmt::format("line {}: active and warming must be whole counts", line_no));
      }
      if (load < 0 || load > 1e12) throw bad_request(fmt::format("line {}: load must be in [0, 1e12]", line_no));
      f.load = std::llround(load);
      f.active = static_cast<int>(active);
      f.warming = static_cast<int>(warming);
      inv.fleet.push_back(f);
    }
    if (inv.observations.size() > kMaxBatch) throw bad_request(fmt::format("more than {} observations", kMaxBatch));
  }
  if (inv.observations.empty()) throw bad_request("the CSV body holds no observation");
  return inv;
}

std::string ObservationShape::lengths() const {
  return seed > 0 ? fmt::format("{} (or the seed's {})", model, seed) : std::to_string(model);
}

ObservationShape observation_shape(const rl::Agent& agent, const ServiceParams& service) {
  const int seed = Features(service, FeatureSet::kNotebook).dim();
  return {agent.obs_dim, agent.features == FeatureSet::kNotebook || seed == agent.obs_dim ? 0 : seed};
}

namespace {

// The minute a seed observation describes, read back from its undecayed EMAs (alpha 1: the minute's
// own signals) and its warm-up slots, within the service's limits: a made-up vector such as the
// notebook's np.arange(1, 26) is clamped, not refused, since the seed's endpoint answers it too.
ReportedMinute minute_of_seed_observation(const std::vector<float>& o, const ServiceParams& p) {
  const int latency = p.warmup_latency;
  const auto emas = o.size() - static_cast<std::size_t>(latency);
  ReportedMinute m;
  const double load = std::clamp(static_cast<double>(o[0]) * p.max_tpm, 0.0, p.max_tpm);
  m.load = std::llround(load);
  m.failed = std::clamp<std::int64_t>(std::llround(static_cast<double>(o[1]) * (load + 1e-5)), 0, m.load);
  m.queue.assign(static_cast<std::size_t>(latency), 0);
  int warming = 0;
  for (int k = 0; k < latency; ++k) {
    const double slot = static_cast<double>(o[emas + static_cast<std::size_t>(k)]) * p.max_machine_delta;
    m.queue[static_cast<std::size_t>(k)] = static_cast<int>(std::clamp<long>(std::lround(slot), 0, p.max_machine_delta));
    warming += m.queue[static_cast<std::size_t>(k)];
  }
  const double active = static_cast<double>(o[3]) * p.max_machines();
  m.active = static_cast<int>(std::clamp<long>(std::lround(active), 0, std::max(0, p.max_machines() - warming)));
  return m;
}

}  // namespace

std::string invoke(const LoadedModel& model, const Scenario& scenario, const Invocation& inv) {
  const rl::Agent& agent = *model.agent;
  const auto batch = static_cast<Eigen::Index>(inv.observations.size());
  Eigen::MatrixXf raw(agent.obs_dim, batch), obs(agent.obs_dim, batch), logits;
  std::vector<std::optional<FleetContext>> fleets = inv.fleet;
  std::vector<std::optional<ReportedMinute>> seed_minutes(inv.observations.size());
  for (Eigen::Index b = 0; b < batch; ++b) {
    const auto u = static_cast<std::size_t>(b);
    const auto& o = inv.observations[u];
    if (static_cast<int>(o.size()) == agent.obs_dim) {
      raw.col(b) = Eigen::Map<const Eigen::VectorXf>(o.data(), agent.obs_dim);
      continue;
    }
    // A seed observation: the model's own vector for the minute it describes.
    const ReportedMinute m = minute_of_seed_observation(o, scenario.service);
    Env env(scenario.service, scenario.make_load(), agent.features);
    const auto v = env.reset_reported(m);
    raw.col(b) = Eigen::Map<const Eigen::VectorXf>(v.data(), agent.obs_dim);
    if (agent.features == FeatureSet::kExtended) raw.col(b).head(static_cast<Eigen::Index>(o.size())) = Eigen::Map<const Eigen::VectorXf>(o.data(), static_cast<Eigen::Index>(o.size()));
    if (!fleets[u]) {
      int warming = 0;
      for (int q : m.queue) warming += q;
      fleets[u] = FleetContext{m.load, m.active, warming};
    }
    seed_minutes[u] = m;
  }
  agent.normalize(raw, obs);
  agent.actor.infer(obs, logits);
  const rl::MultiCategorical<float> dist(agent.head_sizes);
  Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> choice(static_cast<Eigen::Index>(agent.head_sizes.size()), batch);
  dist.mode(logits, choice);

  // The action space decodes against an environment; a mirrored one holds the caller's fleet.
  std::optional<Env> mirror;
  std::string out = "{\"predictions\":[";
  for (Eigen::Index b = 0; b < batch; ++b) {
    const int* c = choice.col(b).data();
    if (b > 0) out += ',';
    out += "{\"choice\":[";
    for (Eigen::Index h = 0; h < choice.rows(); ++h) {
      if (h) out += ',';
      out += std::to_string(c[h]);
    }
    out += ']';
    const auto& fleet = fleets[static_cast<std::size_t>(b)];
    const bool notebook = agent.action.kind == rl::ActionKind::kNotebook;
    if (!notebook) {
      out += fmt::format(",\"factor\":{},\"reserve\":{}", agent.action.factors[static_cast<std::size_t>(c[0])],
                         agent.action.reserves[static_cast<std::size_t>(c[1])]);
    }
    // "relative" and "residual" actions need the service's recent loads and reference level or a
    // controller's history, which a bare observation does not carry: only the stateful route can
    // decode them.
    const bool decodable = notebook || (agent.action.kind == rl::ActionKind::kTarget && fleet && fleet->load);
    if (fleet && decodable) {
      if (!mirror) mirror.emplace(scenario.make_env());
      ReportedMinute m;
      m.load = fleet->load.value_or(0);
      m.active = fleet->active;
      m.queue.assign(static_cast<std::size_t>(scenario.service.warmup_latency), 0);
      if (!m.queue.empty()) m.queue.back() = fleet->warming;
      mirror->reset_reported(m);
      const Action a = mirror->clamp(agent.action.decode(c, {*mirror, mirror->features()}));
      out += fmt::format(",\"add\":{},\"remove\":{},\"desired\":{}", a.add, a.remove,
                         fleet->active + fleet->warming + a.add - std::min(a.remove, fleet->active));
    } else if (notebook) {
      fmt::format_to(std::back_inserter(out), ",\"add\":{},\"remove\":{}", c[0], c[1]);
    }
    if (const auto& m = seed_minutes[static_cast<std::size_t>(b)]) {
      // What the server read the seed observation as, so a caller can see it was understood.
      fmt::format_to(std::back_inserter(out), ",\"seed_observation\":{{\"load\":{},\"failed\":{},\"active\":{},\"warming\":{}}}",
                     m->load, m->failed, m->active, std::accumulate(m->queue.begin(), m->queue.end(), 0));
    }
    out += '}';
  }
  out += "]";
  return out;
}

}  // namespace autoscale::serve
