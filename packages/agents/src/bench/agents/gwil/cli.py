"""``bench agents gwil``: cross-domain imitation by Gromov-Wasserstein (GWIL).

\b
bench agents gwil expert --domain maze --out runs/maze-expert      # SAC on the source's true reward + demo.npz
bench agents gwil run    --domain maze --out runs/maze-gwil        # GWIL in the target domain
bench agents gwil run    --domain maze --method random --out ...   # baselines: random, sac-true
bench agents gwil eval   --run runs/maze-gwil --out eval.json      # evaluate a run's checkpoint
bench agents gwil diagnose --domain maze --out runs/maze-diag       # can the pseudo-reward work here?
bench agents gwil compare runs/maze/* --out runs/maze-compare       # mean ± 95% CI over seeds, curves
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bench.common.atomic import atomic_write_text
from bench.common.seeding import seed_everything

if TYPE_CHECKING:  # the modules themselves load torch: imported where a command runs
    from bench.agents.gwil.demonstration import Trajectory
    from bench.agents.gwil.domains.domain import Domain
    from bench.agents.gwil.train import TrainConfig, TrainResult

DOMAIN_NAMES = ("maze", "pendulum-cartpole", "cheetah-walker")


def _domain(name: str) -> Domain:
    from bench.agents.gwil.domains import DOMAINS

    return DOMAINS[name]


def _train_config(
    domain: Domain,
    method: str,
    steps: int | None,
    paper_sizes: bool,
    *,
    solver: str = "exact",
    expert: bool = False,
    states_only: bool = False,
    scale: str | None = None,
    agent_dims: str | None = None,
) -> TrainConfig:
    from bench.agents.gwil.train import TrainConfig
    from bench.agents.rl.sac import SACConfig

    # The domains' SAC settings are shrunk for 2 CPU cores; --paper-sizes restores the
    # paper's networks, batch and learning rates (SACConfig defaults).
    sac = SACConfig() if paper_sizes else domain.sac
    # experts get the domain's expert budget; the target-domain methods share one budget
    total = (
        steps if steps is not None else (domain.expert_steps if expert else domain.imitation_steps)
    )
    if total <= 0:
        raise click.UsageError(f"--steps {total}: give a positive number of environment steps")
    return TrainConfig(
        method=method,
        total_steps=total,
        sac=sac,
        # the domain's GW geometry; --states-only can only drop actions from it
        reward=dataclasses.replace(
            domain.reward,
            solver=solver,
            use_actions=domain.reward.use_actions and not states_only,
            scale=scale if scale is not None else domain.reward.scale,
            agent_dims=_dims(agent_dims) if agent_dims is not None else domain.reward.agent_dims,
        ),
        eval_every=domain.eval_every,
        eval_episodes=domain.eval_episodes,
        checkpoint_every=max(domain.eval_every, 1000),
    )


def _dims(text: str) -> tuple[int, ...]:
    """ "1,2,4" -> (1, 2, 4), checked by GWRewardConfig; a usage error naming --agent-dims."""
    from bench.agents.gwil.rewards import GWRewardConfig

    try:
        dims = tuple(int(part) for part in text.split(","))
        GWRewardConfig(agent_dims=dims)
    except ValueError as exc:
        raise click.UsageError(
            f"--agent-dims {text!r}: give distinct observation dimensions >= 0, e.g. 1,2,4 ({exc})"
        ) from None
    return dims


def _check_agent_dims(domain: Domain, dims: tuple[int, ...] | None) -> None:
    from bench.agents.gwil.rollout import flat_box

    if dims is None:
        return
    size = flat_box(domain.make_target().observation_space).shape[0]
    if max(dims) >= size:
        raise click.UsageError(
            f"--agent-dims {','.join(map(str, dims))}: {domain.target_id} observations have "
            f"{size} dimensions (0..{size - 1})"
        )


def _load_demo(domain: str, demo: Path | None) -> Trajectory:
    """The demonstration at ``demo``, or the packaged one for ``domain``."""
    from bench.agents.gwil.demonstration import PACKAGED_DEMOS, Trajectory

    demo = demo if demo is not None else PACKAGED_DEMOS / f"{domain}.npz"
    if not demo.exists():
        raise click.UsageError(
            f"no demonstration at {demo}; record one with "
            f"`bench agents gwil expert --domain {domain} --out DIR` and pass --demo DIR/demo.npz"
        )
    return Trajectory.load(demo)


def _threads() -> None:
    import torch

    # one thread: this machine's cores are shared, and small networks gain nothing from more
    torch.set_num_threads(1)


def _identity(domain: Domain, env_id: str) -> dict[str, str]:
    return {"domain": domain.name, "env": env_id}


def _check_resumable(out: Path, config: TrainConfig, seed: int, identity: dict) -> None:
    """A usage error when ``out`` holds a run with other settings: resuming it would mix
    two runs. Only the budget (--steps) may change, to extend a run."""
    from bench.common.run_record import changed_settings

    try:
        changed = changed_settings(
            out, config, seed=seed, identity=identity, may_change=("total_steps",)
        )
    except ValueError as exc:
        raise click.UsageError(f"--out: {exc}") from None
    if changed:
        raise click.UsageError(
            f"--out {out} holds a run with other settings ({', '.join(changed)}); "
            "pass a new --out, or the same options to resume it (--steps may grow)"
        )


domain_option = click.option(
    "--domain",
    type=click.Choice(DOMAIN_NAMES),
    required=True,
    help="Domain pair: maze (point maze -> its mirror), pendulum-cartpole, cheetah-walker.",
)
steps_option = click.option(
    "--steps", type=int, default=None, help="Environment steps (default: the domain's budget)."
)
seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
out_option = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Run directory (metrics.jsonl, checkpoints/, run.json); an existing run resumes.",
)
paper_option = click.option(
    "--paper-sizes",
    is_flag=True,
    help="Use the paper's SAC sizes (1024-wide nets, batch 1024, lr 1e-4) instead of the 2-core ones.",
)


@click.group()
def gwil() -> None:
    """Cross-domain imitation from one demonstration by Gromov-Wasserstein (Fickinger et al., 2022).

    \b
    1. `expert` trains SAC on the source domain's true reward and records one
       demonstration (DIR/demo.npz).
    2. `run` trains SAC in the target domain on GWIL's pseudo-reward (each step's share
       of the GW cost between the agent's episode and the demonstration); the true reward
       is only logged. `--method sac-true|random` gives the ceiling and floor baselines.
    3. `eval` rolls out a run's saved policy; `compare` tables and plots runs over seeds.
    """


@gwil.command()
@domain_option
@steps_option
@seed_option
@out_option
@paper_option
def expert(domain: str, steps: int | None, seed: int, out: Path, paper_sizes: bool) -> None:
    """Train an expert on the source domain's true reward and record DIR/demo.npz."""
    from bench.agents.gwil.experts import train_expert
    from bench.common.run_record import record_run

    _threads()
    seed_everything(seed)
    d = _domain(domain)
    config = _train_config(d, "sac-true", steps, paper_sizes, expert=True)
    _check_resumable(out, config, seed, _identity(d, d.source_id))
    out.mkdir(parents=True, exist_ok=True)
    with record_run(out, config, seed=seed, identity=_identity(d, d.source_id)) as record:
        result = train_expert(d, config, out=out, seed=seed)
        record.add_usage(env_steps=result.training.steps, seconds=result.training.wall_seconds)
    _finish(out, d.name, "expert", result.training)
    click.echo(
        f"demonstration: {result.demo_path} ({len(result.demonstration)} steps, "
        f"true return {result.demonstration.true_return:.2f})"
    )


