"""Env and VecEnv: the C++ simulator behind Gymnasium's Env and vector-env APIs.

With gymnasium importable, Env is a gymnasium.Env, VecEnv a gymnasium.vector.VectorEnv and the
spaces are gymnasium.spaces; without it, the same classes stand on their own with the minimal
spaces of autoscale._spaces (same attributes)."""

import numbers
import os
import secrets

import numpy as np

from . import _autoscale

try:  # gymnasium is optional: Debian does not package it
    import gymnasium as _gym
    from gymnasium import spaces
    _EnvBase = _gym.Env
    _VecEnvBase = _gym.vector.VectorEnv
    GYMNASIUM = True
except ImportError:
    from . import _spaces as spaces
    GYMNASIUM = False

    class _EnvBase:
        metadata = {}
        spec = None

        @property
        def unwrapped(self):
            return self

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.close()
            return False

    _VecEnvBase = _EnvBase

# Lower bound of each observation variant: the seed's 25 values are rates, fractions and counts
# (never negative); the extended features include trends, which can be.
_OBS_LOW = {"seed": 0.0}


def _seed(value, what="seed"):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be a non-negative integer, got {value!r}")
    if not 0 <= int(value) < 2**64:
        raise ValueError(f"{what} must be in 0 .. 2**64 - 1, got {value}")
    return int(value)


def _first_seed(seed):
    # Unseeded, like Gymnasium: fresh entropy. Kept below 2**63 so later episode seeds never wrap.
    return secrets.randbits(63) if seed is None else _seed(seed)


def _check_options(options, who):
    if options:
        raise ValueError(f"{who}.reset: options are not supported (got {sorted(options)})")


def _observation_space(observation, shape):
    return spaces.Box(low=_OBS_LOW.get(observation, -np.inf), high=np.inf, shape=shape, dtype=np.float32)


class _CoreProperties:
    """What Env and VecEnv both tell about their C++ core."""

    @property
    def scenario(self):
        return self._core.scenario

    @property
    def head_names(self):
        """What each action head chooses: ("add", "remove") or ("factor", "reserve")."""
        return tuple(self._core.head_names)

    @property
    def episode_minutes(self):
        return self._core.episode_minutes


