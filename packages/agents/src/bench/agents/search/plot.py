"""Score against seconds per move: one line per search method, the blueprint as a band."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.agents.search.play import summarize
from bench.common.plotting import pyplot


def plot_score_vs_time(results: pd.DataFrame, path: Path, *, title: str) -> Path:
    """Mean score with its 95% CI against seconds per move (log axis) for each method;
    writes ``path``."""
    plt = pyplot()

    table = summarize(results)
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for method, rows in table.groupby("method"):
        if method == "blueprint":
            mean, ci = float(rows["mean_score"].iloc[0]), float(rows["ci95"].fillna(0).iloc[0])
            ax.axhline(mean, color="grey", linestyle="--", label="blueprint")
            ax.axhspan(mean - ci, mean + ci, color="grey", alpha=0.2)
            continue
        ax.errorbar(
            rows["seconds_per_move"], rows["mean_score"], yerr=rows["ci95"].fillna(0),
            marker="o", capsize=3, label=method,
        )  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("seconds per move")
    ax.set_ylabel("score (mean, 95% CI)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
