"""Tables and learning curves over GWIL runs: true return and success, mean ± 95% CI over seeds.

A run directory (``bench agents gwil run --out DIR``) is one method and one seed: its
run.json names the domain (``identity``), the method (``config``) and the seed, and its
metrics.jsonl holds the evaluations (``charts/eval_true_return``, ``charts/eval_success``)
taken every ``eval_every`` steps and at the end. Runs of one domain are compared at the
same budget: the fewest steps any of them reached. The interval of a mean over n seeds is
the Student-t one (:func:`bench.common.metrics.mean_ci`; none for n = 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.common.metrics import mean_ci
from bench.common.plotting import pyplot
from bench.common.run_record import RunRecord, flat_settings

EVALUATION_COLUMNS = ("domain", "method", "seed", "run", "step", "true_return", "success")
# Settings that may differ between runs that are pooled: the budget (runs are cut to the
# domain's common one).
POOLED_ACROSS = ("total_steps",)
# TrainConfig fields only method="gwil" reads (the pseudo-reward's); "standardize_rewards"
# is reward_scaling's name in run records written before 373132f.
GWIL_ONLY_SETTINGS = ("reward", "reward_scaling", "standardize_rewards")


def _read_settings(method: str, config: dict[str, Any]) -> dict[str, Any]:
    """The run's settings by dotted path, less those its method does not read (the
    pseudo-reward's, for the baselines)."""
    settings = flat_settings(config)
    if method == "gwil":
        return settings
    return {k: v for k, v in settings.items() if k.split(".")[0] not in GWIL_ONLY_SETTINGS}


Row = dict[str, Any]


def load_evaluations(run_dir: Path) -> list[Row]:
    """A run's evaluations, one dict each (keys EVALUATION_COLUMNS); ValueError naming the
    directory when it is not a `gwil run` directory."""
    run_dir = Path(run_dir)
    record_path, metrics_path = run_dir / "run.json", run_dir / "metrics.jsonl"
    if not record_path.exists() or not metrics_path.exists():
        raise ValueError(
            f"{run_dir} has no run.json or metrics.jsonl; pass directories written by "
            "`bench agents gwil run`"
        )
    record = RunRecord.read(record_path)
    if "domain" not in record.identity or "method" not in record.config:
        raise ValueError(f"{record_path} names no GWIL domain or method; is it a `gwil run`?")
    rows = []
    for line in metrics_path.read_text().splitlines():
        # a line cut short by a kill is dropped, as MetricsLog does on resume
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if "charts/eval_true_return" in row:
            rows.append(
                {
                    "domain": record.identity["domain"],
                    "method": record.config["method"],
                    "seed": record.seed,
                    "run": str(run_dir),
                    "step": int(row["global_step"]),
                    "true_return": float(row["charts/eval_true_return"]),
                    "success": float(row.get("charts/eval_success", float("nan"))),
                    "settings": _read_settings(record.config["method"], record.config),
                }
            )
    return rows


def load_runs(run_dirs: list[Path]) -> pd.DataFrame:
    """The evaluations of every run (EVALUATION_COLUMNS), each cut to its domain's budget:
    the fewest steps any run of the domain reached. Evaluations fall at episode ends, so a
    longer run is cut at its evaluation nearest to the budget (the earlier on a tie)."""
    rows = [row for run_dir in run_dirs for row in load_evaluations(run_dir)]
    if not rows:
        raise ValueError("none of the runs has an evaluation yet")
    _label_variants(rows)
    steps: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        steps.setdefault((row["domain"], row["run"]), []).append(row["step"])
    budget: dict[str, int] = {}
    for (domain, _), reached in steps.items():
        budget[domain] = min(budget.get(domain, max(reached)), max(reached))
    cut = {
        run: min(reached, key=lambda step: (abs(step - budget[domain]), step))
        for (domain, run), reached in steps.items()
    }
    kept = [row for row in rows if row["step"] <= cut[row["run"]]]
    return pd.DataFrame(kept, columns=list(EVALUATION_COLUMNS))