@gwil.command()
@domain_option
@click.option(
    "--method",
    type=click.Choice(["gwil", "sac-true", "random"]),
    default="gwil",
    show_default=True,
    help="gwil: learn from the GW pseudo-reward; sac-true: from the true reward (ceiling); random: uniform actions (floor).",
)
@click.option(
    "--demo",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Expert demonstration (.npz from `expert`); default: the packaged one for the domain.",
)
@click.option(
    "--solver",
    type=click.Choice(["exact", "entropic"]),
    default="exact",
    show_default=True,
    help="GW solver for the pseudo-reward: exact conditional gradient, or entropic with "
    "epsilon 5e-3 (the default of GWIL's code). Same outcome on pendulum-cartpole, where "
    "entropic is about 1.5x faster.",
)
@click.option(
    "--states-only",
    is_flag=True,
    help="Compare states alone in the GW geometry (the paper compares (state, action) pairs; "
    "the maze already does).",
)
@click.option(
    "--scale",
    type=click.Choice(["each", "expert", "mean"]),
    default=None,
    help="Unit of the GW distance matrices (default: the domain's): each by its own largest "
    "distance (GWIL); the agent's in the expert's unit; each by its own mean. See "
    "bench.agents.gwil.rewards.SCALES.",
)
@click.option(
    "--agent-dims",
    default=None,
    help="Comma-separated observation dimensions of the agent kept in its GW geometry "
    "(default: all, as GWIL). A probe, not GWIL: on pendulum-cartpole, 1,2,4 keeps the pole "
    "(cos, sin, angular velocity) and drops the cart.",
)
@click.option(
    "--reward-scaling",
    type=click.Choice(["std", "standardize", "none"]),
    default="std",
    show_default=True,
    help="GWIL's pseudo-rewards as SAC sees them: divided by the buffer's standard deviation "
    "(sign kept); also centred (pays the agent for not ending the episode); or raw (GWIL's "
    "code's default). See bench.agents.gwil.train.REWARD_SCALINGS.",
)
@steps_option
@seed_option
@out_option
@paper_option
def run(
    domain: str,
    method: str,
    demo: Path | None,
    reward_scaling: str,
    steps: int | None,
    seed: int,
    out: Path,
    paper_sizes: bool,
    **geometry: Any,  # --solver, --states-only, --scale, --agent-dims: the pseudo-reward's GW problem
) -> None:
    """Train an agent in the target domain (GWIL or a baseline); resumable."""
    from bench.agents.gwil.demonstration import PACKAGED_DEMOS
    from bench.agents.gwil.train import train
    from bench.common.inference.model_file import file_identity
    from bench.common.run_record import record_run

    _threads()
    seed_everything(seed)
    d = _domain(domain)
    demonstration = _load_demo(domain, demo) if method == "gwil" else None
    config = _train_config(d, method, steps, paper_sizes, **geometry)
    config = dataclasses.replace(config, reward_scaling=reward_scaling)
    _check_agent_dims(d, config.reward.agent_dims)
    # the demonstration by content (name, size, sha256): a regenerated demo.npz is another run
    demo_file = demo if demo is not None else PACKAGED_DEMOS / f"{domain}.npz"
    identity = {
        **_identity(d, d.target_id),
        "demo": file_identity(demo_file) if demonstration else None,
    }
    _check_resumable(out, config, seed, identity)
    out.mkdir(parents=True, exist_ok=True)
    with record_run(out, config, seed=seed, identity=identity) as record:
        result = train(
            d.make_target(),
            d.make_target(),
            config,
            out=out,
            seed=seed,
            demonstration=demonstration,
        )
        record.add_usage(
            env_steps=result.steps, seconds=result.wall_seconds, gw_seconds=result.gw_seconds
        )
    _finish(out, d.name, method, result)


