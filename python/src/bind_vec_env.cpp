// The vectorised pool with Gymnasium's vector API (python/autoscale/envs.py adds the spaces).
//
// Stepping runs in the pool's C++ threads with the GIL released. The batch arrays returned by
// reset()/step() are, by default, read-only numpy views of the pool's own buffers (no copy): they
// stay valid, and are overwritten in place by the next step. With copy=True every call returns
// fresh arrays instead. The buffers never move (the pool preallocates them), and the views keep
// the pool alive through a capsule, so a view outliving the VecEnv is still safe to read.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "bindings.hpp"
#include "core/error.hpp"
#include "env/vec_env.hpp"
#include "eval/run_policies.hpp"

namespace autoscale::py {
namespace {

struct Pool {
  Pool(EnvConfig c, int num_envs, std::uint64_t seed, int threads)
      : config(std::move(c)),
        vec(config.make_env(), num_envs, seed, threads),
        actions(static_cast<std::size_t>(num_envs)),
        expected(static_cast<std::size_t>(num_envs), 0.0) {
    for (int i = 0; i < num_envs; ++i) bases.emplace_back(config.action, config.scenario.service);
  }

  // After the pool started episodes (a reset): their base controllers start too.
  void reset_bases() {
    for (int i = 0; i < vec.num_envs(); ++i) bases[static_cast<std::size_t>(i)].reset(vec.env(i));
  }

  // Decodes a (num_envs x heads) batch of indices and steps every environment; returns whether any
  // episode ended. Call without the GIL.
  bool step(const std::int64_t* choice) {
    const int n = vec.num_envs();
    const auto heads = static_cast<std::int64_t>(config.heads.size());
    for (int i = 0; i < n; ++i) config.check(choice + i * heads, i);  // all checked before any state moves
    for (int i = 0; i < n; ++i) {
      const auto u = static_cast<std::size_t>(i);
      actions[u] = config.decode(choice + i * heads, vec.env(i), bases[u]);
    }
    vec.step(actions);
    if (config.expected_reward) {
      for (std::size_t i = 0; i < actions.size(); ++i) expected[i] = config.reward(vec.infos()[i], vec.rewards()[i]);
    }
    bool done = false;
    for (int i = 0; i < n; ++i) {
      const auto u = static_cast<std::size_t>(i);
      if (!vec.terminated()[u] && !vec.truncated()[u]) continue;
      done = true;
      bases[u].reset(vec.env(i));  // the pool has auto-reset the environment
    }
    return done;
  }
  const double* rewards() const { return config.expected_reward ? expected.data() : vec.rewards().data(); }

  EnvConfig config;
  VecEnv vec;
  std::vector<Action> actions;
  std::vector<double> expected;
  std::vector<rl::BaseController> bases;  // per env: the residual action's classical controller
};

// The per-minute info columns, as numpy sees a StepInfo row.
struct InfoField {
  const char* name;
  const char* mask;  // Gymnasium's "_key": which environments have the key
  bool needs_clock;
};
constexpr InfoField kInfoFields[] = {
    {"minute", "_minute", false}, {"load", "_load", false},       {"capacity", "_capacity", false},
    {"failed", "_failed", false}, {"active", "_active", false},   {"warming", "_warming", false},
    {"down", "_down", false},     {"add", "_add", false},         {"remove", "_remove", false},
    {"profit", "_profit", false}, {"clock", "_clock", true}};

pyb::array readonly(pyb::array a) {
  a.attr("setflags")(pyb::arg("write") = false);
  return a;
}

class CoreVecEnv {
 public:
  CoreVecEnv(EnvConfig c, int num_envs, std::uint64_t seed, int threads)
      : pool_(std::make_shared<Pool>(std::move(c), num_envs, seed, threads)) {
    // The capsule owns a reference to the pool: every view hands it on as its base.
    owner_ = pyb::capsule(new std::shared_ptr<Pool>(pool_), [](void* p) { delete static_cast<std::shared_ptr<Pool>*>(p); });
    const auto n = static_cast<pyb::ssize_t>(num_envs), dim = static_cast<pyb::ssize_t>(pool_->vec.obs_dim());
    obs_ = readonly(pyb::array_t<float>({n, dim}, pool_->vec.observations().data(), owner_));
    rewards_ = readonly(pyb::array_t<double>({n}, pool_->rewards(), owner_));
    const pyb::dtype boolean("bool");
    terminated_ = readonly(pyb::array(boolean, {n}, {1}, pool_->vec.terminated().data(), owner_));
    truncated_ = readonly(pyb::array(boolean, {n}, {1}, pool_->vec.truncated().data(), owner_));
    infos_ = readonly(pyb::array_t<StepInfo>({n}, pool_->vec.infos().data(), owner_));
    pyb::array_t<bool> all_true(n);
    std::fill(all_true.mutable_data(), all_true.mutable_data() + n, true);
    all_true_ = readonly(all_true);  // every env has every info key: Gymnasium's "_key" masks
  }

