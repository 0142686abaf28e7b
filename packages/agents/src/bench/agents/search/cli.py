"""``bench agents search``: train blueprints, then play games with blueprint / MCTS / SPARTA / RL search."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bench.agents.search.envs import ENVS, is_hanabi
from bench.common.run_record import record_run
from bench.common.seeding import seed_everything

if TYPE_CHECKING:
    import pandas as pd

METHOD_CHOICES = ("blueprint", "mcts", "mcts-blueprint", "sparta", "rl-search")


@click.group()
def search() -> None:
    """Online planning by RL fine-tuning of a blueprint (Fickinger et al. 2021), vs MCTS and SPARTA.

    \b
    bench agents search blueprint --env mspacman --steps 100000 --out bp.pt
    bench agents search run --env mspacman --method blueprint --method mcts --method rl-search \\
        --seconds-per-move 0.1 --seconds-per-move 0.5 --games 5 --blueprint bp.pt --out runs/pac
    """


@search.command()
@click.option("--env", type=click.Choice(ENVS), required=True, help="Environment to train on.")
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    required=True,
    help="Agent steps of DQN training; on Hanabi, turns over all self-play games.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Checkpoint file (.pt); an existing one is resumed.",
)
@click.option("--seed", type=int, default=0, show_default=True)
def blueprint(env: str, steps: int, out: Path, seed: int) -> None:
    """Train a blueprint; resumes from an existing --out checkpoint.

    Ms. Pac-Man and the corridor: a DQN. Hanabi: self-play Q-learning in JAX over many
    parallel games, its training state and learning curve in OUT.train/.
    """
    import torch

    from bench.agents.search.blueprint import blueprint_dqn_config, train_blueprint

    torch.set_num_threads(1)
    seed_everything(seed)
    if is_hanabi(env):
        from bench.agents.search.hanabi_blueprint import hanabi_blueprint_config, run_dir

        config = hanabi_blueprint_config(steps)
        try:
            with record_run(out, config, seed=seed, identity={"env": env}):
                last = train_blueprint(env, steps, out, seed=seed, progress=True)
        except ValueError as exc:
            raise click.UsageError(f"--out: {exc}") from exc
        assert isinstance(last, dict)
        click.echo(
            f"{out}: greedy self-play score {last.get('score', float('nan')):.2f} over "
            f"{config.eval_games} games; curve and metrics in {run_dir(out)}"
        )
        return
    config = blueprint_dqn_config(env, steps)
    with record_run(out, config, seed=seed, identity={"env": env}) as record:
        result = train_blueprint(env, steps, out, seed=seed, progress=True)
        assert not isinstance(result, dict)
        record.add_usage(
            agent_steps=result.steps, seconds=result.seconds, episodes=len(result.episode_scores)
        )
    recent = result.episode_scores[-50:]
    mean = sum(recent) / len(recent) if recent else float("nan")
    click.echo(
        f"{out}: {result.steps} steps, {len(result.episode_scores)} episodes, last-50 mean score {mean:.2f}"
    )


@search.command()
@click.option("--env", type=click.Choice(ENVS), required=True, help="Environment to play.")
@click.option(
    "--method",
    "methods",
    type=click.Choice(METHOD_CHOICES),
    multiple=True,
    required=True,
    help="Planner; repeat for several. mcts: UCT with random rollouts; mcts-blueprint: UCT "
    "with the blueprint's greedy rollouts and value; sparta: Hanabi only.",
)
@click.option(
    "--seconds-per-move",
    "seconds",
    type=click.FloatRange(min=0, min_open=True),
    multiple=True,
    help="Search budget per move; repeat for a score-vs-time curve.",
)
@click.option(
    "--iterations-per-move",
    type=click.IntRange(min=1),
    default=None,
    help="Fixed search iterations per move instead of (or capping) the clock.",
)
@click.option(
    "--games",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Games per method and budget (paired by seed).",
)
@click.option(
    "--blueprint",
    "blueprint_spec",
    default=None,
    help="'random', 'shipped' (the packaged blueprint: full Hanabi, Ms. Pac-Man) or a checkpoint from "
    "`bench agents search blueprint`. Default: 'shipped' where one ships, else 'random'.",
)
@click.option(
    "--max-moves",
    type=click.IntRange(min=1),
    default=None,
    help="Cap on moves per game (Ms. Pac-Man on a CPU: e.g. 200).",
)
@click.option(
    "--uct-rollout-depth",
    type=click.IntRange(min=1),
    default=None,
    help="UCT random-rollout length (default 100); shorter buys more simulations per second.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Run directory: results.parquet, metrics.jsonl, summary.csv, score_vs_time.png, run.json.",
)
def run(
    env: str,
    methods: tuple[str, ...],
    seconds: tuple[float, ...],
    iterations_per_move: int | None,
    games: int,
    blueprint_spec: str | None,
    max_moves: int | None,
    uct_rollout_depth: int | None,
    seed: int,
    out: Path,
) -> None:
    """Play --games games per method and budget; resumes: finished games in --out are kept."""
    import pandas as pd
    import torch

    from bench.agents.search.blueprint import default_blueprint, load_blueprint
    from bench.agents.search.mcts import UCTConfig
    from bench.agents.search.play import PlayConfig, play_games
    from bench.common.atomic import atomic_path

    _check_budgets(env, methods, seconds, iterations_per_move)
    torch.set_num_threads(1)
    seed_everything(seed)
    blueprint_spec = blueprint_spec or default_blueprint(env)
    try:
        q = load_blueprint(blueprint_spec, env, seed=seed)
    except ValueError as exc:
        raise click.UsageError(f"--blueprint: {exc}") from exc
    uct = UCTConfig() if uct_rollout_depth is None else UCTConfig(rollout_depth=uct_rollout_depth)
    config = PlayConfig(max_moves=max_moves, iterations_per_move=iterations_per_move, uct=uct)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.parquet"
    games_depend_on = _games_depend_on(env, blueprint_spec, seed, config)
    done = None
    if results_path.exists():
        _check_reusable(out, games_depend_on)
        done = pd.read_parquet(results_path)
    budgets = list(seconds) or [0.0]

    def save(table: pd.DataFrame) -> None:
        with atomic_path(results_path) as tmp:
            table.to_parquet(tmp, index=False)

    identity = {
        "env": env,
        "blueprint": blueprint_spec,
        "methods": list(methods),
        "seconds_per_move": budgets,
        "games_depend_on": games_depend_on,
    }
    with record_run(
        out, {"play": config, "games": games}, seed=seed, identity=identity, command=sys.argv
    ) as record:
        results = play_games(
            env,
            methods,
            budgets,
            games,
            q,
            config,
            seed=seed,
            done=done,
            on_game=save,
            progress=True,
        )
        save(results)
        record.add_usage(seconds=float(results["wall_s"].to_numpy().sum()), games=len(results))
    searched = any(m != "blueprint" for m in methods)
    _write_summary(results, env, out, plot=searched and bool(seconds))


def _games_depend_on(env: str, blueprint_spec: str, seed: int, config: object) -> dict:
    """What a finished game's result was computed from: a resumed run reuses a game only
    when all of it is unchanged (the blueprint by its file's hash; methods, budgets and
    --games may grow)."""
    from bench.agents.search.blueprint import SHIPPED, SHIPPED_DIR
    from bench.common.inference.model_file import file_identity
    from bench.common.run_record import jsonable

    path = SHIPPED_DIR / SHIPPED[env] if blueprint_spec == "shipped" else Path(blueprint_spec)
    blueprint = "random" if blueprint_spec == "random" else file_identity(path)["sha256"]
    return jsonable({"env": env, "blueprint": blueprint, "seed": seed, "play": config})


def _check_reusable(out: Path, games_depend_on: dict) -> None:
    """A usage error when --out holds games computed from something else."""
    from bench.common.run_record import RunRecord, sidecar_path

    record = sidecar_path(out)
    try:
        before = RunRecord.read(record).identity.get("games_depend_on") if record.exists() else None
    except ValueError as exc:
        raise click.UsageError(f"--out: {exc}") from None
    if before != games_depend_on:
        changed = sorted(k for k in games_depend_on if (before or {}).get(k) != games_depend_on[k])
        raise click.UsageError(
            f"--out {out} holds games played with another {', '.join(changed) or 'setup'} "
            f"(see {record}); pass a new --out, or delete {out / 'results.parquet'} to replay"
        )


def _check_budgets(
    env: str, methods: tuple[str, ...], seconds: tuple[float, ...], iterations: int | None
) -> None:
    """Usage errors for a method the env cannot run or a search without a budget."""
    if "sparta" in methods and not is_hanabi(env):
        raise click.UsageError(
            "--method sparta needs a Hanabi env (--env hanabi, hanabi-small or hanabi-tiny)"
        )
    searching = [m for m in methods if m != "blueprint"]
    if searching and not seconds and iterations is None:
        raise click.UsageError(
            f"--method {searching[0]} searches: give --seconds-per-move S (or --iterations-per-move N)"
        )


def _write_summary(results: pd.DataFrame, env: str, out: Path, *, plot: bool) -> None:
    """summary.csv, metrics.jsonl (one line per method and budget), the score-vs-time plot."""
    from bench.agents.search.play import summarize
    from bench.agents.search.plot import plot_score_vs_time

    table = summarize(results)
    table.to_csv(out / "summary.csv", index=False)
    with open(out / "metrics.jsonl", "w") as fh:
        for row in table.to_dict("records"):
            fh.write(json.dumps({"env": env, **row}) + "\n")
    if plot:
        plot_score_vs_time(
            results, out / "score_vs_time.png", title=f"{env}: score vs time per move"
        )
    click.echo(table.to_string(index=False))