def _finish(out: Path, domain: str, method: str, result: TrainResult) -> None:
    from bench.agents.gwil.learning_curve import plot_learning_curve

    summary = {**dataclasses.asdict(result), "gw_fraction": result.gw_fraction}
    atomic_write_text(out / "result.json", json.dumps(summary, indent=2) + "\n")
    plot_learning_curve(
        out / "metrics.jsonl", out / "learning_curve.png", title=f"{domain}: {method}"
    )
    click.echo(
        f"{domain} {method}: eval true return {result.eval_true_return:.2f} "
        f"(success {result.eval_success:.2f}) after {result.steps} steps, "
        f"{result.wall_seconds:.0f} s, GW {100 * result.gw_fraction:.1f}% of the time"
    )


@gwil.command(name="eval")
@click.option(
    "--run",
    "run_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    required=True,
    help="Run directory written by `run` or `expert` (uses its checkpoints/latest.pt).",
)
@click.option(
    "--env",
    type=click.Choice(["target", "source"]),
    default="target",
    show_default=True,
    help="Evaluate in the domain's target env (runs) or source env (experts).",
)
@click.option("--episodes", type=int, default=10, show_default=True, help="Evaluation episodes.")
@seed_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="JSON file for the evaluation (returns, success rate).",
)
def eval_(run_dir: Path, env: str, episodes: int, seed: int, out: Path) -> None:
    """Evaluate the deterministic policy saved in a run directory."""
    from bench.agents.gwil.train import evaluate, restore_agent
    from bench.common.run_record import RunRecord, record_run

    _threads()
    seed_everything(seed)
    record_path = run_dir / "run.json"
    checkpoint = run_dir / "checkpoints" / "latest.pt"
    if not record_path.exists() or not checkpoint.exists():
        raise click.UsageError(
            f"{run_dir} has no run.json or checkpoints/latest.pt; pass a directory written by "
            "`bench agents gwil run` or `expert`"
        )
    if episodes <= 0:
        raise click.UsageError(f"--episodes {episodes}: give a positive number")
    try:
        d = _domain(RunRecord.read(record_path).identity["domain"])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except KeyError:
        raise click.UsageError(
            f"{record_path} names no known domain; pass a directory written by "
            "`bench agents gwil run` or `expert`"
        ) from None
    environment = d.make_target() if env == "target" else d.make_source()
    config = {"run": str(run_dir), "env": env, "episodes": episodes}
    env_id = d.target_id if env == "target" else d.source_id
    with record_run(out, config, seed=seed, identity=_identity(d, env_id)):
        agent = restore_agent(environment, checkpoint)
        ev = evaluate(agent, environment, episodes=episodes, seed=seed)
        atomic_write_text(
            out,
            json.dumps(
                {
                    "domain": d.name,
                    "env": env_id,
                    "mean_true_return": ev.mean_return,
                    "success_rate": ev.success_rate,
                    "returns": ev.returns.tolist(),
                },
                indent=2,
            )
            + "\n",
        )
    click.echo(
        f"{d.name} ({env_id}): mean true return {ev.mean_return:.2f} over {episodes} episodes"
    )


