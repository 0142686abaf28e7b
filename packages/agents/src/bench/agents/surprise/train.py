"""Training loop for Adversarial Surprise and the exploration baselines, in JAX, on one budget.

Every method plays the same fixed-horizon episodes (T = n_rounds · k steps) of the same
world, seen through the same features s_t = [one_hot(o_t) (980,), θ_t (980,), t/T], and is
trained by PPO on its own intrinsic reward:

=============  ===========================================================================
adversarial    two PPO agents; Explore acts in even rounds, Control in odd ones; the
               density learns only Control's scored views (``game.py``)
surprise-max   one agent, r = −log p_θ(o), density fitted on every view (``surprise_max.py``)
smirl          one agent, r = +log p_θ(o), density fitted on every view (``smirl.py``)
rnd            one agent, r = RND prediction error   (``rnd.py``)
count          one agent, r = β / sqrt(N(o))         (``count.py``)
random         uniformly random actions, no learning
=============  ===========================================================================

Every reward stream is divided by the running std of its discounted return
(``game.normalise``), as the authors' code does. An iteration plays one episode in each of
``num_envs`` worlds in lockstep and then updates each learner once on its own steps: a
player's trajectory is the sequence of its own turns, so Explore's value at the end of a
round bootstraps from its first state of the next Explore round, across Control's round.

The whole iteration (rollout, density, rewards, PPO updates) is one jitted function of a
:class:`TrainState`, mapped over seeds: all seeds of a run train in one program
(``vmap``-ped on an accelerator, in sequence on a CPU; see :func:`compiled_iteration`). A run
directory holds ``config.json``, ``checkpoint.msgpack`` (every seed's state, written every
``checkpoint_every`` iterations; a rerun resumes from it and drops later metric lines) and
``seed_S/metrics.jsonl`` (one line per iteration, namespaced keys).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from flax import serialization
from tqdm import tqdm

from bench.agents.metrics_log import MetricsLog
from bench.agents.rl import ppo_jax as ppo
from bench.agents.rl.ppo_jax import PPOConfig
from bench.agents.surprise import density as dens
from bench.agents.surprise import grid
from bench.agents.surprise.count import CountConfig, count_reward, empty_counts
from bench.agents.surprise.density import DensityConfig
from bench.agents.surprise.envs import ENVS, draw_layouts
from bench.agents.surprise.game import (
    CONTROL,
    PLAYERS,
    GameConfig,
    ReturnScale,
    explore_rewards,
    new_scale,
    normalise,
    players,
    scored,
)
from bench.agents.surprise.rnd import RND, RNDConfig, error, init_rnd, train_predictor
from bench.agents.surprise.smirl import smirl_reward
from bench.agents.surprise.surprise_max import surprise_max_reward
from bench.common.atomic import atomic_write_bytes, atomic_write_text

METHODS = ("adversarial", "rnd", "smirl", "surprise-max", "count", "random")
OBS_DIM = 2 * dens.FEATURES + 1


@dataclass(frozen=True)
class SurpriseRunConfig:
    """One exploration run: method, world, budget and every sub-method's config."""

    method: str = "adversarial"  # one of METHODS
    env: str = "multiroom-ab"  # a name in envs.ENVS (authors: MiniGrid-MultiRoomAB-v0)
    total_steps: int = 10_000_000  # environment frames per seed (authors: --frames 1e7)
    game: GameConfig = field(default_factory=GameConfig)
    ppo: PPOConfig = field(default_factory=PPOConfig)
    density: DensityConfig = field(default_factory=DensityConfig)
    rnd: RNDConfig = field(default_factory=RNDConfig)
    count: CountConfig = field(default_factory=CountConfig)
    layouts: int = 4096  # start layouts drawn once per run (the authors draw one per episode)
    layout_seed: int = 0  # seed of the layout draw, shared by the run's training seeds
    checkpoint_every: int = 100  # iterations between checkpoints

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method={self.method!r}; choose one of {', '.join(METHODS)}")
        if self.env not in ENVS:
            raise ValueError(f"env={self.env!r}; choose one of {', '.join(sorted(ENVS))}")
        if self.method == "adversarial" and self.game.n_rounds % 2:
            raise ValueError(
                f"n_rounds={self.game.n_rounds}: the game needs an even number of rounds "
                "(Explore opens, Control closes, as in the authors' code)"
            )
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

    @property
    def actor_of_step(self) -> np.ndarray:
        """(T,) index into ``players`` of who acts at each step (0 for single agents)."""
        if self.method == "adversarial":
            return players(self.game)
        return np.zeros(self.game.horizon, dtype=np.int64)

    @property
    def density_learns(self) -> np.ndarray:
        """(T,) bool: steps whose new view joins the density (Control's scored ones, or all)."""
        if self.method == "adversarial":
            return scored(self.game)
        return np.ones(self.game.horizon, dtype=bool)


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


