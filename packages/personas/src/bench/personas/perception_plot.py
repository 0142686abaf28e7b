"""Bar plot of the perception gaps (matplotlib, Agg backend: no display needed).

One panel per measure that has a value (hostility, placement, meta); in each, one cluster
of bars per group, one bar per condition, the humans' in black.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.common.plotting import pyplot
from bench.personas.perception import HUMAN, MEASURES, GapTable


def plot_gaps(table: GapTable, path: str | Path) -> Path:
    """Gap (option positions) per group and condition, a panel per computable measure."""
    plt = pyplot()
    path = Path(path)
    gaps = table.table.dropna(subset=["gap"])
    measures = [m for m in MEASURES if m in set(gaps["measure"])]
    if not measures:
        raise ValueError("no computable gap to plot; every row is n/a")
    conditions = list(dict.fromkeys([HUMAN, *table.table["condition"]]))
    fig, axes = plt.subplots(
        1, len(measures), figsize=(3.2 * len(measures) + 1, 3.0), squeeze=False
    )
    width = 0.8 / len(conditions)
    for ax, measure in zip(axes.flat, measures):
        rows = gaps.loc[gaps["measure"] == measure]
        groups = list(dict.fromkeys(rows["group"]))
        for k, condition in enumerate(conditions):
            values = rows.loc[rows["condition"] == condition].groupby("group")["gap"].mean()
            heights = [values.get(g, np.nan) for g in groups]
            ax.bar(
                np.arange(len(groups)) + (k - (len(conditions) - 1) / 2) * width,
                heights,
                width,
                label=condition,
                color="black" if condition == HUMAN else None,
            )
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_xticks(np.arange(len(groups)), groups, fontsize=8)
        ax.set_title(measure, fontsize=9)
    axes.flat[0].set_ylabel("gap (option positions)", fontsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(8, len(labels)), fontsize=8)
    fig.suptitle(f"{table.dataset}: perception gaps by {table.grouping}", fontsize=10)
    fig.tight_layout(rect=(0, 0.1, 1, 0.93))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