def _label_variants(rows: list[Row]) -> None:
    """Each row's method, in place, followed by the settings that differ among the runs of
    its domain and method (POOLED_ACROSS aside); drops the rows' "settings"."""
    settings = {row["run"]: row.pop("settings") for row in rows}
    label = {}
    for (_, method), of_method in _groups(rows, "domain", "method").items():
        runs = {row["run"] for row in of_method}
        keys = set().union(*(settings[run] for run in runs)) - set(POOLED_ACROSS)
        differ = sorted(k for k in keys if len({json.dumps(settings[r].get(k)) for r in runs}) > 1)
        for run in runs:
            shown = ", ".join(f"{k}={settings[run].get(k)}" for k in differ)
            label[run] = f"{method} ({shown})" if shown else method
    for row in rows:
        row["method"] = label[row["run"]]


def _groups(rows: list[Row], *keys: str) -> dict[tuple, list[Row]]:
    """``rows`` grouped by the values of ``keys``, in sorted key order."""
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return dict(sorted(groups.items()))


def _records(evaluations: pd.DataFrame) -> list[Row]:
    return [{str(k): v for k, v in row.items()} for row in evaluations.to_dict("records")]


def summarize(evaluations: pd.DataFrame) -> pd.DataFrame:
    """One row per (domain, method): each run's last evaluation within the budget, then
    mean ± 95% CI over seeds of the true return and the success rate."""
    last = [
        max(rows, key=lambda r: r["step"])
        for rows in _groups(_records(evaluations), "run").values()
    ]
    table = []
    for (domain, method), runs in _groups(last, "domain", "method").items():
        runs.sort(key=lambda r: r["seed"])
        ret, ret_ci = mean_ci(np.array([r["true_return"] for r in runs]))
        success, success_ci = mean_ci(np.array([r["success"] for r in runs]))
        table.append(
            {
                "domain": domain,
                "method": method,
                "seeds": len(runs),
                "steps": min(r["step"] for r in runs),
                "true_return": ret,
                "true_return_ci95": ret_ci,
                "success": success,
                "success_ci95": success_ci,
                "per_seed": " ".join(f"{r['true_return']:.1f}" for r in runs),
            }
        )
    return pd.DataFrame(table)


def _cell(mean: float, half: float, digits: int) -> str:
    if np.isnan(mean):
        return "–"
    return f"{mean:.{digits}f} ± {half:.{digits}f}" if not np.isnan(half) else f"{mean:.{digits}f}"


def to_markdown(table: pd.DataFrame) -> str:
    """The summary as a Markdown table with ``mean ± 95% CI`` cells."""
    head = ["domain", "method", "seeds", "steps", "true return", "success", "per seed"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in _records(table):
        cells = [
            str(r["domain"]),
            str(r["method"]),
            str(r["seeds"]),
            f"{r['steps']:,}",
            _cell(r["true_return"], r["true_return_ci95"], 1),
            _cell(r["success"], r["success_ci95"], 2),
            str(r["per_seed"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_curves(evaluations: pd.DataFrame, path: Path) -> Path:
    """Evaluation true return against environment steps, one panel per domain and one line
    per method, the bars a 95% CI over seeds. The k-th evaluations of the runs are pooled
    (they fall within an episode of one another), drawn at their median step."""
    plt = pyplot()
    by_domain = _groups(_records(evaluations), "domain")
    fig, axes = plt.subplots(1, len(by_domain), figsize=(5 * len(by_domain), 3.6), squeeze=False)
    for ax, ((domain,), rows) in zip(axes[0], by_domain.items()):
        for (method,), of_method in _groups(rows, "method").items():
            runs = _groups(of_method, "run")
            # the k-th evaluation of every run, pooled
            depth = max(len(r) for r in runs.values())
            points = []
            for k in range(depth):
                kth = [sorted(r, key=lambda e: e["step"])[k] for r in runs.values() if len(r) > k]
                mean, half = mean_ci(np.array([e["true_return"] for e in kth]))
                points.append((float(np.median([e["step"] for e in kth])), mean, half))
            x, mean, half = (np.array(v) for v in zip(*points))
            label = f"{method} ({len(runs)} seeds)"
            ax.errorbar(x, mean, yerr=np.nan_to_num(half), marker="o", ms=3, capsize=2, label=label)
        ax.set_title(domain)
        ax.set_xlabel("environment steps")
        ax.set_ylabel("true return (evaluation)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