def make_bank(config: SurpriseRunConfig, *, offset: int = 0) -> grid.Bank:
    """The run's start layouts (``offset`` draws another set, e.g. for evaluation)."""
    return grid.stack_layouts(
        draw_layouts(config.env, config.layouts, seed=config.layout_seed + offset)
    )


class Episode(NamedTuple):
    """What one env carries through an episode."""

    world: grid.World
    view: jax.Array  # (7, 7, 3) current view
    density: dens.Density
    visited: jax.Array  # (W, H) bool: cells stood on this episode
    rooms: jax.Array  # (R,) bool: rooms entered this episode


class TrainState(NamedTuple):
    """Everything one seed's training carries from iteration to iteration (and checkpoints)."""

    agents: ppo.Agent  # the learners stacked on a leading player axis (P, ...)
    rnd: RND | None
    counts: jax.Array | None
    scale: ReturnScale
    cells: jax.Array  # (W, H) bool: positions stood on over training
    key: jax.Array


def init_state(key: jax.Array, bank: grid.Bank, config: SurpriseRunConfig) -> TrainState:
    keys = jax.random.split(key, 4)
    n_players = max(1, len(config.players))  # random keeps an unused agent: one code path
    init = partial(ppo.init_agent, obs_dim=OBS_DIM, n_actions=grid.N_ACTIONS, config=config.ppo)
    agents = jax.vmap(init)(jax.random.split(keys[0], n_players))
    return TrainState(
        agents=agents,
        rnd=init_rnd(keys[1], dens.FEATURES, config.rnd) if config.method == "rnd" else None,
        counts=empty_counts() if config.method == "count" else None,
        scale=new_scale(),
        cells=jnp.zeros(bank.grid.shape[1:3], bool),
        key=keys[2],
    )


def observe(view: jax.Array, density: dens.Density, t: jax.Array, horizon: int) -> jax.Array:
    """s_t = [one_hot(o_t), θ_t, t/T] (980 + 980 + 1,)."""
    return jnp.concatenate([dens.one_hot(view), dens.features(density), jnp.array([t / horizon])])


def _start(bank: grid.Bank, key: jax.Array) -> Episode:
    world = grid.reset(bank, key)
    visited = jnp.zeros(world.room.shape, bool).at[world.pos[0], world.pos[1]].set(True)
    rooms = jnp.zeros(world.on.shape, bool)
    room = world.room[world.pos[0], world.pos[1]]
    rooms = rooms.at[jnp.maximum(room, 0)].set(room >= 0)
    return Episode(world, grid.view(world), dens.empty(), visited, rooms)


def _env_step(
    ep: Episode, action: jax.Array, key: jax.Array, learn: jax.Array, config: DensityConfig
) -> tuple[Episode, jax.Array]:
    """One world step, the new view's log-likelihood, the density update and the coverage."""
    world = grid.step(ep.world, action, key)
    view = grid.view(world)
    log_p = dens.log_prob(ep.density, view, config)
    room = world.room[world.pos[0], world.pos[1]]
    rooms = ep.rooms.at[jnp.maximum(room, 0)].set(ep.rooms[jnp.maximum(room, 0)] | (room >= 0))
    return Episode(
        world,
        view,
        dens.update(ep.density, view, learn),
        ep.visited.at[world.pos[0], world.pos[1]].set(True),
        rooms,
    ), log_p


class Rollout(NamedTuple):
    """One episode of every env, (T, N, ...) arrays."""

    obs: jax.Array
    action: jax.Array
    logprob: jax.Array
    value: jax.Array
    log_p: jax.Array  # log p_θ(o_{t+1}) under the density before it saw o_{t+1}
    view: jax.Array  # o_{t+1}


