"""What a GWIL domain pair is: a source env (the expert's), a target env (the agent's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import gymnasium as gym
from numpy.typing import NDArray

from bench.agents.envs.dm_control_env import DMControlEnv
from bench.agents.gwil.rewards import GWRewardConfig
from bench.agents.rl.sac import SACConfig


@dataclass(frozen=True)
class Domain:
    """A cross-domain imitation task and the budgets this 2-core machine affords it.

    ``sac`` holds the SAC settings used here; where they differ from the paper's
    (:class:`SACConfig` defaults: 1024-wide networks, batch 1024) the domain's module says
    why. ``expert_steps`` and ``imitation_steps`` are the default training budgets.
    ``reward`` is the GW geometry the domain's agent is compared in (default: GWIL's
    (state, action) pairs, each matrix scaled by its own maximum). ``mirror_action`` maps
    a source action to the target's where the target is a mirror image of the source (the
    maze), so the diagnostic can replay the expert there; None where no mirror exists.
    """

    name: str
    source_id: str  # how the source env is named in records
    target_id: str
    make_source: Callable[[], gym.Env]
    make_target: Callable[[], gym.Env]
    sac: SACConfig
    expert_steps: int
    imitation_steps: int
    eval_every: int
    eval_episodes: int = 5
    reward: GWRewardConfig = field(default_factory=GWRewardConfig)
    mirror_action: Callable[[NDArray], NDArray] | None = None
    # the reward the expert learns from when not the source env's own (a function of the
    # observation an action leads to); None: the env's reward
    expert_reward: Callable[[NDArray], float] | None = None


def shortened_sac(
    *, hidden_dim: int, batch_size: int, lr: float, learning_starts: int
) -> SACConfig:
    """SAC as a domain runs it on a CPU: narrower networks, smaller batches and one learning
    rate for actor, critic and temperature; γ and τ stay the paper's."""
    return SACConfig(
        hidden_dim=hidden_dim,
        batch_size=batch_size,
        actor_lr=lr,
        critic_lr=lr,
        alpha_lr=lr,
        learning_starts=learning_starts,
    )


def dm_control_domain(
    name: str,
    source: tuple[str, str],
    target: tuple[str, str],
    *,
    sac: SACConfig,
    steps: int,
    eval_every: int,
    expert_reward: Callable[[NDArray], float] | None = None,
) -> Domain:
    """A pair of dm_control (domain, task)s, expert and agent trained for ``steps`` each."""
    return Domain(
        name=name,
        source_id=f"dm_control {source[0]}/{source[1]}",
        target_id=f"dm_control {target[0]}/{target[1]}",
        make_source=lambda: DMControlEnv(*source),
        make_target=lambda: DMControlEnv(*target),
        sac=sac,
        expert_steps=steps,
        imitation_steps=steps,
        eval_every=eval_every,
        expert_reward=expert_reward,
    )
