"""autoscale from Python: the simulator of a scalable web service as Gymnasium environments, the
classical autoscalers, oracles and trained models as policies, and the CLI's evaluation and
tuning, all on the C++ core.

    import autoscale
    env = autoscale.Env("seed", seed=0)                 # gymnasium.Env semantics
    envs = autoscale.VecEnv("seed", num_envs=64, seed=0) # gymnasium vector API, C++ threads
    autoscale.evaluate(["hpa:target=0.6", "oracle-load"], episodes=10)  # = `autoscale evaluate --json`
    autoscale.run("scenarios/nasa.toml", out="runs/nasa")  # = `autoscale run`: tune, train, gate, evaluate
    autoscale.hpa.replicas(current=4, utilizations=[0.9, 0.8, None, 0.7], target=0.6)  # what an HPA computes
"""

from ._autoscale import (Error, Model, Scenario, backtest, evaluate, load_model, names, policy_names, run,
                         scenario_names, seeds, tune)
from .envs import GYMNASIUM, Env, VecEnv, spaces
from .policy import Policy
from . import hpa

__all__ = ["Env", "VecEnv", "Policy", "Model", "Scenario", "Error", "evaluate", "tune", "load_model",
           "policy_names", "scenario_names", "spaces", "GYMNASIUM", "run", "backtest", "seeds", "names", "hpa"]
