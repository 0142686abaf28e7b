"""``bench agents sweep``: every run of a sweep file, then one table and one plot."""

from __future__ import annotations

from pathlib import Path

import click

from bench.common.executor import current_executor, executor_options


@click.command("sweep")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Sweep file (YAML): command, methods, envs, budgets, seeds, options, resources, "
    "metric, out; see bench.agents.sweep.config.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Sweep directory (default: the file's out:); each run gets a folder under it.",
)
@executor_options(replicas=False)
def sweep(config_path: Path, out: Path | None) -> None:
    """Run every combination (methods x envs x budgets x seeds) of one `bench agents ...
    run` command, as Ray tasks with the file's resources (--executor ray) or one after
    another (local); skip runs that finished earlier with the same arguments; write
    OUT/sweep.parquet (one row per run and seed), OUT/sweep_summary.csv (mean ± 95% CI over
    seeds) and OUT/sweep.png.

    \b
    Example:
      bench agents sweep --config sweep.yaml --executor ray=auto
    """
    from bench.agents.sweep.config import load_sweep
    from bench.agents.sweep.dispatch import run_sweep
    from bench.agents.sweep.gather import gather, plot, summarize
    from bench.common.run_record import record_run

    try:
        config = load_sweep(config_path, out=out)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    table_path = config.out / "sweep.parquet"
    config.out.mkdir(parents=True, exist_ok=True)
    with record_run(table_path, config, seed=None) as record:
        outcomes = run_sweep(config, current_executor(), echo=click.echo)
        table = gather(config, outcomes)
        tmp = table_path.with_name(table_path.name + ".tmp")
        table.to_parquet(tmp, index=False)
        tmp.replace(table_path)
        summary = summarize(table)
        summary.to_csv(config.out / "sweep_summary.csv", index=False)
        plot(summary, config.metric, config.out / "sweep.png")
        record.add_usage(runs=len(outcomes), skipped=sum(o.status == "skipped" for o in outcomes))
    click.echo(summary.to_string(index=False))
    failed = [o for o in outcomes if o.status == "failed"]
    for outcome in failed:
        click.echo(f"failed: {outcome.run.out}: {outcome.error}", err=True)
    if failed:
        raise SystemExit(1)
