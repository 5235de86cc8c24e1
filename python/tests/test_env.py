"""autoscale.Env: Gymnasium's Env contract, seeding, options and errors."""

import inspect

import numpy as np
import pytest

import autoscale


def run_episode(env, actions_fn, seed=None):
    obs, info = env.reset(seed=seed)
    observations, rewards = [obs], []
    while True:
        obs, reward, terminated, truncated, info = env.step(actions_fn(obs))
        observations.append(obs)
        rewards.append(reward)
        if terminated or truncated:
            return np.array(observations), np.array(rewards), info


def test_signatures_follow_gymnasium():
    reset = inspect.signature(autoscale.Env.reset)
    assert list(reset.parameters)[1:] == ["seed", "options"]
    assert all(p.kind == p.KEYWORD_ONLY and p.default is None for p in list(reset.parameters.values())[1:])
    assert list(inspect.signature(autoscale.Env.step).parameters)[1:] == ["action"]
    env = autoscale.Env()
    assert env.render_mode is None
    assert env.render() is None
    env.close()


def test_reset_and_step_types_and_spaces():
    env = autoscale.Env("seed", seed=3, minutes=200)
    obs, info = env.reset()
    assert obs.dtype == np.float32 and obs.shape == (25,) == env.observation_space.shape
    assert env.action_space.nvec.tolist() == [11, 11]
    assert env.head_names == ("add", "remove")
    assert isinstance(info, dict) and info["minute"] == 0 and info["active"] == 50
    assert env.observation_space.contains(obs)
    result = env.step(np.array([2, 0]))
    assert len(result) == 5
    obs, reward, terminated, truncated, info = result
    assert obs.dtype == np.float32 and isinstance(reward, float)
    assert terminated is False and truncated is False
    assert info["minute"] == 1 and info["add"] == 2 and info["warming"] == 2
    assert reward == info["profit"]
    env.action_space.seed(0)
    observations, _, _ = run_episode(env, lambda o: env.action_space.sample())
    assert all(env.observation_space.contains(o) for o in observations)


@pytest.mark.parametrize("observation, action, heads", [
    ("extended", "target", ("factor", "reserve")),
    ("scaled", "relative", ("factor", "reserve", "window")),
    ("scaled", "residual", ("multiplier", "reserve")),
])
def test_training_observations_and_actions(observation, action, heads):
    env = autoscale.Env("seed", seed=1, observation=observation, action=action, minutes=300)
    obs, _ = env.reset()
    assert obs.shape == env.observation_space.shape and obs.shape[0] > 25
    assert env.head_names == heads and env.action_space.shape == (len(heads),)
    assert all(n > 1 for n in env.action_space.nvec)
    env.action_space.seed(1)
    observations, _, info = run_episode(env, lambda o: env.action_space.sample())
    assert all(env.observation_space.contains(o) for o in observations)
    assert info["minute"] == 300


def test_episode_length_and_truncation():
    env = autoscale.Env("seed", seed=0)
    assert env.episode_minutes == 10001
    _, rewards, info = run_episode(env, lambda o: np.zeros(2, dtype=np.int64))
    assert len(rewards) == 10001 and info["minute"] == 10001
    with pytest.raises(autoscale.Error, match="after the episode ended"):
        env.step(np.zeros(2, dtype=np.int64))


def test_same_seed_same_episode_and_resets_continue_the_seed_stream():
    def episode(env, seed=None):
        rng = np.random.default_rng(7)
        return run_episode(env, lambda o: rng.integers(0, 11, size=2), seed=seed)

    a, b = autoscale.Env(seed=11, minutes=500), autoscale.Env(seed=11, minutes=500)
    obs_a, rew_a, _ = episode(a)
    obs_b, rew_b, _ = episode(b)
    assert np.array_equal(obs_a, obs_b) and np.array_equal(rew_a, rew_b)
    # The next reset without a seed continues with episode seed 12, which reset(seed=12) reproduces.
    assert a.episode_seed == 11
    obs_next, rew_next, _ = episode(a)
    assert a.episode_seed == 12
    obs_12, rew_12, _ = episode(b, seed=12)
    assert np.array_equal(obs_next, obs_12) and np.array_equal(rew_next, rew_12)
    assert not np.array_equal(rew_next, rew_a)


