"""Soft actor-critic (Haarnoja et al., 2018): double-Q critic, tanh-Gaussian actor, learnt α.

Per update, on a batch (s, a, r, s', d) from the replay buffer:

    critic:  y = r + γ (1 - d) [ min_k Q̄_k(s', ã') - α log π(ã'|s') ],  ã' ~ π(·|s')
             L_Q = Σ_k E (Q_k(s, a) - y)^2
    actor:   L_π = E [ α log π(ã|s) - min_k Q_k(s, ã) ],  ã ~ π(·|s) (reparameterised)
    α:       L_α = -E [ log α (log π(ã|s) + H̄) ],  target entropy H̄ = -dim(A)
    targets: Q̄_k <- τ Q_k + (1 - τ) Q̄_k

The actor samples u = μ(s) + σ(s) ε, ε ~ N(0, I), and acts a = c + h tanh(u) for an action
box with centre c and half-width h; log π(a|s) = log N(u; μ, σ) - Σ log(h (1 - tanh²u)).

Defaults are GWIL's (Fickinger et al., 2022, App. B, from pytorch_sac): two hidden layers
of 1024, batch 1024, learning rates 1e-4, γ = 0.99, τ = 0.005, initial α = 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class SACConfig:
    """SAC hyperparameters; defaults are the GWIL paper's (App. B)."""

    hidden_dim: int = 1024  # width of each of the two hidden layers
    batch_size: int = 1024
    actor_lr: float = 1e-4
    critic_lr: float = 1e-4
    alpha_lr: float = 1e-4
    gamma: float = 0.99  # γ, discount
    tau: float = 0.005  # τ, target smoothing
    init_alpha: float = 0.1  # α_0, initial temperature
    target_update_frequency: int = 2  # critic-target updates every this many steps
    actor_update_frequency: int = 1
    log_std_min: float = -5.0
    log_std_max: float = 2.0
    learning_starts: int = 5000  # uniform-random actions before the first update
    buffer_size: int = 1_000_000


def _mlp(n_in: int, n_out: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(n_in, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, n_out),
    )


class QNetwork(nn.Module):
    """Q(s, a): (B, ds), (B, da) -> (B,)."""

    def __init__(self, obs_dim: int, act_dim: int, hidden: int):
        super().__init__()
        self.net = _mlp(obs_dim + act_dim, 1, hidden)

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([obs, action], dim=-1)).squeeze(-1)


