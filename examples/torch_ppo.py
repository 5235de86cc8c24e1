#!/usr/bin/env python3
"""PPO in PyTorch on autoscale.VecEnv, CleanRL style, then evaluated against the tuned baselines.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/torch_ppo.py --minutes 5

Needs Debian's python3-torch (not needed by the test suite), best with libopenblas0-pthread:
Debian's torch otherwise multiplies with the reference BLAS, 25x slower on these layer sizes. It trains for a wall-clock budget,
exports the networks as an autoscale model file (so that `ppo:PATH` runs it in C++: in
autoscale.evaluate, in the CLI, anywhere), keeps the one that did best on validation episodes,
and prints autoscale.evaluate's table on unseen episodes next to baselines/seed/*.spec and the
load-clairvoyant oracle.

The recipe is the C++ trainer's default (docs/learning.md): the extended observation, the
headroom ("target") action, training on each minute's expected reward, observation and return
normalisation, discount 0.9.
"""

import argparse
import os
import pathlib
import time

# OpenBLAS's own threads busy-wait after each product and starve everything else on the cores;
# the networks are far too small to gain from them.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import torch
from torch import nn

import autoscale

ROOT = pathlib.Path(__file__).resolve().parents[1]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="seed")
    p.add_argument("--minutes", type=float, default=5.0, help="wall-clock training budget")
    # One torch thread: on 64-unit layers intra-op parallelism only adds synchronisation (measured on
    # a busy 2-core machine: 22k steps/s with 1 thread, under 1k with 2). The second core runs the
    # validation and evaluation episodes, which autoscale.evaluate spreads over C++ threads.
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--eval-threads", type=int, default=2, help="threads of the validation and evaluation episodes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--rollout-steps", type=int, default=64)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--minibatches", type=int, default=4)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--gamma", type=float, default=0.9)
    p.add_argument("--gae-lambda", type=float, default=0.95)
    p.add_argument("--clip", type=float, default=0.2)
    p.add_argument("--ent-coef", type=float, default=0.0005)
    p.add_argument("--vf-coef", type=float, default=0.5)
    p.add_argument("--max-grad-norm", type=float, default=0.5)
    p.add_argument("--validate-every", type=float, default=30.0, help="seconds between validations")
    p.add_argument("--eval-episodes", type=int, default=100, help="final evaluation episodes (0 = skip)")
    p.add_argument("--out", default="runs/torch_ppo")
    return p.parse_args()


class RunningMeanStd:
    """Running mean and variance, as the C++ trainer keeps them and the model file stores them."""

    def __init__(self, shape):
        self.mean, self.var, self.count = np.zeros(shape), np.ones(shape), 1e-4

    def update(self, x):
        batch_mean, batch_var, n = x.mean(axis=0), x.var(axis=0), x.shape[0]
        delta, total = batch_mean - self.mean, self.count + n
        self.mean = self.mean + delta * n / total
        self.var = (self.var * self.count + batch_var * n + delta**2 * self.count * n / total) / total
        self.count = total


def normalize(obs, stats):
    # Exactly the C++ model's input transform: clip((x - mean) / sqrt(var + 1e-8), -10, 10).
    return np.clip((obs - stats.mean) / np.sqrt(stats.var + 1e-8), -10, 10).astype(np.float32)


def layer(n_in, n_out, gain):
    linear = nn.Linear(n_in, n_out)
    nn.init.orthogonal_(linear.weight, gain)
    nn.init.zeros_(linear.bias)
    return linear