@gwil.command()
@click.argument(
    "run_dirs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for summary.csv, summary.md, evaluations.parquet and curves.png.",
)
def compare(run_dirs: tuple[Path, ...], out: Path) -> None:
    """Final true return and success, mean ± 95% CI over seeds per domain and method, and
    learning curves, of `run` directories (one method and seed each); runs of a domain are
    compared at the fewest steps any of them reached."""
    from bench.agents.gwil.summary import load_runs, plot_curves, summarize, to_markdown
    from bench.common.run_record import record_run

    try:
        evaluations = load_runs(list(run_dirs))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    out.mkdir(parents=True, exist_ok=True)
    with record_run(out, {"runs": [str(d) for d in run_dirs]}, seed=None):
        table = summarize(evaluations)
        evaluations.to_parquet(out / "evaluations.parquet")
        table.to_csv(out / "summary.csv", index=False)
        (out / "summary.md").write_text(to_markdown(table))
        plot_curves(evaluations, out / "curves.png")
    click.echo(to_markdown(table))


@gwil.command()
@domain_option
@click.option(
    "--demo",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Expert demonstration (.npz from `expert`); default: the packaged one for the domain.",
)
@click.option(
    "--ceiling",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Run directory of SAC on the target's true reward (`run --method sac-true`); "
    "default: train a short one into OUT/ceiling.",
)
@click.option(
    "--agent",
    "agents",
    multiple=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Run directory of a trained GWIL agent (`run --method gwil`), scored as kind "
    "'trained'; repeat for several.",
)
@click.option(
    "--ceiling-steps",
    type=int,
    default=None,
    help="Steps of the ceiling trained without --ceiling (default: the domain's budget).",
)
@click.option(
    "--episodes", type=int, default=3, show_default=True, help="Episodes of each policy kind."
)
@click.option(
    "--geometries",
    is_flag=True,
    help="Also compare GW geometry choices (pairs vs states, standardisation, distance, scale).",
)
@click.option(
    "--stride",
    type=int,
    default=1,
    show_default=True,
    help="Keep every stride-th step of the demonstration and of each episode (a smaller GW "
    "problem, for many geometries; training scores every step).",
)
@seed_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for diagnosis.md, episodes.parquet (and geometries.parquet).",
)
def diagnose(
    domain: str,
    demo: Path | None,
    ceiling: Path | None,
    agents: tuple[Path, ...],
    ceiling_steps: int | None,
    episodes: int,
    geometries: bool,
    stride: int,
    seed: int,
    out: Path,
) -> None:
    """GW cost against the demonstration of reference episodes (hold-still, push-then-rest,
    random, the ceiling, the mirrored expert, --agent runs), Spearman's ρ between
    pseudo-return and true return, and the kind the pseudo-reward prefers."""
    import numpy as np

    from bench.agents.gwil import diagnose as diag

    _threads()
    seed_everything(seed)
    d = _domain(domain)
    demonstration = _load_demo(domain, demo)
    if episodes <= 0 or stride <= 0:
        raise click.UsageError(f"--episodes {episodes} --stride {stride}: give positive numbers")
    steps = ceiling_steps if ceiling_steps is not None else d.imitation_steps
    out.mkdir(parents=True, exist_ok=True)
    try:
        trained = tuple(diag.trained_agent(d, run_dir) for run_dir in agents)
        agent, note = diag.ceiling_agent(d, ceiling, steps=steps, out=out / "ceiling", seed=seed)
    except (ValueError, FileNotFoundError) as exc:
        raise click.UsageError(str(exc)) from None
    mirror = None
    if d.mirror_action is not None:
        from bench.agents.gwil.experts import DEMO_SEED

        mirror = (np.stack([d.mirror_action(a) for a in demonstration.actions]), DEMO_SEED)
    pool = diag.collect_pool(
        d.make_target(), agent, episodes=episodes, mirror=mirror, trained=trained, seed=seed
    )
    result = diag.diagnose(demonstration, pool, d.reward, stride=stride)
    result.episodes.to_parquet(out / "episodes.parquet")
    report = [
        f"# GWIL diagnosis: {d.name} ({d.source_id} -> {d.target_id})\n",
        f"{note}. Geometry: {d.reward}; every {stride} step(s) kept.\n",
        diag.markdown_table(result.summary),
        f"Spearman ρ(pseudo-return, true return) over {len(pool)} episodes: "
        f"{result.spearman:.3f}. Hold-still costs more than the ceiling: {result.ordered}. "
        f"Cheapest kind (where maximising the pseudo-return leads): {result.cheapest}.\n",
    ]
    if geometries:
        study = diag.compare_geometries(
            demonstration,
            pool,
            diag.geometry_study(d.reward),
            stride=stride,
            progress=click.echo,
        )
        study.to_parquet(out / "geometries.parquet")
        report += ["## Geometry choices\n", diag.markdown_table(study)]
    text = "\n".join(report)
    (out / "diagnosis.md").write_text(text)
    click.echo(text)
