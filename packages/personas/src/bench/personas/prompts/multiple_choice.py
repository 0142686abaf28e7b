"""The multiple-choice question block that every prompt in the pipeline is built from.

The Anthology code (Moon et al. 2024, ``anthology/survey/atp_survey.py`` and
``demographic_survey/demography_survey.py``) formats a question as

    Question: {question}
    (A) {option 1}
    (B) {option 2}
    Answer with (A), or (B).
    Answer:

with upper-case letters in curved brackets, the "answer forcing" sentence of
``anthology/utils/survey_utils.py`` and no space after the final colon (the model's next
token is " (" or " A"). Here it states answered demographics (the QA baseline and the
Anthology DP prompt); the questions the model answers are rendered by the inference layer
(``bench.common.inference``), which reads the option letters' next-token probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SURVEYOR = "Question"  # Anthology code: surveyor_respondent/question_answer.yaml
RESPONDENT = "Answer"
CONNECTOR = ":"


def option_letter(position: int) -> str:
    """The label of the option shown at 0-based ``position``: A, B, ..., Z."""
    if not 0 <= position < 26:
        raise ValueError(
            f"option position {position} has no letter; at most 26 options are supported"
        )
    return chr(ord("A") + position)


def answer_forcing(n_options: int) -> str:
    """``"Answer with (A), (B), or (C)."``: the Anthology code's sentence, verbatim.

    For two options the code writes ``"Answer with (A), or (B)."`` (its loop always puts
    a comma before "or"); we keep that so prompts match the paper's.
    """
    if n_options < 1:
        raise ValueError(f"a question needs at least one option, got {n_options}")
    if n_options == 1:
        return "Answer with (A)."
    head = "".join(f" ({option_letter(i)})," for i in range(n_options - 1))
    return f"Answer with{head} or ({option_letter(n_options - 1)})."


def multiple_choice(question: str, options: Sequence[str]) -> str:
    """The question block, ending in ``"Answer:"`` (no trailing space).

    ``options`` are listed in the order given.
    """
    if not options:
        raise ValueError(f"question {question!r} has no options")
    choices = "\n".join(f"({option_letter(i)}) {text}" for i, text in enumerate(options))
    return f"{SURVEYOR}{CONNECTOR} {question}\n{choices}\n{answer_forcing(len(options))}\n{RESPONDENT}{CONNECTOR}"


@dataclass(frozen=True)
class ProfileAnswer:
    """One demographic answer of a human respondent, as the prompts state it.

    ``trait`` is the dataset's trait name, ``question`` and ``options`` (K,) its wording,
    ``answer`` the 0-based position of the respondent's option.
    """

    trait: str
    question: str
    options: tuple[str, ...]
    answer: int

    def __post_init__(self) -> None:
        if not 0 <= self.answer < len(self.options):
            raise ValueError(
                f"trait {self.trait!r}: answer position {self.answer} is outside its "
                f"{len(self.options)} options"
            )

    @property
    def answer_text(self) -> str:
        return self.options[self.answer]


def answered_question(item: ProfileAnswer) -> str:
    """A question block with its answer filled in: ``"...Answer: (B)"``.

    The QA baseline (and the Anthology DP prompt) state the demographics this way
    (Anthology code, ``atp_baseline_survey.py``; Santurkar et al. 2023's QA steering).
    """
    return f"{multiple_choice(item.question, item.options)} ({option_letter(item.answer)})"