def rollout(
    agents: ppo.Agent, bank: grid.Bank, key: jax.Array, config: SurpriseRunConfig
) -> tuple[Rollout, Episode]:
    """Play one episode in ``num_envs`` worlds; at step t the player ``actor_of_step[t]`` acts."""
    N, T = config.ppo.num_envs, config.game.horizon
    key, start_key = jax.random.split(key)
    ep = jax.vmap(_start, in_axes=(None, 0))(bank, jax.random.split(start_key, N))
    learns, actors = jnp.asarray(config.density_learns), jnp.asarray(config.actor_of_step)
    step_env = jax.vmap(partial(_env_step, config=config.density), in_axes=(0, 0, 0, None))

    def one_step(carry, t):
        ep, key = carry
        key, k_act, k_env = jax.random.split(key, 3)
        obs = jax.vmap(observe, in_axes=(0, 0, None, None))(ep.view, ep.density, t, T)
        if config.method == "random":
            action = jax.random.randint(k_act, (N,), 0, grid.N_ACTIONS)
            logprob = value = jnp.zeros(N)
        else:
            params = jax.tree_util.tree_map(lambda a: a[actors[t]], agents.params)
            action, logprob, value = ppo.act(params, obs, k_act, grid.N_ACTIONS, config.ppo.hidden)
        ep, log_p = step_env(ep, action, jax.random.split(k_env, N), learns[t])
        return (ep, key), Rollout(obs, action, logprob, value, log_p, ep.view)

    (ep, _), roll = jax.lax.scan(one_step, (ep, key), jnp.arange(T))
    return roll, ep


def raw_rewards(
    state: TrainState, roll: Rollout, config: SurpriseRunConfig
) -> tuple[jax.Array, TrainState]:
    """Each method's reward stream before normalisation (T, N), and the updated RND/counts."""
    T, N = roll.action.shape
    if config.method == "adversarial":
        return jnp.where(jnp.asarray(scored(config.game))[:, None], roll.log_p, 0.0), state
    if config.method == "smirl":
        return smirl_reward(roll.log_p), state
    if config.method == "surprise-max":
        return surprise_max_reward(roll.log_p), state
    if config.method == "rnd":
        assert state.rnd is not None  # init_state makes one for method="rnd"
        codes = jax.vmap(dens.one_hot)(roll.view.reshape(T * N, 7, 7, 3))
        key, k_rnd = jax.random.split(state.key)
        reward = error(state.rnd, codes, config.rnd).reshape(T, N)
        rnd, _ = train_predictor(state.rnd, codes, k_rnd, config.rnd)
        return reward, state._replace(rnd=rnd, key=key)
    if config.method == "count":
        assert state.counts is not None  # init_state makes them for method="count"
        counts, reward = count_reward(state.counts, roll.view.reshape(T * N, 7, 7, 3), config.count)
        return reward.reshape(T, N), state._replace(counts=counts)
    return jnp.zeros((T, N)), state


def _train_player(
    agent: ppo.Agent,
    roll: Rollout,
    rewards: jax.Array,
    steps: jax.Array,
    key: jax.Array,
    config: PPOConfig,
) -> tuple[ppo.Agent, dict[str, jax.Array]]:
    """One PPO update of a player on its own turns ``steps`` (an episode ends after the last)."""
    sub = jax.tree_util.tree_map(lambda a: a[steps], roll)
    dones = jnp.zeros_like(sub.value).at[-1].set(1.0)
    adv, ret = ppo.gae(
        rewards[steps],
        sub.value,
        dones,
        jnp.zeros_like(sub.value[0]),
        config.gamma,
        config.gae_lambda,
    )
    flat = lambda a: a.reshape(-1, *a.shape[2:])  # noqa: E731
    batch = ppo.Batch(
        flat(sub.obs), flat(sub.action), flat(sub.logprob), flat(adv), flat(ret), flat(sub.value)
    )
    return ppo.update(agent, batch, key, grid.N_ACTIONS, config)


Metrics = dict[str, jax.Array]  # namespaced key -> value of one iteration


