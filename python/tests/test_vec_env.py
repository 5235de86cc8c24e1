"""autoscale.VecEnv: Gymnasium's vector API, auto-reset, seeding, views and copies."""

import math

import numpy as np
import pytest

import autoscale

N = 5


def random_actions(vec, steps, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, vec.single_action_space.nvec, size=(steps, vec.num_envs, len(vec.single_action_space.nvec)))


def record(vec, actions, seed=None):
    obs, _ = vec.reset(seed=seed)
    out = {"obs": [np.array(obs)], "rew": [], "trunc": [], "final": []}
    for a in actions:
        obs, rew, term, trunc, info = vec.step(a)
        out["obs"].append(np.array(obs))
        out["rew"].append(np.array(rew))
        out["trunc"].append(np.array(trunc))
        if "final_info" in info:
            out["final"] += [(int(i), info["final_info"][i]["episode"]["r"]) for i in np.flatnonzero(info["_final_info"])]
    return {k: (v if k == "final" else np.array(v)) for k, v in out.items()}


def test_batched_arrays_and_spaces():
    vec = autoscale.VecEnv("seed", N, seed=0, threads=2)
    assert vec.num_envs == N and vec.threads == 2
    assert vec.observation_space.shape == (N, 25) and vec.single_observation_space.shape == (25,)
    assert vec.action_space.shape == (N, 2) and vec.single_action_space.nvec.tolist() == [11, 11]
    obs, info = vec.reset()
    assert obs.shape == (N, 25) and obs.dtype == np.float32
    assert vec.observation_space.contains(obs)
    assert info["minute"].tolist() == [0] * N and info["_minute"].all()
    vec.action_space.seed(3)
    obs, rew, term, trunc, info = vec.step(vec.action_space.sample())
    assert rew.shape == (N,) and rew.dtype == np.float64
    assert term.dtype == np.bool_ and trunc.dtype == np.bool_ and not term.any() and not trunc.any()
    assert set(info) >= {"load", "_load", "capacity", "active", "warming", "failed", "down", "add", "remove", "profit"}
    assert info["load"].shape == (N,) and np.array_equal(info["profit"], rew)
    assert vec.observation_space.contains(obs)


def test_views_are_read_only_and_overwritten_copies_are_fresh():
    vec = autoscale.VecEnv("seed", N, seed=0, threads=1)
    obs0, _ = vec.reset()
    first = np.array(obs0)
    obs1 = vec.step(np.ones((N, 2), dtype=np.int64))[0]
    assert obs1 is obs0 and not np.array_equal(first, obs1)  # the same view, updated in place
    with pytest.raises(ValueError):
        obs1[0, 0] = 1.0
    copying = autoscale.VecEnv("seed", N, seed=0, threads=1, copy=True)
    c0, _ = copying.reset()
    assert np.array_equal(c0, first)
    c1, r1, _, _, i1 = copying.step(np.ones((N, 2), dtype=np.int64))
    assert c1 is not c0 and np.array_equal(c0, first) and np.array_equal(c1, obs1)
    c1[0, 0] = 5.0  # fresh arrays are the caller's
    i1["load"][0] = -1
    c2, _, _, _, i2 = copying.step(np.ones((N, 2), dtype=np.int64))
    assert i2["load"][0] >= 0


def test_env_i_runs_the_seed_schedule_of_a_single_env():
    minutes = 40
    vec = autoscale.VecEnv("seed", 3, seed=100, threads=2, minutes=minutes)
    actions = random_actions(vec, 2 * minutes, seed=5)
    rec = record(vec, actions)
    # Env 1's first episode is seed 101, its second 104 (seed + i + k * num_envs).
    single = autoscale.Env("seed", minutes=minutes)
    obs, _ = single.reset(seed=101)
    assert np.array_equal(obs, rec["obs"][0][1])
    profit = 0.0
    for t in range(minutes):
        obs, r, _, trunc, _ = single.step(actions[t][1])
        assert r == rec["rew"][t][1]
        profit += r
    assert trunc and rec["trunc"][minutes - 1].all() and not rec["trunc"][minutes - 2].any()
    assert (1, profit) in rec["final"]
    second, _ = single.reset(seed=104)
    assert np.array_equal(second, rec["obs"][minutes][1])  # same-step auto-reset: the new episode's first obs
    assert vec.episode_seeds.tolist() == [106, 107, 108]  # after two whole episodes each


def test_final_observation_and_info_at_episode_ends():
    vec = autoscale.VecEnv("seed", 2, seed=7, threads=1, minutes=10)
    vec.reset()
    single = autoscale.Env("seed", minutes=10)
    single.reset(seed=8)
    for t in range(10):
        obs, rew, term, trunc, info = vec.step(np.zeros((2, 2), dtype=np.int64))
        last, _, _, _, last_info = single.step(np.zeros(2, dtype=np.int64))
    assert trunc.all() and not term.any()
    assert info["_final_observation"].tolist() == [True, True]
    assert np.array_equal(info["final_observation"][1], last)
    final = info["final_info"][1]
    assert final["minute"] == 10 and final["load"] == last_info["load"]
    assert final["episode"]["seed"] == 8 and final["episode"]["l"] == 10
    # The top-level info of an ended env describes its new episode's reset minute.
    assert info["minute"].tolist() == [0, 0]
    obs, _, _, _, info = vec.step(np.zeros((2, 2), dtype=np.int64))
    assert "final_observation" not in info and info["minute"].tolist() == [1, 1]


