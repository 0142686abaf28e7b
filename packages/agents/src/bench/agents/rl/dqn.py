"""Deep Q-learning (Mnih et al. 2015): the Q-network, replay buffer, Bellman loss and trainer.

For a transition (s, a, r, s', d) the Bellman residual of Q_θ against a target network
Q_θ⁻ is

    δ = Q_θ(s, a) − (r + γ (1 − d) max_{a' legal in s'} Q_θ⁻(s', a')),

and DQN minimises the Huber loss of δ over minibatches drawn uniformly from a replay
buffer, acting ε-greedily with ε annealed linearly. Illegal actions (Hanabi) are masked
out of both the greedy choice and the max.

The trainer runs on any :class:`bench.agents.search.simulator.Simulator`; a partner policy
that reads the network being trained gives independent Q-learning in self-play (Hanabi).
Shapes: observations (B, obs_dim) float32, legal masks (B, num_actions) bool.
"""

from __future__ import annotations

import copy
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn
from tqdm import tqdm

import bench.agents.checkpoint as checkpoint_file

if TYPE_CHECKING:
    from bench.agents.search.simulator import Simulator

NEG_INF = -1e9  # masked Q-values; finite so that 0 * NEG_INF stays 0


@dataclass(frozen=True)
class DQNConfig:
    """DQN's hyperparameters. Defaults: Mnih et al. (2015), Extended Data Table 1, except
    Adam with CleanRL's learning rate in place of RMSProp. ``total_steps`` (agent steps)
    is what a CPU run shortens; the blueprint commands say what they used."""

    total_steps: int = 10_000_000  # 50M frames / frame skip 4 ... shortened by every caller here
    buffer_size: int = 1_000_000  # replay memory size
    batch_size: int = 32  # minibatch size
    gamma: float = 0.99  # γ, discount factor
    lr: float = 1e-4  # Adam, CleanRL dqn_atari (Mnih: RMSProp 2.5e-4)
    learning_starts: int = 50_000  # replay start size
    train_frequency: int = 4  # update frequency
    target_update: int = 10_000  # target network update frequency
    eps_start: float = 1.0  # initial exploration
    eps_end: float = 0.1  # final exploration
    eps_fraction: float = 0.1  # share of total_steps over which ε is annealed (1M of 10M)
    hidden: tuple[int, ...] = (256, 256)  # MLP widths (Mnih used a conv net on pixels)
    max_episode_steps: int = 27_000  # episode cut (108k frames, as in Atari evaluations)
    checkpoint_every: int = 10_000  # agent steps between resumable checkpoints


class QNetwork(nn.Module):
    """Q_θ(s, ·): an MLP from observations (B, obs_dim) to action values (B, num_actions)."""

    def __init__(self, obs_dim: int, num_actions: int, hidden: tuple[int, ...] = (256, 256)):
        super().__init__()
        layers: list[nn.Module] = []
        width = obs_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, num_actions))
        self.net = nn.Sequential(*layers)
        self.obs_dim, self.num_actions, self.hidden = obs_dim, num_actions, tuple(hidden)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs)

    @torch.inference_mode()
    def values(self, obs: NDArray[np.float32], mask: NDArray[np.bool_] | None = None) -> NDArray:
        """Q-values of one observation (obs_dim,), illegal actions set to −1e9."""
        q = self.net(torch.from_numpy(np.asarray(obs, np.float32))[None])[0].numpy()
        return q if mask is None else np.where(mask, q, NEG_INF)

    def greedy(self, obs: NDArray[np.float32], mask: NDArray[np.bool_]) -> int:
        return int(np.argmax(self.values(obs, mask)))

    def frozen(self) -> FrozenQ:
        """A NumPy snapshot of the current weights, for acting inside rollouts."""
        layers = [m for m in self.net if isinstance(m, nn.Linear)]
        return FrozenQ(
            weights=[m.weight.detach().numpy().T.copy() for m in layers],
            biases=[m.bias.detach().numpy().copy() for m in layers],
        )


@dataclass(frozen=True)
class FrozenQ:
    """Q_θ evaluated with NumPy on a fixed copy of θ (same values as :class:`QNetwork`).

    One observation at a time, torch's per-call overhead dominates a small MLP; search
    evaluates the network at every rollout step with weights that change only between
    collections, so it acts with a snapshot (several times faster on one core).
    """

    weights: list[np.ndarray]  # (in, out) per layer
    biases: list[np.ndarray]

    def values(self, obs: NDArray[np.float32], mask: NDArray[np.bool_] | None = None) -> NDArray:
        h = np.asarray(obs, np.float32)
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w + b
            if i < last:
                h = np.maximum(h, 0.0)
        return h if mask is None else np.where(mask, h, NEG_INF)

    def greedy(self, obs: NDArray[np.float32], mask: NDArray[np.bool_]) -> int:
        return int(np.argmax(self.values(obs, mask)))


