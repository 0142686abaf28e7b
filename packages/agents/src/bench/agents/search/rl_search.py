"""RL search: online planning by RL fine-tuning of a blueprint Q-network.

Fickinger, Hu, Amos, Russell, Brown, "Scalable Online Planning via Reinforcement
Learning Fine-Tuning", NeurIPS 2021, Algorithm 2 (Q-value improvement). At state s_t:

    θ ← θ_blueprint                              (a fresh copy each move)
    repeat until the move's budget is spent:
        collect M trajectories of H steps from s_t (from a determinized s_t under
        partial observability), acting ε-greedily w.r.t. Q_θ;
        if a trajectory is not terminal at s_{t+H}, replace its last reward r by
            r + γ max_a Q_θ(s_{t+H}, a)        (and treat it as terminal);
        do N gradient steps on the Bellman residual
            δ = Q_θ(s, a) − (r + γ (1 − d) max_{a'} Q_θ(s', a'))
        over batches of B transitions, each drawn with probability p from the global
        buffer (transitions of earlier searches in this game) and 1 − p from this move's
        fresh rollouts;
    act a_t = argmax_a Q_θ(s_t, a).

The rollout horizon bounds the cost of a trajectory while the bootstrapped last reward
keeps the blueprint's long-term knowledge; the global-buffer share p keeps the
fine-tuned network from forgetting states off the current subtree.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from bench.agents.rl.dqn import (
    Batch,
    FrozenQ,
    QNetwork,
    ReplayBuffer,
    bellman_residual,
    epsilon_greedy,
)
from bench.agents.search.budget import Budget


@dataclass(frozen=True)
class RLSearchConfig:
    """Algorithm 2's parameters. The paper's exact values were not recalled with
    confidence when this was written; these are chosen in its spirit (many short
    ε-greedy rollouts, a few updates between collections) and are the defaults of every
    run here. Treat them as ours, not the paper's."""

    M: int = 8  # M, trajectories per collection
    H: int = 10  # H, rollout horizon (steps), bootstrapped with max_a Q_θ beyond it
    N: int = 10  # N, Bellman-residual updates per collection
    B: int = 32  # B, batch size
    p: float = 0.5  # p, share of each batch drawn from the global buffer
    epsilon: float = 0.1  # ε, rollout exploration
    lr: float = 1e-4  # fine-tuning learning rate (Adam)
    gamma: float = 0.99  # γ, discount
    global_capacity: int = 100_000  # global buffer size (transitions kept across moves)


@dataclass(frozen=True)
class RLSearchResult:
    """One move's search: the action, the root Q-values before (blueprint) and after
    fine-tuning, shape (num_actions,) with illegal actions at −1e9, and the work done."""

    action: int
    q_before: np.ndarray
    q_after: np.ndarray
    iterations: int
    rollout_steps: int
    updates: int
    seconds: float
    q: QNetwork  # the fine-tuned network (for inspection; discarded by the planner)


def rl_search(
    sim,
    blueprint: QNetwork,
    config: RLSearchConfig,
    budget: Budget,
    *,
    rng: np.random.Generator,
    global_buffer: ReplayBuffer | None = None,
) -> RLSearchResult:
    """Run Algorithm 2 at ``sim``'s current state and return the greedy action of the fine-tuned Q.

    ``sim`` is left in the state it was called in. The move's fresh transitions are added
    to ``global_buffer`` (if given) after the search, for later moves' batches.
    """
    root = sim.clone()
    root_obs, root_mask = sim.observation(), sim.legal_mask()
    q = copy.deepcopy(blueprint)
    optimizer = torch.optim.Adam(q.parameters(), lr=config.lr)
    # this move's rollouts; a ring, so a long budget keeps the latest 10,000 transitions
    fresh = ReplayBuffer(10_000, sim.obs_dim, sim.num_actions)
    q_before = q.values(root_obs, root_mask)
    clock = budget.clock()
    steps = updates = 0
    while not clock.exhausted:
        # Under a wall-clock budget the search may stop between rollouts or updates (after
        # at least one of each), so that small budgets are kept rather than overrun by a
        # whole iteration; under an iteration budget every iteration is complete.
        policy = q.frozen()  # θ is fixed while collecting
        for m in range(config.M):
            if m > 0 and clock.out_of_time:
                break
            sim.restore(root)  # determinize from s_t, not from where the last rollout ended
            sim.restore(sim.determinize(rng=rng))
            steps += _collect(sim, policy, config, fresh, rng)
        for n in range(config.N):
            if n > 0 and clock.out_of_time:
                break
            batch = _mixed_batch(fresh, global_buffer, config, rng)
            loss = bellman_residual(q, q, batch, config.gamma).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            updates += 1
        clock.tick()
    sim.restore(root)
    q_after = q.values(root_obs, root_mask)
    if global_buffer is not None:
        global_buffer.extend(fresh)
    return RLSearchResult(
        action=int(np.argmax(q_after)),
        q_before=q_before,
        q_after=q_after,
        iterations=clock.done,
        rollout_steps=steps,
        updates=updates,
        seconds=clock.elapsed,
        q=q,
    )


def _collect(sim, q: FrozenQ, config: RLSearchConfig, buffer: ReplayBuffer, rng) -> int:
    """One ε-greedy trajectory of at most H steps into ``buffer``; returns its length."""
    obs, mask = sim.observation(), sim.legal_mask()
    for h in range(config.H):
        action = epsilon_greedy(q, obs, mask, config.epsilon, rng)
        step = sim.step(action)
        next_obs, next_mask = sim.observation(), sim.legal_mask()
        reward, done = step.reward, step.terminal
        if h == config.H - 1 and not done:
            # Algorithm 2: the last reward carries the blueprint's value of s_{t+H}.
            reward += config.gamma * float(q.values(next_obs, next_mask).max())
            done = True
        buffer.add(obs, action, reward, next_obs, next_mask, done)
        if done or step.game_over:
            return h + 1
        obs, mask = next_obs, next_mask
    return config.H


def _mixed_batch(fresh: ReplayBuffer, global_buffer, config: RLSearchConfig, rng):
    """B transitions: each from the global buffer with probability p, else from the fresh ones."""
    from_global = 0
    if global_buffer is not None and len(global_buffer) > 0:
        from_global = int(rng.binomial(config.B, config.p))
    parts = [fresh.sample(config.B - from_global, rng)]
    if from_global:
        parts.append(global_buffer.sample(from_global, rng))
    return Batch.concat(parts)


def root_bellman_error(sim, q: QNetwork, gamma: float) -> float:
    """Mean over legal actions a at the current state s of |Q(s, a) − (r + γ (1 − d) max_a' Q(s', a'))|.

    Exact one-step targets for a deterministic simulator (each action is tried from a
    restored copy of s); ``sim`` is left at s.
    """
    root = sim.clone()
    obs, mask = sim.observation(), sim.legal_mask()
    q_s = q.values(obs, mask)
    errors = []
    for action in np.flatnonzero(mask):
        sim.restore(root)
        step = sim.step(int(action))
        target = step.reward
        if not step.terminal:
            target += gamma * float(q.values(sim.observation(), sim.legal_mask()).max())
        errors.append(abs(q_s[action] - target))
    sim.restore(root)
    return float(np.mean(errors))
