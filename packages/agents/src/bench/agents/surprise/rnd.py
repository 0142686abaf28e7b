"""Random network distillation (Burda et al. 2019): novelty as a predictor's error.

A fixed, randomly initialised target network f and a trained predictor f̂ embed the view;
the intrinsic reward of a new view o is the prediction error

    r(o) = ||f̂(o) - f(o)||²,

which the training loop divides by the running std of the discounted intrinsic return, as
the paper does (and as every method here is normalised, ``game.normalise``). f̂ is trained
on every batch of views it scored, so frequently seen views stop paying. Both networks are
MLPs over the one-hot view (the paper's are CNNs over Atari frames).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax.typing import VariableDict


@dataclass(frozen=True)
class RNDConfig:
    """RND hyperparameters (Burda et al. 2019, Table 4 where it applies)."""

    embedding: int = 64  # output size of f and f̂ (paper: 512 on Atari; shrunk for 980-d inputs)
    hidden: int = 128  # width of the hidden layer of f and f̂
    learning_rate: float = 1e-4  # Adam step size of the predictor (paper: 1e-4)
    update_epochs: int = 4  # passes of the predictor over each batch (paper: 4, like PPO)
    minibatch_size: int = 256


class _Embed(nn.Module):
    hidden: int
    out: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        return nn.Dense(self.out)(nn.relu(nn.Dense(self.hidden)(x)))


class RND(NamedTuple):
    """Frozen target f, trained predictor f̂ and the predictor's optimiser state."""

    target: VariableDict
    predictor: VariableDict
    opt_state: optax.OptState


def init_rnd(key: jax.Array, obs_dim: int, config: RNDConfig) -> RND:
    net = _Embed(config.hidden, config.embedding)
    k_target, k_predictor = jax.random.split(key)
    x = jnp.zeros((1, obs_dim))
    predictor = net.init(k_predictor, x)
    opt = optax.adam(config.learning_rate)
    return RND(net.init(k_target, x), predictor, opt.init(predictor))


def _embed(params: VariableDict, obs: jax.Array, config: RNDConfig) -> jax.Array:
    out = _Embed(config.hidden, config.embedding).apply(params, obs)
    return out  # pyright: ignore[reportReturnType]  # flax: without `mutable`, apply returns the output alone


def error(
    rnd: RND, obs: jax.Array, config: RNDConfig, predictor: VariableDict | None = None
) -> jax.Array:
    """||f̂(o) - f(o)||² per row of obs (B, D) -> (B,)."""
    guess = _embed(rnd.predictor if predictor is None else predictor, obs, config)
    return ((guess - jax.lax.stop_gradient(_embed(rnd.target, obs, config))) ** 2).sum(-1)


def train_predictor(
    rnd: RND, obs: jax.Array, key: jax.Array, config: RNDConfig
) -> tuple[RND, jax.Array]:
    """Fit f̂ to f on a batch of views (B, D); returns the new state and the last minibatch loss."""
    B = obs.shape[0]
    mb = min(config.minibatch_size, B)
    n_mb = B // mb
    opt = optax.adam(config.learning_rate)
    grad_fn = jax.value_and_grad(lambda p, x: error(rnd, x, config, p).mean())

    def one_epoch(state, epoch_key):
        order = jax.random.permutation(epoch_key, B)[: n_mb * mb].reshape(n_mb, mb)

        def one_minibatch(state, idx):
            predictor, opt_state = state
            loss, grads = grad_fn(predictor, obs[idx])
            updates, opt_state = opt.update(grads, opt_state, predictor)
            return (optax.apply_updates(predictor, updates), opt_state), loss

        return jax.lax.scan(one_minibatch, state, order)

    (predictor, opt_state), losses = jax.lax.scan(
        one_epoch, (rnd.predictor, rnd.opt_state), jax.random.split(key, config.update_epochs)
    )
    return RND(rnd.target, predictor, opt_state), losses[-1, -1]  # pyright: ignore[reportArgumentType]  # optax: the tree keeps its type
