"""LLM-as-critic: flag backstories that contradict themselves, then repair or drop them.

A long interview is sampled turn by turn at temperature 1, so a persona can be 23 in one
answer and celebrate its 70th birthday in the next. The critic reads a backstory as
*segments* (an interview's answers, in order; a plain backstory's sentences), extracts
facts from each segment, and flags a *conflict* when two extracted values of one fact
cannot both be true. Facts:

=============  =======================================================  ===============
fact           values                                                    extractor
=============  =======================================================  ===============
age            the narrator's present age in years; a conflict when two  the LM (grounded),
               ages differ by more than ``age_tolerance``                or rules
birth_year     "I was born in 1961"                                      rules
birthplace     "I was born in Dayton, Ohio"; a conflict when the two     rules
               place names share no word
party          Democrat / Republican (self-identification); a conflict   rules
               only between the two parties
marital        ever married ("my wife", "I'm married") / never married   rules
children       has children / has none                                   rules
=============  =======================================================  ===============

Why the LM reads the age and rules read the rest (measured on the embedded SmolLM2-135M,
one thread). Multiple-choice questions through ``choice_distribution`` ("How old is the
narrator?" with age bins, "Which party does the narrator support?", "Is the narrator
married?", yes/no "does the text mention ...") gave the *same* distribution whatever the
text said: P("65 or older") was 0.16 for "I am 23 years old" and 0.14 for "my 70th
birthday"; P(Republican) 0.45 for "as a lifelong Republican" and 0.50 for "I am a
registered Democrat". Free-text and few-shot prompts for party and marital status were no
better ("The narrator is a non-profit organization"). What the model does is *copy*:
asked "How old is the narrator? Reply with just a number", greedy decoding answered 23,
70 and 45 on texts that state those ages ("my 70th birthday", "I'm 45 now, and I work 12
hours a day"), but also 12 for "When I was 12", 17 for "My son is 17" and an invented 20
to 28 on texts with no age. So the LM's age is kept only when *grounded*: the number must
be stated as a present age in the segment (:func:`age_mentions`: "70 years old", "my 70th
birthday", "I'm 70", "turned 70"; not "when I was 12" or "3 cups"). ``age_source``
"both" (the default) adds first-person age patterns ("I am 23", "turning 19"), which
caught "turning 19" where the LM invented 21. The soft facts (party, marriage, children,
birth year and place) are deterministic first-person patterns only: no prompt we tried
made this model read them. With a larger model (``--model``) the same prompt applies.

Policy (:func:`review_backstories`): a backstory with no conflict *passes*; an interview
with a conflict has the answer of the later conflicting turn re-sampled (conditioned on
the earlier turns, as it was) up to ``regenerations`` = R times, re-checked after each,
and is *regenerated* once clean; one still in conflict after R tries, or a plain backstory
with a conflict (it has no turn to re-sample), is *dropped*.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.common.inference import Model, SamplingParams
from bench.personas.interview import InterviewConfig, join_answers, resample_answers, turn_records
from bench.personas.journal import Journal
from bench.personas.tables import write_parquet

FACTS = ("age", "birth_year", "birthplace", "party", "marital", "children")
AGE_SOURCES = ("lm", "rules", "both")
VERDICTS = ("passed", "regenerated", "dropped")


@dataclass(frozen=True)
class CriticConfig:
    """What the critic checks and how hard it tries to repair."""

    facts: tuple[str, ...] = FACTS
    age_source: str = "both"  # lm (grounded greedy answer) | rules | both
    age_tolerance: int = 2  # years two stated ages may differ ("my 70th birthday last year")
    regenerations: int = 2  # R: re-samples of a flagged answer before the backstory is dropped
    age_question: str = "How old is the narrator? Reply with just a number, or 'unknown'."
    age_tokens: int = 8  # new tokens of the LM's age answer (a number comes first)

    def __post_init__(self) -> None:
        unknown = [f for f in self.facts if f not in FACTS]
        if unknown:
            raise ValueError(f"unknown critic fact(s) {unknown}; use some of {list(FACTS)}")
        if self.age_source not in AGE_SOURCES:
            raise ValueError(f"age_source={self.age_source!r}; use one of {list(AGE_SOURCES)}")
        if self.age_tolerance < 0 or self.regenerations < 0 or self.age_tokens < 1:
            raise ValueError(
                "CriticConfig: age_tolerance and regenerations must be >= 0, age_tokens >= 1"
            )


@dataclass(frozen=True)
class Fact:
    """One value of one fact, read from segment ``segment`` by ``source`` (lm | rule)."""

    fact: str
    value: str
    segment: int
    source: str
    evidence: str


@dataclass(frozen=True)
class Conflict:
    """Two facts that cannot both hold; ``segments`` are (earlier, later)."""

    fact: str
    segments: tuple[int, int]
    values: tuple[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "segments": list(self.segments), "values": list(self.values)}


@dataclass(frozen=True)
class Critique:
    """The critic's reading of one backstory."""

    facts: tuple[Fact, ...]
    conflicts: tuple[Conflict, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.conflicts)


