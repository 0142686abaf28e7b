"""Pew Research Center American Trends Panel (ATP) wave files (``atp:PATH.sav``).

ATP waves are the user's own downloads (SPSS .sav, read with pyreadstat). Pew names the
profile (demographic) variables ``F_*`` and each wave's questions ``NAME_W{wave}``; the
weight is ``WEIGHT_W{wave}`` and the respondent id ``QKEY``.

Options come from the file's value labels, in code order. A code whose label says the
respondent gave no answer ("Refused", "Don't know", "DK/Refused", "No answer", "Skipped",
"Not asked") is a *missing* code of that variable (``Trait.missing`` / ``Question.missing``),
whatever its number: Pew uses 99 for most items but not all, so the labels decide, never a
fixed code.

Built-in waves 34, 92 and 99 (the waves Anthology evaluates on) are described by the
package's ``data/atp/w{wave}.yaml``: the paper's curated items (wording and option texts
from its questionnaire files), the profile variable of each trait, and the traits the
QA/Bio/Portray baselines state. A trait variable or item that the file lacks is an error
that names it: a wrong file must not quietly become a different survey.

Other waves fall back to a generic reading: traits are the F_ variables below (the first
of each trait's candidates that the file has, since Pew renamed some across waves, e.g.
F_SEX -> F_GENDER, and early waves such as 17 add a ``_FINAL`` suffix); questions are
every labelled ``*_W{wave}`` variable with at least two substantive options, except
weights. To choose the variables, or to fix labels, describe the file with a ``spec:``
YAML instead (export it to CSV/Parquet first).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pandas as pd
import yaml

from bench.personas.datasets.codes import Code
from bench.personas.datasets.dataset import (
    Dataset,
    Question,
    Trait,
    numbers,
    survey_weights,
    table_column,
)

# A variable's value labels, as pyreadstat reads them: code -> label text.
ValueLabels = Mapping[Code, str]

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


# The traits the Anthology code's baselines state (configs/surveys/ATP_baseline_config.yaml).
ATP_BASELINE_TRAITS = ("income", "race", "age", "gender", "education")


@dataclass(frozen=True)
class AtpItem:
    """One curated question: the wave's variable, its wording and its option texts in the
    file's code order."""

    column: str
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class AtpWave:
    """Which variables of an ATP wave file are the respondent id, weight, traits and questions.

    ``traits`` maps a trait name to (variable, question); ``questions`` lists the curated
    items. None (a wave without a curated file) means the generic reading (module docstring).
    """

    wave: int
    id: str = "QKEY"
    traits: Mapping[str, tuple[str, str]] | None = None
    questions: tuple[AtpItem, ...] | None = None
    baseline_traits: tuple[str, ...] = ATP_BASELINE_TRAITS

    @property
    def suffix(self) -> str:
        return f"_W{self.wave}"

    @property
    def weight(self) -> str:
        return f"WEIGHT_W{self.wave}"


def _curated_wave(path: Path) -> AtpWave:
    spec = yaml.safe_load(path.read_text())
    return AtpWave(
        wave=int(spec["wave"]),
        id=str(spec.get("id", "QKEY")),
        traits={
            name: (str(entry["column"]), str(entry["question"]))
            for name, entry in spec["traits"].items()
        },
        questions=tuple(
            AtpItem(str(q["column"]), str(q["text"]), tuple(str(o) for o in q["options"]))
            for q in spec["questions"]
        ),
        baseline_traits=tuple(spec.get("baseline_traits") or ATP_BASELINE_TRAITS),
    )


def _curated_waves() -> dict[int, AtpWave]:
    folder = Path(str(files("bench.personas").joinpath("data", "atp")))
    waves = (_curated_wave(p) for p in sorted(folder.glob("w*.yaml")))
    return {w.wave: w for w in waves}


ATP_WAVES: dict[int, AtpWave] = _curated_waves()


def _is_refusal(label: str) -> bool:
    return bool(REFUSAL_PATTERN.search(str(label)))


