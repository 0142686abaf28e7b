"""GWIL's training loop (Fickinger et al., 2022, Alg. 1) and its two baselines.

    for each episode of the agent in the target domain:
        roll out π, keeping y = (s'_j, a'_j)_{j=1..m}  (next_states: s'_0..s'_m)
        r_j = -(GW cost share of step j against the expert demonstration)   (rewards.py)
        add (s'_j, a'_j, r_j, s'_{j+1}) to the replay buffer
        per environment step (after learning_starts): one SAC update on a batch whose
            rewards are standardised by the buffer's mean and standard deviation

``method="sac-true"`` learns from the environment's reward instead (the ceiling; also how
experts are trained), ``method="random"`` acts uniformly at random (the floor). The true
reward is logged for every method and learnt from only by ``sac-true``.

A run directory holds metrics.jsonl (one JSON object per event, namespaced keys:
``charts/true_return``, ``losses/qf_loss``, ``time/gw_seconds`` ...), checkpoints/latest.pt
(written at episode ends every ``checkpoint_every`` steps; a killed run resumes from it)
and, at the end, learning_curve.png.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

import bench.agents.checkpoint as checkpoint_file
from bench.agents.gwil.demonstration import Trajectory
from bench.agents.gwil.rewards import GWRewardConfig, episode_pseudo_rewards
from bench.agents.gwil.rollout import rollout, uniform_policy
from bench.agents.rl.sac import SAC, ReplayBuffer, SACConfig
from bench.common.atomic import atomic_write_text

METHODS = ("gwil", "sac-true", "random")


@dataclass(frozen=True)
class TrainConfig:
    """One training run; ``sac`` and ``reward`` are the learner's and GWIL's settings."""

    method: str = "gwil"  # gwil | sac-true | random
    total_steps: int = 1_000_000
    sac: SACConfig = field(default_factory=SACConfig)
    reward: GWRewardConfig = field(default_factory=GWRewardConfig)
    standardize_rewards: bool = True  # GWIL standardises pseudo-rewards over the buffer
    eval_every: int = 10_000
    eval_episodes: int = 5
    checkpoint_every: int = 5_000
    log_losses_every: int = 250

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method={self.method!r}; use one of {', '.join(METHODS)}")
        if self.total_steps <= 0:
            raise ValueError(f"total_steps={self.total_steps} must be positive")


@dataclass(frozen=True)
class TrainResult:
    """Where a run stands at its end: final evaluation and time accounting."""

    steps: int
    episodes: int
    eval_true_return: float  # mean true return of the final evaluation episodes
    eval_success: float  # their success rate (NaN where the env reports none)
    wall_seconds: float
    gw_seconds: float
    update_seconds: float

    @property
    def gw_fraction(self) -> float:
        """Share of the run's wall time spent solving Gromov-Wasserstein problems."""
        return self.gw_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0


@dataclass(frozen=True)
class Evaluation:
    """Returns, successes and trajectories of evaluation episodes."""

    returns: NDArray[np.float64]  # (episodes,)
    successes: NDArray[np.float64]  # (episodes,), NaN where the env reports no success
    trajectories: list[Trajectory]

    @property
    def mean_return(self) -> float:
        return float(np.mean(self.returns))

    @property
    def success_rate(self) -> float:
        return float(np.mean(self.successes))


def _box(space: gym.Space) -> gym.spaces.Box:
    if not isinstance(space, gym.spaces.Box) or len(space.shape) != 1:
        raise ValueError(f"GWIL's SAC needs flat Box spaces; got {space}")
    return space


def make_agent(env: gym.Env, config: SACConfig, *, seed: int) -> SAC:
    """A SAC learner sized for ``env``'s observation and action boxes."""
    obs_space, act_space = _box(env.observation_space), _box(env.action_space)
    return SAC(
        obs_space.shape[0],
        act_space.shape[0],
        act_space.low,
        act_space.high,
        config,
        seed=seed,
    )