def test_results_do_not_depend_on_threads_and_seeds_repeat():
    one = autoscale.VecEnv("seed", 6, seed=9, threads=1, minutes=60)
    two = autoscale.VecEnv("seed", 6, seed=9, threads=2, minutes=60)
    actions = random_actions(one, 150, seed=1)
    a, b = record(one, actions), record(two, actions)
    for key in ("obs", "rew", "trunc"):
        assert np.array_equal(a[key], b[key])
    assert a["final"] == b["final"] and len(a["final"]) == 12
    again = record(one, actions, seed=9)
    assert np.array_equal(again["obs"], a["obs"]) and np.array_equal(again["rew"], a["rew"])


def test_reset_with_a_seed_restarts_and_without_continues():
    vec = autoscale.VecEnv("seed", 2, seed=0, threads=1)
    vec.reset()
    assert vec.episode_seeds.tolist() == [0, 1]
    vec.reset()
    assert vec.episode_seeds.tolist() == [2, 3]
    vec.reset(seed=50)
    assert vec.episode_seeds.tolist() == [50, 51]
    vec.reset()
    assert vec.episode_seeds.tolist() == [52, 53]


def test_expected_reward_and_target_actions():
    vec = autoscale.VecEnv("seed", 4, seed=1, threads=2, observation="extended", action="target", reward="expected")
    obs, _ = vec.reset()
    assert obs.shape[1] == vec.single_observation_space.shape[0] > 25
    assert vec.single_action_space.nvec.tolist() == [21, 21]
    for a in random_actions(vec, 50, seed=2):
        obs, rew, _, _, info = vec.step(a)
    assert not np.array_equal(rew, info["profit"])
    assert vec.observation_space.contains(obs)


def test_bad_arguments_raise_named_errors():
    with pytest.raises(ValueError, match="num_envs"):
        autoscale.VecEnv("seed", 0)
    with pytest.raises(ValueError, match="threads"):
        autoscale.VecEnv("seed", 2, threads=0)
    with pytest.raises(autoscale.Error, match="neither a built-in"):
        autoscale.VecEnv("no-such-scenario", 2)
    vec = autoscale.VecEnv("seed", 3, seed=0, threads=2)
    with pytest.raises(autoscale.Error, match="before reset"):
        vec.step(np.zeros((3, 2), dtype=np.int64))
    vec.reset()
    with pytest.raises(autoscale.Error, match=r"shape \(3, 2\).*got \(2, 2\)"):
        vec.step(np.zeros((2, 2), dtype=np.int64))
    bad = np.zeros((3, 2), dtype=np.int64)
    bad[2, 1] = 99
    with pytest.raises(autoscale.Error, match=r"action\[2\]\[1\] \(remove\) = 99 is outside 0..10"):
        vec.step(bad)
    with pytest.raises(TypeError, match="integers"):
        vec.step(np.zeros((3, 2)))
    with pytest.raises(TypeError, match="one integer seed"):
        vec.reset(seed=[1, 2, 3])
    # A rejected batch steps nothing.
    _, _, _, _, info = vec.step(np.zeros((3, 2), dtype=np.int64))
    assert info["minute"].tolist() == [1, 1, 1]


def test_residual_actions_run_their_base_controller_across_auto_resets():
    # Multiplier 1.0 (index 6 of 0.70, 0.75, ...) and no reserve leave the base controller's
    # proposal as it is: every episode then earns what the predictive policy earns on its seed.
    vec = autoscale.VecEnv("seed", 2, seed=77, threads=2, observation="scaled", action="residual")
    assert vec.head_names == ("multiplier", "reserve")
    vec.reset()
    identity = np.tile(np.array([6, 0]), (2, 1))
    profits = {}
    for _ in range(2 * vec.episode_minutes):
        info = vec.step(identity)[4]
        if "final_info" in info:
            for final in info["final_info"]:
                profits[final["episode"]["seed"]] = final["episode"]["profit"]
    expected = autoscale.evaluate(["predictive"], seed=77, episodes=4)["policies"][0]["episode_profits"]
    assert [profits[s] for s in range(77, 81)] == expected


def test_a_residual_environment_floors_its_actions_as_training_does():
    # Multiplier 0.70 (index 0) with no reserve asks for 70 % of the base controller's fleet every
    # minute; the training rollout's floor (rl::decide) keeps the fleet at what serves the last ten
    # minutes' highest load at 95 % utilisation, or climbs toward it as fast as max_machine_delta
    # allows. Before Python shared that path its environment took the bare decoded action.
    env = autoscale.Env("seed", seed=3, observation="scaled", action="residual")
    service = autoscale.Scenario("seed").service
    _, info = env.reset()
    loads = [info["load"]]
    below = 0
    for _ in range(3000):
        _, _, terminated, truncated, info = env.step(np.array([0, 0]))
        floor = min(math.ceil(max(loads[-10:]) / (0.95 * service["tpm_per_machine"])), service["max_machines"])
        climbing = info["add"] == service["max_machine_delta"] and info["remove"] == 0
        if info["active"] + info["warming"] < floor and not climbing:
            below += 1
        loads.append(info["load"])
        if terminated or truncated:
            break
    assert below == 0
