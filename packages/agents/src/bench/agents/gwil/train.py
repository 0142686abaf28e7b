"""GWIL's training loop (Fickinger et al., 2022, Alg. 1) and its two baselines.

    for each episode of the agent in the target domain:
        roll out π, keeping y = (s'_j, a'_j)_{j=1..m}  (next_states: s'_0..s'_m)
        r_j = -(GW cost share of step j against the expert demonstration)   (rewards.py)
        add (s'_j, a'_j, r_j, s'_{j+1}) to the replay buffer
        per environment step (after learning_starts): one SAC update on a batch whose
            rewards are divided by the buffer's standard deviation (``reward_scaling``)

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
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

import bench.agents.checkpoint as checkpoint_file
from bench.agents.gwil.demonstration import Trajectory
from bench.agents.gwil.rewards import GWRewardConfig, episode_pseudo_rewards
from bench.agents.gwil.rollout import flat_box, rollout, uniform_policy
from bench.agents.metrics_log import MetricsLog
from bench.agents.rl.sac import SAC, ReplayBuffer, SACConfig

METHODS = ("gwil", "sac-true", "random")
# How GWIL's pseudo-rewards are scaled before SAC sees them, over the whole buffer:
#   "std"          r / std(r): O(1) rewards, every one still <= 0 (the default)
#   "standardize"  (r - mean(r)) / std(r), an option of GWIL's code (gw_normalize)
#   "none"         r as computed, GWIL's code's default: shares of a GW cost, ~1e-3 per step
# Centring adds -mean(r) > 0 to every step, which pays an agent for every step it
# survives: where an episode terminates (the maze's goal) it learns not to arrive. On the
# maze (20,000 steps, 5 seeds) GWIL reached the goal in 2 runs scaled by "std" and in none
# standardised (domains/maze.py). Without termination (dm_control's episodes only
# truncate) a constant per step changes no policy's ranking.
REWARD_SCALINGS = ("std", "standardize", "none")


@dataclass(frozen=True)
class TrainConfig:
    """One training run; ``sac`` and ``reward`` are the learner's and GWIL's settings."""

    method: str = "gwil"  # gwil | sac-true | random
    total_steps: int = 1_000_000
    sac: SACConfig = field(default_factory=SACConfig)
    reward: GWRewardConfig = field(default_factory=GWRewardConfig)
    reward_scaling: str = "std"  # one of REWARD_SCALINGS (GWIL's pseudo-rewards only)
    eval_every: int = 10_000
    eval_episodes: int = 5
    checkpoint_every: int = 5_000
    log_losses_every: int = 250

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method={self.method!r}; use one of {', '.join(METHODS)}")
        if self.total_steps <= 0:
            raise ValueError(f"total_steps={self.total_steps} must be positive")
        if self.reward_scaling not in REWARD_SCALINGS:
            raise ValueError(
                f"reward_scaling={self.reward_scaling!r}; use one of {', '.join(REWARD_SCALINGS)}"
            )


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


def make_agent(env: gym.Env, config: SACConfig, *, seed: int) -> SAC:
    """A SAC learner sized for ``env``'s observation and action boxes."""
    obs_space, act_space = flat_box(env.observation_space), flat_box(env.action_space)
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
        policy = uniform_policy(flat_box(env.action_space), rng)
    else:
        policy = lambda obs: agent.act(obs, deterministic=True)  # noqa: E731
    runs = [rollout(env, policy, seed=seed + k) for k in range(episodes)]
    return Evaluation(
        np.asarray([e.true_return for e in runs]),
        np.asarray([e.success for e in runs]),
        [e.trajectory for e in runs if len(e.actions) >= 2],
    )


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The dictionary :func:`train` saved (agent, buffer, counters, SAC config as a dict)."""
    return checkpoint_file.load_checkpoint(
        path, what="GWIL checkpoint", fix="train one with `bench agents gwil run`"
    )


def _floats(values: dict[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items()}


@dataclass
class _Episode:
    """One training episode's transitions, gathered as it is played."""

    observations: list[NDArray[np.float64]] = field(default_factory=list)
    actions: list[NDArray[np.float64]] = field(default_factory=list)
    next_observations: list[NDArray[np.float64]] = field(default_factory=list)
    true_rewards: list[float] = field(default_factory=list)
    terminals: list[float] = field(default_factory=list)  # 1 on termination, not truncation
    info: dict[str, Any] = field(default_factory=dict)  # the env's last step info

    def trajectory(self) -> Trajectory | None:
        """The (s_j, a_j) pairs; None for a one-step episode (no geometry to compare)."""
        if len(self.observations) < 2:
            return None
        return Trajectory(
            np.stack(self.observations), np.stack(self.actions), true_return=self.true_return
        )

    @property
    def true_return(self) -> float:
        return sum(self.true_rewards)


