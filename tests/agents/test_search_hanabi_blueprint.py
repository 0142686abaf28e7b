"""The JAX Hanabi blueprint: its game and encoding are OpenSpiel's, its export is exact, it
learns, and a resumed run is the run that never stopped."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pyspiel
import pytest
import torch

from bench.agents.rl.dqn import load_q_network
from bench.agents.search.hanabi_belief import HanabiShape, v0_observation
from bench.agents.search.hanabi_blueprint import (
    HanabiBlueprintConfig,
    Trainer,
    export_blueprint,
    make_env,
    run_dir,
    train_hanabi_blueprint,
)
from bench.agents.search.hanabi_simulator import HANABI_DEFAULTS, HANABI_VARIANTS


def _shape(variant: str) -> HanabiShape:
    p = {**HANABI_DEFAULTS, **HANABI_VARIANTS[variant]}
    return HanabiShape(p["players"], p["colors"], p["ranks"], p["hand_size"])


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["hanabi", "hanabi-small"])
def test_jaxmarl_and_openspiel_play_the_same_game_with_the_same_observations(variant):
    """Same deck, same moves: every observation of both players is equal once OpenSpiel's
    card knowledge is turned into the V0 belief, the legal moves agree, and so does the
    end. The moves are mostly hints and discards, so games reach the end of the deck
    (empty slots, the last round) rather than three bombs."""
    env, shape = make_env(variant), _shape(variant)
    game = pyspiel.load_game("hanabi", dict(HANABI_VARIANTS[variant]))
    rng = np.random.default_rng(0)
    compared, reached_deck_end = 0, 0
    for _ in range(6):
        deck = rng.permutation(np.repeat(np.arange(shape.kinds), shape.full_counts()))
        onehot = np.zeros((len(deck), shape.colors, shape.ranks), np.float32)
        onehot[np.arange(len(deck)), deck // shape.ranks, deck % shape.ranks] = 1
        obs, st = env.reset_from_deck(jnp.asarray(onehot))
        state, dealt = game.new_initial_state(), 0
        while state.is_chance_node():
            state.apply_action(int(deck[dealt]))
            dealt += 1
        turn = 0
        while not state.is_terminal():
            for p, agent in enumerate(env.agents):
                ours = v0_observation(np.asarray(state.observation_tensor(p)), shape)
                np.testing.assert_allclose(ours, np.asarray(obs[agent]), atol=1e-6)
                compared += 1
            mover = state.current_player()
            legal = state.legal_actions(mover)
            jax_legal = np.asarray(env.get_legal_moves(st)[env.agents[mover]])
            assert np.flatnonzero(jax_legal).tolist() == legal
            h = shape.hand_size
            discards, plays = [a for a in legal if a < h], [a for a in legal if h <= a < 2 * h]
            hints = [a for a in legal if a >= 2 * h]
            pick = rng.random()
            if pick < 0.03 or not (discards or hints):
                pool = plays or legal
            else:
                pool = discards if discards and (pick < 0.6 or not hints) else hints
            move = int(rng.choice(pool))
            actions = {
                a: move if i == mover else env.num_moves - 1 for i, a in enumerate(env.agents)
            }
            obs, st, _, done, _ = env.step_env(jax.random.PRNGKey(turn), st, actions)
            state.apply_action(move)
            while state.is_chance_node():
                state.apply_action(int(deck[dealt]))
                dealt += 1
            turn += 1
            assert bool(done["__all__"]) == state.is_terminal()
        assert int(st.score) == int(state.returns()[0])
        reached_deck_end += dealt == len(deck)
    assert compared > 200 and reached_deck_end >= 3


def test_exported_blueprint_computes_the_jax_network(tmp_path):
    """The torch QNetwork read from the export gives the JAX network's Q-values (its
    no-op output dropped) on real observations."""
    config = HanabiBlueprintConfig(num_envs=8, rollout=4, hidden=(32, 16))
    trainer = Trainer("hanabi-tiny", config)
    ts = trainer.init(seed=3)
    obs = np.array(ts.obs[:, 0])
    want = np.asarray(trainer.q(ts.params, obs))[:, :-1]
    path = tmp_path / "bp.pt"
    export_blueprint(path, ts.params, variant="hanabi-tiny", obs_dim=obs.shape[1], meta={})
    q, ckpt = load_q_network(path)
    assert ckpt["env"] == "hanabi-tiny" and q.hidden == (32, 16) and q.num_actions == want.shape[1]
    with torch.no_grad():
        got = q(torch.from_numpy(obs)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(q.frozen().values(obs), want, rtol=1e-5, atol=1e-6)


def _tiny(total_steps: int) -> HanabiBlueprintConfig:
    return HanabiBlueprintConfig(
        total_steps=total_steps, num_envs=32, rollout=16, hidden=(64, 64), lr=1e-3,
        eval_every=8, checkpoint_every=4, eval_games=200,
    )  # fmt: skip


@pytest.mark.slow
def test_self_play_learns_hanabi_tiny(tmp_path):
    """From a random network (greedy score about 0) to clearly better: 80 rollouts of
    32 games x 16 turns on hanabi-tiny (max score 6)."""
    config = _tiny(80 * 512)
    trainer = Trainer("hanabi-tiny", config)
    before = float(trainer.evaluate(trainer.init(0).params, 200, jax.random.PRNGKey(0)).mean())
    last = train_hanabi_blueprint("hanabi-tiny", config, tmp_path / "bp.pt", seed=0)
    assert last["score"] > before + 1.0, (before, last)
    assert (run_dir(tmp_path / "bp.pt") / "curve.png").exists()


@pytest.mark.slow
def test_a_resumed_run_ends_where_an_unbroken_one_does(tmp_path):
    """Training 8 rollouts, stopping at a checkpoint after 4 and resuming, gives the same
    weights as 8 in one go (the checkpoint carries the weights, optimiser, games and key)."""
    whole = _tiny(8 * 512)
    half = dataclasses.replace(whole, total_steps=4 * 512)
    train_hanabi_blueprint("hanabi-tiny", whole, tmp_path / "a.pt", seed=1)
    train_hanabi_blueprint("hanabi-tiny", half, tmp_path / "b.pt", seed=1)
    train_hanabi_blueprint("hanabi-tiny", whole, tmp_path / "b.pt", seed=1)
    a, _ = load_q_network(tmp_path / "a.pt")
    b, _ = load_q_network(tmp_path / "b.pt")
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), name
    logs = [
        pd.read_json(run_dir(tmp_path / p) / "metrics.jsonl", lines=True) for p in ("a.pt", "b.pt")
    ]
    assert logs[1]["steps"].is_unique  # the resumed run did not log a step twice
    assert logs[0]["score"].iloc[-1] == logs[1]["score"].iloc[-1]
    assert logs[1]["seconds"].is_monotonic_increasing  # training time adds up over the resume
    # resuming with other settings would mix two trainings in one curve: refused
    with pytest.raises(ValueError, match="other lr"):
        train_hanabi_blueprint(
            "hanabi-tiny", dataclasses.replace(whole, lr=1e-4), tmp_path / "b.pt", seed=1
        )
