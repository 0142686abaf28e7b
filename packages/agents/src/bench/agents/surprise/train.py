"""Training loop for Adversarial Surprise and the exploration baselines, on one budget.

Every method plays the same fixed-horizon episodes (T = n_rounds · k steps) of the same
world, seen through the same features s_t = [o_t, θ_t, t/T], and is trained by PPO on
its own intrinsic reward:

=============  ===========================================================================
adversarial    two PPO agents; Explore acts in even rounds, Control in odd ones; rewards
               as in ``game.py`` (Control: log p_θ(o) in its rounds' second halves;
               Explore: −Control's next-round return at the end of each of its rounds)
surprise-max   one agent, r = −log p_θ(o)            (``surprise_max.py``)
smirl          one agent, r = +log p_θ(o)            (``smirl.py``)
rnd            one agent, r = RND prediction error   (``rnd.py``)
count          one agent, r = β / sqrt(N(o))         (``count.py``)
random         uniformly random actions, no learning
=============  ===========================================================================

An iteration runs ``num_envs`` episodes in lockstep (a gymnasium ``SyncVectorEnv``) and
then updates each learning agent once on its own steps: a player's trajectory is the
sequence of its own turns, so Explore's value at the end of a round bootstraps from its
first state of the next Explore round, across Control's round (the environment for it).

Density rewards are multiplied by ``reward_scale`` = 1/147 (one over the number of
categorical factors, 7·7·3) — a positive constant, so no optimum changes, but returns of
order one keep the value loss from swamping the policy loss.

Each seed writes ``seed_S/metrics.jsonl`` (one line per iteration, namespaced keys) and
``seed_S/checkpoint.pt`` every ``checkpoint_every`` iterations; a rerun resumes from the
checkpoint and drops metric lines written after it.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from tqdm import tqdm

import bench.agents.checkpoint as checkpoint_file
from bench.agents.rl.ppo import ActorCritic, PPOConfig, compute_gae, make_optimizer, ppo_update
from bench.agents.surprise.count import CountConfig, ObservationCounts
from bench.agents.surprise.coverage import CoverageTracker
from bench.agents.surprise.density import DensityConfig
from bench.agents.surprise.envs import ENVS, make_env
from bench.agents.surprise.game import (
    CONTROL,
    EXPLORE,
    PLAYERS,
    AdversarialSurpriseGame,
    GameConfig,
    player_at,
)
from bench.agents.surprise.observation import SurpriseObservation
from bench.agents.surprise.rnd import RND, RNDConfig
from bench.agents.surprise.smirl import smirl_reward
from bench.agents.surprise.surprise_max import surprise_max_reward
from bench.common.atomic import atomic_write_text

METHODS = ("adversarial", "rnd", "smirl", "surprise-max", "count", "random")


@dataclass(frozen=True)
class SurpriseRunConfig:
    """One exploration run: method, world, budget and every sub-method's config."""

    method: str = "adversarial"  # one of METHODS
    env: str = "noisy-dark-3x3"  # a name in envs.ENVS
    total_steps: int = 200_000  # environment steps per seed (both players' steps count)
    game: GameConfig = field(default_factory=GameConfig)
    ppo: PPOConfig = field(default_factory=PPOConfig)
    density: DensityConfig = field(default_factory=DensityConfig)
    rnd: RNDConfig = field(default_factory=RNDConfig)
    count: CountConfig = field(default_factory=CountConfig)
    reward_scale: float = 1.0 / 147  # positive constant on density rewards (see module doc)
    checkpoint_every: int = 10  # iterations between checkpoints

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method={self.method!r}; choose one of {', '.join(METHODS)}")
        if self.env not in ENVS:
            raise ValueError(f"env={self.env!r}; choose one of {', '.join(sorted(ENVS))}")
        if self.total_steps < self.steps_per_iteration:
            raise ValueError(
                f"total_steps={self.total_steps} is below one iteration "
                f"(num_envs * horizon = {self.steps_per_iteration}); raise --steps"
            )

    @property
    def steps_per_iteration(self) -> int:
        return self.ppo.num_envs * self.game.horizon

    @property
    def iterations(self) -> int:
        return self.total_steps // self.steps_per_iteration

    @property
    def players(self) -> tuple[str, ...]:
        """Names of the learning agents."""
        if self.method == "adversarial":
            return PLAYERS
        return () if self.method == "random" else ("agent",)


