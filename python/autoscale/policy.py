"""Policies named by spec strings, acting in an autoscale.Env."""

from . import _autoscale
from .envs import Env


def _core_env(env):
    env = getattr(env, "unwrapped", env)
    if not isinstance(env, Env):
        raise TypeError(f"policies act on an autoscale.Env, not {type(env).__name__}")
    return env._core


class Policy:
    """Any policy the CLI knows, by its spec: "noop", "static:40", "hpa:target=0.6",
    "@baselines/seed/hpa.spec", "oracle-load", "ppo:runs/main/best", ...

    Made by the CLI's own factory, so an episode driven from Python (reset the env, reset the
    policy, then act/step until truncated) earns exactly what `autoscale evaluate` reports for the
    same seed. act(env) returns (add, remove) machines: the action of an Env with action="seed".
    `scenario` validates the spec; each reset(env) makes the policy for env's scenario.
    """

    def __init__(self, spec, scenario="seed"):
        self._core = _autoscale.CorePolicy(spec, scenario)

    @property
    def spec(self):
        return self._core.spec

    @property
    def name(self):
        return self._core.name

    def reset(self, env):
        """Call after env.reset(): starts a fresh instance for the new episode (oracles read its future here)."""
        self._core.reset(_core_env(env))

    def act(self, env):
        """The (add, remove) action for the env's current minute, as an int64 array."""
        return self._core.act(_core_env(env))

    def __repr__(self):
        return f"autoscale.Policy({self.spec!r})"
