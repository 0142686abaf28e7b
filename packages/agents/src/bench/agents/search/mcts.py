"""UCT: Monte Carlo tree search with UCB1 selection (Kocsis & Szepesvári 2006).

Each simulation restores the root state s_t and

1. selects, while the node is fully expanded, the child maximising
       Q̄(s, a) + c · sqrt(ln N(s) / N(s, a)),
   where Q̄ is the mean discounted return normalised to [0, 1] by the smallest and
   largest mean seen in the tree (MuZero's min-max normalisation, so that one c fits
   games whose rewards differ in scale);
2. expands one untried legal action;
3. rolls out for at most ``rollout_depth`` steps (or to a terminal step: game over or a
   lost life), with uniformly random legal actions (classic UCT, Guo et al.'s baseline) or
   greedily in a blueprint Q-network, whose value max_a Q_bp(s) then also scores the state
   where a rollout is cut (the fair comparison with RL search, which starts from the same
   blueprint);
4. backs up G_i = r_i + γ G_{i+1} along the path.

The move played is the root's most-visited action. The tree is keyed by action
sequences, which assumes a deterministic simulator (ALE without sticky actions, the
corridor); under partial observability each simulation starts from ``determinize``.
Guo et al. (2014) ran UCT on Atari at 10,000 simulations per move with depth 300;
here the budget is wall-clock seconds per move, as for RL search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bench.agents.rl.dqn import FrozenQ
from bench.agents.search.budget import Budget


@dataclass(frozen=True)
class UCTConfig:
    c: float = math.sqrt(2)  # c, UCB1 exploration constant (on min-max normalised values)
    rollout_depth: int = (
        100  # d, random-rollout length (Guo et al. 2014 used 300 frames-skipped steps)
    )
    max_tree_depth: int = 100  # cap on selection depth
    gamma: float = 0.99  # γ, discount (as for the Q-learners)


@dataclass
class _Node:
    legal: np.ndarray
    reward: float = 0.0  # reward of the transition into this node
    terminal: bool = False
    visits: int = 0
    value_sum: float = 0.0
    children: dict[int, _Node] = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return self.value_sum / self.visits if self.visits else 0.0


@dataclass(frozen=True)
class UCTResult:
    """The chosen action, root visit counts and mean returns (num_actions,), and the work done."""

    action: int
    visits: np.ndarray
    values: np.ndarray
    simulations: int
    steps: int
    seconds: float


def uct_search(
    sim,
    config: UCTConfig,
    budget: Budget,
    *,
    rng: np.random.Generator,
    rollout_policy: FrozenQ | None = None,
) -> UCTResult:
    """Run UCT from ``sim``'s current state; ``sim`` is left in that state.

    ``rollout_policy``: None for uniformly random rollouts with no value at the cut, or a
    blueprint that rolls out greedily and values the cut by max_a Q_bp (see the module
    docstring)."""
    root_token = sim.clone()
    root = _Node(legal=np.flatnonzero(sim.legal_mask()))
    lo, hi = math.inf, -math.inf
    clock = budget.clock()
    steps = 0
    while not clock.exhausted:
        sim.restore(root_token)  # determinize from s_t, not from the last simulation's end
        sim.restore(sim.determinize(rng=rng))
        node, path, depth = root, [root], 0
        # 1. selection
        while (
            not node.terminal
            and len(node.children) == len(node.legal)
            and depth < config.max_tree_depth
        ):
            action = _ucb_child(node, config.c, config.gamma, lo, hi)
            node = node.children[action]
            sim.step(action)  # deterministic: same reward and successor as at expansion
            steps += 1
            path.append(node)
            depth += 1
        # 2. expansion
        if not node.terminal and not sim.game_over and depth < config.max_tree_depth:
            untried = [a for a in node.legal if int(a) not in node.children]
            action = int(rng.choice(untried))
            step = sim.step(action)
            steps += 1
            child = _Node(
                legal=np.flatnonzero(sim.legal_mask()) if not step.game_over else np.zeros(0, int),
                reward=step.reward,
                terminal=step.terminal or step.game_over,
            )
            node.children[action] = child
            node = child
            path.append(node)
        # 3. rollout
        ret, discount = 0.0, 1.0
        if not node.terminal:
            for _ in range(config.rollout_depth):
                step = sim.step(_rollout_action(sim, rollout_policy, rng))
                steps += 1
                ret += discount * step.reward
                discount *= config.gamma
                if step.terminal or step.game_over:
                    break
            else:  # cut at the rollout depth: the blueprint's value of where it stopped
                if rollout_policy is not None:
                    ret += discount * float(
                        rollout_policy.values(sim.observation(), sim.legal_mask()).max()
                    )
        # 4. backup
        for n in reversed(path):
            n.visits += 1
            n.value_sum += ret
            if n is not root:
                q = n.reward + config.gamma * n.mean
                lo, hi = min(lo, q), max(hi, q)
            ret = n.reward + config.gamma * ret
        clock.tick()
    sim.restore(root_token)
    visits = np.zeros(sim.num_actions)
    values = np.zeros(sim.num_actions)
    for action, child in root.children.items():
        visits[action] = child.visits
        values[action] = child.reward + config.gamma * child.mean
    best = max(root.children, key=lambda a: (root.children[a].visits, values[a]))
    return UCTResult(
        action=int(best),
        visits=visits,
        values=values,
        simulations=clock.done,
        steps=steps,
        seconds=clock.elapsed,
    )


def _rollout_action(sim, policy: FrozenQ | None, rng: np.random.Generator) -> int:
    mask = sim.legal_mask()
    if policy is None:
        return int(rng.choice(np.flatnonzero(mask)))
    return policy.greedy(sim.observation(), mask)


def _ucb_child(node: _Node, c: float, gamma: float, lo: float, hi: float) -> int:
    log_n = math.log(max(1, node.visits))
    scale = hi - lo if hi > lo else 1.0
    best, best_score = -1, -math.inf
    for action, child in node.children.items():
        q = child.reward + gamma * child.mean  # Q̄(s, a): one-step reward plus discounted future
        q_norm = (q - lo) / scale if hi > lo else 0.5
        score = q_norm + c * math.sqrt(log_n / child.visits)
        if score > best_score:
            best, best_score = action, score
    return best