# -- rules: first-person statements of the soft facts -----------------------------------
_I_AM = r"\bI(?:'m| am|'ve been| have been|'ve always been| have always been| was)"
_PARTY = r"(Democrat|Republican)(?:s|ic)?\b"
_RULES: dict[str, tuple[tuple[re.Pattern[str], str | None], ...]] = {
    # (pattern, value): value None -> the first group, normalised
    "age": (
        (
            re.compile(
                r"\bI(?:'m| am)\s+(?:now\s+|only\s+|just\s+)?(\d{1,3})"
                r"(?=\s+years?\s+old|\s*[,.;!]|\s+now\b|\s+and\b)"
            ),
            None,
        ),
        (re.compile(r"\bI(?:'m| am) an? (\d{1,3})[- ]years?[- ]old\b"), None),
        (re.compile(r"\bmy (\d{1,3})(?:st|nd|rd|th) birthday\b", re.I), None),
        (re.compile(r"\bI (?:just |recently )?turned (\d{1,3})\b|\bturning (\d{1,3})\b"), None),
    ),
    "birth_year": ((re.compile(r"\bI was born (?:\w+ ){0,4}?in (1[89]\d\d|20[0-2]\d)\b"), None),),
    "birthplace": (
        (
            re.compile(
                r"\bI was born (?:and raised )?in (?!(?:January|February|March|April|May|June|"
                r"July|August|September|October|November|December|the)\b)"
                r"([A-Z][a-z]+(?:,? [A-Z][a-z]+)*)"
            ),
            None,
        ),
    ),
    "party": (
        (re.compile(_I_AM + r"\s+(?:a |an )?(?:(?!not\b|never\b)\w+ ){0,2}?" + _PARTY), None),
        (re.compile(r"\b[Aa]s an? (?:\w+ ){0,2}?" + _PARTY), None),
        (
            re.compile(
                r"\bI (?:have |'ve )?(?:always |usually |mostly |still )?"
                r"(?:vote|voted|support|supported)\s+"
                r"(?:for\s+)?(?:the\s+)?" + _PARTY
            ),
            None,
        ),
    ),
    "marital": (
        (
            re.compile(r"\bI(?:'ve| have) never (?:been )?married\b|\bnever got married\b", re.I),
            "never",
        ),
        (
            re.compile(
                r"\bmy (?:late |ex-?)?(?:wife|husband|spouse)\b|\bI(?:'m| am) (?:happily )?"
                r"(?:married|divorced|widowed)\b|\b(?:we|I) got married\b",
                re.I,
            ),
            "ever",
        ),
    ),
    "children": (
        (
            re.compile(r"\bI (?:have|had) no (?:children|kids)\b|\bI(?:'m| am) childless\b", re.I),
            "none",
        ),
        (
            re.compile(
                r"\bmy (?:sons?|daughters?|kids|children|grandchildren|grandkids)\b|"
                r"\bI have (?:\w+ )?(?:children|kids|sons|daughters)\b",
                re.I,
            ),
            "some",
        ),
    ),
}


def _normalise(fact: str, value: str) -> str:
    if fact == "party":
        return "Democrat" if value.lower().startswith("democrat") else "Republican"
    return value


def _first_group(match: re.Match[str]) -> str:
    return next(g for g in match.groups() if g is not None)


def rule_facts(text: str, segment: int, facts: Sequence[str] = FACTS) -> list[Fact]:
    """Every first-person statement of a fact in ``text`` that the patterns find."""
    found = []
    for fact in facts:
        for pattern, value in _RULES[fact]:
            for match in pattern.finditer(text):
                found.append(
                    Fact(
                        fact,
                        _normalise(fact, value if value is not None else _first_group(match)),
                        segment,
                        "rule",
                        match.group(0),
                    )
                )
    return found


# -- the LM: the narrator's age, grounded in an age mention of the segment ----------------
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3})(?![\d.]\d)")
# A number said as an age: "70 years old", "a 70-year-old", "my 70th birthday", "I'm 70",
# "turned 70", "aged 70" ...
_AGE_MENTIONS = (
    re.compile(r"(?<![\d.])(\d{1,3})(?:\s+|-)years?(?:\s+|-)old\b", re.I),
    re.compile(r"(?<![\d.])(\d{1,3})(?:st|nd|rd|th) birthday\b", re.I),
    re.compile(r"\b(?:I'm|I am|turned|turning|aged|age of|age)\s+(\d{1,3})\b", re.I),
)
# ... unless it is a past age: "when I was 12 years old", "since I was 12".
_PAST = re.compile(r"\b(?:when|was|were|since|until)\b[^.!?]{0,20}$", re.I)


