"""The diagnostic: on hand-made episodes, holding still costs exactly E_{p⊗p}[C1²], an
isometric copy of the expert costs 0, and the pseudo-return ranks noisier copies lower."""

from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner

from bench.agents.gwil.demonstration import PACKAGED_DEMOS, Trajectory
from bench.agents.gwil.diagnose import (
    CEILING,
    HOLD_STILL,
    MIXED,
    RANDOM,
    PoolEpisode,
    diagnose,
)
from bench.agents.gwil.rewards import GWRewardConfig, trajectory_distances
from bench.agents.gwil.rollout import Episode
from bench.common.cli import bench


def _expert(n: int = 30) -> Trajectory:
    """An L-shaped path: n/2 steps right, then n/2 steps up, unit actions."""
    half = n // 2
    moves = np.array([[1.0, 0.0]] * half + [[0.0, 1.0]] * (n - half))
    states = np.vstack([np.zeros((1, 2)), np.cumsum(moves, axis=0)])
    return Trajectory(states[:-1], moves)


def _episode(states: np.ndarray, actions: np.ndarray, true_return: float) -> Episode:
    return Episode(states, actions, true_return, float("nan"))


def test_diagnosis_orders_a_hand_made_pool():
    expert = _expert()
    rng = np.random.default_rng(0)
    # the expert's path turned by 90 degrees and moved (an isometry), with s_m appended
    turn = np.array([[0.0, -1.0], [1.0, 0.0]])
    states = np.vstack([expert.observations, expert.observations[-1] + expert.actions[-1]])
    copy = states @ turn.T + 5.0
    actions = expert.actions @ turn.T
    still = np.zeros_like(copy)
    pool = [
        PoolEpisode(HOLD_STILL, 0.0, 0, _episode(still, np.zeros_like(actions), 0.0)),
        PoolEpisode(CEILING, 0.0, 0, _episode(copy, actions, 100.0)),
    ]
    noisy_returns = (80.0, 60.0, 40.0)
    for k, (noise, ret) in enumerate(zip((0.3, 1.0, 3.0), noisy_returns)):
        noisy = copy + noise * rng.normal(size=copy.shape)
        pool.append(PoolEpisode(MIXED, noise, k, _episode(noisy, actions, ret)))
    walk = np.cumsum(rng.normal(size=copy.shape), axis=0)
    pool.append(PoolEpisode(RANDOM, 1.0, 0, _episode(walk, actions, 10.0)))

    geometry = GWRewardConfig(use_actions=False, scale="expert")
    result = diagnose(expert, pool, geometry)
    # a still episode's distances are all 0, so every coupling costs Σ_ik C1_ik² p_i p_k
    C1 = trajectory_distances(expert, use_actions=False)
    assert np.isclose(result.cost(HOLD_STILL), np.mean(C1**2), rtol=1e-9)
    assert result.cost(CEILING) < 1e-10
    assert result.ordered and result.cheapest == CEILING
    assert np.isclose(result.spearman, 1.0)
    np.testing.assert_allclose(result.episodes["pseudo_return"], -result.episodes["gw_cost"])
    assert list(result.summary["kind"]) == [HOLD_STILL, RANDOM, MIXED, CEILING]
    # every other step of both sides: the copy still matches the thinned expert exactly
    thinned = diagnose(expert, pool, geometry, stride=2)
    assert thinned.cost(CEILING) < 1e-10 and thinned.ordered
    assert set(thinned.episodes["steps"]) == {15}


def test_diagnose_cli_writes_its_tables(tmp_path):
    out = tmp_path / "diag"
    result = CliRunner().invoke(
        bench,
        [
            "agents", "gwil", "diagnose", "--domain", "maze", "--ceiling-steps", "300",
            "--episodes", "1", "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    episodes = pd.read_parquet(out / "episodes.parquet")
    assert set(episodes["kind"]) == {
        "hold-still",
        "push-then-rest",
        "random",
        "sac-true",
        "sac-true+ε",
        "mirrored-expert",
    }
    text = (out / "diagnosis.md").read_text()
    assert "Spearman" in text and "300 steps" in text and "Cheapest kind" in text
    mirrored = episodes[episodes["kind"] == "mirrored-expert"]
    # the mirror is an isometry: the replayed expert reaches the mirrored goal at ~0 cost
    assert float(mirrored["gw_cost"].iloc[0]) < 0.02
    # and its true return is the expert's own: the mirror maze rewards the mirrored path alike
    demo = Trajectory.load(PACKAGED_DEMOS / "maze.npz")
    assert np.isclose(float(mirrored["true_return"].iloc[0]), demo.true_return, rtol=1e-9)


def test_push_then_rest_moves_then_stops():
    """The probe acts at random for PUSH_STEPS steps, then at the box's centre: in the maze
    the point moves in those steps and never after."""
    from bench.agents.envs.point_maze import PointMaze
    from bench.agents.gwil.diagnose import PUSH, PUSH_STEPS, collect_pool

    class Unused:
        def act(self, obs, deterministic=True):
            return np.zeros(2, dtype=np.float32)

    pool = collect_pool(PointMaze(mirrored=True), Unused(), episodes=2, seed=3)  # pyright: ignore[reportArgumentType]
    pushes = [item.episode for item in pool if item.kind == PUSH]
    assert len(pushes) == 2
    for episode in pushes:
        moves = np.abs(np.diff(episode.observations, axis=0)).sum(axis=1)
        assert np.all(np.abs(episode.actions[PUSH_STEPS:]) == 0.0)
        assert np.all(moves[PUSH_STEPS:] == 0.0)
        assert moves[:PUSH_STEPS].sum() > 0.0


def test_diagnose_scores_trained_agents_and_refuses_random_runs(tmp_path):
    """`--agent` adds a GWIL run's deterministic policy to the pool as kind 'trained'; a
    random-policy run has none, which is a one-line usage error."""
    runner = CliRunner()
    runs = {}
    for method in ("gwil", "random"):
        runs[method] = tmp_path / method
        result = runner.invoke(
            bench,
            [
                *f"agents gwil run --domain maze --method {method} --steps 120 --out".split(),
                str(runs[method]),
            ],
        )
        assert result.exit_code == 0, result.output
    diagnose_args = [
        *"agents gwil diagnose --domain maze --episodes 2 --ceiling".split(),
        str(runs["gwil"]),
    ]
    out = tmp_path / "diag"
    result = runner.invoke(bench, [*diagnose_args, "--agent", str(runs["gwil"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    episodes = pd.read_parquet(out / "episodes.parquet")
    trained = episodes[episodes["kind"] == "trained"]
    ceiling = episodes[episodes["kind"] == "sac-true"]
    assert len(trained) == 2
    # the same deterministic policy from the same start states: the same episodes
    np.testing.assert_allclose(trained["gw_cost"], ceiling["gw_cost"], rtol=1e-12)
    result = runner.invoke(
        bench, [*diagnose_args, "--agent", str(runs["random"]), "--out", str(tmp_path / "d2")]
    )
    assert result.exit_code == 2
    assert "is a random-policy run" in result.output and "Traceback" not in result.output
