"""Policies, evaluate and tune from Python give the CLI's numbers for the same seeds."""

import numpy as np
import pytest

import autoscale


def python_episode_profit(spec, seed, scenario="seed"):
    env = autoscale.Env(scenario, seed=seed)
    policy = autoscale.Policy(spec, scenario)
    env.reset()
    policy.reset(env)
    profit = 0.0
    while True:
        _, reward, terminated, truncated, _ = env.step(policy.act(env))
        profit += reward
        if terminated or truncated:
            return profit


def test_evaluate_equals_the_cli_json(cli_json, source_dir):
    hpa = f"@{source_dir}/baselines/seed/hpa.spec"
    specs = [hpa, "headroom:factor=1.5,reserve=1000", "noop", "oracle-load"]
    from_cli = cli_json("--scenario", "seed", "--seed", 4200, "--episodes", 3, "--threads", 2,
                        "--policies", ",".join(specs))
    from_python = autoscale.evaluate(specs, scenario="seed", seed=4200, episodes=3, threads=1)
    from_cli.pop("seconds")
    assert from_python.pop("seconds") > 0
    assert from_python == from_cli
    assert from_python["policies"][3]["pct_of_oracle_load"] == 100.0
    # A comma-separated string is split as the CLI splits --policies.
    again = autoscale.evaluate(",".join(specs), seed=4200, episodes=3)
    again.pop("seconds")
    assert again == from_cli


@pytest.mark.parametrize("spec", ["hpa:target=0.6", "step", "predictive", "oracle-load"])
def test_an_episode_driven_from_python_earns_what_the_cli_reports(cli_json, spec):
    seeds = [31, 32] if spec != "oracle-load" else [33]
    report = cli_json("--seed", seeds[0], "--episodes", len(seeds), "--threads", 1, "--policies", spec)
    expected = report["policies"][0]["episode_profits"]
    assert [python_episode_profit(spec, s) for s in seeds] == expected


def test_tune_equals_the_cli(cli, tmp_path):
    result = autoscale.tune("headroom", scenario="seed", seed=3, episodes=2, budget=4, threads=2)
    spec_file = tmp_path / "best.spec"
    printed = cli("tune", "--policy", "headroom", "--seed", 3, "--episodes", 2, "--budget", 4, "--threads", 1,
                  "--out", spec_file)
    assert printed.strip().splitlines()[-1] == result["best"]["spec"]
    assert len(result["trials"]) == 4 and result["trials"][0]["spec"] == "headroom"
    assert result["best"]["mean_profit"] == max(t["mean_profit"] for t in result["trials"])
    assert f"# mean training profit {result['best']['mean_profit']:.1f}" in spec_file.read_text()


def test_policy_objects():
    policy = autoscale.Policy("static:40")
    assert policy.name == "static" and policy.spec == "static:40"
    env = autoscale.Env(seed=0)
    env.reset()
    policy.reset(env)
    action = policy.act(env)
    assert action.dtype == np.int64 and action.tolist() == [0, 10]
    assert "hpa" in autoscale.policy_names() and "ppo" in autoscale.policy_names()


@pytest.mark.parametrize("call, message", [
    (lambda: autoscale.Policy("nonsense"), "unknown policy 'nonsense'"),
    (lambda: autoscale.Policy("hpa:target=70"), r"target must be a number in \[0.01, 10\]"),
    (lambda: autoscale.Policy("hpa:colour=red"), "colour"),
    (lambda: autoscale.Policy("ppo:/no/such/model"), "cannot read model file"),
    (lambda: autoscale.evaluate(["noop"], episodes=0), "episodes must be at least 1"),
    (lambda: autoscale.evaluate([], episodes=1), "names no policy"),
    (lambda: autoscale.evaluate("noop", scenario="missing.toml"), "neither a built-in"),
    (lambda: autoscale.tune("noop", budget=2, episodes=1), "no tunable parameters"),
])
def test_bad_specs_raise_named_errors(call, message):
    with pytest.raises(autoscale.Error, match=message):
        call()


def test_policies_refuse_envs_they_cannot_drive():
    policy = autoscale.Policy("hpa")
    target_env = autoscale.Env(seed=0, action="target")
    target_env.reset()
    with pytest.raises(autoscale.Error, match="action='seed'"):
        policy.reset(target_env)
    env = autoscale.Env(seed=0)
    env.reset()
    with pytest.raises(autoscale.Error, match="before reset"):
        autoscale.Policy("hpa").act(env)
    with pytest.raises(TypeError, match="autoscale.Env"):
        policy.reset(object())
    with pytest.raises(TypeError, match="spec strings"):
        autoscale.evaluate([1, 2], episodes=1)
