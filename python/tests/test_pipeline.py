"""autoscale.run and autoscale.backtest are the CLI's main job and backtest: same options, same answer."""

import json

import autoscale


def small_trace(tmp_path, source_dir):
    path = tmp_path / "nasa-week.toml"
    path.write_text('name = "nasa-week"\n[load]\nkind = "trace"\n'
                    f'path = "{source_dir}/data/traces/nasa_1995_07.csv"\nscale_to_p99 = 8800\nto = 10080\n')
    return path


SMALL = dict(steps=8192, episodes=3, tune_budget=2, tune_episodes=2, history_minutes=60, episode_minutes=120, threads=2)


def test_run_equals_the_cli(cli, tmp_path, source_dir):
    scenario = small_trace(tmp_path, source_dir)
    got = autoscale.run(str(scenario), out=str(tmp_path / "py"), quiet=True, **SMALL)
    cli("run", "--scenario", scenario, "--out", tmp_path / "cli", "--steps", 8192, "--episodes", 3, "--tune-budget", 2,
        "--tune-episodes", 2, "--history-minutes", 60, "--episode-minutes", 120, "--threads", 2)
    want = json.loads((tmp_path / "cli" / "evaluation.json").read_text())
    py = json.loads((tmp_path / "py" / "evaluation.json").read_text())
    assert got["verdict"]["gate"] == want["verdict"]["gate"]
    assert got["verdict"]["learned_vs_baseline"]["diff_mean"] == want["verdict"]["learned_vs_baseline"]["diff_mean"]
    assert [p["episode_profits"] for p in py["policies"]] == [p["episode_profits"] for p in want["policies"]]
    assert (tmp_path / "py" / "deployed.spec").exists()


def test_backtest_pools_every_fold_and_logs_to_a_callable(tmp_path, source_dir):
    lines = []
    pooled = autoscale.backtest(str(small_trace(tmp_path, source_dir)), out=str(tmp_path / "bt"), folds=2,
                                log=lines.append, **SMALL)
    roles = [r["role"] for r in pooled]
    assert roles[:4] == ["learned", "learned's base", "deployed", "best classical on the past"]
    doc = json.loads((tmp_path / "bt" / "backtest.json").read_text())
    assert len(doc["folds"]) == 2
    days = sum(f["days"] for f in doc["folds"])
    assert doc["days"] == days and len(set(doc["episode_day"])) == days
    base = pooled[3]["episode_profits"]
    learned = pooled[0]["episode_profits"]
    assert abs(pooled[0]["vs_best_classical_on_the_past"]["diff_mean"] - (sum(learned) - sum(base)) / len(base)) < 1e-6
    assert any("=== backtest" in line for line in lines)