def age_mentions(text: str) -> set[int]:
    """Numbers that ``text`` states as someone's present age (the LM's grounding set)."""
    found = set()
    for pattern in _AGE_MENTIONS:
        for match in pattern.finditer(text):
            if not _PAST.search(text[: match.start(1)]):
                found.add(int(match.group(1)))
    return found


def grounded_age(answer: str, segment_text: str) -> int | None:
    """The first number of the LM's ``answer`` if the segment states it as an age.

    Grounded: the number is one of :func:`age_mentions` of ``segment_text`` ("70 years
    old", "my 70th birthday", "I'm 70", not "when I was 12" or "3 cups"), so an age the
    model invented, or a number it copied that is no age, is discarded.
    """
    match = _NUMBER.search(answer)
    if match is None:
        return None
    age = int(match.group(1))
    return age if 1 <= age <= 120 and age in age_mentions(segment_text) else None


def lm_age_facts(
    model: Model, segments: Sequence[Sequence[str]], config: CriticConfig
) -> list[list[Fact]]:
    """Ask the LM the narrator's age in every segment that mentions an age (one batch).

    Greedy decoding (temperature 0), so the critic's reading is a function of the text;
    segments with no age mention are not asked (no answer could be grounded there).
    """
    asked = [
        (i, s)
        for i, item in enumerate(segments)
        for s, text in enumerate(item)
        if age_mentions(text)
    ]
    found: list[list[Fact]] = [[] for _ in segments]
    if not asked:
        return found
    prompts = [f"{segments[i][s].strip()}\n\n{config.age_question}" for i, s in asked]
    params = SamplingParams(temperature=0.0, max_tokens=config.age_tokens, stop=("\n",), seed=0)
    for (i, s), generation in zip(asked, model.generate(prompts, params)):
        age = grounded_age(generation.text, segments[i][s])
        if age is not None:
            found[i].append(Fact("age", str(age), s, "lm", generation.text.strip()))
    return found


# -- conflicts ----------------------------------------------------------------------------
def _disagree(fact: str, a: str, b: str, config: CriticConfig) -> bool:
    if fact == "age":
        return abs(int(a) - int(b)) > config.age_tolerance
    if fact == "birthplace":
        words = lambda v: {w.lower() for w in re.split(r"[ ,]+", v) if w}  # noqa: E731
        return not words(a) & words(b)
    return a != b


def find_conflicts(facts: Sequence[Fact], config: CriticConfig) -> list[Conflict]:
    """Pairs of facts that cannot both hold, one per (fact, pair of values), in text order."""
    conflicts: dict[tuple[str, str, str], Conflict] = {}
    ordered = sorted(facts, key=lambda f: (f.segment, FACTS.index(f.fact)))
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if first.fact != second.fact or not _disagree(
                first.fact, first.value, second.value, config
            ):
                continue
            low, high = sorted((first.value, second.value))
            key = (first.fact, low, high)
            conflicts.setdefault(
                key,
                Conflict(first.fact, (first.segment, second.segment), (first.value, second.value)),
            )
    return list(conflicts.values())


def critique(
    model: Model, segments: Sequence[Sequence[str]], config: CriticConfig | None = None
) -> list[Critique]:
    """Read each backstory (a list of segments) and return its facts and conflicts.

    ``config`` None -> :class:`CriticConfig`'s defaults. ``model`` may be None when the
    configuration asks the LM nothing (``age_source`` "rules" or no "age" fact).
    """
    config = config if config is not None else CriticConfig()
    rule_kinds = [f for f in config.facts if f != "age" or config.age_source != "lm"]
    lm_facts: list[list[Fact]] = [[] for _ in segments]
    if "age" in config.facts and config.age_source in ("lm", "both"):
        lm_facts = lm_age_facts(model, segments, config)
    results = []
    for i, item in enumerate(segments):
        facts = [f for s, text in enumerate(item) for f in rule_facts(text, s, rule_kinds)]
        facts += lm_facts[i]
        results.append(Critique(tuple(facts), tuple(find_conflicts(facts, config))))
    return results


# -- segments of a backstories table ------------------------------------------------------
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def backstory_segments(row: pd.Series) -> list[str]:
    """An interview's answers (the ``turns`` column), else the backstory's sentences."""
    turns = row.get("turns") if hasattr(row, "get") else None
    if isinstance(turns, (list, tuple, np.ndarray)) and len(turns):
        return [str(turn["answer"]) for turn in turns]
    return [s for s in _SENTENCE.split(str(row["backstory"]).strip()) if s]


# -- the policy: pass, regenerate the flagged answer, or drop ----------------------------
CRITIC_COLUMNS = ("critic_verdict", "critic_conflicts", "critic_regenerations")