def train_iteration(
    state: TrainState, bank: grid.Bank, config: SurpriseRunConfig
) -> tuple[TrainState, Metrics]:
    """Rollout, rewards, PPO updates: one iteration of one seed. Returns (state, metrics)."""
    key, k_roll, k_ppo = jax.random.split(state.key, 3)
    roll, ep = rollout(state.agents, bank, k_roll, config)
    raw, state = raw_rewards(state._replace(key=key), roll, config)
    reward, scale = normalise(raw, state.scale, config.ppo.gamma)
    if config.method == "adversarial":
        control = reward
        reward = jnp.where(
            jnp.asarray(players(config.game) == CONTROL)[:, None],
            control,
            explore_rewards(control, config.game),
        )
    metrics: Metrics = {}
    agents = state.agents
    if config.players:
        # Each player's own turns, (P, T_p): players have equally many (even n_rounds).
        steps = np.stack(
            [np.flatnonzero(config.actor_of_step == p) for p in range(len(config.players))]
        )
        train_one = partial(_train_player, roll=roll, rewards=reward, config=config.ppo)
        keys = jax.random.split(k_ppo, len(steps))
        agents, stats = jax.vmap(train_one)(state.agents, steps=jnp.asarray(steps), key=keys)
        for p, name in enumerate(config.players):
            metrics |= {f"losses/{name}_{k}": v[p] for k, v in stats.items()}
            metrics[f"reward/{name}_return"] = reward[steps[p]].sum(0).mean()
    noisy = ep.world.is_noisy.sum(-1)
    off = (ep.world.is_noisy & ~ep.world.on).sum(-1)
    scored_steps = jnp.asarray(scored(config.game))
    metrics |= {
        "coverage/cells_episode": ep.visited.sum((1, 2)).mean(),
        "coverage/rooms_episode": ep.rooms.sum(-1).mean(),
        "noise/noisy_rooms": noisy.mean(),
        "noise/switched_off_frac": jnp.where(
            noisy.sum() > 0, off.sum() / jnp.maximum(noisy.sum(), 1), jnp.nan
        ),
        "density/log_p_mean": roll.log_p.mean(),
        "density/log_p_scored": (roll.log_p * scored_steps[:, None]).sum()
        / (scored_steps.sum() * roll.log_p.shape[1]),
    }
    cells = state.cells | ep.visited.any(0)
    metrics["coverage/cells_total"] = cells.sum()
    return state._replace(agents=agents, scale=scale, cells=cells), metrics


@dataclass
class SeedResult:
    """What one seed's training left: where, how far, and its last metrics line."""

    seed: int
    run_dir: Path
    global_steps: int
    last: dict[str, Any]


def _number(value: float | np.floating) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


@lru_cache(maxsize=8)
def compiled_iteration(config: SurpriseRunConfig) -> Callable[..., tuple[TrainState, Metrics]]:
    """The jitted iteration over a stack of seeds: (states (S, ...), bank) -> (states, metrics (S,)).

    On an accelerator the seeds are ``vmap``-ped. On a CPU they run one after the other
    inside the same program (``lax.map``): vmapped, the seeds' matrix products become
    batched ones that XLA's CPU backend ran 1.3-1.7x slower per seed (in CPU time).
    """
    one = partial(train_iteration, config=config)
    if jax.default_backend() == "cpu":
        return jax.jit(lambda states, bank: jax.lax.map(lambda s: one(s, bank), states))
    return jax.jit(jax.vmap(one, in_axes=(0, None)))


def _initial_states(
    config: SurpriseRunConfig, bank: grid.Bank, seeds: list[int], ckpt: Path
) -> tuple[TrainState, int]:
    """Every seed's fresh state, or the checkpoint's, and the iteration it was taken at."""
    keys = jax.vmap(jax.random.PRNGKey)(jnp.asarray(seeds))
    states = jax.vmap(partial(init_state, bank=bank, config=config))(keys)
    if not ckpt.exists():
        return states, 0
    blob = read_checkpoint(ckpt)
    if blob["seeds"] != list(seeds):
        raise ValueError(f"{ckpt} holds seeds {blob['seeds']}, not {seeds}; use a new --out DIR")
    return _restored(states, blob["state"]), int(blob["iteration"])