def evaluate(
    agent: SAC | None,
    env: gym.Env,
    *,
    episodes: int,
    seed: int,
    rng: np.random.Generator | None = None,
) -> Evaluation:
    """Roll out the deterministic policy (or uniform random actions when ``agent`` is None).

    Episode k starts from ``env.reset(seed=seed + k)``, so every evaluation of a run sees
    the same start states.
    """
    rng = rng if rng is not None else np.random.default_rng(seed)
    if agent is None:
        policy = uniform_policy(_box(env.action_space), rng)
    else:
        policy = lambda obs: agent.act(obs, deterministic=True)  # noqa: E731
    runs = [rollout(env, policy, seed=seed + k) for k in range(episodes)]
    return Evaluation(
        np.asarray([e.true_return for e in runs]),
        np.asarray([e.success for e in runs]),
        [e.trajectory for e in runs if len(e.actions) >= 2],
    )


class _MetricsLog:
    """Appends one JSON object per line; on resume drops lines past the checkpoint."""

    def __init__(self, path: Path, resume_step: int | None):
        self.path = path
        if resume_step is None:
            path.write_text("")
        elif path.exists():
            kept = [
                line
                for line in path.read_text().splitlines()
                if line.strip() and json.loads(line)["global_step"] <= resume_step
            ]
            atomic_write_text(path, "".join(line + "\n" for line in kept))
        self._file = path.open("a")

    def write(self, step: int, values: dict[str, float]) -> None:
        record = {"global_step": step, **{k: float(v) for k, v in values.items()}}
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def load_checkpoint(path: str | os.PathLike) -> dict:
    """The dictionary :func:`train` saved (agent, buffer, counters, SAC config as a dict)."""
    return checkpoint_file.load_checkpoint(
        path, what="GWIL checkpoint", fix="train one with `bench agents gwil run`"
    )