class Env(_CoreProperties, _EnvBase):
    """One simulated service with Gymnasium's Env semantics.

    Env(scenario="seed" | "seed-weekly" | "seed-events" | path.toml | Scenario, seed=None,
    observation="seed", action="seed", reward="realized", minutes=None, render_mode=None | "ansi"),
    where observation, action and reward take the names in autoscale.names["observations"],
    ["actions"] and ["rewards"] (the core's own name tables).

    Episode seeds: reset(seed=s) starts the episode with seed s, and each reset() without a seed
    starts the next one (s + 1, s + 2, ...); the first reset without a seed uses the constructor's
    seed. Episode seed k is the CLI's `--seed k` episode: `autoscale evaluate --seed 5000000`
    runs the episodes of Env(seed=5000000)'s first resets.

    Actions are one category index per head (action_space, a MultiDiscrete): "seed" = (add,
    remove) machines in 0..max_machine_delta, "target" = (load factor, reserve) grid indices that
    steer the fleet to ceil((load * factor + reserve) / tpm_per_machine), as in training.
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, scenario="seed", seed=None, *, observation="seed", action="seed", reward="realized",
                 minutes=None, render_mode=None):
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self._core = _autoscale.CoreEnv(scenario, observation, action, reward, minutes)
        self.render_mode = render_mode
        self.observation = observation
        self.action = action
        self.reward = reward
        self.observation_space = _observation_space(observation, (self._core.obs_dim,))
        self.action_space = spaces.MultiDiscrete(np.array(self._core.head_sizes, dtype=np.int64))
        self._first = _first_seed(seed)
        self._next = None
        self.closed = False

    @property
    def episode_seed(self):
        """The seed of the running episode."""
        return self._core.episode_seed

    def reset(self, *, seed=None, options=None):
        _check_options(options, "Env")
        if seed is not None:
            self._next = _seed(seed)
        elif self._next is None:
            self._next = self._first
        obs, info = self._core.reset(self._next)
        self._next += 1
        return obs, info

    def step(self, action):
        return self._core.step(action)

    def render(self):
        if self.render_mode != "ansi":
            return None
        i = self._core.info
        return (f"minute {i['minute']}: load {i['load']} tpm, capacity {i['capacity']}, active {i['active']}, "
                f"warming {i['warming']}, {'DOWN' if i['down'] else 'up'}, profit {i['profit']:.2f}")

    def close(self):
        self.closed = True

    def __repr__(self):
        return (f"autoscale.Env({self.scenario.name!r}, observation={self.observation!r}, "
                f"action={self.action!r}, reward={self.reward!r})")


class VecEnv(_CoreProperties, _VecEnvBase):
    """num_envs environments stepped together in C++ threads (the GIL released), with Gymnasium's
    vector API: batched arrays, same-step auto-reset, final_observation / final_info.

    VecEnv(scenario="seed", num_envs=1, seed=None, threads=None (= min(num_envs, cores)),
    copy=False, plus Env's observation, action, reward and minutes).

    Env i's k-th episode has seed seed + i + k * num_envs (reset(seed=s) restarts the schedule at
    s; a reset without a seed starts every env's next episode), whatever the thread count.

    copy=False (default): the arrays step() and reset() return are read-only views of the pool's
    buffers, overwritten by the next step: copy what you keep (np.array(obs)), as a rollout buffer
    does. copy=True returns fresh arrays every step (Gymnasium's SyncVectorEnv default), at some
    cost. info holds one array per key (load, capacity, active, warming, failed, down, add, remove,
    minute, profit = the realized reward, and clock when the load has one) with its "_key" mask;
    when an episode ends, final_observation / final_info (object arrays, None where no episode
    ended) hold its last observation and last info, whose "episode" has its totals (r = profit,
    l = minutes, downtime, availability, ...).
    """

    metadata = {"autoreset_mode": "same-step"}

    def __init__(self, scenario="seed", num_envs=1, seed=None, threads=None, *, copy=False, observation="seed",
                 action="seed", reward="realized", minutes=None):
        if isinstance(num_envs, bool) or not isinstance(num_envs, numbers.Integral) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
        if threads is None:
            threads = min(int(num_envs), os.cpu_count() or 1)
        elif isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        self._core = _autoscale.CoreVecEnv(scenario, int(num_envs), _first_seed(seed), int(threads), observation,
                                           action, reward, minutes)
        if GYMNASIUM and hasattr(_gym.vector, "AutoresetMode"):
            self.metadata = {"autoreset_mode": _gym.vector.AutoresetMode.SAME_STEP}
        self.num_envs = int(num_envs)
        self.copy = bool(copy)
        self.observation = observation
        self.action = action
        self.reward = reward
        self.render_mode = None
        dim, heads = self._core.obs_dim, np.array(self._core.head_sizes, dtype=np.int64)
        self.single_observation_space = _observation_space(observation, (dim,))
        self.single_action_space = spaces.MultiDiscrete(heads)
        self.observation_space = _observation_space(observation, (self.num_envs, dim))
        self.action_space = spaces.MultiDiscrete(np.tile(heads, (self.num_envs, 1)))
        self.closed = False

    @property
    def threads(self):
        return self._core.threads

    @property
    def episode_seeds(self):
        """Each environment's running episode seed."""
        return np.array(self._core.episode_seeds, dtype=np.uint64)

    def reset(self, *, seed=None, options=None):
        _check_options(options, "VecEnv")
        if seed is not None and not isinstance(seed, numbers.Integral):
            raise TypeError(f"VecEnv.reset takes one integer seed (env i gets seed + i), got {seed!r}")
        return self._core.reset(None if seed is None else _seed(seed), self.copy)

    def step(self, actions):
        """actions: integers of shape (num_envs, heads). Returns (obs, rewards, terminated,
        truncated, info) as batched numpy arrays (see the class doc for copy and info)."""
        return self._core.step(actions, self.copy)

    def close(self, **kwargs):
        self.closed = True

    def __repr__(self):
        return f"autoscale.VecEnv(num_envs={self.num_envs}, observation={self.observation!r}, action={self.action!r})"