def epsilon_greedy(
    q: QNetwork | FrozenQ,
    obs: NDArray[np.float32],
    mask: NDArray[np.bool_],
    eps: float,
    rng: np.random.Generator,
) -> int:
    """With probability ε a uniformly random legal action, else argmax_a Q(s, a)."""
    if rng.random() < eps:
        return int(rng.choice(np.flatnonzero(mask)))
    return q.greedy(obs, mask)


@dataclass(frozen=True)
class Batch:
    """A minibatch of transitions as tensors: obs (B, d), action (B,), reward (B,),
    next_obs (B, d), next_mask (B, A), done (B,) (1 where bootstrapping stops)."""

    obs: torch.Tensor
    action: torch.Tensor
    reward: torch.Tensor
    next_obs: torch.Tensor
    next_mask: torch.Tensor
    done: torch.Tensor

    @staticmethod
    def concat(parts: list[Batch]) -> Batch:
        return Batch(
            *(torch.cat([getattr(p, f) for p in parts]) for f in Batch.__dataclass_fields__)
        )


class ReplayBuffer:
    """A ring buffer of transitions (numpy storage, uniform sampling)."""

    def __init__(self, capacity: int, obs_dim: int, num_actions: int):
        self.capacity = capacity
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), np.float32)
        self.next_mask = np.zeros((capacity, num_actions), bool)
        self.action = np.zeros(capacity, np.int64)
        self.reward = np.zeros(capacity, np.float32)
        self.done = np.zeros(capacity, np.float32)
        self.size = 0
        self._next = 0

    def __len__(self) -> int:
        return self.size

    def add(self, obs, action: int, reward: float, next_obs, next_mask, done: bool) -> None:
        i = self._next
        self.obs[i], self.action[i], self.reward[i] = obs, action, reward
        self.next_obs[i], self.next_mask[i], self.done[i] = next_obs, next_mask, float(done)
        self._next = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def extend(self, other: ReplayBuffer) -> None:
        for i in range(len(other)):
            self.add(
                other.obs[i], int(other.action[i]), float(other.reward[i]),
                other.next_obs[i], other.next_mask[i], bool(other.done[i]),
            )  # fmt: skip

    def sample(self, n: int, rng: np.random.Generator) -> Batch:
        idx = rng.integers(0, self.size, size=n)
        return Batch(
            obs=torch.from_numpy(self.obs[idx]),
            action=torch.from_numpy(self.action[idx]),
            reward=torch.from_numpy(self.reward[idx]),
            next_obs=torch.from_numpy(self.next_obs[idx]),
            next_mask=torch.from_numpy(self.next_mask[idx]),
            done=torch.from_numpy(self.done[idx]),
        )


def bellman_residual(q: QNetwork, target: QNetwork, batch: Batch, gamma: float) -> torch.Tensor:
    """δ (B,) = Q_θ(s, a) − (r + γ (1 − d) max_{a'} Q_θ⁻(s', a')), illegal a' masked."""
    q_sa = q(batch.obs).gather(1, batch.action[:, None])[:, 0]
    with torch.no_grad():
        next_q = target(batch.next_obs).masked_fill(~batch.next_mask, NEG_INF).max(1).values
        # A terminal next state may have no legal action: its max is masked, and (1 − d) = 0.
        y = batch.reward + gamma * (1.0 - batch.done) * torch.where(batch.done > 0, 0.0, next_q)
    return q_sa - y


def dqn_loss(q: QNetwork, target: QNetwork, batch: Batch, gamma: float) -> torch.Tensor:
    """Huber loss of the Bellman residual (Mnih et al. 2015's error clipping)."""
    delta = bellman_residual(q, target, batch, gamma)
    return nn.functional.smooth_l1_loss(delta, torch.zeros_like(delta))


@dataclass(frozen=True)
class DQNResult:
    """What training produced: the network, per-episode returns (game score) and steps done."""

    q: QNetwork
    episode_scores: list[float]
    steps: int
    seconds: float


def _epsilon(config: DQNConfig, step: int) -> float:
    span = max(1, int(config.eps_fraction * config.total_steps))
    frac = min(1.0, step / span)
    return config.eps_start + frac * (config.eps_end - config.eps_start)


def save_checkpoint(path: Path, q: QNetwork, extra: dict) -> None:
    """Atomically write the network (with its shape) and training state (plain values)."""
    checkpoint_file.save_checkpoint(
        path,
        {
            "obs_dim": q.obs_dim,
            "num_actions": q.num_actions,
            "hidden": list(q.hidden),
            "state_dict": q.state_dict(),
            **extra,
        },
    )


def load_q_network(path: Path) -> tuple[QNetwork, dict]:
    """The network in a checkpoint written by :func:`save_checkpoint`, and the checkpoint dict."""
    ckpt = checkpoint_file.load_checkpoint(
        path, what="DQN checkpoint", fix="train one with `bench agents search blueprint`"
    )
    try:
        q = QNetwork(ckpt["obs_dim"], ckpt["num_actions"], tuple(ckpt["hidden"]))
        q.load_state_dict(ckpt["state_dict"])
    except (KeyError, TypeError, RuntimeError) as exc:
        raise ValueError(
            f"DQN checkpoint {path} does not hold a Q-network ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())}); train one with `bench agents search blueprint`"
        ) from exc
    return q, ckpt


