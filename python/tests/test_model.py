"""Models: make, fill, save, load, predict, and use as a ppo: policy in Python and the CLI."""

import json

import numpy as np
import pytest

import autoscale


def make_model(seed=0, **kwargs):
    model = autoscale.Model.new(scenario="seed", seed=seed, **kwargs)
    rng = np.random.default_rng(seed)
    model.obs_mean = rng.normal(size=model.obs_dim)
    model.obs_var = rng.uniform(0.5, 2.0, size=model.obs_dim)
    # Larger random weights than the near-uniform initial policy, so that actions vary.
    model.set_layers([(rng.normal(0, 0.5, w.shape), rng.normal(0, 0.5, b.shape)) for w, b in model.layers("actor")])
    return model


def test_new_model_shapes():
    model = autoscale.Model.new(observation="extended", action="target", hidden=[32, 16])
    assert model.observation == "extended" and model.action == "target"
    assert model.head_sizes == [21, 21] and model.hidden == [32, 16]
    shapes = [(w.shape, b.shape) for w, b in model.layers("actor")]
    assert shapes == [((32, model.obs_dim), (32,)), ((16, 32), (16,)), ((42, 16), (42,))]
    assert model.layers("critic")[-1][0].shape == (1, 16)
    assert np.array_equal(model.obs_var, np.ones(model.obs_dim))


def test_round_trip_keeps_everything(tmp_path):
    model = make_model(seed=1)
    model.info = {"trained_by": "test", "steps": 123}
    path = tmp_path / "model"
    model.save(path)
    loaded = autoscale.load_model(path)
    assert loaded.info == {"trained_by": "test", "steps": 123}
    assert np.array_equal(loaded.obs_mean, model.obs_mean) and np.array_equal(loaded.obs_var, model.obs_var)
    for (w1, b1), (w2, b2) in zip(model.layers("actor"), loaded.layers("actor")):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    obs = np.random.default_rng(2).normal(size=(50, model.obs_dim)).astype(np.float32)
    assert np.array_equal(model.predict(obs), loaded.predict(obs))
    assert np.array_equal(model.value(obs), loaded.value(obs))
    assert len(set(map(tuple, model.predict(obs)))) > 1


def test_predict_matches_a_numpy_forward_pass():
    model = make_model(seed=3, hidden=[8])
    obs = np.random.default_rng(4).normal(size=(20, model.obs_dim)).astype(np.float32)
    x = np.clip((obs - model.obs_mean) / np.sqrt(model.obs_var + 1e-8), -10, 10)
    (w1, b1), (w2, b2) = model.layers("actor")
    logits = np.tanh(x @ w1.T + b1) @ w2.T + b2
    assert np.allclose(model.logits(obs), logits, atol=1e-4)
    heads = np.split(logits, np.cumsum(model.head_sizes)[:-1], axis=1)
    assert np.array_equal(model.predict(obs), np.stack([h.argmax(axis=1) for h in heads], axis=1))
    single = model.predict(obs[0])
    assert single.shape == (2,) and np.array_equal(single, model.predict(obs[:1])[0])


def test_a_saved_model_is_a_ppo_policy_for_python_and_the_cli(tmp_path, cli_json):
    model = make_model(seed=5, observation="seed", action="seed")
    # Without the guardrail a ppo: policy takes exactly the network's choices (with it, the fleet
    # floor and the fallback may overrule them).
    model.guardrail = {**model.guardrail, "floor": False, "fallback": False}
    path = tmp_path / "seed-model"
    model.save(path)
    spec = f"ppo:{path}"
    report = cli_json("--seed", 61, "--episodes", 2, "--threads", 1, "--policies", spec)
    from_python = autoscale.evaluate([spec], seed=61, episodes=2, threads=2)
    assert from_python["policies"] == report["policies"]
    # Driving the env with predict() on its own observations takes the policy's actions.
    env = autoscale.Env(seed=61, observation=model.observation, action=model.action)
    policy = autoscale.Policy(spec)
    obs, _ = env.reset()
    policy.reset(env)
    for _ in range(300):
        action = model.predict(obs)
        assert np.array_equal(action, policy.act(env))
        obs = env.step(action)[0]


