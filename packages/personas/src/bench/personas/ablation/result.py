"""What an ablation produced: the metrics table, its pools and timings; JSON and Markdown."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.personas.ablation.config import ALL_QUESTIONS, AblationConfig
from bench.personas.stages import StageTiming

KnobValue = int | str  # a size or length (quantity, depth), or "off" / "on" (consistency)


@dataclass(frozen=True)
class AblationResult:
    """What an ablation produced.

    ``table``: the metrics, long (:data:`TABLE_COLUMNS`). ``pools``: knob value -> the
    persona ids matching drew from, in pool order. ``verdicts``: the critic's counts
    (consistency only). ``model_calls``: model calls made by this invocation (0 when
    every stage was finished earlier).
    """

    config: AblationConfig
    out_dir: Path
    table: pd.DataFrame
    pools: dict[KnobValue, list[str]]
    verdicts: dict[str, int] | None
    timings: tuple[StageTiming, ...]
    plot: Path
    model_identity: dict[str, Any]

    @property
    def model_calls(self) -> float:
        return float(sum(t.model_calls for t in self.timings if not t.resumed))

    def wide(self) -> pd.DataFrame:
        """The table with one column per metric: rows (value, group, measure)."""
        wide = self.table.pivot_table(
            index=["value", "group", "measure"], columns="metric", values="score", sort=False
        )
        wide.columns.name = None
        return wide.reset_index()

    def to_markdown(self) -> str:
        """Two Markdown tables: the overall metrics, then the perception gaps (if any)."""
        wide = self.wide()
        lines = [f"{self.config.dataset}: {self.config.kind} ablation ({self.config.knob})"]
        if self.verdicts is not None:
            lines.append(f"critic verdicts: {self.verdicts}")
        overall = wide["measure"] == ALL_QUESTIONS
        for block in (wide[overall], wide[~overall]):
            block = block.dropna(axis=1, how="all")
            if block.empty:
                continue
            head = "| " + " | ".join(block.columns) + " |"
            rule = "|" + "|".join("---" for _ in block.columns) + "|"
            rows = [
                "| " + " | ".join(_cell(v) for v in row) + " |"
                for row in block.itertuples(index=False)
            ]
            lines += ["", head, rule, *rows]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.config.kind,
            "knob": self.config.knob,
            "values": list(self.config.knob_values),
            "dataset": self.config.dataset,
            "pools": {str(v): ids for v, ids in self.pools.items()},
            "verdicts": self.verdicts,
            "timings": [dataclasses.asdict(t) for t in self.timings],
            "table": json.loads(str(self.table.to_json(orient="records"))),
        }


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if np.isnan(value) else f"{value:.3f}"
    return str(value)