@dataclass
class _Progress:
    """Counters a checkpoint carries: agent steps, episodes begun, finished episodes' scores."""

    step: int = 0
    episode: int = 0
    scores: list[float] = field(default_factory=list)


def _start(
    sim: Simulator, config: DQNConfig, seed: int, checkpoint: Path | None
) -> tuple[QNetwork, torch.optim.Adam, _Progress, np.random.Generator]:
    """A fresh network and optimiser, or those of ``checkpoint`` with its counters."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    q = QNetwork(sim.obs_dim, sim.num_actions, config.hidden)
    optimizer = torch.optim.Adam(q.parameters(), lr=config.lr)
    if checkpoint is None or not checkpoint.exists():
        return q, optimizer, _Progress(), rng
    q, ckpt = load_q_network(checkpoint)
    optimizer = torch.optim.Adam(q.parameters(), lr=config.lr)
    optimizer.load_state_dict(ckpt["optimizer"])
    progress = _Progress(ckpt["step"], ckpt["episode"], list(ckpt["episode_scores"]))
    return q, optimizer, progress, np.random.default_rng([seed, progress.step])


def _save(
    checkpoint: Path | None,
    q: QNetwork,
    optimizer: torch.optim.Adam,
    progress: _Progress,
    config: DQNConfig,
) -> None:
    if checkpoint is None:
        return
    extra = {
        "optimizer": optimizer.state_dict(),
        "step": progress.step,
        "episode": progress.episode,
        "episode_scores": [float(x) for x in progress.scores],
        "config": asdict(config),
    }
    save_checkpoint(checkpoint, q, extra)


def _first_move(sim: Simulator, seed: int, episode: int) -> int:
    """Reset ``sim`` for episode ``episode``, skipping games over before our first move (a
    Hanabi partner can lose the last life); the index of the episode that is played."""
    sim.reset(seed=seed * 1_000_003 + episode)
    while sim.game_over:
        episode += 1
        sim.reset(seed=seed * 1_000_003 + episode)
    return episode


def _learn(
    q: QNetwork,
    target: QNetwork,
    optimizer: torch.optim.Adam,
    batch: Batch,
    gamma: float,
) -> None:
    loss = dqn_loss(q, target, batch, gamma)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def train_dqn(
    sim: Simulator,
    config: DQNConfig,
    *,
    seed: int,
    checkpoint: Path | None = None,
    progress: bool = False,
) -> DQNResult:
    """Train Q_θ on ``sim`` for ``config.total_steps`` agent steps (resuming from ``checkpoint``).

    A resumed run restores the network, optimiser, step count and episode scores; the
    replay buffer is not saved (it refills before updates resume).
    """
    q, optimizer, run, rng = _start(sim, config, seed, checkpoint)
    target = copy.deepcopy(q)
    buffer = ReplayBuffer(min(config.buffer_size, config.total_steps), sim.obs_dim, sim.num_actions)
    start_step, started = run.step, time.perf_counter()
    run.episode = _first_move(sim, seed, run.episode)
    obs, mask, ep_score, ep_steps = sim.observation(), sim.legal_mask(), 0.0, 0
    bar = tqdm(total=config.total_steps, initial=run.step, disable=not progress, desc="dqn")
    while run.step < config.total_steps:
        action = epsilon_greedy(q, obs, mask, _epsilon(config, run.step), rng)
        result = sim.step(action)
        next_obs, next_mask = sim.observation(), sim.legal_mask()
        buffer.add(obs, action, result.reward, next_obs, next_mask, result.terminal)
        obs, mask = next_obs, next_mask
        ep_score += result.score
        ep_steps += 1
        run.step += 1
        bar.update(1)
        if result.game_over or ep_steps >= config.max_episode_steps:
            run.scores.append(ep_score)
            run.episode += 1
            bar.set_postfix(score=np.mean(run.scores[-20:]))
            run.episode = _first_move(sim, seed, run.episode)
            obs, mask, ep_score, ep_steps = sim.observation(), sim.legal_mask(), 0.0, 0
        learned = run.step - start_step
        if (
            learned >= min(config.learning_starts, config.total_steps)
            and run.step % config.train_frequency == 0
        ):
            _learn(q, target, optimizer, buffer.sample(config.batch_size, rng), config.gamma)
        if run.step % config.target_update == 0:
            target.load_state_dict(q.state_dict())
        if run.step % config.checkpoint_every == 0:
            _save(checkpoint, q, optimizer, run, config)
    bar.close()
    _save(checkpoint, q, optimizer, run, config)
    return DQNResult(
        q=q, episode_scores=run.scores, steps=run.step, seconds=time.perf_counter() - started
    )
