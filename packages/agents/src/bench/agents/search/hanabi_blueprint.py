"""A Hanabi blueprint by self-play Q-learning in JAX, over jaxmarl's Hanabi.

The searcher's blueprint is a Q-network over one seat's observation. Here it is trained
in self-play with shared weights: at every turn the player to move acts ε-greedily in
Q_θ, and since the reward is the team's, the turns of both players form one sequence
(o_t is the observation of the player to move at turn t). For a rollout of T turns in N
games, Q_θ(o_t, a_t) regresses on the λ-return of a frozen target network Q_θ⁻ (Peng's
Q(λ), as in PQN, Gallici et al. 2024):

    G_t = r_t + γ (1 − d_t) [(1 − λ) max_{a legal} Q_θ⁻(o_{t+1}, a) + λ G_{t+1}],
    G_T = max_{a legal} Q_θ⁻(o_T, a),

with the Huber loss, Adam, E epochs over M minibatches per rollout and Q_θ⁻ ← Q_θ every
``target_every`` rollouts. Exploration is Ape-X's (Horgan et al. 2018, used for Hanabi by
SAD, Hu & Foerster 2020): game i keeps ε_i = ε^(1 + α i / (N − 1)), ε = 0.4, α = 7, so
that some games are nearly greedy and the blueprint sees its own late-game states.

The observation is the Hanabi Learning Environment's canonical encoding with its card
knowledge replaced by the "V0 belief" (jaxmarl's, as in OBL): per card, the hint-plausible
kinds weighted by their public remaining counts. :func:`bench.agents.search.hanabi_belief.v0_observation`
computes the same vector from OpenSpiel's observation, so the exported network acts in
the OpenSpiel simulator unchanged (a test checks the two encodings agree on whole games).

The blueprint file ``OUT`` is written at every checkpoint; beside it, ``OUT.train/`` holds
``checkpoint.msgpack`` (weights, optimiser and counters: resumable),
``metrics.jsonl`` (greedy self-play score every ``eval_every`` rollouts) and
``curve.png``. The blueprint is a torch checkpoint of tensors, read by
:func:`bench.agents.rl.dqn.load_q_network`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch
from flax import serialization
from tqdm import tqdm

from bench.agents.checkpoint import save_checkpoint
from bench.agents.metrics_log import MetricsLog
from bench.agents.search.hanabi_belief import HanabiShape
from bench.agents.search.hanabi_simulator import HANABI_DEFAULTS, HANABI_VARIANTS
from bench.common.atomic import atomic_write_bytes, atomic_write_text

ENCODING = "hle-v0"  # the observation encoding a blueprint was trained on (see module doc)


@dataclass(frozen=True)
class HanabiBlueprintConfig:
    """Self-play Q-learning settings. Exploration and γ follow SAD's Hanabi runs (Hu &
    Foerster 2020); the rollout/λ/epoch scheme and the learning rate follow PQN (Gallici et
    al. 2024), which trains from many parallel games without a replay buffer. The budget
    (``total_steps``, turns over all games) is what a CPU forces down: see the README."""

    total_steps: int = 100_000_000  # turns played over all games
    num_envs: int = 256  # N, games played in parallel
    rollout: int = 32  # T, turns per game per update
    gamma: float = 0.999  # γ (SAD)
    lam: float = 0.65  # λ of the Q(λ) return (PQN)
    lr: float = 2.5e-4  # Adam step size (PQN)
    epochs: int = 2  # E, passes over each rollout
    minibatches: int = 4  # M, minibatches per pass
    max_grad_norm: float = 10.0  # global gradient-norm clip
    target_every: int = 20  # rollouts between target-network copies
    eps_base: float = 0.4  # Ape-X ε
    eps_alpha: float = 7.0  # Ape-X α
    hidden: tuple[int, ...] = (512, 512)  # MLP widths
    eval_every: int = 100  # rollouts between greedy evaluations
    eval_games: int = 1000  # games per greedy evaluation
    checkpoint_every: int = 100  # rollouts between checkpoints

    @property
    def steps_per_rollout(self) -> int:
        return self.num_envs * self.rollout

    @property
    def rollouts(self) -> int:
        return max(1, self.total_steps // self.steps_per_rollout)


def make_env(variant: str):
    """jaxmarl's Hanabi with ``variant``'s rules (one of :data:`HANABI_VARIANTS`)."""
    with _silenced():
        from jaxmarl.environments.hanabi.hanabi import HanabiEnv
    p = {**HANABI_DEFAULTS, **HANABI_VARIANTS[variant]}
    shape = HanabiShape(p["players"], p["colors"], p["ranks"], p["hand_size"])
    counts = shape.full_counts()[: p["ranks"]]  # copies of each rank in one colour
    return HanabiEnv(
        num_agents=p["players"],
        num_colors=p["colors"],
        num_ranks=p["ranks"],
        hand_size=p["hand_size"],
        max_info_tokens=p["max_information_tokens"],
        max_life_tokens=p["max_life_tokens"],
        num_cards_of_rank=counts,
    )


@contextlib.contextmanager
def _silenced():
    """jaxmarl's package import prints about optional environments, and one of its modules
    resets sys.stdout to sys.__stdout__ mid-import; both pairs are swapped for the import."""
    saved = sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__
    sink = io.StringIO()
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = sink
    try:
        yield
    finally:
        sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__ = saved


class QMLP(nn.Module):
    """Q(o, ·): ReLU MLP, the same function as :class:`bench.agents.rl.dqn.QNetwork`."""

    num_actions: int
    hidden: tuple[int, ...]

    @nn.compact
    def __call__(self, obs: jax.Array) -> jax.Array:
        h = obs
        for width in self.hidden:
            h = nn.relu(nn.Dense(width)(h))
        return nn.Dense(self.num_actions)(h)


class TrainState(NamedTuple):
    params: Any
    target: Any
    opt: Any
    env: Any  # jaxmarl states of the N games
    obs: jax.Array  # (N, players, D)
    legal: jax.Array  # (N, players, A)
    key: jax.Array
    rollout: jax.Array  # rollouts done


class Trainer:
    """The compiled pieces of one run: init, one rollout + update, greedy evaluation."""

    def __init__(self, variant: str, config: HanabiBlueprintConfig):
        self.config, self.env = config, make_env(variant)
        self.players = self.env.num_agents
        self.num_actions = self.env.num_moves  # jaxmarl adds a no-op, last
        self.net = QMLP(self.num_actions, tuple(config.hidden))
        self.optimizer = optax.chain(
            optax.clip_by_global_norm(config.max_grad_norm), optax.adam(config.lr, eps=1.5e-5)
        )
        i = jnp.arange(config.num_envs) / max(1, config.num_envs - 1)
        self.eps = config.eps_base ** (1 + config.eps_alpha * i)
        self.update = jax.jit(self._update)
        self.evaluate = jax.jit(self._evaluate, static_argnums=1)

    # -- environment helpers --------------------------------------------------------------
    def _stack(self, per_agent: dict) -> jax.Array:
        return jnp.stack([per_agent[a] for a in self.env.agents])

    def _reset(self, key: jax.Array, n: int):
        obs, state = jax.vmap(self.env.reset)(jax.random.split(key, n))
        legal = jax.vmap(self.env.get_legal_moves)(state)
        return state, self._stack(obs).swapaxes(0, 1), self._stack(legal).swapaxes(0, 1)

    def _step(self, key: jax.Array, state, action: jax.Array):
        """Every game takes its mover's ``action`` (the others pass); auto-resets ended games."""
        mover = jnp.argmax(state.cur_player_idx, axis=-1)
        noop = self.num_actions - 1
        acts = {a: jnp.where(mover == i, action, noop) for i, a in enumerate(self.env.agents)}
        keys = jax.random.split(key, action.shape[0])
        obs, state, reward, done, _ = jax.vmap(self.env.step)(keys, state, acts)
        legal = jax.vmap(self.env.get_legal_moves)(state)
        return (
            state,
            self._stack(obs).swapaxes(0, 1),
            self._stack(legal).swapaxes(0, 1),
            reward["__all__"],
            done["__all__"],
        )

    @staticmethod
    def _mover_view(state, obs: jax.Array, legal: jax.Array):
        mover = jnp.argmax(state.cur_player_idx, axis=-1)
        rows = jnp.arange(obs.shape[0])
        return obs[rows, mover], legal[rows, mover].astype(bool)

    def q(self, params, obs: jax.typing.ArrayLike) -> jax.Array:
        """Q(o, ·) (..., A), jaxmarl's no-op last."""
        return self.net.apply(params, obs)  # pyright: ignore[reportReturnType]  # flax's union

    def _masked_q(self, params, obs, legal):
        return jnp.where(legal, self.q(params, obs), -1e9)

    # -- training ---------------------------------------------------------------------------
    def init(self, seed: int) -> TrainState:
        key = jax.random.PRNGKey(seed)
        key, k_net, k_env = jax.random.split(key, 3)
        state, obs, legal = self._reset(k_env, self.config.num_envs)
        params = self.net.init(k_net, obs[:, 0])
        return TrainState(
            params,
            params,
            self.optimizer.init(params),
            state,
            obs,
            legal,
            key,
            jnp.zeros((), jnp.int32),
        )

    def _update(self, ts: TrainState) -> tuple[TrainState, dict[str, jax.Array]]:
        cfg = self.config

        def turn(carry, key):
            state, obs, legal = carry
            o, m = self._mover_view(state, obs, legal)
            q = self._masked_q(ts.params, o, m)
            k_eps, k_act, k_env = jax.random.split(key, 3)
            explore = jax.random.uniform(k_eps, (cfg.num_envs,)) < self.eps
            uniform = jax.random.categorical(k_act, jnp.where(m, 0.0, -1e9))
            action = jnp.where(explore, uniform, jnp.argmax(q, axis=-1))
            state, obs, legal, reward, done = self._step(k_env, state, action)
            return (state, obs, legal), (o, m, action, reward, done)

        key, k_roll = jax.random.split(ts.key)
        (state, obs, legal), (o, m, a, r, d) = jax.lax.scan(
            turn, (ts.env, ts.obs, ts.legal), jax.random.split(k_roll, cfg.rollout)
        )
        o_last, m_last = self._mover_view(state, obs, legal)
        o_next = jnp.concatenate([o[1:], o_last[None]])
        m_next = jnp.concatenate([m[1:], m_last[None]])
        q_next = self._masked_q(ts.target, o_next, m_next).max(-1)  # (T, N)

        def lam_return(g_next, x):
            r_t, d_t, q_t = x
            g = r_t + cfg.gamma * (1.0 - d_t) * ((1 - cfg.lam) * q_t + cfg.lam * g_next)
            return g, g

        _, g = jax.lax.scan(
            lam_return, q_next[-1], (r, d.astype(jnp.float32), q_next), reverse=True
        )

        flat = jax.tree.map(lambda x: x.reshape((-1, *x.shape[2:])), (o, a, g))
        size = cfg.steps_per_rollout // cfg.minibatches

        def loss_fn(params, batch):
            obs_b, act_b, ret_b = batch
            q = jnp.take_along_axis(self.q(params, obs_b), act_b[:, None], 1)[:, 0]
            return optax.huber_loss(q, ret_b).mean()

        def epoch(carry, key):
            params, opt = carry
            perm = jax.random.permutation(key, cfg.steps_per_rollout)
            batches = jax.tree.map(
                lambda x: x[perm].reshape((cfg.minibatches, size, *x.shape[1:])), flat
            )

            def minibatch(carry, batch):
                params, opt = carry
                loss, grads = jax.value_and_grad(loss_fn)(params, batch)
                updates, opt = self.optimizer.update(grads, opt, params)
                return (optax.apply_updates(params, updates), opt), loss

            (params, opt), losses = jax.lax.scan(minibatch, (params, opt), batches)
            return (params, opt), losses.mean()

        key, k_ep = jax.random.split(key)
        (params, opt), losses = jax.lax.scan(
            epoch, (ts.params, ts.opt), jax.random.split(k_ep, cfg.epochs)
        )
        rollout = ts.rollout + 1
        target = jax.tree.map(
            lambda t, p: jnp.where(rollout % cfg.target_every == 0, p, t), ts.target, params
        )
        metrics = {"loss": losses.mean()}
        return TrainState(params, target, opt, state, obs, legal, key, rollout), metrics

    def _evaluate(self, params, games: int, key: jax.Array) -> jax.Array:
        """Greedy self-play scores of ``games`` fresh games, shape (games,)."""
        k_reset, k_play = jax.random.split(key)
        state, obs, legal = self._reset(k_reset, games)
        done = jnp.zeros(games, bool)
        score = jnp.zeros(games)

        def cond(c):
            return ~c[3].all()

        def body(c):
            state, obs, legal, done, score, key = c
            key, k = jax.random.split(key)
            o, m = self._mover_view(state, obs, legal)
            action = jnp.argmax(self._masked_q(params, o, m), axis=-1)
            state, obs, legal, reward, ended = self._step(k, state, action)
            score = score + jnp.where(done, 0.0, reward)
            return state, obs, legal, done | ended, score, key

        out = jax.lax.while_loop(cond, body, (state, obs, legal, done, score, k_play))
        return out[4]