class Agent(nn.Module):
    """Actor and critic MLPs (tanh), the shape an autoscale model file holds."""

    def __init__(self, obs_dim, head_sizes, hidden=(64, 64)):
        super().__init__()
        self.head_sizes = list(head_sizes)

        def mlp(n_out, out_gain):
            sizes, layers = [obs_dim, *hidden], []
            for a, b in zip(sizes, sizes[1:]):
                layers += [layer(a, b, np.sqrt(2)), nn.Tanh()]
            return nn.Sequential(*layers, layer(sizes[-1], n_out, out_gain))

        self.actor, self.critic = mlp(sum(head_sizes), 0.01), mlp(1, 1.0)

    def act(self, x, actions=None):
        """Samples (or scores given) actions: one categorical per head, their log-probabilities and
        entropies summed. Written out instead of torch.distributions, which costs 5x more per step."""
        heads = [l.log_softmax(dim=1) for l in self.actor(x).split(self.head_sizes, dim=1)]
        if actions is None:
            actions = torch.stack([torch.multinomial(h.exp(), 1).squeeze(1) for h in heads], dim=1)
        logp = sum(h.gather(1, actions[:, i:i + 1]).squeeze(1) for i, h in enumerate(heads))
        entropy = sum(-(h.exp() * h).sum(dim=1) for h in heads)
        return actions, logp, entropy, self.critic(x).squeeze(1)


