"""SPARTA single-agent search (Lerer, Hu, Foerster, Brown, AAAI 2020).

At the searcher's turn, for each legal action a, estimate

    Q(a) = E_{w ~ belief} [ return of playing a in world w, then everyone following
                            the blueprint π_b to the end of the game ]

by Monte Carlo over worlds w drawn from the searcher's belief over its own hand
(:mod:`bench.agents.search.hanabi_belief`: the hands the card counts, the hints and the
partner's blueprint moves allow, weighted by how many ways the deck could deal them).
Every legal action is rolled out in the same
sampled world with the same deck order (common random numbers), so differences between
actions carry less noise than the values themselves; the rollouts of one world advance
together, one batched forward pass per turn (``HanabiSimulator.play_out``). The searcher plays

    a* = argmax_a Q(a)   if Q(a*) − Q(a_b) ≥ δ,   else a_b = π_b(o),

deviating from the blueprint only for a clear gain (the paper's rule, the default). With
few rollouts a noisy estimate can look like a gain; ``z`` > 0 also requires the paired
difference to exceed z standard errors (our option for small budgets, off by default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.agents.rl.dqn import QNetwork
from bench.agents.search.budget import Budget


@dataclass(frozen=True)
class SpartaConfig:
    delta: float = 0.05  # δ, deviation threshold in points (Lerer et al. 2020)
    z: float = 0.0  # standard errors the paired gain must also exceed (ours; 0: the paper's rule)


@dataclass(frozen=True)
class SpartaResult:
    """The action played, the blueprint's, the best by the estimates (``proposed``),
    per-action mean returns (num_actions,; NaN where illegal), the number of sampled
    worlds, and whether search deviated."""

    action: int
    blueprint_action: int
    proposed: int
    values: np.ndarray
    worlds: int
    steps: int
    deviated: bool
    seconds: float


def sparta_search(
    sim, blueprint: QNetwork, config: SpartaConfig, budget: Budget, *, rng: np.random.Generator
) -> SpartaResult:
    """SPARTA at ``sim``'s current state (``sim``'s partners must already play ``blueprint``:
    ``set_blueprint_partner``)."""
    obs, mask = sim.observation(), sim.legal_mask()
    legal = np.flatnonzero(mask)
    policy = blueprint.frozen()  # NumPy snapshot: the rollouts' per-step cost
    blueprint_action = policy.greedy(obs, mask)
    returns: list[list[float]] = []  # one row per world, one column per legal action
    steps = 0
    clock = budget.clock()
    while not clock.exhausted:
        row, taken = sim.play_out(sim.determinize(rng=rng), legal, policy)
        returns.append(row)
        steps += taken
        clock.tick()
    table = np.asarray(returns)  # (worlds, legal)
    means = table.mean(axis=0)
    values = np.full(sim.num_actions, np.nan)
    values[legal] = means
    best = int(legal[int(np.argmax(means))])
    action = blueprint_action
    if best != blueprint_action:
        column = {int(a): i for i, a in enumerate(legal)}  # action -> its column of table
        gain = table[:, column[best]] - table[:, column[blueprint_action]]
        sem = gain.std(ddof=1) / np.sqrt(len(gain)) if len(gain) > 1 else np.inf
        if gain.mean() >= config.delta and (config.z <= 0 or gain.mean() > config.z * sem):
            action = best
    return SpartaResult(
        action=action,
        blueprint_action=blueprint_action,
        proposed=best,
        values=values,
        worlds=clock.done,
        steps=steps,
        deviated=action != blueprint_action,
        seconds=clock.elapsed,
    )
