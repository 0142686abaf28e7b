"""The learning-curve figure of a run: true return against environment steps."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.common.plotting import pyplot


def plot_learning_curve(metrics: str | os.PathLike, png: str | os.PathLike, *, title: str) -> Path:
    """Plot ``charts/true_return`` (training episodes) and ``charts/eval_true_return`` from a
    run's metrics.jsonl into ``png``; the GW cost, when logged, on a second panel."""
    plt = pyplot()
    rows = [json.loads(line) for line in Path(metrics).read_text().splitlines() if line.strip()]

    def series(key: str) -> tuple[list[float], list[float]]:
        picked = [r for r in rows if key in r]
        return [r["global_step"] for r in picked], [r[key] for r in picked]

    gw_steps, gw_cost = series("charts/gw_cost")
    fig, axes = plt.subplots(1, 2 if gw_cost else 1, figsize=(10 if gw_cost else 5.5, 3.8))
    ax = axes[0] if gw_cost else axes
    steps, returns = series("charts/true_return")
    ax.plot(steps, returns, lw=0.6, alpha=0.5, label="training episodes")
    steps, returns = series("charts/eval_true_return")
    ax.plot(steps, returns, marker="o", label="evaluation (deterministic)")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("true return (never used by GWIL)")
    ax.set_title(title)
    ax.legend()
    if gw_cost:
        axes[1].plot(gw_steps, gw_cost, lw=0.6)
        axes[1].set_xlabel("environment steps")
        axes[1].set_ylabel("GW cost to the expert")
        axes[1].set_yscale("log")
    fig.tight_layout()
    png = Path(png)
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png
