"""Evaluate trained explorers: coverage of fresh episodes played by the saved policies.

Each seed's checkpoint is loaded and plays ``episodes`` new episodes (policies sample
their actions, as in training; for ``adversarial`` the two players take their turns), on
worlds seeded apart from training's. One row per episode: cells and rooms visited, noisy
rooms and how many were switched off.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from bench.agents.rl.ppo import ActorCritic
from bench.agents.surprise.game import player_at
from bench.agents.surprise.train import build_env, config_from_dict, load_run_checkpoint

# Evaluation worlds are seeded from here up, far from training's env seeds.
EVAL_SEED_OFFSET = 2**30


def evaluate(run_dir: Path, *, episodes: int, seed: int) -> pd.DataFrame:
    """Play ``episodes`` episodes per trained seed of ``run_dir``; one row per episode."""
    run_dir = Path(run_dir)
    config_path = run_dir / "config.json"
    if not config_path.exists():
        raise ValueError(f"{run_dir}: no config.json; pass the --out DIR of `surprise run`")
    config = config_from_dict(json.loads(config_path.read_text()))
    checkpoints = sorted(run_dir.glob("seed_*/checkpoint.pt"))
    if not checkpoints and config.method != "random":
        raise ValueError(f"{run_dir}: no seed_*/checkpoint.pt yet; train first")
    seeds = [int(p.parent.name.split("_")[1]) for p in checkpoints] or [0]
    env = build_env(config)
    obs_dim, n_actions = env.observation_space.shape[0], int(env.action_space.n)
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for train_seed in seeds:
        agents = []
        if config.players:
            blob = load_run_checkpoint(run_dir / f"seed_{train_seed}" / "checkpoint.pt")
            for name in config.players:
                agent = ActorCritic(obs_dim, n_actions, config.ppo.hidden)
                agent.load_state_dict(blob["agents"][name])
                agents.append(agent)
        for episode in range(episodes):
            obs, info = env.reset(seed=EVAL_SEED_OFFSET + seed * 10_007 + episode)
            for t in range(config.game.horizon):
                if not agents:
                    action = int(rng.integers(0, n_actions))
                else:
                    who = player_at(t, config.game) if len(agents) == 2 else 0
                    with torch.no_grad():
                        action = agents[who].act(
                            torch.as_tensor(obs, dtype=torch.float32)[None], generator
                        )[0]
                    action = int(action[0])
                obs, _, _, _, info = env.step(action)
            rows.append(
                {
                    "method": config.method,
                    "env": config.env,
                    "train_seed": train_seed,
                    "episode": episode,
                    "cells_visited": info["cells_visited"],
                    "rooms_visited": info["rooms_visited"],
                    "noisy_rooms": info["noisy_rooms"],
                    "noisy_off": info["noisy_off"],
                }
            )
    env.close()
    return pd.DataFrame(rows)