class Actor(nn.Module):
    """Tanh-Gaussian policy π(a|s) on a box of actions."""

    action_scale: torch.Tensor  # (da,) registered buffers: saved with the weights
    action_bias: torch.Tensor

    def __init__(
        self,
        obs_dim: int,
        act_dim: int,
        hidden: int,
        action_low: NDArray,
        action_high: NDArray,
        log_std_bounds: tuple[float, float],
    ):
        super().__init__()
        self.net = _mlp(obs_dim, 2 * act_dim, hidden)
        low = torch.as_tensor(action_low, dtype=torch.float32)
        high = torch.as_tensor(action_high, dtype=torch.float32)
        self.register_buffer("action_scale", (high - low) / 2)
        self.register_buffer("action_bias", (high + low) / 2)
        self.log_std_bounds = log_std_bounds

    def _mean_log_std(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_std = self.net(obs).chunk(2, dim=-1)
        lo, hi = self.log_std_bounds
        # squash into [lo, hi] smoothly rather than clamping, so gradients never vanish
        log_std = lo + 0.5 * (hi - lo) * (torch.tanh(log_std) + 1)
        return mean, log_std

    def sample(
        self, obs: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Reparameterised action (B, da) and its log-density log π(a|s) (B,)."""
        mean, log_std = self._mean_log_std(obs)
        std = log_std.exp()
        eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype)
        u = mean + std * eps
        squashed = torch.tanh(u)
        action = squashed * self.action_scale + self.action_bias
        log_prob = (-0.5 * eps.pow(2) - log_std - 0.5 * np.log(2 * np.pi)).sum(-1)
        # change of variables through a = c + h tanh(u); 1e-6 keeps log finite at |tanh| = 1
        log_prob = log_prob - torch.log(self.action_scale * (1 - squashed.pow(2)) + 1e-6).sum(-1)
        return action, log_prob

    def mode(self, obs: torch.Tensor) -> torch.Tensor:
        """The deterministic action c + h tanh(μ(s)) used for evaluation."""
        mean, _ = self._mean_log_std(obs)
        return torch.tanh(mean) * self.action_scale + self.action_bias


@dataclass(frozen=True)
class Batch:
    """Transitions sampled from the buffer: obs (B, ds), actions (B, da), rewards (B,) ..."""

    obs: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    next_obs: torch.Tensor
    terminated: torch.Tensor  # 1 where s' is terminal (no bootstrap); truncation is not


class ReplayBuffer:
    """Fixed-capacity ring buffer of transitions, stored as numpy arrays."""

    def __init__(self, obs_dim: int, act_dim: int, capacity: int):
        self.capacity = capacity
        self.obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.actions = np.zeros((capacity, act_dim), dtype=np.float32)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.size = 0
        self._next = 0

    def add(
        self,
        obs: NDArray,
        actions: NDArray,
        rewards: NDArray,
        next_obs: NDArray,
        terminated: NDArray,
    ) -> None:
        """Add n transitions at once (arrays with a leading axis n)."""
        for k in range(len(rewards)):
            i = self._next
            self.obs[i] = obs[k]
            self.actions[i] = actions[k]
            self.rewards[i] = rewards[k]
            self.next_obs[i] = next_obs[k]
            self.terminated[i] = terminated[k]
            self._next = (i + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)

    def reward_moments(self) -> tuple[float, float]:
        """Mean and standard deviation of the stored rewards."""
        stored = self.rewards[: self.size]
        return float(stored.mean()), float(stored.std())

    def sample(self, batch_size: int, rng: np.random.Generator) -> Batch:
        idx = rng.integers(0, self.size, size=batch_size)
        return Batch(
            obs=torch.from_numpy(self.obs[idx]),
            actions=torch.from_numpy(self.actions[idx]),
            rewards=torch.from_numpy(self.rewards[idx]),
            next_obs=torch.from_numpy(self.next_obs[idx]),
            terminated=torch.from_numpy(self.terminated[idx]),
        )

    def state_dict(self) -> dict[str, torch.Tensor | int]:
        """The stored transitions as tensors (a checkpoint holds no numpy objects)."""
        n = self.size
        return {
            "obs": torch.from_numpy(self.obs[:n].copy()),
            "actions": torch.from_numpy(self.actions[:n].copy()),
            "rewards": torch.from_numpy(self.rewards[:n].copy()),
            "next_obs": torch.from_numpy(self.next_obs[:n].copy()),
            "terminated": torch.from_numpy(self.terminated[:n].copy()),
            "next": self._next,
        }

    def load_state_dict(self, state: dict) -> None:
        n = len(state["rewards"])
        for name in ("obs", "actions", "rewards", "next_obs", "terminated"):
            getattr(self, name)[:n] = np.asarray(state[name])
        self.size = n
        self._next = int(state["next"])


@dataclass(frozen=True)
class SACLosses:
    """Scalars of one update, for logging under ``losses/``."""

    qf_loss: float
    actor_loss: float
    alpha_loss: float
    alpha: float
    q_mean: float


class SAC:
    """The learner: networks, optimisers and one gradient step per :meth:`update`."""

    def __init__(
        self,
        obs_dim: int,
        act_dim: int,
        action_low: NDArray,
        action_high: NDArray,
        config: SACConfig | None = None,
        *,
        seed: int,
    ):
        self.config = c = config if config is not None else SACConfig()
        # Network initialisation draws from torch's global generator; fork it so a seed
        # here fixes the weights without touching anyone else's random stream.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.actor = Actor(
                obs_dim,
                act_dim,
                c.hidden_dim,
                action_low,
                action_high,
                (c.log_std_min, c.log_std_max),
            )
            self.qf1 = QNetwork(obs_dim, act_dim, c.hidden_dim)
            self.qf2 = QNetwork(obs_dim, act_dim, c.hidden_dim)
        self.qf1_target = QNetwork(obs_dim, act_dim, c.hidden_dim)
        self.qf2_target = QNetwork(obs_dim, act_dim, c.hidden_dim)
        self.qf1_target.load_state_dict(self.qf1.state_dict())
        self.qf2_target.load_state_dict(self.qf2.state_dict())
        self.log_alpha = torch.tensor(np.log(c.init_alpha), dtype=torch.float32, requires_grad=True)
        self.target_entropy = -float(act_dim)  # H̄ = -dim(A)
        self.q_optimizer = torch.optim.Adam(
            [*self.qf1.parameters(), *self.qf2.parameters()], lr=c.critic_lr
        )
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=c.actor_lr)
        self.alpha_optimizer = torch.optim.Adam([self.log_alpha], lr=c.alpha_lr)
        self.generator = torch.Generator().manual_seed(seed)
        self.n_updates = 0

    @property
    def alpha(self) -> float:
        return float(self.log_alpha.exp())

    @torch.no_grad()
    def act(self, obs: NDArray, *, deterministic: bool = False) -> NDArray[np.float32]:
        """Action for one observation (ds,) -> (da,)."""
        o = torch.as_tensor(obs, dtype=torch.float32).unsqueeze(0)
        if deterministic:
            action = self.actor.mode(o)
        else:
            action, _ = self.actor.sample(o, self.generator)
        return action.squeeze(0).numpy()

    def update(self, batch: Batch) -> SACLosses:
        """One gradient step of critic, actor (every actor_update_frequency) and α."""
        c = self.config
        alpha = self.log_alpha.exp().detach()
        with torch.no_grad():
            next_a, next_logp = self.actor.sample(batch.next_obs, self.generator)
            q_next = torch.min(
                self.qf1_target(batch.next_obs, next_a), self.qf2_target(batch.next_obs, next_a)
            )
            y = batch.rewards + (1 - batch.terminated) * c.gamma * (q_next - alpha * next_logp)
        q1 = self.qf1(batch.obs, batch.actions)
        q2 = self.qf2(batch.obs, batch.actions)
        qf_loss = F.mse_loss(q1, y) + F.mse_loss(q2, y)
        self.q_optimizer.zero_grad()
        qf_loss.backward()
        self.q_optimizer.step()

        actor_loss = torch.zeros(())
        alpha_loss = torch.zeros(())
        if self.n_updates % c.actor_update_frequency == 0:
            action, logp = self.actor.sample(batch.obs, self.generator)
            q_pi = torch.min(self.qf1(batch.obs, action), self.qf2(batch.obs, action))
            actor_loss = (alpha * logp - q_pi).mean()
            self.actor_optimizer.zero_grad()
            actor_loss.backward()
            self.actor_optimizer.step()
            alpha_loss = -(self.log_alpha * (logp.detach() + self.target_entropy)).mean()
            self.alpha_optimizer.zero_grad()
            alpha_loss.backward()
            self.alpha_optimizer.step()

        if self.n_updates % c.target_update_frequency == 0:
            with torch.no_grad():
                for net, target in ((self.qf1, self.qf1_target), (self.qf2, self.qf2_target)):
                    for p, tp in zip(net.parameters(), target.parameters()):
                        tp.mul_(1 - c.tau).add_(c.tau * p)
        self.n_updates += 1
        return SACLosses(
            qf_loss=float(qf_loss.detach()),
            actor_loss=float(actor_loss.detach()),
            alpha_loss=float(alpha_loss.detach()),
            alpha=float(alpha),
            q_mean=float(q1.detach().mean()),
        )

    def state_dict(self) -> dict:
        """Everything needed to resume training exactly: weights, optimisers, α, RNG."""
        return {
            "actor": self.actor.state_dict(),
            "qf1": self.qf1.state_dict(),
            "qf2": self.qf2.state_dict(),
            "qf1_target": self.qf1_target.state_dict(),
            "qf2_target": self.qf2_target.state_dict(),
            "log_alpha": self.log_alpha.detach().clone(),
            "q_optimizer": self.q_optimizer.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
            "alpha_optimizer": self.alpha_optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "n_updates": self.n_updates,
        }

    def load_state_dict(self, state: dict) -> None:
        for name in ("actor", "qf1", "qf2", "qf1_target", "qf2_target"):
            getattr(self, name).load_state_dict(state[name])
        with torch.no_grad():
            self.log_alpha.copy_(state["log_alpha"])
        self.q_optimizer.load_state_dict(state["q_optimizer"])
        self.actor_optimizer.load_state_dict(state["actor_optimizer"])
        self.alpha_optimizer.load_state_dict(state["alpha_optimizer"])
        self.generator.set_state(state["generator"])
        self.n_updates = int(state["n_updates"])
