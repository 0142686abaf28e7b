"""The ablation's figure: each metric against the knob, one line per group and measure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bench.common.plotting import pyplot
from bench.personas.ablation.config import ALL_QUESTIONS, PLOT_METRICS


def ablation_lines(table: pd.DataFrame) -> dict[str, dict[str, tuple[list, list[float]]]]:
    """What :func:`plot_ablation` draws: metric -> line label -> (knob values, scores).

    One line per (group, measure) of each metric in :data:`PLOT_METRICS`; every line has
    one point per knob value, in the table's order.
    """
    panels: dict[str, dict[str, tuple[list, list[float]]]] = {}
    for metric in PLOT_METRICS:
        rows = table.loc[table["metric"] == metric]
        for key, line in rows.groupby(["group", "measure"], sort=False):
            group, measure = key  # pyright: ignore[reportGeneralTypeIssues]  # stubs: a list key gives tuples
            label = "all questions" if measure == ALL_QUESTIONS else f"{group}: {measure}"
            panels.setdefault(metric, {})[label] = (
                line["value"].tolist(),
                line["score"].astype(float).tolist(),
            )
    return panels


def plot_ablation(table: pd.DataFrame, path: str | Path) -> Path:
    """Each metric of :data:`PLOT_METRICS` against the knob, one line per group / measure."""
    plt = pyplot()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    panels = ablation_lines(table)
    kind, knob = table["kind"].iloc[0], table["knob"].iloc[0]
    values = list(dict.fromkeys(table["value"]))
    numeric = all(isinstance(v, (int, np.integer)) for v in values)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels) + 0.6, 3.2), squeeze=False)
    bound = table.loc[table["metric"] == "wd_human_bound", "score"]
    # One colour per line label in every panel.
    labels = list(dict.fromkeys(label for lines in panels.values() for label in lines))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = {label: cycle[i % len(cycle)] for i, label in enumerate(labels)}
    for ax, (metric, lines) in zip(axes.flat, panels.items()):
        for label, (xs, ys) in lines.items():
            x = xs if numeric else [values.index(v) for v in xs]
            ax.plot(x, ys, marker="o", label=label, color=colors[label])
        if metric == "wd" and len(bound):
            ax.axhline(bound.iloc[0], color="grey", linestyle="--", label="human split-half")
        if metric == "cohens_d":
            human = table.loc[table["metric"] == "cohens_d_human"]
            for _, row in human.drop_duplicates(["group", "measure"]).iterrows():
                ax.axhline(row["score"], color="black", linewidth=0.6, linestyle=":")
        if numeric and len(values) > 2 and max(values) / max(min(values), 1) >= 4:
            ax.set_xscale("log", base=2)
        ax.set_xticks(values if numeric else range(len(values)), [str(v) for v in values])
        ax.set_xlabel(knob, fontsize=8)
        ax.set_title(metric, fontsize=9)
        ax.legend(fontsize=6)
    fig.suptitle(f"{kind} ablation", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