def config_from_dict(data: dict[str, Any]) -> SurpriseRunConfig:
    """Rebuild a config from its JSON form (``dataclasses.asdict``)."""
    nested = {
        "game": GameConfig,
        "ppo": PPOConfig,
        "density": DensityConfig,
        "rnd": RNDConfig,
        "count": CountConfig,
    }
    kwargs = {k: (nested[k](**v) if k in nested else v) for k, v in data.items()}
    return SurpriseRunConfig(**kwargs)


def build_env(config: SurpriseRunConfig) -> gym.Env:
    """World -> coverage counters -> [o, θ, t/T] features -> (game rounds, for adversarial)."""
    env = SurpriseObservation(
        CoverageTracker(make_env(config.env)), config.game.horizon, config.density
    )
    if config.method == "adversarial":
        env = AdversarialSurpriseGame(env, config.game)
    return env


def env_seed(seed: int, iteration: int, index: int, num_envs: int) -> int:
    """Seed of env ``index`` at ``iteration``: a function of the run, so resumes replay it."""
    return (seed * 1_000_003 + iteration * num_envs + index) % 2**31


@dataclass
class SeedResult:
    """What one seed's training left: where, how far, and its last metrics line."""

    seed: int
    run_dir: Path
    global_steps: int
    last: dict[str, Any]


class _State:
    """Everything a checkpoint restores."""

    def __init__(
        self, config: SurpriseRunConfig, obs_dim: int, view_dim: int, n_actions: int, seed: int
    ):
        torch.manual_seed(seed)  # initial weights; the generator below drives sampling
        self.agents = {
            p: ActorCritic(obs_dim, n_actions, config.ppo.hidden) for p in config.players
        }
        self.optimizers = {p: make_optimizer(a, config.ppo) for p, a in self.agents.items()}
        # RND scores the view alone: θ and t are the same for every method.
        self.rnd = RND(view_dim, config.rnd, seed=seed) if config.method == "rnd" else None
        self.counts = ObservationCounts(config.count) if config.method == "count" else None
        self.generator = torch.Generator().manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.iteration = 0
        self.global_steps = 0
        self.cells: set[tuple[int, int]] = set()
        self.rooms: set[int] = set()

    def save(self, path: Path) -> None:
        counts = None  # views as hex text: a checkpoint holds no byte strings
        if self.counts is not None:
            counts = {view.hex(): n for view, n in self.counts.counts.items()}
        blob = {
            "iteration": self.iteration,
            "global_steps": self.global_steps,
            "agents": {p: a.state_dict() for p, a in self.agents.items()},
            "optimizers": {p: o.state_dict() for p, o in self.optimizers.items()},
            "rnd": None if self.rnd is None else self.rnd.state_dict(),
            "rnd_optimizer": None if self.rnd is None else self.rnd.optimizer.state_dict(),
            "counts": counts,
            "generator": self.generator.get_state(),
            "rng": self.rng.bit_generator.state,
            "cells": sorted(self.cells),
            "rooms": sorted(self.rooms),
        }
        checkpoint_file.save_checkpoint(path, blob)

    def load(self, path: Path) -> None:
        blob = load_run_checkpoint(path)
        self.iteration, self.global_steps = blob["iteration"], blob["global_steps"]
        for p, a in self.agents.items():
            a.load_state_dict(blob["agents"][p])
            self.optimizers[p].load_state_dict(blob["optimizers"][p])
        if self.rnd is not None:
            self.rnd.load_state_dict(blob["rnd"])
            self.rnd.optimizer.load_state_dict(blob["rnd_optimizer"])
        if self.counts is not None:
            self.counts.counts = {bytes.fromhex(k): n for k, n in blob["counts"].items()}
        self.generator.set_state(blob["generator"])
        self.rng.bit_generator.state = blob["rng"]
        self.cells = {tuple(c) for c in blob["cells"]}
        self.rooms = set(blob["rooms"])