def export(agent, stats, scenario, path, info):
    """Writes the networks and observation statistics as an autoscale model file."""
    model = autoscale.Model.new(scenario=scenario, observation="extended", action="target", hidden=[64, 64])
    for which, net in (("actor", agent.actor), ("critic", agent.critic)):
        linears = [m for m in net if isinstance(m, nn.Linear)]
        model.set_layers([(l.weight.detach().numpy(), l.bias.detach().numpy()) for l in linears], which)
    model.obs_mean, model.obs_var = stats.mean, stats.var
    # The network alone, as trained: this loop does not apply the model guardrail's fleet floor
    # (the C++ trainer does), so the exported policy runs without it and without its fallback.
    model.guardrail = {**model.guardrail, "floor": False, "fallback": False}
    model.info = info
    model.save(path)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = pathlib.Path(args.out)
    (out / "candidates").mkdir(parents=True, exist_ok=True)

    # One env thread: stepping 64 environments takes ~10 us, the networks far longer, and a second
    # env thread would only contend with torch's for the same cores.
    envs = autoscale.VecEnv(args.scenario, args.num_envs, seed=autoscale.seeds.training_seed_base(args.seed), threads=1,
                            observation="extended", action="target", reward="expected")
    obs_dim, heads = envs.single_observation_space.shape[0], envs.single_action_space.nvec.tolist()
    agent = Agent(obs_dim, heads)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    obs_stats, ret_stats = RunningMeanStd(obs_dim), RunningMeanStd(())
    running_return = np.zeros(args.num_envs)

    T, N = args.rollout_steps, args.num_envs
    buf_obs = torch.zeros((T, N, obs_dim))
    buf_act = torch.zeros((T, N, len(heads)), dtype=torch.long)
    buf_logp, buf_rew, buf_done, buf_val = (torch.zeros((T, N)) for _ in range(4))

    raw_obs, _ = envs.reset()
    budget, start = args.minutes * 60, time.time()
    steps, next_validation, best, episode_profits = 0, args.validate_every, None, []
    while (elapsed := time.time() - start) < budget:
        optimizer.param_groups[0]["lr"] = args.lr * max(0.0, 1 - elapsed / budget)
        for t in range(T):
            obs_stats.update(raw_obs)
            obs = torch.from_numpy(normalize(raw_obs, obs_stats))
            with torch.no_grad():
                action, logp, _, value = agent.act(obs)
            raw_obs, reward, terminated, truncated, info = envs.step(action.numpy())
            done = terminated | truncated
            # Rewards scaled by the running std of the discounted return (Gym's NormalizeReward).
            running_return = running_return * args.gamma + reward
            ret_stats.update(running_return)
            reward = reward / np.sqrt(ret_stats.var + 1e-8)
            running_return[done] = 0
            if "final_info" in info:
                final = np.stack(info["final_observation"][truncated & ~terminated])
                with torch.no_grad():  # a time limit is no terminal state: bootstrap from the last observation
                    reward[truncated & ~terminated] += args.gamma * agent.critic(
                        torch.from_numpy(normalize(final, obs_stats))).squeeze(1).numpy()
                episode_profits += [i["episode"]["profit"] for i in info["final_info"][info["_final_info"]]]
            buf_obs[t], buf_act[t], buf_logp[t], buf_val[t] = obs, action, logp, value
            buf_rew[t], buf_done[t] = torch.from_numpy(reward).float(), torch.from_numpy(done).float()
        steps += T * N

        with torch.no_grad():  # GAE
            next_value = agent.critic(torch.from_numpy(normalize(raw_obs, obs_stats))).squeeze(1)
            adv, last = torch.zeros((T, N)), torch.zeros(N)
            for t in reversed(range(T)):
                value_next = next_value if t == T - 1 else buf_val[t + 1]
                nonterminal = 1.0 - buf_done[t]
                delta = buf_rew[t] + args.gamma * value_next * nonterminal - buf_val[t]
                last = delta + args.gamma * args.gae_lambda * nonterminal * last
                adv[t] = last
            returns = adv + buf_val

        b_obs, b_act, b_logp = buf_obs.reshape(T * N, -1), buf_act.reshape(T * N, -1), buf_logp.reshape(-1)
        b_adv, b_ret = adv.reshape(-1), returns.reshape(-1)
        batch = T * N
        for _ in range(args.epochs):
            for mb in torch.randperm(batch).split(batch // args.minibatches):
                _, logp, entropy, value = agent.act(b_obs[mb], b_act[mb])
                ratio = (logp - b_logp[mb]).exp()
                a = (b_adv[mb] - b_adv[mb].mean()) / (b_adv[mb].std() + 1e-8)
                pg_loss = torch.max(-a * ratio, -a * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
                v_loss = 0.5 * ((value - b_ret[mb]) ** 2).mean()
                loss = pg_loss - args.ent_coef * entropy.mean() + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()

        elapsed = time.time() - start
        if elapsed >= next_validation or elapsed >= budget:
            next_validation += args.validate_every
            candidate = out / "candidates" / f"step-{steps}"
            export(agent, obs_stats, args.scenario, candidate, {"trainer": "examples/torch_ppo.py", "steps": steps})
            val = autoscale.evaluate([f"ppo:{candidate}"], scenario=args.scenario, seed=autoscale.seeds.VALIDATION, episodes=16,
                                     threads=args.eval_threads)["policies"][0]["mean_profit"]
            if best is None or val > best:
                best = val
                export(agent, obs_stats, args.scenario, out / "best",
                       {"trainer": "examples/torch_ppo.py", "steps": steps, "validation_profit": val})
            recent = np.mean(episode_profits[-N:]) if episode_profits else float("nan")
            print(f"{elapsed:6.0f} s  {steps:>10,} steps ({steps / elapsed:,.0f}/s)  training episodes {recent:9.0f}"
                  f"  validation {val:9.0f}  best {best:9.0f}", flush=True)

    export(agent, obs_stats, args.scenario, out / "model", {"trainer": "examples/torch_ppo.py", "steps": steps})
    print(f"trained {steps:,} steps in {time.time() - start:.0f} s; models in {out}/best and {out}/model")
    if args.eval_episodes <= 0:
        return
    baselines = sorted((ROOT / "baselines" / args.scenario).glob("*.spec"))
    specs = [f"ppo:{out}/best", f"ppo:{out}/model", *(f"@{p}" for p in baselines), "oracle-load"]
    report = autoscale.evaluate(specs, scenario=args.scenario, seed=autoscale.seeds.EVALUATION, episodes=args.eval_episodes,
                                threads=args.eval_threads)
    print(f"\n{args.eval_episodes} unseen episodes (seeds {autoscale.seeds.EVALUATION}..), mean profit with 95% CI:")
    print(f"| {'policy':<72} | {'mean profit (95% CI)':>20} | {'% oracle-load':>13} | {'vs best other (95% CI)':>24} |")
    print(f"|{'-' * 74}|{'-' * 22}|{'-' * 15}|{'-' * 26}|")
    for p in report["policies"]:
        lo, hi = p["profit_ci95"]
        vs = p.get("vs_best_other")
        versus = f"{vs['mean_difference']:+.0f} [{vs['ci95'][0]:+.0f}, {vs['ci95'][1]:+.0f}]" if vs else "-"
        print(f"| {p['policy'][:72]:<72} | {p['mean_profit']:>9.0f} ± {(hi - lo) / 2:<8.0f} | "
              f"{p['pct_of_oracle_load']:>13.1f} | {versus:>24} |")


if __name__ == "__main__":
    main()
