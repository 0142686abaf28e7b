"""A run's metrics.jsonl: one JSON object per line, appended as training goes, resumable.

Every line starts with the run's step counter (``step_key``: ``global_step`` for GWIL,
``iteration`` for Adversarial Surprise). A run resumed from a checkpoint taken at step k
reopens its log with ``resume_step=k``: the lines written after the checkpoint (by the run
that was killed) are dropped, so the resumed run's log reads as if it had never stopped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from bench.common.atomic import atomic_write_text


class MetricsLog:
    """Appends ``{step_key: step, **values}`` lines to ``path``, flushed at every write.

    ``resume_step=None`` starts an empty log; an integer keeps only the lines whose
    ``step_key`` is at most it (rewritten atomically: a kill leaves the old file).
    """

    def __init__(self, path: Path, *, resume_step: int | None, step_key: str = "global_step"):
        self.path, self.step_key = path, step_key
        if resume_step is None:
            path.write_text("")
        elif path.exists():
            lines = path.read_text().splitlines()
            kept = [line for line in lines if self._before(line, resume_step)]
            atomic_write_text(path, "".join(line + "\n" for line in kept))
        self._file = path.open("a")

    def _before(self, line: str, resume_step: int) -> bool:
        """Whether ``line`` was written at or before the checkpoint's step."""
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # cut short by a kill, so written after the checkpoint
            return False
        return record[self.step_key] <= resume_step

    def write(self, step: int, values: Mapping[str, float | int | None]) -> None:
        """One line: the step, then ``values`` in their order."""
        self._file.write(json.dumps({self.step_key: step, **values}) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> MetricsLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