def dropped_path(out: str | os.PathLike) -> Path:
    """Where a stage writes the backstories the critic dropped: ``OUT.dropped.parquet``."""
    out = Path(out)
    return out.with_name(f"{out.stem}.dropped{out.suffix or '.parquet'}")


@dataclass(frozen=True)
class Review:
    """The reviewed table split by verdict: ``kept`` (passed or regenerated), ``dropped``."""

    kept: pd.DataFrame
    dropped: pd.DataFrame

    @property
    def counts(self) -> dict[str, int]:
        verdicts = pd.concat([self.kept, self.dropped])["critic_verdict"]
        return {v: int((verdicts == v).to_numpy().sum()) for v in VERDICTS}


def review_backstories(
    model: Model,
    table: pd.DataFrame,
    config: CriticConfig | None = None,
    *,
    seed: int,
    journal: Journal | None = None,
    interview: InterviewConfig | None = None,
) -> Review:
    """Apply the critic policy to a backstories table (see the module docstring).

    ``config`` None -> :class:`CriticConfig`'s defaults. Adds ``critic_verdict`` (passed | regenerated | dropped), ``critic_conflicts`` (JSON
    list of the conflicts first found: fact, segments, values) and
    ``critic_regenerations``. Interview rows (style "interview", with ``turns``) are
    repaired by re-sampling answers with ``interview``
    (:class:`bench.personas.interview.InterviewConfig`; None -> its defaults); re-samples
    are journaled in ``journal`` and seeded by (``seed``, persona, try), so the review is
    resumable and fixed by its inputs.
    """
    config = config if config is not None else CriticConfig()
    interview = interview if interview is not None else InterviewConfig()
    journal = journal if journal is not None else Journal(None)
    table = table.reset_index(drop=True).copy()
    segments = [backstory_segments(row) for _, row in table.iterrows()]
    first = critique(model, segments, config)
    conflicts_json = [json.dumps([c.as_dict() for c in r.conflicts]) for r in first]
    repairable = "turns" in table.columns
    verdicts = ["passed" if not r.flagged else "dropped" for r in first]
    tries = [0] * len(table)
    open_rows = [i for i, r in enumerate(first) if r.flagged and repairable]
    current = {i: first[i] for i in open_rows}
    for attempt in range(config.regenerations):
        if not open_rows:
            break
        # The later turn of the first conflict is re-sampled: the earlier answer is what
        # the later ones were conditioned on.
        turns_to_redo = [max(current[i].conflicts[0].segments) for i in open_rows]
        new_answers = resample_answers(
            model,
            [segments[i] for i in open_rows],
            turns_to_redo,
            [str(table.at[i, "persona_id"]) for i in open_rows],
            interview,
            seed=seed,
            attempt=attempt,
            journal=journal,
        )
        for i, t, answer in zip(open_rows, turns_to_redo, new_answers):
            segments[i][t] = answer
            tries[i] += 1
        rechecked = critique(model, [segments[i] for i in open_rows], config)
        still_open = []
        for i, result in zip(open_rows, rechecked):
            if result.flagged:
                current[i] = result
                still_open.append(i)
            else:
                verdicts[i] = "regenerated"
        open_rows = still_open
    journal.close()
    for i in range(len(table)):
        if tries[i]:
            _set_answers(table, i, segments[i], interview)
    table["critic_verdict"] = verdicts
    table["critic_conflicts"] = conflicts_json
    table["critic_regenerations"] = np.asarray(tries, dtype=np.int64)
    dropped = table["critic_verdict"] == "dropped"
    return Review(
        kept=table.loc[~dropped].reset_index(drop=True),
        dropped=table.loc[dropped].reset_index(drop=True),
    )


def _set_answers(
    table: pd.DataFrame, i: int, answers: list[str], interview: InterviewConfig
) -> None:
    text = join_answers(answers)
    table.at[i, "turns"] = turn_records(answers, interview.questions)
    table.at[i, "backstory"] = text
    table.at[i, "n_words"] = len(text.split())


def review_setting_aside_dropped(
    model: Model,
    table: pd.DataFrame,
    config: CriticConfig,
    *,
    seed: int,
    journal: Journal,
    interview: InterviewConfig | None,
    out: Path,
) -> pd.DataFrame:
    """The critic's review of ``table`` inside the stage that writes ``out``: the dropped
    rows go to ``OUT.dropped.parquet`` (:func:`dropped_path`), the kept ones are returned."""
    review = review_backstories(
        model, table, config, seed=seed, journal=journal, interview=interview
    )
    write_parquet(review.dropped, dropped_path(out))
    return review.kept


def read_review(kept: pd.DataFrame, out: Path) -> Review:
    """The review whose kept rows the stage wrote to ``out``, its dropped rows beside it."""
    return Review(kept, pd.read_parquet(dropped_path(out)))