class _Trainer:
    """The state of one training run and its steps; :func:`train` drives it."""

    def __init__(
        self,
        env: gym.Env,
        eval_env: gym.Env,
        config: TrainConfig,
        *,
        out: Path,
        seed: int,
        demonstration: Trajectory | None,
    ):
        self.env, self.eval_env, self.config, self.seed = env, eval_env, config, seed
        self.demonstration = demonstration
        self.act_space = flat_box(env.action_space)
        self.agent = make_agent(env, config.sac, seed=seed) if config.method != "random" else None
        obs_dim = flat_box(env.observation_space).shape[0]
        capacity = min(config.sac.buffer_size, config.total_steps)
        self.buffer = ReplayBuffer(obs_dim, self.act_space.shape[0], capacity)
        self.rng = np.random.default_rng(seed)
        self.step, self.episode = 0, 0
        self.timers = {"gw": 0.0, "update": 0.0, "wall": 0.0}
        self.ckpt_path = out / "checkpoints" / "latest.pt"
        resume_step = self._restore() if self.ckpt_path.exists() else None
        self.log = MetricsLog(out / "metrics.jsonl", resume_step=resume_step)
        self.reward_mean, self.reward_std = (
            self.buffer.reward_moments() if self.buffer.size else (0.0, 1.0)
        )
        self.next_eval = (self.step // config.eval_every + 1) * config.eval_every
        self.next_ckpt = self.step + config.checkpoint_every
        self.started = time.perf_counter() - self.timers["wall"]

    def _restore(self) -> int:
        """Load the checkpoint's counters, RNG, buffer and agent; the step it was taken at."""
        state = load_checkpoint(self.ckpt_path)
        self.step, self.episode, self.timers = state["step"], state["episode"], state["timers"]
        self.rng.bit_generator.state = state["rng"]
        self.buffer.load_state_dict(state["buffer"])
        if self.agent is not None:
            self.agent.load_state_dict(state["agent"])
        return self.step

    def checkpoint(self) -> None:
        self.timers["wall"] = time.perf_counter() - self.started
        checkpoint_file.save_checkpoint(
            self.ckpt_path,
            {
                "step": self.step,
                "episode": self.episode,
                "timers": dict(self.timers),
                "rng": self.rng.bit_generator.state,
                "buffer": self.buffer.state_dict(),
                "agent": self.agent.state_dict() if self.agent is not None else None,
                "method": self.config.method,
                "sac": dataclasses.asdict(self.config.sac),
            },
        )

    def _act(self, obs: NDArray) -> NDArray[np.float32]:
        if self.agent is None or self.step < self.config.sac.learning_starts:
            return self.rng.uniform(self.act_space.low, self.act_space.high).astype(np.float32)
        return self.agent.act(obs)

    def play_episode(self, bar: tqdm) -> _Episode:
        """Act until the episode ends (or the budget does), one SAC update per step."""
        # Episodes are seeded by index, so a resumed run replays the same start states.
        obs, _ = self.env.reset(seed=self.seed * 100_003 + self.episode)
        ep = _Episode()
        while True:
            action = self._act(obs)
            next_obs, reward, terminated, truncated, ep.info = self.env.step(action)
            ep.observations.append(np.asarray(obs, dtype=np.float64))
            ep.actions.append(np.asarray(action, dtype=np.float64))
            ep.next_observations.append(np.asarray(next_obs, dtype=np.float64))
            ep.true_rewards.append(float(reward))
            # Only termination cuts the bootstrap; a time-limit truncation does not.
            ep.terminals.append(float(terminated))
            obs = next_obs
            self.step += 1
            bar.update(1)
            self._update()
            if terminated or truncated or self.step >= self.config.total_steps:
                return ep

    def _update(self) -> None:
        """One SAC update on a buffer batch (GWIL's rewards scaled over the buffer)."""
        agent, config = self.agent, self.config
        if agent is None or self.step <= config.sac.learning_starts or self.buffer.size == 0:
            return
        t0 = time.perf_counter()
        batch = self.buffer.sample(config.sac.batch_size, self.rng)
        if config.method == "gwil" and config.reward_scaling != "none":
            shift = self.reward_mean if config.reward_scaling == "standardize" else 0.0
            rewards = (batch.rewards - shift) / (self.reward_std + 1e-8)
            batch = dataclasses.replace(batch, rewards=rewards)
        losses = agent.update(batch)
        self.timers["update"] += time.perf_counter() - t0
        if self.step % config.log_losses_every == 0:
            values = {
                "losses/qf_loss": losses.qf_loss,
                "losses/actor_loss": losses.actor_loss,
                "losses/alpha_loss": losses.alpha_loss,
                "losses/alpha": losses.alpha,
                "losses/q_mean": losses.q_mean,
            }
            self.log.write(self.step, _floats(values))

    def _rewards(self, ep: _Episode, values: dict[str, float]) -> NDArray[np.float64]:
        """The rewards the learner sees: GW pseudo-rewards for GWIL, else the true ones."""
        if self.config.method != "gwil":
            return np.asarray(ep.true_rewards)
        trajectory = ep.trajectory()
        if trajectory is None:  # one-step episode: no geometry, no reward signal
            return np.zeros(len(ep.true_rewards))
        assert self.demonstration is not None  # train() checks it for method="gwil"
        t0 = time.perf_counter()
        gw = episode_pseudo_rewards(
            self.demonstration,
            np.stack([*ep.observations, ep.next_observations[-1]]),
            np.stack(ep.actions),
            self.config.reward,
        )
        self.timers["gw"] += time.perf_counter() - t0
        values["charts/gw_cost"] = gw.cost
        values["charts/pseudo_return"] = float(gw.rewards.sum())
        return gw.rewards

    def store(self, ep: _Episode) -> None:
        """Reward the episode, add it to the buffer and log it."""
        values: dict[str, float] = {
            "charts/true_return": ep.true_return,
            "charts/episode_length": len(ep.true_rewards),
        }
        if "success" in ep.info:
            values["charts/success"] = float(ep.info["success"])
        rewards = self._rewards(ep, values)
        self.buffer.add(
            np.stack(ep.observations),
            np.stack(ep.actions),
            rewards,
            np.stack(ep.next_observations),
            np.asarray(ep.terminals),
        )
        self.reward_mean, self.reward_std = self.buffer.reward_moments()
        self.episode += 1
        wall = time.perf_counter() - self.started
        values["time/gw_seconds"] = self.timers["gw"]
        values["time/update_seconds"] = self.timers["update"]
        values["time/wall_seconds"] = wall
        values["time/sps"] = self.step / max(wall, 1e-9)
        self.log.write(self.step, _floats(values))

    def evaluate_and_checkpoint(self, bar: tqdm) -> None:
        """Evaluate every ``eval_every`` steps and checkpoint every ``checkpoint_every``."""
        config, done = self.config, self.step >= self.config.total_steps
        if self.step >= self.next_eval or done:
            ev = evaluate(
                self.agent,
                self.eval_env,
                episodes=config.eval_episodes,
                seed=10_000 + self.seed,
                rng=self.rng,
            )
            values = {
                "charts/eval_true_return": ev.mean_return,
                "charts/eval_success": ev.success_rate,
            }
            self.log.write(self.step, _floats(values))
            bar.set_postfix(eval_return=f"{ev.mean_return:.2f}")
            self.next_eval = (self.step // config.eval_every + 1) * config.eval_every
        if self.step >= self.next_ckpt or done:
            self.checkpoint()
            self.next_ckpt = self.step + config.checkpoint_every

    def result(self) -> TrainResult:
        """The final evaluation (fresh RNG: the same start states as every evaluation)."""
        self.timers["wall"] = time.perf_counter() - self.started
        final = evaluate(
            self.agent, self.eval_env, episodes=self.config.eval_episodes, seed=10_000 + self.seed
        )
        return TrainResult(
            steps=self.step,
            episodes=self.episode,
            eval_true_return=final.mean_return,
            eval_success=final.success_rate,
            wall_seconds=self.timers["wall"],
            gw_seconds=self.timers["gw"],
            update_seconds=self.timers["update"],
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
    run = _Trainer(env, eval_env, config, out=out, seed=seed, demonstration=demonstration)
    bar = tqdm(
        total=config.total_steps,
        initial=run.step,
        desc=f"{config.method}",
        unit="step",
        disable=not progress,
    )
    try:
        while run.step < config.total_steps:
            run.store(run.play_episode(bar))
            run.evaluate_and_checkpoint(bar)
    finally:
        bar.close()
        run.log.close()
    return run.result()


def restore_agent(env: gym.Env, checkpoint_path: str | os.PathLike) -> SAC | None:
    """The SAC policy saved in a run's checkpoint (None for a random-policy run)."""
    state = load_checkpoint(checkpoint_path)
    if state["agent"] is None:
        return None
    agent = make_agent(env, SACConfig(**state["sac"]), seed=0)
    agent.load_state_dict(state["agent"])
    return agent
