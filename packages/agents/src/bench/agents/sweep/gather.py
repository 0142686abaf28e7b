"""A sweep's results: one table (a row per run and seed) and one plot with CIs over seeds.

Every ``metrics.jsonl`` under a run's directory (``seed_S/metrics.jsonl`` for ``surprise``,
``metrics.jsonl`` for ``gwil`` and ``search``) gives the last value it logged of the sweep's
``metric``. The plot shows, per env, the metric against the budget, one line per method:
the mean over seeds ± the 95% Student-t half-width (:func:`bench.common.metrics.mean_ci`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from bench.agents.sweep.config import SweepConfig
from bench.agents.sweep.dispatch import Outcome
from bench.common.metrics import mean_ci
from bench.common.plotting import pyplot

COLUMNS = ("method", "env", "budget", "seed", "status", "metric", "value", "source", "out")


def last_value(path: Path, metric: str) -> float:
    """The last value of ``metric`` logged in a metrics.jsonl file (NaN if never)."""
    value = float("nan")
    for line in path.read_text().splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a kill
            continue
        if isinstance(row, dict) and metric in row:
            value = float(row[metric])
    return value


def gather(config: SweepConfig, outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per metrics file of each run (a run of several seeds gives several)."""
    rows = []
    for outcome in outcomes:
        run = outcome.run
        files = sorted(run.out.rglob("metrics.jsonl")) if run.out.exists() else []
        for path in files or [None]:
            rows.append(
                {
                    "method": run.method,
                    "env": run.env,
                    "budget": run.budget,
                    "seed": run.seed,
                    "status": outcome.status,
                    "metric": config.metric,
                    "value": last_value(path, config.metric) if path else float("nan"),
                    "source": str(path.relative_to(run.out)) if path else "",
                    "out": str(run.out),
                }
            )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    for axis in ("method", "env", "budget", "seed"):  # one type per column for Parquet
        if len({type(v) for v in table[axis]}) > 1:
            table[axis] = table[axis].astype(str)
    return table


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    """Mean ± 95% CI half-width over seeds, per (env, method, budget)."""
    rows = []
    keys = ["env", "method", "budget"]
    for key, group in table.groupby(keys, dropna=False, sort=True):
        values = group["value"].to_numpy(dtype=np.float64)
        mean, half = mean_ci(values)
        rows.append(
            {
                **dict(zip(keys, key if isinstance(key, tuple) else (key,))),
                "n_seeds": int(np.count_nonzero(~np.isnan(values))),
                "mean": mean,
                "ci95": half,
            }
        )
    return pd.DataFrame(rows)


def _missing(value: object) -> bool:
    """True for None or NaN (an axis a run did not set)."""
    return bool(pd.isna(value))


def plot(summary: pd.DataFrame, metric: str, path: Path) -> Path:
    """The metric against the budget, one panel per env and one line per method."""
    plt = pyplot()
    envs = list(dict.fromkeys(summary["env"]))
    fig, axes = plt.subplots(1, len(envs), figsize=(4.5 * len(envs), 3.5), squeeze=False)
    for ax, env in zip(axes[0], envs):
        missing = _missing(env)
        panel = summary.loc[summary["env"].isna() if missing else summary["env"] == env]
        for method, rows in panel.groupby("method", dropna=False, sort=True):
            x = rows["budget"].astype(str) if rows["budget"].isna().all() else rows["budget"]
            ax.errorbar(
                x,
                rows["mean"],
                yerr=rows["ci95"].fillna(0),
                marker="o",
                capsize=3,
                label=str(method),
            )
        ax.set_title("" if missing else str(env))
        ax.set_xlabel("budget")
        ax.set_ylabel(f"{metric} (mean ± 95% CI over seeds)")
        ax.legend(fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