def test_the_guardrail_is_saved_and_applied(tmp_path):
    model = make_model(seed=6, observation="seed", action="seed")
    assert model.guardrail["floor"] is True
    # This random network keeps about 45 machines active or warming, so only a high floor (a load
    # of ~6,700 tpm at 0.2 of 300 tpm per machine: ~110 machines) binds.
    model.guardrail = {**model.guardrail, "floor_utilization": 0.2, "fallback": False}
    path = tmp_path / "guarded"
    model.save(path)
    assert autoscale.load_model(path).guardrail == model.guardrail
    with pytest.raises(autoscale.Error):
        model.guardrail = {**model.guardrail, "floor_minutes": -3}
    unguarded = tmp_path / "unguarded"
    model.guardrail = {**model.guardrail, "floor": False}
    model.save(unguarded)
    report = autoscale.evaluate([f"ppo:{path}", f"ppo:{unguarded}"], seed=12, episodes=2)
    guarded_run, bare_run = report["policies"]
    assert guarded_run["episode_profits"] != bare_run["episode_profits"]
    assert guarded_run["counters"]["guardrail_floor_minutes"] > 0
    assert bare_run["counters"]["guardrail_floor_minutes"] == 0
    assert guarded_run["machine_minutes"] > bare_run["machine_minutes"]


def test_load_errors_name_the_problem(tmp_path):
    path = tmp_path / "model"
    make_model().save(path)
    doc = json.loads(path.read_text())
    doc["payload"]["hidden"] = [65, 64]
    tampered = tmp_path / "tampered"
    tampered.write_text(json.dumps(doc))
    with pytest.raises(autoscale.Error, match="checksum mismatch"):
        autoscale.load_model(tampered)
    (tmp_path / "junk").write_text("{not json")
    with pytest.raises(autoscale.Error, match="corrupt or truncated JSON"):
        autoscale.load_model(tmp_path / "junk")
    with pytest.raises(autoscale.Error, match="cannot read model file"):
        autoscale.load_model(tmp_path / "absent")


def test_bad_weights_and_inputs_raise_named_errors():
    model = autoscale.Model.new(hidden=[4])
    layers = model.layers("actor")
    with pytest.raises(autoscale.Error, match=r"actor layer 0: weight must have shape \(4, "):
        model.set_layers([(np.zeros((5, model.obs_dim)), layers[0][1]), layers[1]])
    with pytest.raises(autoscale.Error, match="actor has 2 layers, got 1"):
        model.set_layers(layers[:1])
    with pytest.raises(autoscale.Error, match="unknown network 'policy'"):
        model.layers("policy")
    with pytest.raises(autoscale.Error, match="obs_var must be finite"):
        model.obs_var = -np.ones(model.obs_dim)
    with pytest.raises(autoscale.Error, match=r"obs_mean must have shape"):
        model.obs_mean = np.zeros(3)
    with pytest.raises(autoscale.Error, match=r"observations of shape \(39,\) or \(n, 39\)"):
        model.predict(np.zeros(25, dtype=np.float32))
    with pytest.raises(autoscale.Error, match="hidden layer sizes must be positive"):
        autoscale.Model.new(hidden=[0])
    # Nothing was written by the rejected calls.
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(layers, model.layers("actor")))


def test_a_model_saved_again_under_the_same_path_is_read_again(tmp_path):
    path = tmp_path / "model"
    spec = f"ppo:{path}"
    profits = []
    for seed in (7, 8):
        make_model(seed=seed, observation="seed", action="seed").save(path)
        profits.append(autoscale.evaluate([spec], seed=3, episodes=1)["policies"][0]["mean_profit"])
    fresh = tmp_path / "fresh"
    make_model(seed=8, observation="seed", action="seed").save(fresh)
    assert profits[1] == autoscale.evaluate([f"ppo:{fresh}"], seed=3, episodes=1)["policies"][0]["mean_profit"]
    assert profits[0] != profits[1]