  pyb::tuple reset(std::optional<std::uint64_t> seed, bool copy) {
    {
      pyb::gil_scoped_release nogil;
      if (seed) {
        pool_->vec.reset(*seed);
      } else if (!started_) {
        pool_->vec.reset();
      } else {
        pool_->vec.reset_to_next_episodes();
      }
      pool_->reset_bases();
    }
    if (!started_) {
      started_ = true;
      has_clock_ = pool_->vec.env(0).info().clock != kNoClock;
      const pyb::dict fields = infos_.dtype().attr("fields");
      for (const InfoField& f : kInfoFields) {
        if (f.needs_clock && !has_clock_) continue;
        const pyb::tuple field = fields[f.name];
        columns_.push_back({f.name, f.mask, field[0].cast<pyb::dtype>(), field[1].cast<std::size_t>()});
      }
      info_views_ = info_columns(infos_);
    }
    return pyb::make_tuple(copy ? fresh(obs_) : obs_, copy ? fresh_info() : pyb::dict(info_views_));
  }

  pyb::tuple step(pyb::handle actions, bool copy) {
    if (!started_) throw Error("step() before reset(): reset the environments first");
    const auto a = integer_actions(actions, "actions");
    const auto n = static_cast<pyb::ssize_t>(pool_->vec.num_envs()), heads = static_cast<pyb::ssize_t>(pool_->config.heads.size());
    if (a.ndim() != 2 || a.shape(0) != n || a.shape(1) != heads) {
      throw Error(fmt::format("actions must have shape ({}, {}): one row per environment, one index per head, got {}", n,
                              heads, shape_of(a)));
    }
    bool done = false;
    {
      pyb::gil_scoped_release nogil;
      done = pool_->step(a.data());
    }
    pyb::dict info = done ? ended_info() : (copy ? fresh_info() : pyb::dict(info_views_));
    if (!copy) return pyb::make_tuple(obs_, rewards_, terminated_, truncated_, std::move(info));
    return pyb::make_tuple(fresh(obs_), fresh(rewards_), fresh(terminated_), fresh(truncated_), std::move(info));
  }

  // Steps the same pool in a plain C++ loop (no Python between steps): `batches` is (B, num_envs,
  // heads), cycled through for `steps` steps. Returns the wall seconds, for the benchmark's ratio.
  double bench(const pyb::array_t<std::int64_t, pyb::array::c_style | pyb::array::forcecast>& batches, std::int64_t steps) {
    const auto n = pool_->vec.num_envs();
    const auto heads = static_cast<pyb::ssize_t>(pool_->config.heads.size());
    if (batches.ndim() != 3 || batches.shape(1) != n || batches.shape(2) != heads || batches.shape(0) < 1) {
      throw Error("bench: batches must have shape (B, num_envs, heads)");
    }
    if (!started_) reset(std::nullopt, false);
    const std::int64_t* data = batches.data();
    const std::int64_t count = batches.shape(0), stride = n * heads;
    pyb::gil_scoped_release nogil;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t t = 0; t < steps; ++t) pool_->step(data + (t % count) * stride);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  const Pool& pool() const { return *pool_; }
  Pool& pool() { return *pool_; }

 private:
  // A writable copy: one allocation and a memcpy (numpy's .copy() costs several times more).
  static pyb::array fresh(const pyb::array& view) {
    pyb::array out(view.dtype(), std::vector<pyb::ssize_t>(view.shape(), view.shape() + view.ndim()));
    std::memcpy(out.mutable_data(), view.data(), static_cast<std::size_t>(view.nbytes()));
    return out;
  }

  // Gymnasium's vector info: one array per key (a column of the StepInfo rows) and its mask.
  // The columns are strided views of `rows`, made directly (numpy's rows["load"] costs several times more).
  pyb::dict info_columns(const pyb::array& rows) const {
    pyb::dict d;
    const auto n = rows.shape(0);
    const auto* base = static_cast<const char*>(rows.data());
    for (const Column& c : columns_) {
      d[c.name] = pyb::array(c.dtype, {n}, {static_cast<pyb::ssize_t>(sizeof(StepInfo))}, base + c.offset, rows);
      d[c.mask] = all_true_;
    }
    return d;
  }
  pyb::dict fresh_info() const { return info_columns(fresh(infos_)); }

