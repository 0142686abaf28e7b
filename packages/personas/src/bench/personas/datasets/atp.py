"""Pew Research Center American Trends Panel (ATP) wave files (``atp:PATH.sav``).

ATP waves are the user's own downloads (SPSS .sav, read with pyreadstat). Pew names the
profile (demographic) variables ``F_*`` and each wave's questions ``NAME_W{wave}``; the
weight is ``WEIGHT_W{wave}`` and the respondent id ``QKEY``.

Options come from the file's value labels, in code order. A code whose label says the
respondent gave no answer ("Refused", "Don't know", "DK/Refused", "No answer", "Skipped",
"Not asked") is a *missing* code of that variable (``Trait.missing`` / ``Question.missing``),
whatever its number: Pew uses 99 for most items but not all, so the labels decide, never a
fixed code.

Built-in configs: waves 34, 92 and 99 (the waves Anthology evaluates on). Demographic
traits are the F_ variables below (the first of each trait's candidates that the file has,
since Pew renamed some across waves, e.g. F_SEX -> F_GENDER, and early waves such as 17 add a
``_FINAL`` suffix); questions are every
labelled ``*_W{wave}`` variable with at least two substantive options, except weights.
To choose other variables, or to fix labels, describe the file with a ``spec:`` YAML
instead (export it to CSV/Parquet first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bench.personas.datasets.dataset import Dataset, Question, Trait

# Labels that mean "no answer" (case-insensitive search).
REFUSAL_PATTERN = re.compile(
    r"refused|don'?t know|\bdk\b|no answer|not sure/refused|skipped|not asked|\bref\b",
    re.IGNORECASE,
)

# trait -> (question asked of personas, candidate F_ variables in order of preference)
ATP_TRAITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "age": ("What is your age?", ("F_AGECAT", "F_AGECAT_FINAL")),
    "gender": ("What is your gender?", ("F_GENDER", "F_SEX", "F_SEX_FINAL")),
    "education": (
        "What is the highest level of school you have completed?",
        ("F_EDUCCAT", "F_EDUCCAT2", "F_EDUCCAT_FINAL"),
    ),
    "race": (
        "What is your race or ethnicity?",
        ("F_RACETHNMOD", "F_RACETHN", "F_RACECMB", "F_RACETHN_RECRUITMENT"),
    ),
    "income": (
        "What was your family income last year?",
        ("F_INC_SDT1", "F_INCOME", "F_INCOME_RECODE", "F_INCOME_RECODE_FINAL"),
    ),
    "party": (
        "In politics today, do you consider yourself a Republican, Democrat, or independent?",
        ("F_PARTY_FINAL", "F_PARTYSUM_FINAL", "F_PARTYSUMIDEO_FINAL"),
    ),
    "ideology": (
        "In general, would you describe your political views as...",
        ("F_IDEO", "F_IDEO_FINAL"),
    ),
}


@dataclass(frozen=True)
class AtpWave:
    """Which variables of an ATP wave file are the respondent id, weight and questions."""

    wave: int
    id: str = "QKEY"
    questions: tuple[str, ...] | None = None  # None: every labelled *_W{wave} item

    @property
    def suffix(self) -> str:
        return f"_W{self.wave}"

    @property
    def weight(self) -> str:
        return f"WEIGHT_W{self.wave}"


ATP_WAVES: dict[int, AtpWave] = {w: AtpWave(wave=w) for w in (34, 92, 99)}


def _is_refusal(label: Any) -> bool:
    return bool(REFUSAL_PATTERN.search(str(label)))


def _options(labels: dict[Any, str]) -> tuple[tuple[Any, ...], tuple[str, ...], tuple[Any, ...]]:
    """(codes, texts, missing codes) from one variable's value labels, in code order."""
    codes, texts, missing = [], [], []
    for code in sorted(labels, key=lambda c: (isinstance(c, str), c)):
        if _is_refusal(labels[code]):
            missing.append(code)
        else:
            codes.append(code)
            texts.append(str(labels[code]))
    return tuple(codes), tuple(texts), tuple(missing)


def detect_wave(columns: list[str], path: Path) -> int:
    """The wave number most question variables end with (``_W92`` -> 92)."""
    found = pd.Series([int(m.group(1)) for c in columns if (m := re.search(r"_W(\d+)$", c))])
    if found.empty:
        raise ValueError(
            f"{path}: no variables ending in _W<wave>; is this a Pew ATP wave file? "
            "Otherwise describe it with a spec: YAML"
        )
    return int(found.mode().iloc[0])


def load_atp(path: str | Path, *, wave: int | None = None) -> Dataset:
    """Read an ATP wave .sav into a :class:`Dataset`.

    Each variable's value labels give its options; labels matching
    :data:`REFUSAL_PATTERN` become missing codes. The wave is detected from the variable
    names when not given.
    """
    import pyreadstat  # imported here: only ATP users pay for it

    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: ATP file not found")
    try:
        table, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError
        raise ValueError(f"{path}: cannot read as an SPSS .sav file ({exc})") from exc
    if len(table) == 0:
        raise ValueError(f"{path}: the file has no respondents")
    labels: dict[str, dict[Any, str]] = meta.variable_value_labels
    column_labels = dict(zip(meta.column_names, meta.column_labels))
    if wave is None:
        wave = detect_wave(list(table.columns), path)
    config = ATP_WAVES.get(wave) or AtpWave(wave=wave)
    traits = []
    for name, (question, candidates) in ATP_TRAITS.items():
        column = next((c for c in candidates if c in table.columns), None)
        if column is None:
            continue  # older waves lack some profile variables; match on the rest
        if column not in labels:
            raise ValueError(
                f"{path}: {column} has no value labels; describe the file with a spec: YAML"
            )
        codes, texts, refusals = _options(labels[column])
        traits.append(
            Trait(
                name=name,
                column=column,
                question=question,
                options=texts,
                codes=codes,
                missing=refusals,
            )
        )
    if not traits:
        raise ValueError(
            f"{path}: none of the profile variables {[c for _, cs in ATP_TRAITS.values() for c in cs]} "
            "is in the file; describe it with a spec: YAML"
        )
    if config.questions is not None:
        names = list(config.questions)
        absent = [c for c in names if c not in table.columns]
        if absent:
            raise ValueError(f"{path}: wave {config.wave} questions {absent} are not in the file")
    else:
        names = [
            c
            for c in table.columns
            if c.endswith(config.suffix) and not c.upper().startswith("WEIGHT") and c in labels
        ]
    questions = []
    for column in names:
        codes, texts, refusals = _options(labels.get(column, {}))
        if len(codes) < 2:
            continue  # a flag or an open-end code, not an opinion item
        questions.append(
            Question(
                id=column,
                column=column,
                text=str(column_labels.get(column) or column),
                options=texts,
                codes=codes,
                missing=refusals,
            )
        )
    if not questions:
        raise ValueError(f"{path}: no labelled question variables ending in {config.suffix}")
    id_column = config.id if config.id in table.columns else None
    if id_column is None:
        table = table.assign(id=range(len(table)))
        id_column = "id"
    weights = None
    if config.weight in table.columns:
        weights = pd.to_numeric(table[config.weight], errors="coerce").fillna(0.0)
    return Dataset(
        name=f"atp_w{config.wave}",
        respondents=table,
        demographics=tuple(traits),
        questions=tuple(questions),
        id=id_column,
        weights=weights,
        source=str(path),
        description=f"Pew ATP wave {config.wave}",
    )
