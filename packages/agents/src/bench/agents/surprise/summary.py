"""Curves and tables over runs: coverage against environment steps, mean ± 95% CI over seeds.

A run directory (``bench agents surprise run --out DIR``) holds ``config.json`` and one
``seed_S/metrics.jsonl`` per seed. The confidence interval of a mean over n seeds is the
Student-t interval  x̄ ± t_{0.975, n-1} · s / √n  (s the sample standard deviation; no
interval for n = 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from bench.common.metrics import mean_ci
from bench.common.plotting import pyplot

CURVE_METRICS = (
    "coverage/cells_episode",
    "coverage/rooms_episode",
    "coverage/cells_total",
    "noise/switched_off_frac",
)


def load_metrics(run_dir: Path) -> pd.DataFrame:
    """All metric lines of a run, one row per (seed, iteration), with ``method`` and ``env``."""
    run_dir = Path(run_dir)
    config_path = run_dir / "config.json"
    if not config_path.exists():
        raise ValueError(f"{run_dir}: no config.json; is it the --out DIR of `surprise run`?")
    config = json.loads(config_path.read_text())
    rows = []
    for path in sorted(run_dir.glob("seed_*/metrics.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    frame = pd.DataFrame(rows)
    frame["method"], frame["env"], frame["run"] = config["method"], config["env"], str(run_dir)
    return frame


def _budget(frames: list[pd.DataFrame]) -> int:
    """The fewest environment steps that any seed of any run reached (0 for no runs)."""
    reached = []
    for frame in frames:
        seeds, steps = frame["seed"].to_numpy(), frame["global_step"].to_numpy()
        reached += [int(steps[seeds == s].max()) for s in np.unique(seeds)]
    return min(reached, default=0)


def _numeric(column: pd.Series) -> pd.Series:
    """A metric column as floats; None (a metric undefined that iteration) becomes NaN."""
    return pd.to_numeric(column, errors="coerce")  # pyright: ignore[reportReturnType]  # pandas-stubs: a Series in is a Series out


def group_means(frame: pd.DataFrame, column: str, *, by: str) -> NDArray[np.float64]:
    """The mean of ``column`` within each value of ``by``, in sorted order of ``by``."""
    keys, values = frame[by].to_numpy(), frame[column].to_numpy(dtype=np.float64)
    return np.array([values[keys == k].mean() for k in np.unique(keys)])


def summarize(
    run_dirs: list[Path], *, metrics: tuple[str, ...] = CURVE_METRICS, window: float = 0.1
) -> pd.DataFrame:
    """One row per run: each metric averaged over the last ``window`` of its iterations, per seed,
    then mean ± CI over seeds; all runs are cut to the smallest budget any seed reached."""
    frames = [load_metrics(d) for d in run_dirs]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    budget = _budget(frames)
    rows = []
    for frame in frames:
        frame = frame.loc[frame["global_step"] <= budget]
        row: dict[str, object] = {
            "method": frame["method"].iloc[0],
            "env": frame["env"].iloc[0],
            "seeds": frame["seed"].nunique(),
            "steps": budget,
        }
        for metric in metrics:
            per_seed = []
            for _, g in frame.groupby("seed"):
                tail = g.sort_values("global_step").tail(max(1, round(window * len(g))))
                per_seed.append(_numeric(tail[metric]).mean())
            row[metric], row[metric + " ci95"] = mean_ci(np.array(per_seed, dtype=np.float64))
        row["steps/s"] = float(_numeric(frame["charts/sps"]).median())
        rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame, metrics: tuple[str, ...] = CURVE_METRICS) -> str:
    """The summary as a Markdown table with ``mean ± ci`` cells."""
    head = ["method", "env", "seeds", "steps", *metrics, "steps/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in table.iterrows():
        cells = [str(r["method"]), str(r["env"]), str(r["seeds"]), str(r["steps"])]
        for m in metrics:
            mean, ci = r[m], r[m + " ci95"]
            cells.append(f"{mean:.2f} ± {ci:.2f}" if not np.isnan(ci) else f"{mean:.2f}")
        cells.append(f"{r['steps/s']:.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_curves(
    run_dirs: list[Path], path: Path, *, metrics: tuple[str, ...] = CURVE_METRICS, smooth: int = 5
) -> Path:
    """Metric-vs-environment-steps panels, one line per run, 95% CI band over seeds; like
    :func:`summarize`, curves stop at the budget every seed of every run reached."""
    plt = pyplot()
    frames = [f for f in (load_metrics(d) for d in run_dirs) if len(f)]
    budget = _budget(frames)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.4), squeeze=False)
    for frame in frames:
        frame = frame.loc[frame["global_step"] <= budget]
        label = f"{frame['method'].iloc[0]}"
        for ax, metric in zip(axes[0], metrics):
            values = _numeric(frame[metric])  # None (no noisy room) -> NaN
            wide = frame.assign(_v=values).pivot_table(
                index="global_step", columns="seed", values="_v"
            )
            wide = wide.rolling(smooth, min_periods=1).mean()  # iteration noise, not seed noise
            mean = wide.mean(axis=1)
            n = wide.notna().sum(axis=1).clip(lower=1)
            half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * wide.std(axis=1, ddof=1) / np.sqrt(n)
            ax.plot(mean.index, mean.values, label=label)
            ax.fill_between(mean.index, mean - half.fillna(0), mean + half.fillna(0), alpha=0.2)
            ax.set_title(metric)
            ax.set_xlabel("environment steps")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