  // Same-step auto-reset, as Gymnasium's vector envs: an ended environment's row already holds its
  // next episode's first observation and reset info; the last observation and the last minute's
  // info (with the episode's totals under "episode") are in final_observation / final_info.
  pyb::dict ended_info() {
    Pool& p = *pool_;
    const int n = p.vec.num_envs();
    const auto dim = static_cast<std::size_t>(p.vec.obs_dim());
    std::vector<StepInfo> rows(p.vec.infos().begin(), p.vec.infos().end());
    pyb::array_t<bool> mask(n);
    pyb::list final_obs, final_info;
    const auto finished = p.vec.take_finished();
    std::size_t next_finished = 0;
    for (int i = 0; i < n; ++i) {
      const auto u = static_cast<std::size_t>(i);
      const bool ended = p.vec.terminated()[u] || p.vec.truncated()[u];
      mask.mutable_at(i) = ended;
      if (!ended) {
        final_obs.append(pyb::none());
        final_info.append(pyb::none());
        continue;
      }
      pyb::array_t<float> last(static_cast<pyb::ssize_t>(dim));
      std::memcpy(last.mutable_data(), p.vec.final_observations().data() + u * dim, dim * sizeof(float));
      final_obs.append(last);
      pyb::dict last_info = info_dict(rows[u]);
      if (next_finished < finished.size()) {
        const EpisodeMetrics& e = finished[next_finished++];
        pyb::dict episode = to_python(to_json(e));
        episode["r"] = e.profit;
        episode["l"] = e.minutes;
        last_info["episode"] = episode;
      }
      final_info.append(last_info);
      rows[u] = p.vec.env(i).info();
    }
    pyb::dict d = info_columns(pyb::array_t<StepInfo>(static_cast<pyb::ssize_t>(n), rows.data()));
    // Object arrays, as Gymnasium's: an array or dict where an episode ended, None elsewhere.
    const auto objects = [n, empty = pyb::module_::import("numpy").attr("empty")](const pyb::list& items) {
      pyb::array a = empty(n, pyb::arg("dtype") = "object");
      for (int i = 0; i < n; ++i) a.attr("__setitem__")(i, items[static_cast<std::size_t>(i)]);
      return a;
    };
    d["final_observation"] = objects(final_obs);
    d["_final_observation"] = mask;
    d["final_info"] = objects(final_info);
    d["_final_info"] = mask;
    return d;
  }

  std::shared_ptr<Pool> pool_;
  pyb::capsule owner_;
  pyb::array obs_, rewards_, terminated_, truncated_, infos_, all_true_;
  struct Column {
    const char* name;
    const char* mask;
    pyb::dtype dtype;
    std::size_t offset;
  };
  std::vector<Column> columns_;
  pyb::dict info_views_;
  bool started_ = false, has_clock_ = false;
};

}  // namespace

void bind_vec_env(pyb::module_& m) {
  PYBIND11_NUMPY_DTYPE_EX(StepInfo, minute, "minute", load, "load", capacity, "capacity", failed, "failed", active,
                          "active", warming, "warming", down, "down", add, "add", remove, "remove", clock, "clock",
                          reward, "profit");
  pyb::class_<CoreVecEnv>(m, "CoreVecEnv", "The C++ environment pool (use autoscale.VecEnv).")
      .def(pyb::init([](pyb::handle scenario, int num_envs, std::uint64_t seed, int threads, const std::string& observation,
                        const std::string& action, const std::string& reward, std::optional<std::int64_t> minutes) {
             if (threads < 1) throw Error(fmt::format("threads must be at least 1, got {}", threads));
             return std::make_unique<CoreVecEnv>(make_env_config(scenario, observation, action, reward, minutes), num_envs,
                                                 seed, threads);
           }),
           pyb::arg("scenario"), pyb::arg("num_envs"), pyb::arg("seed"), pyb::arg("threads"),
           pyb::arg("observation") = "seed", pyb::arg("action") = "seed", pyb::arg("reward") = "realized",
           pyb::arg("minutes") = pyb::none())
      .def("reset", &CoreVecEnv::reset, pyb::arg("seed") = pyb::none(), pyb::arg("copy") = false)
      .def("step", &CoreVecEnv::step, pyb::arg("actions"), pyb::arg("copy") = false)
      .def("bench", &CoreVecEnv::bench, pyb::arg("batches"), pyb::arg("steps"))
      .def_property_readonly("num_envs", [](const CoreVecEnv& v) { return v.pool().vec.num_envs(); })
      .def_property_readonly("threads", [](CoreVecEnv& v) { return v.pool().vec.pool().size(); })
      .def_property_readonly("obs_dim", [](const CoreVecEnv& v) { return v.pool().vec.obs_dim(); })
      .def_property_readonly("head_sizes", [](const CoreVecEnv& v) { return v.pool().config.heads; })
      .def_property_readonly("head_names", [](const CoreVecEnv& v) { return v.pool().config.head_names(); })
      .def_property_readonly("scenario", [](const CoreVecEnv& v) { return v.pool().config.scenario; })
      .def_property_readonly("episode_minutes", [](const CoreVecEnv& v) { return v.pool().config.scenario.service.episode_steps(); })
      .def_property_readonly("episode_seeds", [](const CoreVecEnv& v) {
        std::vector<std::uint64_t> s;
        for (int i = 0; i < v.pool().vec.num_envs(); ++i) s.push_back(v.pool().vec.env(i).seed());
        return s;
      }, "each environment's current episode seed");
}

}  // namespace autoscale::py
