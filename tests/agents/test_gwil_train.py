"""The training loop: a killed run resumes from its checkpoint and ends where an unbroken
run ends; GWIL runs log the pseudo-reward and the GW time."""

from __future__ import annotations

import copy
import json

import gymnasium as gym
import numpy as np
import pytest
import torch
from tqdm.auto import tqdm

from bench.agents.envs.point_maze import PointMaze
from bench.agents.gwil.demonstration import PACKAGED_DEMOS, Trajectory
from bench.agents.gwil.rewards import GWRewardConfig
from bench.agents.gwil.train import TrainConfig, _Trainer, restore_agent, train
from bench.agents.rl.sac import SACConfig

torch.set_num_threads(1)

# Tiny learner: the loop's bookkeeping is under test here, not SAC's performance.
TINY = SACConfig(hidden_dim=16, batch_size=16, learning_starts=100)


class _KilledAt(gym.Wrapper):
    """Raises at a given step, as a kill would: the only fake, to provoke the failure."""

    def __init__(self, env: gym.Env, kill_at: int):
        super().__init__(env)
        self.kill_at, self.steps = kill_at, 0

    def step(self, action):
        self.steps += 1
        if self.steps == self.kill_at:
            raise KeyboardInterrupt("killed")
        return self.env.step(action)


def _lines(path) -> list[dict]:
    return [
        {k: v for k, v in json.loads(line).items() if not k.startswith("time/")}
        for line in path.read_text().splitlines()
    ]


@pytest.mark.slow
@pytest.mark.parametrize("method", ["sac-true", "gwil"])
def test_killed_run_resumes_to_the_same_result(tmp_path, method):
    config = TrainConfig(
        method=method,
        total_steps=700,
        sac=TINY,
        eval_every=200,
        eval_episodes=2,
        checkpoint_every=150,
    )
    demo = None
    if method == "gwil":
        rng = np.random.default_rng(0)
        demo = Trajectory(np.cumsum(rng.normal(size=(30, 2)), 0) * 0.1, rng.uniform(-1, 1, (30, 2)))

    def run(out, env=None):
        env = env if env is not None else PointMaze(mirrored=True)
        return train(
            env,
            PointMaze(mirrored=True),
            config,
            out=tmp_path / out,
            seed=5,
            demonstration=demo,
            progress=False,
        )

    whole = run("whole")
    with pytest.raises(KeyboardInterrupt):
        run("broken", _KilledAt(PointMaze(mirrored=True), kill_at=530))
    resumed = run("broken")
    assert resumed.steps == whole.steps == 700
    assert resumed.eval_true_return == whole.eval_true_return
    assert _lines(tmp_path / "broken" / "metrics.jsonl") == _lines(
        tmp_path / "whole" / "metrics.jsonl"
    )
    a = restore_agent(PointMaze(), tmp_path / "whole" / "checkpoints" / "latest.pt")
    b = restore_agent(PointMaze(), tmp_path / "broken" / "checkpoints" / "latest.pt")
    for pa, pb in zip(a.actor.parameters(), b.actor.parameters()):
        assert torch.equal(pa, pb)
    keys = set().union(*_lines(tmp_path / "whole" / "metrics.jsonl"))
    assert {"charts/true_return", "charts/eval_true_return", "losses/qf_loss"} <= keys
    if method == "gwil":
        assert {"charts/gw_cost", "charts/pseudo_return"} <= keys
        assert 0 < whole.gw_seconds < whole.wall_seconds


def test_gwil_needs_a_demonstration(tmp_path):
    with pytest.raises(ValueError, match="demonstration"):
        train(
            PointMaze(),
            PointMaze(),
            TrainConfig(method="gwil", total_steps=10),
            out=tmp_path,
            seed=0,
        )


def test_next_state_rewards_are_shares_of_the_gw_cost(tmp_path):
    """With ``next_states`` each episode's pseudo-rewards still sum to minus its GW cost."""
    config = TrainConfig(
        method="gwil",
        total_steps=300,
        sac=TINY,
        reward=GWRewardConfig(use_actions=False, scale="expert", next_states=True),
        eval_every=10**6,
        eval_episodes=1,
        checkpoint_every=10**9,
    )
    demo = Trajectory.load(PACKAGED_DEMOS / "maze.npz")
    train(
        PointMaze(mirrored=True),
        PointMaze(mirrored=True),
        config,
        out=tmp_path,
        seed=0,
        demonstration=demo,
        progress=False,
    )
    episodes = [line for line in _lines(tmp_path / "metrics.jsonl") if "charts/gw_cost" in line]
    assert len(episodes) == 10  # 30-step episodes
    for line in episodes:
        assert np.isclose(line["charts/pseudo_return"], -line["charts/gw_cost"], rtol=1e-9)


@pytest.mark.parametrize("scaling", ["std", "standardize", "none"])
def test_sac_sees_the_pseudo_rewards_scaled_as_configured(tmp_path, scaling):
    """The batch SAC learns from holds the buffer's rewards divided by their standard
    deviation ("std": every one still <= 0), also centred ("standardize"), or raw."""
    config = TrainConfig(
        method="gwil",
        total_steps=1000,
        sac=TINY,
        reward=GWRewardConfig(use_actions=False, scale="expert", next_states=True),
        reward_scaling=scaling,
        eval_every=10**6,
        eval_episodes=1,
        checkpoint_every=10**9,
    )
    demo = Trajectory.load(PACKAGED_DEMOS / "maze.npz")
    trainer = _Trainer(
        PointMaze(mirrored=True), PointMaze(mirrored=True), config, out=tmp_path, seed=0,
        demonstration=demo,
    )  # fmt: skip
    bar = tqdm(disable=True)
    while trainer.buffer.size < 150:  # past learning_starts: _update updates
        trainer.store(trainer.play_episode(bar))
    agent = trainer.agent
    assert agent is not None
    seen, update = [], agent.update
    agent.update = lambda batch: (seen.append(batch.rewards.clone()), update(batch))[1]
    state = copy.deepcopy(trainer.rng.bit_generator.state)
    trainer._update()
    replay = np.random.default_rng()
    replay.bit_generator.state = state
    raw = trainer.buffer.sample(TINY.batch_size, replay).rewards  # the same draw
    mean, std = trainer.buffer.reward_moments()
    assert std > 0 and mean < 0
    expected = {"std": raw / (std + 1e-8), "standardize": (raw - mean) / (std + 1e-8), "none": raw}
    torch.testing.assert_close(seen[0], expected[scaling], rtol=1e-6, atol=0.0)
    if scaling != "standardize":
        assert bool((seen[0] <= 0).all())  # GW shares are costs: no step is paid for