def export_blueprint(path: Path, params: Any, *, variant: str, obs_dim: int, meta: dict) -> None:
    """Write ``params`` as a :class:`bench.agents.rl.dqn.QNetwork` checkpoint (tensors only);
    jaxmarl's no-op output is dropped (OpenSpiel has no such action)."""
    layers = [params["params"][name] for name in sorted(params["params"], key=_layer_index)]
    state_dict: dict[str, torch.Tensor] = {}
    for i, layer in enumerate(layers):
        w, b = np.array(layer["kernel"]).T, np.array(layer["bias"])
        if i == len(layers) - 1:
            w, b = w[:-1], b[:-1]
        state_dict[f"net.{2 * i}.weight"] = torch.from_numpy(np.ascontiguousarray(w))
        state_dict[f"net.{2 * i}.bias"] = torch.from_numpy(np.ascontiguousarray(b))
    save_checkpoint(
        path,
        {
            "obs_dim": obs_dim,
            "num_actions": int(state_dict[f"net.{2 * (len(layers) - 1)}.bias"].shape[0]),
            "hidden": [int(np.asarray(layer["bias"]).shape[0]) for layer in layers[:-1]],
            "state_dict": state_dict,
            "env": variant,
            "encoding": ENCODING,
            **meta,
        },
    )