def _options(labels: ValueLabels) -> tuple[tuple[Code, ...], tuple[str, ...], tuple[Code, ...]]:
    """(codes, texts, missing codes) from one variable's value labels, in code order."""
    codes: list[Code] = []
    texts: list[str] = []
    missing: list[Code] = []
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
    assert isinstance(table, pd.DataFrame)  # pyreadstat's default output frame
    if len(table) == 0:
        raise ValueError(f"{path}: the file has no respondents")
    # the stub types codes as numbers; a text variable's labels have text codes
    labels: Mapping[str, ValueLabels] = meta.variable_value_labels  # pyright: ignore[reportAssignmentType]
    column_labels = {c: label or "" for c, label in zip(meta.column_names, meta.column_labels)}
    if wave is None:
        wave = detect_wave(list(table.columns), path)
    config = ATP_WAVES.get(wave) or AtpWave(wave=wave)
    where = f"{path} (ATP wave {config.wave})"
    traits = _traits(where, config, table, labels)
    questions = _questions(where, config, table, labels, column_labels)
    id_column = config.id if config.id in table.columns else None
    if id_column is None:
        table = table.assign(id=range(len(table)))
        id_column = "id"
    weights = None
    if config.weight in table.columns:
        # Pew leaves the weight blank for no respondent of a wave; blank counts as 0
        filled = numbers(table_column(table, config.weight)).fillna(0.0)
        weights = survey_weights(where, table.assign(**{config.weight: filled}), config.weight)
    names = {t.name for t in traits}
    return Dataset(
        name=f"atp_w{config.wave}",
        respondents=table,
        demographics=tuple(traits),
        questions=tuple(questions),
        id=id_column,
        weights=weights,
        source=str(path),
        description=f"Pew ATP wave {config.wave}",
        baseline_traits=tuple(t for t in config.baseline_traits if t in names),
    )


def _trait(
    where: str, name: str, column: str, question: str, labels: Mapping[str, ValueLabels]
) -> Trait:
    if column not in labels:
        raise ValueError(
            f"{where}: {column} (trait {name!r}) has no value labels; describe the file with a "
            "spec: YAML"
        )
    codes, texts, refusals = _options(labels[column])
    return Trait(
        name=name, column=column, question=question, options=texts, codes=codes, missing=refusals
    )


def _traits(
    where: str, config: AtpWave, table: pd.DataFrame, labels: Mapping[str, ValueLabels]
) -> list[Trait]:
    if config.traits is not None:
        absent = [f"{c} ({name})" for name, (c, _) in config.traits.items() if c not in table]
        if absent:
            raise ValueError(
                f"{where}: the file lacks the profile variable(s) {absent}; is it the wave "
                f"{config.wave} file? Describe another table with a spec: YAML"
            )
        return [_trait(where, n, c, q, labels) for n, (c, q) in config.traits.items()]
    traits = []
    for name, (question, candidates) in ATP_TRAITS.items():
        column = next((c for c in candidates if c in table.columns), None)
        if column is not None:  # older waves lack some profile variables; match on the rest
            traits.append(_trait(where, name, column, question, labels))
    if not traits:
        raise ValueError(
            f"{where}: none of the profile variables {[c for _, cs in ATP_TRAITS.values() for c in cs]} "
            "is in the file; describe it with a spec: YAML"
        )
    return traits


def _curated_question(where: str, item: AtpItem, labels: Mapping[str, ValueLabels]) -> Question:
    codes, texts, refusals = _options(labels.get(item.column, {}))
    if len(codes) != len(item.options):
        raise ValueError(
            f"{where}: {item.column} has {len(codes)} answer labels {list(texts)} but the "
            f"curated item has {len(item.options)} options {list(item.options)}; is it the "
            "wave's original file? Describe another table with a spec: YAML"
        )
    return Question(
        id=item.column,
        column=item.column,
        text=item.text,
        options=item.options,
        codes=codes,
        missing=refusals,
    )


def _questions(
    where: str,
    config: AtpWave,
    table: pd.DataFrame,
    labels: Mapping[str, ValueLabels],
    column_labels: dict[str, str],
) -> list[Question]:
    if config.questions is not None:
        absent = [item.column for item in config.questions if item.column not in table]
        if absent:
            raise ValueError(
                f"{where}: the file lacks the curated question variable(s) {absent}; is it the "
                f"wave {config.wave} file? Describe another table with a spec: YAML"
            )
        return [_curated_question(where, item, labels) for item in config.questions]
    questions = []
    for column in table.columns:
        if not column.endswith(config.suffix) or column.upper().startswith("WEIGHT"):
            continue
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
        raise ValueError(f"{where}: no labelled question variables ending in {config.suffix}")
    return questions