def load_run_checkpoint(path: Path) -> dict[str, Any]:
    """The dict a seed's ``checkpoint.pt`` holds (loaded without running code)."""
    return checkpoint_file.load_checkpoint(
        path, what="surprise checkpoint", fix="train one with `bench agents surprise run`"
    )


def _truncate_metrics(path: Path, iteration: int) -> None:
    """Keep only metric lines of iterations <= ``iteration`` (those the checkpoint covers)."""
    if not path.exists():
        return
    kept = [
        line
        for line in path.read_text().splitlines()
        if line.strip() and json.loads(line)["iteration"] <= iteration
    ]
    atomic_write_text(path, "".join(line + "\n" for line in kept))


def _mean_or_none(values: np.ndarray) -> float | None:
    return float(np.mean(values)) if len(values) else None


def train_seed(
    config: SurpriseRunConfig, *, seed: int, run_dir: Path, progress: bool = True
) -> SeedResult:
    """Train one seed into ``run_dir`` (resuming from its checkpoint when there is one)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    metrics_path, ckpt_path = run_dir / "metrics.jsonl", run_dir / "checkpoint.pt"
    N, T, k = config.ppo.num_envs, config.game.horizon, config.game.k
    envs = gym.vector.SyncVectorEnv([lambda: build_env(config) for _ in range(N)])
    obs_dim = int(envs.single_observation_space.shape[0])
    view_dim = (obs_dim - 1) // 2  # the one-hot view is the first block of the features
    n_actions = int(envs.single_action_space.n)
    state = _State(config, obs_dim, view_dim, n_actions, seed)
    if ckpt_path.exists():
        state.load(ckpt_path)
    _truncate_metrics(metrics_path, state.iteration)
    players = np.array([player_at(t, config.game) for t in range(T)])
    if config.method != "adversarial":
        players[:] = EXPLORE  # one agent acts at every step; index 0 is "agent"
    names = list(state.agents)

    bar = tqdm(
        total=config.iterations,
        initial=state.iteration,
        desc=f"{config.method} seed {seed}",
        disable=not progress,
    )
    with metrics_path.open("a") as log:
        while state.iteration < config.iterations:
            started = time.perf_counter()
            obs_np, _ = envs.reset(seed=[env_seed(seed, state.iteration, i, N) for i in range(N)])
            b_obs = torch.zeros((T, N, obs_dim))
            b_next_view = np.zeros((T, N, view_dim), dtype=np.float32)
            b_act = torch.zeros((T, N), dtype=torch.long)
            b_logp = torch.zeros((T, N))
            b_val = np.zeros((T, N))
            b_game = np.zeros((T, N))  # the game's reward for whoever acted
            b_logp_o = np.zeros((T, N))  # log p_θ(o_{t+1})
            explore_pay = np.zeros((T, N))
            for t in range(T):
                obs = torch.as_tensor(obs_np, dtype=torch.float32)
                if config.method == "random":
                    action = torch.as_tensor(state.rng.integers(0, n_actions, N))
                else:
                    agent = state.agents[names[players[t]]]
                    with torch.no_grad():
                        action, logp, value = agent.act(obs, state.generator)
                    b_logp[t], b_val[t] = logp, value.numpy()
                obs_np, reward, _, _, info = envs.step(action.numpy())
                b_obs[t], b_act[t] = obs, action
                b_next_view[t] = obs_np[:, :view_dim]
                b_game[t], b_logp_o[t] = reward, info["log_p"]
                if "explore_reward" in info:
                    for i in np.flatnonzero(info["_explore_reward"]):
                        explore_pay[int(info["explore_reward_step"][i]), i] = info[
                            "explore_reward"
                        ][i]
                state.cells.update(zip(info["agent_x"].tolist(), info["agent_y"].tolist()))
                state.rooms.update(int(r) for r in info["room"] if r >= 0)
            state.global_steps += T * N

            # Intrinsic rewards of each method, (T, N).
            scale = config.reward_scale
            if config.method == "adversarial":
                rewards = np.where(players[:, None] == CONTROL, b_game, explore_pay) * scale
            elif config.method == "smirl":
                rewards = smirl_reward(b_logp_o) * scale
            elif config.method == "surprise-max":
                rewards = surprise_max_reward(b_logp_o) * scale
            elif config.method == "rnd":
                views = torch.as_tensor(b_next_view.reshape(T * N, view_dim))
                rewards = state.rnd.reward(views).reshape(T, N)
            elif config.method == "count":
                rewards = state.counts.reward(b_next_view.reshape(T * N, view_dim)).reshape(T, N)
            else:
                rewards = np.zeros((T, N))

            row: dict[str, Any] = {"iteration": state.iteration + 1, "seed": seed}
            for p_index, name in enumerate(names):
                steps = np.flatnonzero(players == p_index)
                dones = np.zeros((len(steps), N))
                dones[-1] = 1.0  # the episode ends after the player's last turn
                adv, ret = compute_gae(
                    rewards[steps],
                    b_val[steps],
                    dones,
                    np.zeros(N),
                    gamma=config.ppo.gamma,
                    gae_lambda=config.ppo.gae_lambda,
                )
                stats = ppo_update(
                    state.agents[name],
                    state.optimizers[name],
                    b_obs[steps].reshape(-1, obs_dim),
                    b_act[steps].reshape(-1),
                    b_logp[steps].reshape(-1),
                    torch.as_tensor(adv.reshape(-1), dtype=torch.float32),
                    torch.as_tensor(ret.reshape(-1), dtype=torch.float32),
                    torch.as_tensor(b_val[steps].reshape(-1), dtype=torch.float32),
                    config.ppo,
                    generator=state.generator,
                )
                for key, value in dataclasses.asdict(stats).items():
                    row[f"losses/{name}_{key}"] = value
                row[f"reward/{name}_return"] = float(rewards[steps].sum(0).mean())
            if state.rnd is not None:
                row["losses/rnd_predictor"] = state.rnd.update(
                    torch.as_tensor(b_next_view.reshape(T * N, view_dim)),
                    generator=state.generator,
                )
            state.iteration += 1

            noisy, off = info["noisy_rooms"], info["noisy_off"]
            control_steps = np.flatnonzero(
                ((np.arange(T) // k) % 2 == 1) & ((np.arange(T) % k) >= k // 2)
            )
            row |= {
                "global_step": state.global_steps,
                "coverage/cells_episode": float(np.mean(info["cells_visited"])),
                "coverage/rooms_episode": float(np.mean(info["rooms_visited"])),
                "coverage/cells_total": len(state.cells),
                "coverage/rooms_total": len(state.rooms),
                "noise/noisy_rooms": float(np.mean(noisy)),
                "noise/switched_off_frac": (
                    float(off.sum() / noisy.sum()) if noisy.sum() > 0 else None
                ),
                "density/log_p_mean": float(b_logp_o.mean()),
                # Control's scored steps, whoever acted: comparable across methods.
                "density/log_p_scored": _mean_or_none(b_logp_o[control_steps].ravel()),
                "charts/sps": T * N / (time.perf_counter() - started),
            }
            log.write(json.dumps(row) + "\n")
            log.flush()
            if state.iteration % config.checkpoint_every == 0 or (
                state.iteration == config.iterations
            ):
                state.save(ckpt_path)
            bar.update(1)
            bar.set_postfix(
                cells=row["coverage/cells_episode"], rooms=row["coverage/rooms_episode"]
            )
    bar.close()
    envs.close()
    last = {}
    if metrics_path.exists():
        lines = [line for line in metrics_path.read_text().splitlines() if line.strip()]
        last = json.loads(lines[-1]) if lines else {}
    return SeedResult(seed=seed, run_dir=run_dir, global_steps=state.global_steps, last=last)


def train(
    config: SurpriseRunConfig, *, seeds: list[int], out: Path, progress: bool = True
) -> list[SeedResult]:
    """Train every seed into ``out/seed_S`` and write ``out/config.json``; resumable."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "config.json", json.dumps(dataclasses.asdict(config), indent=2) + "\n")
    return [train_seed(config, seed=s, run_dir=out / f"seed_{s}", progress=progress) for s in seeds]
