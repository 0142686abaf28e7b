"""``bench agents surprise``: train, evaluate and compare explorers on MiniGrid."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from bench.common.run_record import record_run
from bench.common.seeding import seed_everything


def _parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.replace(",", " ").split()]
    except ValueError as exc:
        raise click.UsageError(
            f"--seeds {text!r}: give integers separated by commas or spaces, e.g. --seeds 0,1,2"
        ) from exc
    if not seeds or len(set(seeds)) != len(seeds):
        raise click.UsageError(f"--seeds {text!r}: give one or more distinct integers")
    return seeds


@click.group()
def surprise() -> None:
    """Exploration by Adversarial Surprise (Fickinger et al. 2021) vs RND, SMiRL, counts.

    \b
    bench agents surprise envs                     list the worlds
    bench agents surprise run --method adversarial --env multiroom-ab --out runs/as
    bench agents surprise eval --run runs/as --out runs/as/eval.csv
    bench agents surprise compare runs/as runs/rnd --out runs/compare
    """


@surprise.command("envs")
def envs_command() -> None:
    """List the worlds --env accepts."""
    from bench.agents.surprise.envs import ENVS

    for name, (_, description) in sorted(ENVS.items()):
        click.echo(f"{name:18s} {description}")


@surprise.command("run")
@click.option(
    "--method",
    type=click.Choice(["adversarial", "rnd", "smirl", "surprise-max", "count", "random"]),
    default="adversarial",
    show_default=True,
    help="Explorer: adversarial = Explore/Control game; the others are the baselines.",
)
@click.option(
    "--env",
    "env_name",
    default="multiroom-ab",
    show_default=True,
    help="World (see `bench agents surprise envs`; authors: multiroom-ab).",
)
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    default=10_000_000,
    show_default=True,
    help="Environment frames per seed (authors: 10^7; rounded down to whole iterations "
    "of num-envs episodes).",
)
@click.option(
    "--seeds",
    default="0",
    show_default=True,
    help="Seeds, e.g. 0,1,2 (trained together as one vmapped batch).",
)
@click.option(
    "--num-envs",
    type=click.IntRange(min=1),
    default=16,
    show_default=True,
    help="Parallel episodes per PPO iteration (authors: 16).",
)
@click.option(
    "--n-rounds",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Rounds per episode, Explore first, alternating with Control (authors: 4).",
)
@click.option(
    "--k",
    "round_length",
    type=click.IntRange(min=2),
    default=32,
    show_default=True,
    help="Steps per round (authors: 32); an episode is n-rounds x k steps for every method.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Run directory; rerunning with the same DIR resumes from its checkpoint.",
)
@click.option("--progress/--no-progress", default=True, help="Show tqdm progress bars.")
def run_command(
    method: str,
    env_name: str,
    steps: int,
    seeds: str,
    num_envs: int,
    n_rounds: int,
    round_length: int,
    out: Path,
    progress: bool,
) -> None:
    """Train one method on one world for each seed; writes DIR/seed_S/metrics.jsonl,
    DIR/checkpoint.msgpack, DIR/summary.md and DIR/curves.png."""
    from bench.agents.rl.ppo_jax import PPOConfig
    from bench.agents.surprise.envs import ENVS
    from bench.agents.surprise.game import GameConfig
    from bench.agents.surprise.summary import plot_curves, summarize, to_markdown
    from bench.agents.surprise.train import SurpriseRunConfig, train

    seed_list = _parse_seeds(seeds)
    if env_name not in ENVS:
        raise click.UsageError(f"--env {env_name!r}: choose one of {', '.join(sorted(ENVS))}")
    try:
        config = SurpriseRunConfig(
            method=method,
            env=env_name,
            total_steps=steps,
            game=dataclasses.replace(GameConfig(), n_rounds=n_rounds, k=round_length),
            ppo=dataclasses.replace(PPOConfig(), num_envs=num_envs),
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    existing = out / "config.json"
    if existing.exists():
        before = json.loads(existing.read_text())
        now = json.loads(json.dumps(dataclasses.asdict(config)))
        changed = sorted(k for k in now if k != "total_steps" and before.get(k) != now[k])
        if changed:
            raise click.UsageError(
                f"{out} holds a run with a different config ({', '.join(changed)}); "
                "use a new --out DIR, or the same options to resume"
            )
    seed_everything(seed_list[0])
    out.mkdir(parents=True, exist_ok=True)
    with record_run(
        out, config, seed=seed_list[0], identity={"env": env_name, "seeds": seed_list}
    ) as record:
        try:
            results = train(config, seeds=seed_list, out=out, progress=progress)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        record.add_usage(env_steps=sum(r.global_steps for r in results))
        table = summarize([out])
        (out / "summary.md").write_text(to_markdown(table))
        plot_curves([out], out / "curves.png")
    click.echo(to_markdown(table))


@surprise.command("eval")
@click.option(
    "--run",
    "run_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="A run directory written by `surprise run`.",
)
@click.option("--episodes", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the eval worlds.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Per-episode CSV."
)
def eval_command(run_dir: Path, episodes: int, seed: int, out: Path) -> None:
    """Play fresh episodes with each seed's saved policies; per-episode coverage to a CSV."""
    from bench.agents.surprise.evaluate import evaluate
    from bench.agents.surprise.summary import group_means
    from bench.common.metrics import mean_ci

    seed_everything(seed)
    with record_run(out, {"run": str(run_dir), "episodes": episodes}, seed=seed) as record:
        try:
            frame = evaluate(run_dir, episodes=episodes, seed=seed)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out, index=False)
        record.add_usage(episodes=len(frame))
    for column in ("cells_visited", "rooms_visited"):
        per_seed = group_means(frame, column, by="train_seed")
        mean, ci = mean_ci(per_seed)
        click.echo(f"{column}: {mean:.2f} ± {ci:.2f} (95% CI over {len(per_seed)} seeds)")


@surprise.command("compare")
@click.argument(
    "run_dirs",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
def compare_command(run_dirs: tuple[Path, ...], out: Path) -> None:
    """Table (mean ± 95% CI over seeds, at the budget all runs reached) and curves of runs."""
    from bench.agents.surprise.summary import plot_curves, summarize, to_markdown

    out.mkdir(parents=True, exist_ok=True)
    with record_run(out, {"runs": [str(d) for d in run_dirs]}, seed=None):
        try:
            table = summarize(list(run_dirs))
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        table.to_csv(out / "summary.csv", index=False)
        (out / "summary.md").write_text(to_markdown(table))
        plot_curves(list(run_dirs), out / "curves.png")
    click.echo(to_markdown(table))
