"""Evaluate trained explorers: coverage of fresh episodes played by the saved policies.

Each seed's checkpointed policies play ``episodes`` new episodes at once (policies sample
their actions, as in training; for ``adversarial`` the two players take their turns), in
start layouts drawn apart from training's. One row per episode: cells and rooms visited,
noisy rooms and how many were switched off.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jax
import pandas as pd

from bench.agents.surprise.train import config_from_dict, load_states, make_bank, rollout

# Evaluation layouts are drawn from this seed offset on, apart from training's.
EVAL_LAYOUT_OFFSET = 1_000_003


def evaluate(run_dir: Path, *, episodes: int, seed: int) -> pd.DataFrame:
    """Play ``episodes`` episodes per trained seed of ``run_dir``; one row per episode."""
    run_dir = Path(run_dir)
    config_path = run_dir / "config.json"
    if not config_path.exists():
        raise ValueError(f"{run_dir}: no config.json; pass the --out DIR of `surprise run`")
    if not (run_dir / "checkpoint.msgpack").exists():
        raise ValueError(f"{run_dir}: no checkpoint.msgpack yet; train first")
    config = config_from_dict(json.loads(config_path.read_text()))
    # One batch of `episodes` envs; the budget is irrelevant here but must cover a batch.
    config = dataclasses.replace(
        config,
        ppo=dataclasses.replace(config.ppo, num_envs=episodes),
        total_steps=max(config.total_steps, episodes * config.game.horizon),
    )
    bank = make_bank(config, offset=EVAL_LAYOUT_OFFSET + seed)
    seeds, states = load_states(run_dir, config)
    play = jax.jit(lambda agents, key: rollout(agents, bank, key, config)[1])
    rows = []
    for i, train_seed in enumerate(seeds):
        agents = jax.tree_util.tree_map(lambda a, i=i: a[i], states.agents)
        ep = jax.device_get(play(agents, jax.random.PRNGKey(seed * 10_007 + i)))
        noisy = ep.world.is_noisy.sum(-1)
        off = (ep.world.is_noisy & ~ep.world.on).sum(-1)
        for e in range(episodes):
            rows.append(
                {
                    "method": config.method,
                    "env": config.env,
                    "train_seed": train_seed,
                    "episode": e,
                    "cells_visited": int(ep.visited[e].sum()),
                    "rooms_visited": int(ep.rooms[e].sum()),
                    "noisy_rooms": int(noisy[e]),
                    "noisy_off": int(off[e]),
                }
            )
    return pd.DataFrame(rows)


__all__ = ["evaluate"]
