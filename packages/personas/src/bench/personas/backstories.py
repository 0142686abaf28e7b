"""Backstories: many naturalistic life stories sampled from the model (Anthology, Sec. 3.1).

Each persona is one backstory: the model's answer to the open-ended backstory prompt
(:func:`bench.personas.prompts.backstory_prompt`), sampled at temperature 1 with top-p 1
(Anthology code, ``configs/generate_backstory/llm_parameters``). ``anthology-dp`` draws
each backstory from a prompt that first states one real respondent's demographics
(:func:`bench.personas.prompts.demographic_backstory_prompt`).

Slots and attempts. ``n`` backstories fill ``n`` slots (for ``anthology-dp`` slot j belongs
to respondent j). In round a every open slot gets attempt a; the open slots are cut into
chunks of ``batch_size`` and each chunk is one model call whose sampling seed is derived
from (``seed``, a, the chunk's first slot), so the result is fixed by ``seed`` and
``batch_size`` and does not depend on where a killed run stopped. After each round the slots are filled in slot order with the first attempt that
is long enough (``min_words``) and not a duplicate of an accepted backstory (same words
after lower-casing and collapsing white space); rejected slots try again next round, up to
``max_attempts``.

Resumable: every finished attempt is appended to a :class:`~bench.personas.journal.Journal`
(``OUT.partial.jsonl``) at once; a restart reads it and samples only the attempts not yet
there (the inference cache also answers repeated requests).

File format: ``backstories.parquet`` (one row per accepted backstory, slot order)
----------------------------------------------------------------------------------
===================  =======  ======================================================
column               dtype    meaning
===================  =======  ======================================================
persona_id           string   ``{style}-{seed}-{slot:06d}``, unique across styles
backstory            string   the generated text as generated (trailing white space
                              removed), the persona's answer to the backstory question
style                string   ``anthology`` or ``anthology-dp``
seed                 int64    the run's seed
n_words              int64    white-space separated words in ``backstory``
attempt              int64    which attempt of the slot was accepted (0 = first)
finish_reason        string   ``stop`` (a stop string / end of text) or ``length``
respondent_id        string   (anthology-dp) the respondent whose profile was stated
prompt_demographics  string   (anthology-dp) JSON {trait: option text} that was stated
===================  =======  ======================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from bench.common.inference import Model, SamplingParams
from bench.common.inference.params import derive_seed
from bench.personas.datasets import Dataset
from bench.personas.datasets.codes import Code
from bench.personas.journal import Journal
from bench.personas.prompts import (
    STOP_STRINGS,
    ProfileAnswer,
    backstory_prompt,
    demographic_backstory_prompt,
)

STYLES = ("anthology", "anthology-dp")
BACKSTORY_COLUMNS = ("persona_id", "backstory", "style", "seed", "n_words")


@dataclass(frozen=True)
class BackstoryConfig:
    """How backstories are sampled and filtered.

    Defaults are the Anthology code's (``configs/generate_backstory``): T = 1, top-p = 1,
    up to 1500 new tokens, and ``anthology/backstory/backstory.py``'s filter that drops
    backstories of 40 tokens or fewer (about 30 words, hence ``min_words``).
    """

    style: str = "anthology"  # anthology | anthology-dp
    temperature: float = 1.0  # T, Anthology code (llm_parameters/*.yaml)
    top_p: float = 1.0  # nucleus p, Anthology code
    max_tokens: int = 1500  # max new tokens, Anthology code (llama3_70b_vllm.yaml)
    min_words: int = 30  # drop shorter backstories (Anthology drops <= 40 tokens)
    max_attempts: int = 8  # rounds of re-sampling a slot whose backstory was rejected
    batch_size: int = 16  # prompts per model call (a progress/resume granularity)

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown backstory style {self.style!r}; use one of {list(STYLES)}")
        if self.min_words < 0 or self.max_attempts < 1 or self.batch_size < 1:
            raise ValueError(
                "BackstoryConfig: min_words must be >= 0, max_attempts and batch_size >= 1"
            )


# -- filtering -------------------------------------------------------------------------
_SPACE = re.compile(r"\s+")


def clean_backstory(text: str) -> str:
    """The generated text as stored: trailing white space removed, the start kept as
    generated (the persona's context joins it to ``"Answer:"`` as the model wrote it)."""
    return text.rstrip()


def dedupe_key(text: str) -> str:
    """Texts with the same key are duplicates: lower-cased, white space collapsed."""
    return _SPACE.sub(" ", text.strip().lower())


def n_words(text: str) -> int:
    return len(text.split())


def accept_backstories(
    texts: Sequence[str], *, min_words: int, seen: set[str] | None = None
) -> list[bool]:
    """Which of ``texts`` (in order) to keep: long enough and not seen before.

    ``seen`` holds the dedupe keys of already-accepted texts and is updated in place, so
    successive rounds dedupe against everything accepted so far.
    """
    seen = set() if seen is None else seen
    keep = []
    for text in texts:
        key = dedupe_key(text)
        ok = n_words(text) >= min_words and key not in seen
        if ok:
            seen.add(key)
        keep.append(ok)
    return keep


# -- the stage -------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """What one backstory is drawn from: its prompt and (DP) the stated respondent."""

    prompt: str
    respondent_id: str | None = None
    demographics: dict[str, str] | None = None


def profile_answers(dataset: Dataset, respondent_id: Code) -> list[ProfileAnswer]:
    """The answered traits of one respondent (missing traits left out, as the code does)."""
    profile = dataset.profile(respondent_id)
    answers = []
    for trait in dataset.demographics:
        position = profile.get(trait.name)
        if position is not None:
            answers.append(
                ProfileAnswer(trait.name, trait.question, tuple(trait.options), position)
            )
    return answers


def anthology_slots(n: int) -> list[Slot]:
    prompt = backstory_prompt()
    return [Slot(prompt) for _ in range(n)]


def demographic_slots(dataset: Dataset, respondent_ids: Sequence[Code], *, seed: int) -> list[Slot]:
    """One DP slot per respondent; the trait order of each prompt is drawn from ``seed``."""
    slots = []
    for j, respondent_id in enumerate(respondent_ids):
        rng = np.random.default_rng([seed, j, 0xD9])
        answers = profile_answers(dataset, respondent_id)
        slots.append(
            Slot(
                demographic_backstory_prompt(answers, rng=rng),
                respondent_id=str(respondent_id),
                demographics={a.trait: a.answer_text for a in answers},
            )
        )
    return slots


def persona_id(style: str, seed: int, slot: int) -> str:
    return f"{style}-{seed}-{slot:06d}"


def generate_backstories(
    model: Model,
    slots: Sequence[Slot],
    config: BackstoryConfig,
    *,
    seed: int,
    journal: Journal | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Sample one accepted backstory per slot (see the module docstring); slot order.

    ``model`` is a :mod:`bench.common.inference` model. Slots still rejected after
    ``max_attempts`` rounds are left out (the returned table can be shorter than
    ``slots``). ``journal`` makes the stage resumable.
    """
    journal = journal if journal is not None else Journal(None)
    accepted: dict[int, dict[str, Any]] = {}
    seen: set[str] = set()
    open_slots = list(range(len(slots)))
    bar = tqdm(total=len(slots), desc=f"backstories ({config.style})", disable=not progress)
    with bar:
        for attempt in range(config.max_attempts):
            if not open_slots:
                break
            # Chunk boundaries are fixed by the open slots alone, so a restart cuts the
            # same chunks and skips the ones its journal already holds.
            for start in range(0, len(open_slots), config.batch_size):
                chunk = open_slots[start : start + config.batch_size]
                if all(_key(j, attempt) in journal for j in chunk):
                    continue
                params = SamplingParams(
                    temperature=config.temperature,
                    top_p=config.top_p,
                    max_tokens=config.max_tokens,
                    stop=STOP_STRINGS,
                    seed=derive_seed("backstory", seed, attempt, chunk[0]),
                )
                generate_journaled(
                    model,
                    [slots[j].prompt for j in chunk],
                    [_key(j, attempt) for j in chunk],
                    params,
                    journal,
                    extra={"attempt": attempt},
                )
            # Fill slots in slot order so the result does not depend on completion order.
            texts = [journal[_key(j, attempt)]["text"] for j in open_slots]
            keep = accept_backstories(texts, min_words=config.min_words, seen=seen)
            still_open = []
            for j, ok in zip(open_slots, keep):
                if ok:
                    accepted[j] = journal[_key(j, attempt)]
                    bar.update(1)
                else:
                    still_open.append(j)
            open_slots = still_open
    journal.close()
    return _table(slots, accepted, config, seed=seed)


def generate_journaled(
    model: Model,
    prompts: Sequence[str],
    keys: Sequence[str],
    params: SamplingParams,
    journal: Journal,
    *,
    extra: dict[str, Any] | None = None,
) -> None:
    """Sample ``prompts`` as one model call and journal each result under its key.

    The whole call is skipped when the journal holds every key, and otherwise made whole:
    the per-prompt seeds depend on the batch (repeated prompts), so a half-done batch is
    redone rather than patched. Each entry is ``{"text", "finish_reason", **extra}``.
    Shared by the Anthology and the interview backstories.
    """
    if all(key in journal for key in keys):
        return
    for key, generation in zip(keys, model.generate(list(prompts), params)):
        journal.add(
            key,
            {
                "text": clean_backstory(generation.text),
                "finish_reason": generation.finish_reason,
                **(extra or {}),
            },
        )


def _key(slot: int, attempt: int) -> str:
    return f"{slot}/{attempt}"


def _table(
    slots: Sequence[Slot],
    accepted: dict[int, dict[str, Any]],
    config: BackstoryConfig,
    *,
    seed: int,
) -> pd.DataFrame:
    rows = []
    for j in sorted(accepted):
        text = accepted[j]["text"]
        row: dict[str, Any] = {
            "persona_id": persona_id(config.style, seed, j),
            "backstory": text,
            "style": config.style,
            "seed": seed,
            "n_words": n_words(text),
            "attempt": accepted[j]["attempt"],
            "finish_reason": accepted[j]["finish_reason"],
        }
        if config.style == "anthology-dp":
            row["respondent_id"] = slots[j].respondent_id
            row["prompt_demographics"] = json.dumps(slots[j].demographics, ensure_ascii=False)
        rows.append(row)
    columns = [*BACKSTORY_COLUMNS, "attempt", "finish_reason"]
    if config.style == "anthology-dp":
        columns += ["respondent_id", "prompt_demographics"]
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({"seed": "int64", "n_words": "int64", "attempt": "int64"})
