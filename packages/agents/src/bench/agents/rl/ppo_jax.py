"""Proximal Policy Optimization (Schulman et al. 2017) in JAX: pure functions for jit and vmap.

For a batch of transitions with old log-probabilities log π_old(a|s), advantages Â and
returns R̂, each update minimises over minibatches

    L = -E[min(ρ Â, clip(ρ, 1-ε, 1+ε) Â)] + c_v E[max((V-R̂)², (V_clip-R̂)²)] / 2 - c_e E[H(π)],

with ρ = π(a|s) / π_old(a|s) (eq. 7 of the paper) and Â normalised per minibatch. Advantages
are generalised advantage estimates (Schulman et al. 2016, eq. 16):

    δ_t = r_t + γ V(s_{t+1}) (1 - d_t) - V(s_t),   Â_t = δ_t + γ λ (1 - d_t) Â_{t+1},

d_t = 1 when the episode ends after step t. The network follows the authors' (torch-ac's
``ACModel``): one observation embedding shared by an actor head and a critic head, each a
tanh layer of ``hidden`` units; the embedding is a tanh layer over the flat features (the
authors' is a CNN over the image). Orthogonal initialisation as in CleanRL. Sharing the
embedding halves the cost of the widest layer, which is most of the work. Nothing here
holds state: an agent is an :class:`Agent` pytree, so a caller can ``vmap`` over seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.typing import VariableDict


@dataclass(frozen=True)
class PPOConfig:
    """PPO hyperparameters; defaults are those of Adversarial Surprise (Fickinger et al. 2021, App.)."""

    num_envs: int = 16  # parallel environments (authors: 16)
    learning_rate: float = 3e-4  # Adam step size (authors: 3e-4)
    update_epochs: int = 4  # K, passes over each batch (authors: 4)
    minibatch_size: int = 256  # minibatch size (authors: 256)
    gamma: float = 0.99  # γ, discount (authors: 0.99)
    gae_lambda: float = 0.95  # λ, GAE (authors: 0.95)
    ent_coef: float = 0.01  # c_e, entropy bonus (authors: 0.01)
    clip_coef: float = 0.2  # ε, ratio clip (authors: 0.2)
    vf_coef: float = 0.5  # c_v, value loss weight (authors: 0.5)
    max_grad_norm: float = 0.5  # global gradient-norm clip (authors: 0.5)
    hidden: int = 64  # width of the embedding and of each head's tanh layer (authors: 64)


class ActorCritic(nn.Module):
    """Logits of π(·|s) (B, A) and V(s) (B,) over flat observations (B, D)."""

    n_actions: int
    hidden: int = 64

    @nn.compact
    def __call__(self, obs: jax.Array) -> tuple[jax.Array, jax.Array]:
        def dense(n: int, scale: float = np.sqrt(2)) -> nn.Dense:
            return nn.Dense(n, kernel_init=nn.initializers.orthogonal(scale))

        embedding = nn.tanh(dense(self.hidden)(obs))
        # Small output gains: the first policy is near uniform and the first value near
        # zero, which keeps early updates inside the clip.
        logits = dense(self.n_actions, 0.01)(nn.tanh(dense(self.hidden)(embedding)))
        value = dense(1, 1.0)(nn.tanh(dense(self.hidden)(embedding)))[..., 0]
        return logits, value


class Agent(NamedTuple):
    """Network parameters and optimiser state of one PPO learner."""

    params: VariableDict
    opt_state: optax.OptState


class Batch(NamedTuple):
    """Flat training batch, every field with B rows."""

    obs: jax.Array
    action: jax.Array
    logprob: jax.Array
    advantage: jax.Array
    ret: jax.Array
    value: jax.Array


def optimizer(config: PPOConfig) -> optax.GradientTransformation:
    """Adam (CleanRL's ε = 1e-5) after a global-norm clip of the gradient."""
    return optax.chain(
        optax.clip_by_global_norm(config.max_grad_norm),
        optax.adam(config.learning_rate, eps=1e-5),
    )


def init_agent(key: jax.Array, obs_dim: int, n_actions: int, config: PPOConfig) -> Agent:
    params = ActorCritic(n_actions, config.hidden).init(key, jnp.zeros((1, obs_dim)))
    return Agent(params, optimizer(config).init(params))


def forward(
    params: VariableDict, obs: jax.Array, n_actions: int, hidden: int
) -> tuple[jax.Array, jax.Array]:
    """(logits (B, n_actions), V(s) (B,)) for obs (B, D)."""
    out = ActorCritic(n_actions, hidden).apply(params, obs)
    return out  # pyright: ignore[reportReturnType]  # flax: without `mutable`, apply returns the output alone


def act(
    params: VariableDict, obs: jax.Array, key: jax.Array, n_actions: int, hidden: int
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Sample a ~ π(·|s) for obs (B, D): (actions (B,), log π(a|s) (B,), V(s) (B,))."""
    logits, value = forward(params, obs, n_actions, hidden)
    action = jax.random.categorical(key, logits)
    logp = jax.nn.log_softmax(logits)
    return action, jnp.take_along_axis(logp, action[:, None], 1)[:, 0], value


def gae(
    rewards: jax.Array,
    values: jax.Array,
    dones: jax.Array,
    next_value: jax.Array,
    gamma: float,
    lam: float,
) -> tuple[jax.Array, jax.Array]:
    """(Â, R̂ = Â + V), each (T, N), from rewards, values, dones (T, N) and V(s_T) (N,)."""
    following = jnp.concatenate([values[1:], next_value[None]])

    def back(last, x):
        r, v, nv, d = x
        delta = r + gamma * nv * (1.0 - d) - v
        last = delta + gamma * lam * (1.0 - d) * last
        return last, last

    _, adv = jax.lax.scan(
        back, jnp.zeros_like(next_value), (rewards, values, following, dones), reverse=True
    )
    return adv, adv + values


def _loss(params: VariableDict, mb: Batch, n_actions: int, config: PPOConfig):
    logits, value = forward(params, mb.obs, n_actions, config.hidden)
    logp_all = jax.nn.log_softmax(logits)
    logp = jnp.take_along_axis(logp_all, mb.action[:, None], 1)[:, 0]
    log_ratio = logp - mb.logprob
    ratio = jnp.exp(log_ratio)
    # Per-minibatch normalisation: the step size stays independent of the reward scale.
    adv = (mb.advantage - mb.advantage.mean()) / (mb.advantage.std() + 1e-8)
    clipped = jnp.clip(ratio, 1 - config.clip_coef, 1 + config.clip_coef)
    pg_loss = jnp.maximum(-adv * ratio, -adv * clipped).mean()
    v_clipped = mb.value + jnp.clip(value - mb.value, -config.clip_coef, config.clip_coef)
    v_loss = 0.5 * jnp.maximum((value - mb.ret) ** 2, (v_clipped - mb.ret) ** 2).mean()
    entropy = -(jnp.exp(logp_all) * logp_all).sum(-1).mean()
    loss = pg_loss - config.ent_coef * entropy + config.vf_coef * v_loss
    stats = {
        "policy_loss": pg_loss,
        "value_loss": v_loss,
        "entropy": entropy,
        "approx_kl": ((ratio - 1) - log_ratio).mean(),
        "clip_fraction": (jnp.abs(ratio - 1) > config.clip_coef).mean(),
    }
    return loss, stats


def update(
    agent: Agent, batch: Batch, key: jax.Array, n_actions: int, config: PPOConfig
) -> tuple[Agent, dict[str, jax.Array]]:
    """K epochs of clipped-PPO minibatch steps over one flat batch; stats of the last step."""
    B = batch.obs.shape[0]
    mb = min(config.minibatch_size, B)
    n_mb = B // mb  # a ragged tail is dropped: batches here are whole multiples of mb
    tx = optimizer(config)
    grad_fn = jax.value_and_grad(_loss, has_aux=True)

    def one_epoch(agent: Agent, epoch_key: jax.Array):
        order = jax.random.permutation(epoch_key, B)[: n_mb * mb].reshape(n_mb, mb)

        def one_minibatch(agent: Agent, idx: jax.Array):
            minibatch = jax.tree_util.tree_map(lambda a: a[idx], batch)
            (_, stats), grads = grad_fn(agent.params, minibatch, n_actions, config)
            updates, opt_state = tx.update(grads, agent.opt_state, agent.params)
            params = optax.apply_updates(agent.params, updates)
            return Agent(params, opt_state), stats  # pyright: ignore[reportArgumentType]  # optax: the tree keeps its type

        return jax.lax.scan(one_minibatch, agent, order)

    agent, stats = jax.lax.scan(one_epoch, agent, jax.random.split(key, config.update_epochs))
    return agent, jax.tree_util.tree_map(lambda s: s[-1, -1], stats)