def train(
    env: gym.Env,
    eval_env: gym.Env,
    config: TrainConfig,
    *,
    out: str | os.PathLike,
    seed: int,
    demonstration: Trajectory | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train one agent in ``env`` (see the module docstring); resumes from ``out``'s checkpoint."""
    if config.method == "gwil" and demonstration is None:
        raise ValueError(
            "method='gwil' needs an expert demonstration (see `bench agents gwil expert`)"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "checkpoints" / "latest.pt"
    act_space = _box(env.action_space)

    agent = make_agent(env, config.sac, seed=seed) if config.method != "random" else None
    obs_dim = _box(env.observation_space).shape[0]
    capacity = min(config.sac.buffer_size, config.total_steps)
    buffer = ReplayBuffer(obs_dim, act_space.shape[0], capacity)
    rng = np.random.default_rng(seed)
    step, episode = 0, 0
    timers = {"gw": 0.0, "update": 0.0, "wall": 0.0}
    resume_step = None
    if ckpt_path.exists():
        state = load_checkpoint(ckpt_path)
        step, episode, timers = state["step"], state["episode"], state["timers"]
        rng.bit_generator.state = state["rng"]
        buffer.load_state_dict(state["buffer"])
        if agent is not None:
            agent.load_state_dict(state["agent"])
        resume_step = step
    log = _MetricsLog(out / "metrics.jsonl", resume_step)
    reward_mean, reward_std = buffer.reward_moments() if buffer.size else (0.0, 1.0)
    next_eval = (step // config.eval_every + 1) * config.eval_every
    next_ckpt = step + config.checkpoint_every
    started = time.perf_counter() - timers["wall"]
    bar = tqdm(
        total=config.total_steps,
        initial=step,
        desc=f"{config.method}",
        unit="step",
        disable=not progress,
    )

    def checkpoint() -> None:
        timers["wall"] = time.perf_counter() - started
        checkpoint_file.save_checkpoint(
            ckpt_path,
            {
                "step": step,
                "episode": episode,
                "timers": dict(timers),
                "rng": rng.bit_generator.state,
                "buffer": buffer.state_dict(),
                "agent": agent.state_dict() if agent is not None else None,
                "method": config.method,
                "sac": dataclasses.asdict(config.sac),
            },
        )

    try:
        while step < config.total_steps:
            # Episodes are seeded by index, so a resumed run replays the same start states.
            obs, _ = env.reset(seed=seed * 100_003 + episode)
            observations, actions, next_observations, true_rewards, terminals = [], [], [], [], []
            info: dict = {}
            while True:
                if agent is None or step < config.sac.learning_starts:
                    action = rng.uniform(act_space.low, act_space.high).astype(np.float32)
                else:
                    action = agent.act(obs)
                next_obs, reward, terminated, truncated, info = env.step(action)
                observations.append(np.asarray(obs, dtype=np.float64))
                actions.append(np.asarray(action, dtype=np.float64))
                next_observations.append(np.asarray(next_obs, dtype=np.float64))
                true_rewards.append(float(reward))
                # Only termination cuts the bootstrap; a time-limit truncation does not.
                terminals.append(float(terminated))
                obs = next_obs
                step += 1
                bar.update(1)

                if agent is not None and step > config.sac.learning_starts and buffer.size > 0:
                    t0 = time.perf_counter()
                    batch = buffer.sample(config.sac.batch_size, rng)
                    if config.method == "gwil" and config.standardize_rewards:
                        batch = type(batch)(
                            obs=batch.obs,
                            actions=batch.actions,
                            rewards=(batch.rewards - reward_mean) / (reward_std + 1e-8),
                            next_obs=batch.next_obs,
                            terminated=batch.terminated,
                        )
                    losses = agent.update(batch)
                    timers["update"] += time.perf_counter() - t0
                    if step % config.log_losses_every == 0:
                        log.write(
                            step,
                            {
                                "losses/qf_loss": losses.qf_loss,
                                "losses/actor_loss": losses.actor_loss,
                                "losses/alpha_loss": losses.alpha_loss,
                                "losses/alpha": losses.alpha,
                                "losses/q_mean": losses.q_mean,
                            },
                        )
                if terminated or truncated or step >= config.total_steps:
                    break

            trajectory = (
                Trajectory(np.stack(observations), np.stack(actions), true_return=sum(true_rewards))
                if len(observations) >= 2
                else None
            )
            episode_values = {
                "charts/true_return": sum(true_rewards),
                "charts/episode_length": len(true_rewards),
            }
            if "success" in info:
                episode_values["charts/success"] = float(info["success"])
            if config.method == "gwil":
                if trajectory is None:  # one-step episode: no geometry, no reward signal
                    rewards = np.zeros(len(true_rewards))
                else:
                    t0 = time.perf_counter()
                    gw = episode_pseudo_rewards(
                        demonstration,
                        np.stack([*observations, next_observations[-1]]),
                        np.stack(actions),
                        config.reward,
                    )
                    rewards = gw.rewards
                    timers["gw"] += time.perf_counter() - t0
                    episode_values["charts/gw_cost"] = gw.cost
                    episode_values["charts/pseudo_return"] = float(rewards.sum())
            else:
                rewards = np.asarray(true_rewards)
            buffer.add(
                np.stack(observations),
                np.stack(actions),
                rewards,
                np.stack(next_observations),
                np.asarray(terminals),
            )
            reward_mean, reward_std = buffer.reward_moments()
            episode += 1
            wall = time.perf_counter() - started
            episode_values["time/gw_seconds"] = timers["gw"]
            episode_values["time/update_seconds"] = timers["update"]
            episode_values["time/wall_seconds"] = wall
            episode_values["time/sps"] = step / max(wall, 1e-9)
            log.write(step, episode_values)

            if step >= next_eval or step >= config.total_steps:
                ev = evaluate(
                    agent, eval_env, episodes=config.eval_episodes, seed=10_000 + seed, rng=rng
                )
                log.write(
                    step,
                    {
                        "charts/eval_true_return": ev.mean_return,
                        "charts/eval_success": ev.success_rate,
                    },
                )
                bar.set_postfix(eval_return=f"{ev.mean_return:.2f}")
                next_eval = (step // config.eval_every + 1) * config.eval_every
            if step >= next_ckpt or step >= config.total_steps:
                checkpoint()
                next_ckpt = step + config.checkpoint_every
    finally:
        bar.close()
        log.close()

    timers["wall"] = time.perf_counter() - started
    final = evaluate(agent, eval_env, episodes=config.eval_episodes, seed=10_000 + seed)
    return TrainResult(
        steps=step,
        episodes=episode,
        eval_true_return=final.mean_return,
        eval_success=final.success_rate,
        wall_seconds=timers["wall"],
        gw_seconds=timers["gw"],
        update_seconds=timers["update"],
    )


def restore_agent(env: gym.Env, checkpoint_path: str | os.PathLike) -> SAC | None:
    """The SAC policy saved in a run's checkpoint (None for a random-policy run)."""
    state = load_checkpoint(checkpoint_path)
    if state["agent"] is None:
        return None
    agent = make_agent(env, SACConfig(**state["sac"]), seed=0)
    agent.load_state_dict(state["agent"])
    return agent
