"""RL search: online planning by RL fine-tuning of a blueprint Q-network.

Fickinger, Hu, Amos, Russell, Brown, "Scalable Online Planning via Reinforcement
Learning Fine-Tuning", NeurIPS 2021, Algorithm 2 (Q-value improvement), with the
safety check of the authors' Hanabi code. At state s_t:

    θ_bp ← a frozen copy of the blueprint      (taken once per move)
    R_bp ← returns of K rollouts from determinized s_t playing π_bp
    if U(s_t) − mean R_bp < Δ: act π_bp(s_t)    (the blueprint is already near the maximum U)
    θ, θ⁻ ← θ_bp                                 (fine-tuned and target networks)
    repeat until the fine-tuning budget is spent:
        collect M trajectories of H steps from s_t (from a determinized s_t under
        partial observability), acting ε-greedily w.r.t. Q_θ;
        if a trajectory is not terminal at s_{t+H}, replace its last reward r by
            r + γ max_a Q_θbp(s_{t+H}, a)      (the blueprint's value, not Q_θ's);
        do N gradient steps on the Bellman residual
            δ = Q_θ(s, a) − (r + γ (1 − d) max_{a'} Q_θ⁻(s', a'))
        over batches of B transitions, each drawn with probability p from the global
        buffer (transitions of earlier searches in this game) and 1 − p from this move's
        fresh rollouts; θ⁻ ← θ every C updates;
    a_θ = argmax_a Q_θ(s_t, a)
    R_θ ← returns of the same K rollouts playing π_θ for H steps, then π_bp
    act a_θ if mean(R_θ − R_bp) ≥ Δ, else π_bp(s_t).

The rollout horizon bounds the cost of a trajectory while the bootstrapped last reward
keeps the blueprint's long-term knowledge; the global-buffer share p keeps the
fine-tuned network from forgetting states off the current subtree; the safety check
keeps a few minutes of noisy fine-tuning from replacing a good blueprint move by a
worse one. The evaluation's cost is part of the move's budget: the blueprint's rollouts
run first, and fine-tuning stops early enough to leave the same time for the
fine-tuned policy's.

Evaluation returns are undiscounted sums of rewards (the game's score in Hanabi, as the
authors compare), played to the game's end or cut after ``eval_horizon`` steps (or when
the evaluation's share of a wall-clock budget runs out) and then completed with the
blueprint's value max_a Q_θbp; the two rollouts of a pair stop at the same step.
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
from bench.agents.search.budget import Budget, BudgetClock


@dataclass(frozen=True)
class RLSearchConfig:
    """Algorithm 2's parameters and the safety check's.

    The optimiser's settings, the number of updates per move, the target-network period
    and the safety threshold are the authors' Hanabi values (their ``pyhanabi/rl_search.py``
    command-line defaults). They ran the 5000 updates of a move on a GPU while other
    threads generated rollouts and evaluated; here rollouts, updates and the evaluation
    share one CPU core, so a wall-clock budget ends fine-tuning long before
    ``updates_per_move``: a second per move buys one to two orders of magnitude fewer
    B = 128 updates, and the 2,500-update target period is then never reached (θ⁻ stays
    θ_bp, as in the authors' one-step Hanabi search). The result's ``updates`` and a run's
    ``updates_per_move`` say how many were done, ``q_shift`` how far they moved Q. M, H, N,
    p and ε shape the single-threaded interleaving and are ours.
    """

    M: int = 8  # M, trajectories per collection (ours)
    H: int = 10  # H, rollout horizon (steps), bootstrapped with max_a Q_θbp beyond it (ours)
    N: int = 10  # N, Bellman-residual updates per collection (ours)
    B: int = 128  # B, batch size (authors: batchsize)
    p: float = 0.5  # p, share of each batch drawn from the global buffer (ours)
    epsilon: float = 0.1  # ε, rollout exploration (authors: act_base_eps)
    lr: float = 6.25e-5  # Adam learning rate (authors: lr)
    adam_eps: float = 1.5e-4  # Adam ε (authors: eps)
    grad_clip: float = 50.0  # max gradient norm (authors: grad_clip)
    updates_per_move: int = 5000  # fine-tuning updates per move at most (authors: epoch_len)
    target_period: int = 2500  # C, updates between θ⁻ ← θ (authors: num_update_between_sync)
    gamma: float = 0.99  # γ, discount (Mnih et al.; the authors' Hanabi runs used 0.999)
    threshold: float = 0.05  # Δ, least mean gain to deviate from π_bp (authors: threshold)
    eval_rollouts: int = 5000  # K, paired evaluation rollouts per policy (authors: num_eval_game)
    eval_share: float = 0.25  # share of a wall-clock budget kept for the evaluation (ours)
    eval_horizon: int | None = 200  # steps per evaluation rollout; None: to the game's end
    global_capacity: int = 100_000  # global buffer size (transitions kept across moves)


@dataclass(frozen=True)
class RLSearchResult:
    """One move's search.

    ``action`` is what to play; ``blueprint_action`` is π_bp's and ``proposed`` the
    fine-tuned argmax. ``q_before`` (the blueprint's) and ``q_after`` are the root
    Q-values, shape (num_actions,), illegal actions at −1e9; ``q_shift`` is
    mean_{a legal} |Q_after(s_t, a) − Q_bp(s_t, a)|, how far fine-tuning moved.
    ``gain`` is the safety check's mean paired difference mean(R_θ − R_bp) (NaN when it
    did not run: no fine-tuning, or a_θ = a_bp); ``accepted`` says whether it let a_θ
    through; ``skipped`` says the blueprint was already within Δ of the maximum.
    ``rollout_steps`` counts every simulator step, fine-tuning's and the evaluation's.
    """

    action: int
    blueprint_action: int
    proposed: int
    q_before: np.ndarray
    q_after: np.ndarray
    q_shift: float
    gain: float
    accepted: bool
    skipped: bool
    eval_rollouts: int
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
    """Run Algorithm 2 with the safety check at ``sim``'s current state (see the module docstring).

    ``sim`` is left in the state it was called in. The move's fresh transitions are added
    to ``global_buffer`` (if given) after the search, for later moves' batches.
    """
    clock = budget.clock()
    root = sim.clone()
    obs, mask = sim.observation(), sim.legal_mask()
    bp = blueprint.frozen()  # θ_bp: stays the blueprint however far θ moves
    bp_action = bp.greedy(obs, mask)
    q_before = bp.values(obs, mask)
    bound = sim.return_bound() if hasattr(sim, "return_bound") else None
    baseline = _evaluate_blueprint(sim, root, bp, config, budget, clock, rng)
    eval_seconds = clock.elapsed
    if bound is not None and bound - float(np.mean(baseline.returns)) < config.threshold:
        sim.restore(root)
        return _keep_blueprint(blueprint, bp_action, q_before, baseline, clock)
    # fine-tuning stops early enough to leave the fine-tuned policy's rollouts as long as
    # the blueprint's took
    tuning = Budget(
        seconds=None if budget.seconds is None else max(1e-6, budget.seconds - 2 * eval_seconds),
        iterations=budget.iterations,
    )
    q, work = _fine_tune(sim, root, blueprint, bp, config, tuning, rng, global_buffer)
    sim.restore(root)
    q_after = q.values(obs, mask)
    proposed = int(np.argmax(q_after))
    gain, eval_steps = float("nan"), baseline.steps
    if proposed != bp_action:
        rl_returns, steps = _paired_returns(sim, baseline, q.frozen(), config.H, bp)
        gain, eval_steps = float(np.mean(rl_returns - baseline.returns)), eval_steps + steps
    accepted = gain >= config.threshold  # False for NaN
    sim.restore(root)
    return RLSearchResult(
        action=proposed if accepted else bp_action,
        blueprint_action=bp_action,
        proposed=proposed,
        q_before=q_before,
        q_after=q_after,
        q_shift=float(np.mean(np.abs(q_after - q_before)[mask])),
        gain=gain,
        accepted=accepted,
        skipped=False,
        eval_rollouts=len(baseline.worlds),
        iterations=work.iterations,
        rollout_steps=work.steps + eval_steps,
        updates=work.updates,
        seconds=clock.elapsed,
        q=q,
    )


@dataclass
class _Work:
    iterations: int = 0
    steps: int = 0
    updates: int = 0


@dataclass(frozen=True)
class _Baseline:
    """The safety check's paired baseline: per determinized root, π_bp's return and the
    horizon the fine-tuned policy's rollout from it must stop at (the same cut)."""

    worlds: list
    horizons: list[int | None]
    returns: np.ndarray
    steps: int


def _evaluate_blueprint(sim, root, bp: FrozenQ, config: RLSearchConfig, budget, clock, rng):
    """K determinized roots and π_bp's return from each: the safety check's baseline.

    A deterministic simulator needs one rollout (every world is s_t itself). Under a
    wall-clock budget the rollouts stop after half the evaluation share, two at least so
    that the paired difference has a spread; a rollout still running then is cut there
    (and bootstrapped), and its pair will be cut at the same step.
    """
    wanted = 1 if getattr(sim, "deterministic", False) else config.eval_rollouts
    deadline = None if budget.seconds is None else config.eval_share * budget.seconds / 2
    worlds, horizons, returns, steps = [], [], [], 0
    while len(worlds) < wanted and (
        len(worlds) < 2 or deadline is None or clock.elapsed < deadline
    ):
        sim.restore(root)
        world = sim.determinize(rng=rng)
        stop = None if deadline is None else (lambda: clock.elapsed >= deadline)
        ret, t, cut = _rollout(sim, world, bp, 0, bp, config.eval_horizon, stop)
        worlds.append(world)
        horizons.append(t if cut else config.eval_horizon)
        returns.append(ret)
        steps += t
    return _Baseline(worlds, horizons, np.asarray(returns), steps)


def _paired_returns(sim, baseline: _Baseline, q: FrozenQ, first_steps: int, bp: FrozenQ):
    """π_θ for ``first_steps`` steps then π_bp, from each baseline world: returns, steps."""
    returns, steps = [], 0
    for world, horizon in zip(baseline.worlds, baseline.horizons):
        ret, t, _ = _rollout(sim, world, q, first_steps, bp, horizon)
        returns.append(ret)
        steps += t
    return np.asarray(returns), steps


def _rollout(sim, world, first: FrozenQ, first_steps: int, bp: FrozenQ, horizon, stop=None):
    """The undiscounted return of ``first`` for ``first_steps`` steps then π_bp from ``world``.

    Returns (return, steps, cut): a rollout cut by ``horizon`` or by ``stop()`` (checked
    after the first step) is completed with the blueprint's value max_a Q_θbp where it stopped.
    """
    sim.restore(world)
    total, t = 0.0, 0
    while not sim.game_over:
        if (horizon is not None and t >= horizon) or (stop is not None and t > 0 and stop()):
            total += float(bp.values(sim.observation(), sim.legal_mask()).max())
            return total, t, True
        policy = first if t < first_steps else bp
        step = sim.step(policy.greedy(sim.observation(), sim.legal_mask()))
        total += step.reward
        t += 1
        if step.terminal:
            break  # a lost life: the value beyond it is not bootstrapped in training either
    return total, t, False


def _fine_tune(sim, root, blueprint, bp: FrozenQ, config, budget: Budget, rng, global_buffer):
    """θ ← θ_bp, then collections and updates until ``budget`` or ``updates_per_move`` ends."""
    q = copy.deepcopy(blueprint)
    target = copy.deepcopy(blueprint)  # θ⁻ starts at the blueprint, as θ does
    optimizer = torch.optim.Adam(q.parameters(), lr=config.lr, eps=config.adam_eps)
    # this move's rollouts; a ring, so a long budget keeps the latest 10,000 transitions
    fresh = ReplayBuffer(10_000, sim.obs_dim, sim.num_actions)
    clock = budget.clock()
    work = _Work()
    while not clock.exhausted and work.updates < config.updates_per_move:
        # Under a wall-clock budget the search may stop between rollouts or updates (after
        # at least one of each), so that small budgets are kept rather than overrun by a
        # whole iteration; under an iteration budget every iteration is complete.
        policy = q.frozen()  # θ is fixed while collecting
        for m in range(config.M):
            if m > 0 and clock.out_of_time:
                break
            sim.restore(root)  # determinize from s_t, not from where the last rollout ended
            sim.restore(sim.determinize(rng=rng))
            work.steps += _collect(sim, policy, bp, config, fresh, rng)
        for n in range(config.N):
            if (n > 0 and clock.out_of_time) or work.updates >= config.updates_per_move:
                break
            _update(q, target, optimizer, _mixed_batch(fresh, global_buffer, config, rng), config)
            work.updates += 1
            if work.updates % config.target_period == 0:
                target.load_state_dict(q.state_dict())
        clock.tick()
    work.iterations = clock.done
    if global_buffer is not None:
        global_buffer.extend(fresh)
    return q, work


def _update(q: QNetwork, target: QNetwork, optimizer, batch: Batch, config: RLSearchConfig) -> None:
    loss = bellman_residual(q, target, batch, config.gamma).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(q.parameters(), config.grad_clip)
    optimizer.step()


def _keep_blueprint(blueprint, bp_action, q_before, baseline: _Baseline, clock: BudgetClock):
    """The result of a move where the blueprint is near the maximum: no fine-tuning."""
    return RLSearchResult(
        action=bp_action,
        blueprint_action=bp_action,
        proposed=bp_action,
        q_before=q_before,
        q_after=q_before,
        q_shift=0.0,
        gain=float("nan"),
        accepted=False,
        skipped=True,
        eval_rollouts=len(baseline.worlds),
        iterations=0,
        rollout_steps=baseline.steps,
        updates=0,
        seconds=clock.elapsed,
        q=blueprint,
    )


def _collect(
    sim, q: FrozenQ, bp: FrozenQ, config: RLSearchConfig, buffer: ReplayBuffer, rng
) -> int:
    """One ε-greedy trajectory of Q_θ of at most H steps into ``buffer``; returns its length."""
    obs, mask = sim.observation(), sim.legal_mask()
    for h in range(config.H):
        action = epsilon_greedy(q, obs, mask, config.epsilon, rng)
        step = sim.step(action)
        next_obs, next_mask = sim.observation(), sim.legal_mask()
        reward, done = step.reward, step.terminal
        if h == config.H - 1 and not done:
            # Algorithm 2: the last reward carries the blueprint's value of s_{t+H}.
            reward += config.gamma * float(bp.values(next_obs, next_mask).max())
            done = True
        buffer.add(obs, action, reward, next_obs, next_mask, done)
        if done or step.game_over:
            return h + 1
        obs, mask = next_obs, next_mask
    return config.H


def _mixed_batch(
    fresh: ReplayBuffer,
    global_buffer: ReplayBuffer | None,
    config: RLSearchConfig,
    rng: np.random.Generator,
) -> Batch:
    """B transitions: each from the global buffer with probability p, else from the fresh ones."""
    if global_buffer is None or len(global_buffer) == 0:
        return Batch.concat([fresh.sample(config.B, rng)])
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
