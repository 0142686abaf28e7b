"""Plots of an evaluation (matplotlib, Agg backend: no display needed).

- :func:`plot_distributions`: per question, the humans' answer distribution over the
  option positions 0..K-1 beside each condition's (group "all").
- :func:`plot_correlations`: the question-by-question correlation matrices side by side,
  the humans' first, each restricted to the questions the condition's matrix has.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.common.plotting import pyplot
from bench.personas.evaluation import ALL, EvaluationTable


def plot_distributions(table: EvaluationTable, path: str | Path, *, group: str = ALL) -> Path:
    """One panel per question: P(option) of the humans (black) and of each condition."""
    plt = pyplot()
    path = Path(path)
    dist = table.distributions.loc[table.distributions["group"] == group]
    questions = list(dict.fromkeys(dist["question"]))
    if not questions:
        raise ValueError(f"no distributions for group {group!r}; evaluate first")
    conditions = [c for c in dict.fromkeys(dist["condition"]) if c != "human"]
    cols = min(6, len(questions))
    rows = int(np.ceil(len(questions) / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(2.6 * cols, 2.2 * rows), squeeze=False, sharey=True
    )
    for ax, question in zip(axes.flat, questions):
        q = dist.loc[dist["question"] == question]
        for condition in ["human", *conditions]:
            c = q.loc[q["condition"] == condition].sort_values("option_index")
            width = 2.5 if condition == "human" else 1.0
            color = "black" if condition == "human" else None
            ax.plot(
                c["option_index"],
                c["probability"],
                marker="o",
                markersize=3,
                label=condition,
                linewidth=width,
                color=color,
            )
        ax.set_title(question, fontsize=9)
        ax.set_xticks(np.unique(q["option_index"].to_numpy()))
    for ax in list(axes.flat)[len(questions) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(8, len(labels)), fontsize=8)
    fig.suptitle(
        f"{table.dataset}: answer distributions over option positions ({group})", fontsize=10
    )
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_correlations(table: EvaluationTable, path: str | Path) -> Path:
    """The humans' correlation matrix beside each condition's (group "all")."""
    plt = pyplot()
    path = Path(path)
    conditions = [c for c in table.correlations if c != "human"]
    if "human" not in table.correlations or not conditions:
        raise ValueError("no correlation matrices (fewer than 2 questions varied on both sides)")
    names = ["human", *conditions]
    fig, axes = plt.subplots(1, len(names), figsize=(3.0 * len(names), 3.2), squeeze=False)
    labels = table.correlations[conditions[0]].index
    for ax, name in zip(axes.flat, names):
        matrix = table.correlations[name]
        if name == "human":
            matrix = matrix.loc[labels, labels]
        image = ax.imshow(np.asarray(matrix, dtype=float), vmin=-1, vmax=1, cmap="RdBu_r")
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=list(axes.flat), shrink=0.8)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