def _log_iteration(
    logs: list[MetricsLog],
    seeds: list[int],
    iteration: int,
    metrics: Mapping[str, np.ndarray],
    config: SurpriseRunConfig,
    elapsed: float,
) -> None:
    """One line per seed: its metrics of ``iteration`` (NaN as null) and the run's speed."""
    for i, (seed, log) in enumerate(zip(seeds, logs)):
        row: dict[str, float | int | None] = {
            "seed": seed,
            "global_step": iteration * config.steps_per_iteration,
        }
        row |= {k: _number(v[i]) for k, v in metrics.items()}
        row["charts/sps"] = len(seeds) * config.steps_per_iteration / elapsed
        log.write(iteration, row)


def _last_line(path: Path) -> dict[str, Any]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else {}


def train(
    config: SurpriseRunConfig, *, seeds: list[int], out: Path, progress: bool = True
) -> list[SeedResult]:
    """Train every seed (one vmapped batch) into ``out``; resumable from ``out/checkpoint.msgpack``."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "config.json", json.dumps(dataclasses.asdict(config), indent=2) + "\n")
    bank = make_bank(config)
    ckpt = out / "checkpoint.msgpack"
    states, iteration = _initial_states(config, bank, seeds, ckpt)
    dirs = [out / f"seed_{s}" for s in seeds]
    for d in dirs:
        d.mkdir(exist_ok=True)
    step_fn = compiled_iteration(config)
    bar = tqdm(
        total=config.iterations,
        initial=iteration,
        desc=f"{config.method} x{len(seeds)} seeds",
        disable=not progress,
    )
    resume_step = iteration if ckpt.exists() else None
    logs = [
        MetricsLog(d / "metrics.jsonl", resume_step=resume_step, step_key="iteration") for d in dirs
    ]
    try:
        while iteration < config.iterations:
            started = time.perf_counter()
            states, metrics = step_fn(states, bank)
            metrics = jax.device_get(metrics)
            iteration += 1
            _log_iteration(logs, seeds, iteration, metrics, config, time.perf_counter() - started)
            if iteration % config.checkpoint_every == 0 or iteration == config.iterations:
                _save(ckpt, states, iteration, seeds)
            bar.update(1)
    finally:
        for log in logs:
            log.close()
        bar.close()
    steps = iteration * config.steps_per_iteration
    return [
        SeedResult(seed, d, steps, _last_line(d / "metrics.jsonl")) for seed, d in zip(seeds, dirs)
    ]


def _save(path: Path, states: TrainState, iteration: int, seeds: list[int]) -> None:
    blob = {
        "iteration": iteration,
        "seeds": list(seeds),
        "state": serialization.to_state_dict(jax.device_get(states)),
    }
    atomic_write_bytes(path, serialization.msgpack_serialize(blob))


def _restored(template: TrainState, state: dict[str, Any]) -> TrainState:
    """``template``'s structure filled with the checkpoint's arrays."""
    restored = serialization.from_state_dict(template, state)
    return restored  # pyright: ignore[reportReturnType]  # flax: it returns the template's type


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A run's checkpoint as plain data (msgpack: arrays and numbers, nothing that runs).

    A damaged or foreign file is a one-line ValueError naming it and the fix.
    """
    try:
        blob = serialization.msgpack_restore(path.read_bytes())
    except Exception as exc:  # msgpack raises several unrelated types for bad bytes
        raise ValueError(
            f"{path} is not a readable checkpoint ({type(exc).__name__}); delete it and "
            f"train again with `bench agents surprise run`"
        ) from exc
    if not isinstance(blob, dict) or not {"iteration", "seeds", "state"} <= set(blob):
        raise ValueError(
            f"{path} is not a checkpoint of `bench agents surprise run` (no iteration, seeds "
            f"and state); delete it and train again"
        )
    return blob


def load_states(run_dir: Path, config: SurpriseRunConfig) -> tuple[list[int], TrainState]:
    """Seeds and their stacked states from a run's checkpoint."""
    blob = read_checkpoint(run_dir / "checkpoint.msgpack")
    seeds = list(blob["seeds"])
    bank = make_bank(dataclasses.replace(config, layouts=1))
    template = jax.vmap(partial(init_state, bank=bank, config=config))(
        jax.vmap(jax.random.PRNGKey)(jnp.asarray(seeds))
    )
    return seeds, _restored(template, blob["state"])
