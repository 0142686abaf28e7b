"""Anthology prompts: the open-ended backstory prompt and its demographic-primed variant.

Anthology (Moon et al., "Virtual Personas for Language Models via an Anthology of
Backstories", EMNLP 2024, Sec. 3.1) conditions a model on a *backstory*: the model's own
free-form answer to an open-ended interview question, sampled at temperature 1. The
released code (CannyLab/anthology, ``scripts/run_backstory_gen.py`` with
``configs/generate_backstory/self_generate/self_generate.yaml``) builds the prompt as

    Question: Are you a US citizen?

    Answer: Yes.

    Question: Tell me about yourself. How old are you? Where did you grow up? What events
    made you who you are? What matters to you and what do you enjoy?

    Answer:

and stops at ``"Question"``, ``"Q:"`` or ``"Interview"``. (The code samples the preamble
answer and retries until it contains "yes"; we state ``" Yes."`` directly, which conditions
on the same fact without a second generation per backstory.)

The demographic-primed variant ("Anthology DP"; ``scripts/run_backstory_gen_with_
demographic_information.py``, ``prompt_style: qa``) first states a real respondent's
demographics as answered multiple-choice questions, in a random order, then asks the short
question ``"Tell me about yourself."``:

    Below you will be asked to complete some demographic questions, and then answer a question.

    Question: What is your age?
    (A) 18-29
    ...
    Answer with (A), (B), (C), or (D).
    Answer: (B)

    Question: Tell me about yourself.

    Answer:
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.personas.prompts.multiple_choice import (
    CONNECTOR,
    RESPONDENT,
    SURVEYOR,
    ProfileAnswer,
    answered_question,
)

# self_generate.yaml (Anthology code): the natural-backstory question and its preamble.
BACKSTORY_QUESTION = (
    "Tell me about yourself. How old are you? Where did you grow up? What events made you "
    "who you are? What matters to you and what do you enjoy?"
)
PREAMBLE_QUESTION = "Are you a US citizen?"
PREAMBLE_ANSWER = "Yes."

# self_generate_baseline_based.yaml and run_backstory_gen_with_demographic_information.py.
DP_BACKSTORY_QUESTION = "Tell me about yourself."
DP_INSTRUCTION = (
    "Below you will be asked to complete some demographic questions, and then answer a question."
)

# run_backstory_gen.py: generation stops where the model would start a new turn.
STOP_STRINGS = (SURVEYOR, "Q:", "Interview")


def _turn(question: str) -> str:
    return f"{SURVEYOR}{CONNECTOR} {question}\n\n{RESPONDENT}{CONNECTOR}"


def backstory_prompt(
    *,
    question: str = BACKSTORY_QUESTION,
    preamble_question: str = PREAMBLE_QUESTION,
    preamble_answer: str = PREAMBLE_ANSWER,
) -> str:
    """The Anthology backstory prompt (one string, ending in ``"Answer:"``).

    An empty ``preamble_question`` leaves the preamble out (the DP config does).
    """
    if not preamble_question:
        return _turn(question)
    return f"{_turn(preamble_question)} {preamble_answer}\n\n{_turn(question)}"


def demographic_backstory_prompt(
    profile: Sequence[ProfileAnswer],
    *,
    rng: np.random.Generator,
    question: str = DP_BACKSTORY_QUESTION,
) -> str:
    """The Anthology DP prompt for one respondent's ``profile`` (T answered traits).

    The traits are stated in an order drawn from ``rng``, as the Anthology code shuffles
    them per respondent so that no trait is always nearest the backstory.
    """
    order = rng.permutation(len(profile))
    stated = "\n\n".join(answered_question(profile[i]) for i in order)
    preface = f"{DP_INSTRUCTION}\n\n{stated}".strip()
    return f"{preface}\n\n{_turn(question)}"


def persona_context(backstory: str, *, question: str = BACKSTORY_QUESTION) -> str:
    """The context a backstory persona answers from: the backstory turn and its answer.

    The Anthology code conditions every later survey on ``full_passage``: the backstory
    question's turn followed by the generated text exactly as generated (the preamble, and
    for DP the stated demographics, are not part of it), trailing white space removed.
    A raw completion after ``"Answer:"`` starts with its own space (`` I am ...``); a
    chat-template generation starts a fresh assistant turn without one, so a text that
    does not start with white space is joined with one space, never glued to the colon.
    Questions follow after a blank line.
    """
    answer = backstory.rstrip()
    separator = "" if answer[:1].isspace() else " "
    return f"{_turn(question)}{separator}{answer}"