def test_unseeded_envs_differ():
    a, b = autoscale.Env(), autoscale.Env()
    a.reset(), b.reset()
    assert a.episode_seed != b.episode_seed


def test_expected_reward_is_the_capacity_expectation_and_info_keeps_the_realized_profit():
    realized, expected = autoscale.Env(seed=4, minutes=400), autoscale.Env(seed=4, reward="expected", minutes=400)
    realized.reset(), expected.reset()
    diffs = []
    for t in range(400):
        action = np.array([t % 3, (t + 1) % 3])
        _, r1, _, _, i1 = realized.step(action)
        _, r2, _, _, i2 = expected.step(action)
        assert i1 == i2 and r1 == i1["profit"]
        diffs.append(r2 - r1)
    assert np.any(np.abs(diffs) > 1e-9)
    assert abs(np.mean(diffs)) < 5.0  # an expectation, not a different reward


def test_scenario_files_and_objects(source_dir):
    from_file = autoscale.Env(source_dir / "scenarios" / "seed.toml", seed=2, minutes=100)
    from_name = autoscale.Env(autoscale.Scenario("seed"), seed=2, minutes=100)
    zero = lambda o: np.zeros(2, dtype=np.int64)
    assert np.array_equal(run_episode(from_file, zero)[1], run_episode(from_name, zero)[1])
    assert autoscale.Scenario("seed").service["max_machine_delta"] == 10
    assert "seed-weekly" in autoscale.scenario_names()


def test_render_ansi():
    env = autoscale.Env(seed=1, render_mode="ansi")
    env.reset()
    env.step(np.array([0, 0]))
    assert env.render().startswith("minute 1: load ")


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(scenario="nope"), autoscale.Error, "neither a built-in name"),
    (dict(observation="pixels"), autoscale.Error, "unknown feature set 'pixels'"),
    (dict(action="continuous"), autoscale.Error, "unknown action kind 'continuous'"),
    (dict(reward="shaped"), autoscale.Error, "unknown training reward 'shaped'"),
    (dict(minutes=0), autoscale.Error, "at least 1 minute"),
    (dict(render_mode="human"), ValueError, "render_mode"),
    (dict(seed=-1), ValueError, "seed must be in"),
    (dict(seed=1.5), TypeError, "non-negative integer"),
    (dict(scenario=3), TypeError, "scenario must be"),
])
def test_bad_constructor_arguments_raise_named_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        autoscale.Env(**kwargs)


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="frobnicate"):
        autoscale.Env(frobnicate=1)


def test_bad_actions_raise_named_errors():
    env = autoscale.Env(seed=0)
    with pytest.raises(autoscale.Error, match="before reset"):
        env.step(np.array([0, 0]))
    env.reset()
    with pytest.raises(autoscale.Error, match=r"action\[0\] \(add\) = 11 is outside 0..10"):
        env.step(np.array([11, 0]))
    with pytest.raises(autoscale.Error, match=r"action\[1\] \(remove\) = -1"):
        env.step([0, -1])
    with pytest.raises(autoscale.Error, match=r"shape \(2,\).*got shape \(3,\)"):
        env.step(np.array([0, 0, 0]))
    with pytest.raises(TypeError, match="integers"):
        env.step(np.array([0.5, 0.0]))
    with pytest.raises(TypeError):
        env.step("add one")
    with pytest.raises(ValueError, match="options are not supported"):
        env.reset(options={"warm": True})
    assert isinstance(autoscale.Error("x"), ValueError)
    # The env is still usable after every rejected call.
    assert env.step(np.array([1, 1]))[4]["minute"] == 1