def _layer_index(name: str) -> int:
    return int(name.rsplit("_", 1)[1])


def hanabi_blueprint_config(steps: int) -> HanabiBlueprintConfig:
    """The defaults with a budget of ``steps`` turns; a budget under ten default rollouts
    (tests, smoke runs) plays 32 games of 16 turns per rollout instead."""
    config = HanabiBlueprintConfig(total_steps=steps)
    if steps < 10 * config.steps_per_rollout:
        config = dataclasses.replace(config, num_envs=32, rollout=16, eval_games=100)
    every = max(1, min(config.eval_every, config.rollouts // 10))
    return dataclasses.replace(config, eval_every=every, checkpoint_every=every)


def run_dir(out: Path) -> Path:
    """Where the training state of blueprint ``out`` lives."""
    return out.with_name(out.name + ".train")


def train_hanabi_blueprint(
    variant: str,
    config: HanabiBlueprintConfig,
    out: Path,
    *,
    seed: int,
    progress: bool = False,
) -> dict[str, Any]:
    """Train (or resume) blueprint ``out``; returns the last evaluation's line."""
    out_dir = run_dir(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt = out_dir / "checkpoint.msgpack"
    settings = {"variant": variant, "seed": seed, **dataclasses.asdict(config)}
    if ckpt.exists():
        _check_same_run(out_dir / "config.json", settings)
    atomic_write_text(out_dir / "config.json", json.dumps(settings, indent=2))
    trainer = Trainer(variant, config)
    ts = trainer.init(seed)
    if ckpt.exists():
        ts = _restore(ckpt, ts)
    done = int(ts.rollout)
    log = MetricsLog(
        out_dir / "metrics.jsonl",
        resume_step=done * config.steps_per_rollout if ckpt.exists() else None,
        step_key="steps",
    )
    before = _last_line(out_dir / "metrics.jsonl")
    spent = float(before.get("seconds", 0.0))  # training seconds before this process
    obs_dim = int(ts.obs.shape[-1])
    last: dict[str, Any] = before
    bar = tqdm(
        total=config.rollouts, initial=done, desc=f"{variant} blueprint", disable=not progress
    )
    started = time.perf_counter()
    try:
        while done < config.rollouts:
            ts, metrics = trainer.update(ts)
            done += 1
            bar.update(1)
            if done % config.eval_every == 0 or done == config.rollouts:
                scores = np.asarray(
                    trainer.evaluate(ts.params, config.eval_games, jax.random.PRNGKey(done))
                )
                last = {
                    "score": float(scores.mean()),
                    "score_sem": float(scores.std(ddof=1) / np.sqrt(len(scores))),
                    "perfect": float(
                        (scores == trainer.env.num_colors * trainer.env.num_ranks).mean()
                    ),
                    "loss": float(metrics["loss"]),
                    "seconds": spent + time.perf_counter() - started,
                }
                log.write(done * config.steps_per_rollout, last)
                plot_curve(out_dir)
                bar.set_postfix(score=f"{last['score']:.2f}")
            if done % config.checkpoint_every == 0 or done == config.rollouts:
                _save(ckpt, ts)
                export_blueprint(
                    out, ts.params, variant=variant, obs_dim=obs_dim,
                    meta={"steps": done * config.steps_per_rollout, "seed": seed},
                )  # fmt: skip
    finally:
        log.close()
        bar.close()
    return last


# Settings a run may change when resumed: its length and how often it reports.
RESUMABLE_CHANGES = ("total_steps", "eval_every", "eval_games", "checkpoint_every")


def _check_same_run(path: Path, settings: dict[str, Any]) -> None:
    """A resumed run must continue the same training: only :data:`RESUMABLE_CHANGES` differ."""
    try:
        before = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        before = {}
    changed = [
        k for k in settings
        if k not in RESUMABLE_CHANGES and json.loads(json.dumps(settings[k])) != before.get(k)
    ]  # fmt: skip
    if changed:
        raise ValueError(
            f"{path.parent} holds a run with other {', '.join(changed)} (see {path}); pass "
            f"another --out, or delete {path.parent} to start over"
        )


def _last_line(path: Path) -> dict[str, Any]:
    lines = path.read_text().splitlines() if path.exists() else []
    return json.loads(lines[-1]) if lines else {}


def plot_curve(out_dir: Path) -> None:
    """``curve.png``: greedy self-play score (± 2 s.e.) against turns trained."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    df = pd.read_json(out_dir / "metrics.jsonl", lines=True)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(df["steps"], df["score"], color="C0")
    ax.fill_between(
        df["steps"], df["score"] - 2 * df["score_sem"], df["score"] + 2 * df["score_sem"],
        color="C0", alpha=0.25, linewidth=0,
    )  # fmt: skip
    ax.set(xlabel="turns of self-play", ylabel="greedy self-play score", title=out_dir.name)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_dir / "curve.png", dpi=120)
    plt.close(fig)


def _save(path: Path, ts: TrainState) -> None:
    blob = serialization.to_state_dict(jax.device_get(ts._asdict()))
    atomic_write_bytes(path, serialization.msgpack_serialize(blob))


def _restore(path: Path, template: TrainState) -> TrainState:
    try:
        blob = serialization.msgpack_restore(path.read_bytes())
        if not isinstance(blob, dict):
            raise TypeError("not a dict")
        restored = serialization.from_state_dict(template._asdict(), blob)
    except Exception as exc:  # msgpack and flax raise several unrelated types for bad bytes
        raise ValueError(
            f"{path} is not a checkpoint of this blueprint run ({type(exc).__name__}); "
            f"delete it or pass another --out"
        ) from exc
    return TrainState(**restored)


__all__ = [
    "ENCODING",
    "HanabiBlueprintConfig",
    "Trainer",
    "export_blueprint",
    "hanabi_blueprint_config",
    "make_env",
    "run_dir",
    "train_hanabi_blueprint",
]
