"""Proximal Policy Optimization (Schulman et al. 2017), clipped objective, discrete actions.

For a batch of transitions with old log-probabilities log π_old(a|s), advantages Â and
returns R̂, one update minimises over minibatches

    L = -E[min(ρ Â, clip(ρ, 1-ε, 1+ε) Â)] + c_v E[max((V-R̂)², (V_clip-R̂)²)] / 2 - c_e E[H(π)],

with ρ = π(a|s) / π_old(a|s) (eq. 7 of the paper). Advantages are generalised advantage
estimates (Schulman et al. 2016, eq. 16):

    δ_t = r_t + γ V(s_{t+1}) (1 - d_{t+1}) - V(s_t),   Â_t = δ_t + γ λ (1 - d_{t+1}) Â_{t+1}.

The pieces (:func:`compute_gae`, :func:`ppo_update`, :class:`ActorCritic`) are public so
that methods with their own rollout structure (two players taking turns, intrinsic
rewards) reuse them; :func:`train_ppo` is the plain single-agent loop over a vector env.
The layout follows CleanRL's ``ppo.py`` (one typed config, the loop read top to bottom).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical
from tqdm import tqdm


@dataclass(frozen=True)
class PPOConfig:
    """PPO hyperparameters; defaults are those of Adversarial Surprise (Fickinger et al. 2021, App.)."""

    num_envs: int = 16  # parallel environments (authors: 16)
    num_steps: int = 128  # rollout length per environment in :func:`train_ppo`
    learning_rate: float = 3e-4  # Adam step size (authors: 3e-4)
    update_epochs: int = 4  # K, passes over each batch (authors: 4)
    minibatch_size: int = 256  # minibatch size (authors: 256)
    gamma: float = 0.99  # γ, discount (authors: 0.99)
    gae_lambda: float = 0.95  # λ, GAE (authors: 0.95)
    ent_coef: float = 0.01  # c_e, entropy bonus (authors: 0.01)
    clip_coef: float = 0.2  # ε, ratio clip (authors: 0.2)
    vf_coef: float = 0.5  # c_v, value loss weight (CleanRL default)
    max_grad_norm: float = 0.5  # global gradient-norm clip (CleanRL default)
    hidden: int = 64  # width of the two tanh layers of actor and critic (CleanRL default)


def _layer(n_in: int, n_out: int, std: float = np.sqrt(2)) -> nn.Linear:
    # Orthogonal init with small output gains: the first policy is near uniform and the
    # first value near zero, which is what keeps early PPO updates inside the clip.
    layer = nn.Linear(n_in, n_out)
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, 0.0)
    return layer


class ActorCritic(nn.Module):
    """Separate MLP actor π(a|s) and critic V(s) over a flat observation vector (D,)."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: int = 64):
        super().__init__()
        self.critic = nn.Sequential(
            _layer(obs_dim, hidden),
            nn.Tanh(),
            _layer(hidden, hidden),
            nn.Tanh(),
            _layer(hidden, 1, 1.0),
        )
        self.actor = nn.Sequential(
            _layer(obs_dim, hidden),
            nn.Tanh(),
            _layer(hidden, hidden),
            nn.Tanh(),
            _layer(hidden, n_actions, 0.01),
        )

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """V(s) for obs (B, D) -> (B,)."""
        return self.critic(obs).squeeze(-1)

    def act(
        self, obs: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sample a ~ π(·|s): (actions (B,), log π(a|s) (B,), V(s) (B,))."""
        probs = torch.softmax(self.actor(obs), dim=-1)
        action = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
        logprob = torch.log(probs.gather(-1, action[:, None]).squeeze(-1) + 1e-12)
        return action, logprob, self.value(obs)

    def evaluate(
        self, obs: torch.Tensor, action: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(log π(a|s) (B,), entropy H(π(·|s)) (B,), V(s) (B,)) for given actions."""
        dist = Categorical(logits=self.actor(obs))
        return dist.log_prob(action), dist.entropy(), self.value(obs)


def compute_gae(
    rewards: np.ndarray,
    values: np.ndarray,
    dones: np.ndarray,
    next_value: np.ndarray,
    *,
    gamma: float,
    gae_lambda: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Generalised advantage estimates Â and returns R̂ = Â + V.

    rewards, values : (T, N); dones : (T, N), ``dones[t]`` = 1 when the episode ended at
    step t (so s_{t+1} is not its successor); next_value : (N,), V of the state after the
    last step (ignored where ``dones[-1]`` is 1). Returns (advantages, returns), each (T, N).
    """
    T = rewards.shape[0]
    advantages = np.zeros_like(rewards, dtype=np.float64)
    last = np.zeros(rewards.shape[1:], dtype=np.float64)
    for t in reversed(range(T)):
        following = next_value if t == T - 1 else values[t + 1]
        nonterminal = 1.0 - dones[t]
        delta = rewards[t] + gamma * following * nonterminal - values[t]
        last = delta + gamma * gae_lambda * nonterminal * last
        advantages[t] = last
    return advantages, advantages + values


@dataclass(frozen=True)
class PPOStats:
    """Losses of the last minibatch pass, for ``losses/*`` metrics."""

    policy_loss: float
    value_loss: float
    entropy: float
    approx_kl: float
    clip_fraction: float


def ppo_update(
    agent: ActorCritic,
    optimizer: torch.optim.Optimizer,
    obs: torch.Tensor,
    actions: torch.Tensor,
    logprobs: torch.Tensor,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    values: torch.Tensor,
    config: PPOConfig,
    *,
    generator: torch.Generator,
) -> PPOStats:
    """K epochs of clipped-PPO minibatch steps on one flat batch (all tensors have B rows)."""
    B = obs.shape[0]
    mb = min(config.minibatch_size, B)
    stats = []
    for _ in range(config.update_epochs):
        order = torch.randperm(B, generator=generator)
        for start in range(0, B, mb):
            idx = order[start : start + mb]
            new_logprob, entropy, new_value = agent.evaluate(obs[idx], actions[idx])
            log_ratio = new_logprob - logprobs[idx]
            ratio = log_ratio.exp()
            adv = advantages[idx]
            # Per-minibatch normalisation (CleanRL's norm_adv): keeps the step size
            # independent of the reward scale, which differs by orders between methods.
            if len(idx) > 1:
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            pg_loss = torch.max(
                -adv * ratio, -adv * ratio.clamp(1 - config.clip_coef, 1 + config.clip_coef)
            ).mean()
            v_clipped = values[idx] + (new_value - values[idx]).clamp(
                -config.clip_coef, config.clip_coef
            )
            v_loss = (
                0.5
                * torch.max((new_value - returns[idx]) ** 2, (v_clipped - returns[idx]) ** 2).mean()
            )
            ent = entropy.mean()
            loss = pg_loss - config.ent_coef * ent + config.vf_coef * v_loss
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), config.max_grad_norm)
            optimizer.step()
            with torch.no_grad():
                stats.append(
                    (
                        pg_loss.item(),
                        v_loss.item(),
                        ent.item(),
                        ((ratio - 1) - log_ratio).mean().item(),
                        ((ratio - 1).abs() > config.clip_coef).float().mean().item(),
                    )
                )
    return PPOStats(*stats[-1])


def make_optimizer(agent: nn.Module, config: PPOConfig) -> torch.optim.Adam:
    """Adam with CleanRL's ε = 1e-5."""
    return torch.optim.Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5)


@dataclass
class PPOTrainResult:
    """A trained agent and the returns of the episodes finished during training, in order."""

    agent: ActorCritic
    episode_returns: list[float] = field(default_factory=list)
    episode_lengths: list[int] = field(default_factory=list)
    global_steps: int = 0


def train_ppo(
    make_env: Callable[[], gym.Env],
    config: PPOConfig,
    total_steps: int,
    *,
    seed: int,
    progress: bool = False,
) -> PPOTrainResult:
    """Plain PPO on the environment's own reward; observations must be flat float vectors.

    ``config.num_envs`` copies run in a ``SyncVectorEnv`` (same-step autoreset); each
    iteration collects ``num_steps`` steps per env, then calls :func:`ppo_update`.
    Truncation is treated as termination (no bootstrap), as in CleanRL.
    """
    envs = gym.vector.SyncVectorEnv(
        [make_env for _ in range(config.num_envs)],
        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP,
    )
    obs_dim = int(np.prod(envs.single_observation_space.shape))
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # parameter init; the caller owns the global generator otherwise
    agent = ActorCritic(obs_dim, int(envs.single_action_space.n), config.hidden)
    optimizer = make_optimizer(agent, config)
    result = PPOTrainResult(agent=agent)

    T, N = config.num_steps, config.num_envs
    obs_np, _ = envs.reset(seed=[seed + i for i in range(N)])
    running_return = np.zeros(N)
    running_length = np.zeros(N, dtype=int)
    iterations = max(1, total_steps // (T * N))
    for _ in tqdm(range(iterations), desc="ppo", disable=not progress):
        b_obs = torch.zeros((T, N, obs_dim))
        b_act = torch.zeros((T, N), dtype=torch.long)
        b_logp = torch.zeros((T, N))
        b_val = np.zeros((T, N))
        b_rew = np.zeros((T, N))
        b_done = np.zeros((T, N))
        for t in range(T):
            obs = torch.as_tensor(obs_np, dtype=torch.float32)
            with torch.no_grad():
                action, logp, value = agent.act(obs, generator)
            obs_np, reward, terminated, truncated, _ = envs.step(action.numpy())
            done = np.logical_or(terminated, truncated)
            b_obs[t], b_act[t], b_logp[t] = obs, action, logp
            b_val[t], b_rew[t], b_done[t] = value.numpy(), reward, done
            running_return += reward
            running_length += 1
            for i in np.flatnonzero(done):
                result.episode_returns.append(float(running_return[i]))
                result.episode_lengths.append(int(running_length[i]))
                running_return[i], running_length[i] = 0.0, 0
            result.global_steps += N
        with torch.no_grad():
            next_value = agent.value(torch.as_tensor(obs_np, dtype=torch.float32)).numpy()
        adv, ret = compute_gae(
            b_rew, b_val, b_done, next_value, gamma=config.gamma, gae_lambda=config.gae_lambda
        )
        ppo_update(
            agent,
            optimizer,
            b_obs.reshape(T * N, obs_dim),
            b_act.reshape(-1),
            b_logp.reshape(-1),
            torch.as_tensor(adv.reshape(-1), dtype=torch.float32),
            torch.as_tensor(ret.reshape(-1), dtype=torch.float32),
            torch.as_tensor(b_val.reshape(-1), dtype=torch.float32),
            config,
            generator=generator,
        )
    envs.close()
    return result
