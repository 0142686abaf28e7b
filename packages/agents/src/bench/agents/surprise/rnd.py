"""Random network distillation (Burda et al. 2019): novelty as a predictor's error.

A fixed, randomly initialised target network f and a trained predictor f̂ embed the view;
the intrinsic reward of a new view o is the prediction error

    r(o) = ||f̂(o) - f(o)||² / σ,

with σ a running standard deviation of the errors seen so far (the paper normalises by
the running std of intrinsic returns; the per-reward std used here keeps the same scale
invariance without a second, non-episodic return stream). f̂ is trained on every batch
of views it scored, so frequently seen views stop paying. Both networks are MLPs over the
one-hot view (the paper's are CNNs over Atari frames).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class RNDConfig:
    """RND hyperparameters (Burda et al. 2019, Table 4 where it applies)."""

    embedding: int = 64  # output size of f and f̂ (paper: 512 on Atari; shrunk for 980-d inputs)
    hidden: int = 128  # width of the hidden layer of f and f̂
    learning_rate: float = 1e-4  # Adam step size of the predictor (paper: 1e-4)
    update_epochs: int = 4  # passes of the predictor over each batch (paper: 4, like PPO)
    minibatch_size: int = 256


def _mlp(n_in: int, hidden: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))


class RND(nn.Module):
    """Target f (frozen) and predictor f̂ over views (B, D); rewards via :meth:`reward`."""

    def __init__(self, obs_dim: int, config: RNDConfig | None = None, *, seed: int):
        super().__init__()
        self.config = config = config or RNDConfig()
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(seed)  # the target's weights are part of the method: seed them
        self.target = _mlp(obs_dim, config.hidden, config.embedding)
        self.predictor = _mlp(obs_dim, config.hidden, config.embedding)
        torch.random.set_rng_state(gen_state)
        for p in self.target.parameters():
            p.requires_grad_(False)
        self.optimizer = torch.optim.Adam(self.predictor.parameters(), lr=config.learning_rate)
        # Running moments of the raw errors (Welford / parallel-variance update).
        self.register_buffer("err_mean", torch.zeros(()))
        self.register_buffer("err_var", torch.ones(()))
        self.register_buffer("err_count", torch.tensor(1e-4))

    def error(self, obs: torch.Tensor) -> torch.Tensor:
        """||f̂(o) - f(o)||² per row, (B,)."""
        return ((self.predictor(obs) - self.target(obs)) ** 2).sum(-1)

    def reward(self, obs: torch.Tensor) -> np.ndarray:
        """Normalised intrinsic rewards r(o) (B,) for a batch of new views; updates σ."""
        with torch.no_grad():
            err = self.error(obs)
            n, mean, var = float(err.numel()), err.mean(), err.var(unbiased=False)
            total = self.err_count + n
            delta = mean - self.err_mean
            self.err_var.copy_(
                (self.err_var * self.err_count + var * n + delta**2 * self.err_count * n / total)
                / total
            )
            self.err_mean.copy_(self.err_mean + delta * n / total)
            self.err_count.copy_(total)
            return (err / self.err_var.sqrt().clamp_min(1e-8)).numpy()

    def update(self, obs: torch.Tensor, *, generator: torch.Generator) -> float:
        """Train f̂ towards f on a batch of views; returns the last minibatch loss."""
        B, mb, loss = obs.shape[0], self.config.minibatch_size, torch.zeros(())
        for _ in range(self.config.update_epochs):
            order = torch.randperm(B, generator=generator)
            for start in range(0, B, mb):
                loss = self.error(obs[order[start : start + mb]]).mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
        return float(loss.item())
