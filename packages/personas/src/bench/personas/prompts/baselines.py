"""The prompting baselines: QA, Bio and Portray (Santurkar et al. 2023, OpinionQA).

OpinionQA "steers" a model towards a group by stating the group's demographics in the
prompt; Anthology (Moon et al. 2024, Sec. 4) compares against the same three steering
styles applied to each human respondent's own demographics, one prompt per respondent.
The wording is the Anthology code's (``anthology/survey/atp_baseline_survey.py``):

QA (the demographics as answered multiple-choice questions)::

    Question: What is your age?
    (A) 18-29
    (B) 30-49
    ...
    Answer with (A), (B), (C), or (D).
    Answer: (B)

    Question: ...

Bio (a first-person biography)::

    Below you will be asked to provide a short description of your demographic
    information, and then answer some questions.

    Description: My age is 30-49. I consider my gender as female. ...

Portray (an instruction to answer as a described person)::

    Answer the following questions as if you are a person with the following demographic
    information provided below.
    age: 30-49
    sex: Female

The traits stated are the dataset's ``baseline_traits`` (the Anthology code's
``trait_of_interest``: income, race, age, gender and education, never party or ideology),
in an order drawn per respondent (the code shuffles them); a trait the respondent did not
answer is left out. The returned text is the context the
survey's questions follow (after a blank line).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from bench.personas.prompts.multiple_choice import ProfileAnswer, answered_question

BIO_INSTRUCTION = (
    "Below you will be asked to provide a short description of your demographic "
    "information, and then answer some questions.\n\nDescription:"
)
PORTRAY_INSTRUCTION = (
    "Answer the following questions as if you are a person with the following demographic "
    "information provided below."
)

# Trait names of our datasets -> the Anthology code's bio topics.
_BIO_TOPIC = {
    "age": "age",
    "sex": "gender",
    "gender": "gender",
    "race": "race",
    "education": "education",
    "degree": "education",
    "income": "income",
    "party": "political_affiliation",
    "partyid": "political_affiliation",
    "political_affiliation": "political_affiliation",
    "ideology": "ideology",
    "polviews": "ideology",
    "region": "region",
    "religion": "religion",
}


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is a name ("Democrat")."""
    first = text.split(" ", 1)[0].strip(",")
    if first in {"Democrat", "Republican", "Independent", "Black", "White", "Hispanic", "Asian"}:
        return text
    return text[:1].lower() + text[1:]


def _affiliation(answer: str) -> str:
    article = {"Democrat": "a ", "Republican": "a ", "Independent": "an "}.get(answer, "")
    return f"I consider my political affiliation as {article}{_lower_first(answer)}."


def _religion(answer: str) -> str:
    if answer == "Nothing in particular":
        return "I have no particular religion."
    return f"I am a {answer}."


# Bio topic -> its sentence, given the answer's option text (the Anthology code's templates).
_BIO_SENTENCE: dict[str, Callable[[str], str]] = {
    "race": lambda answer: f"I consider my race as {'other' if 'Other' in answer else answer}.",
    "gender": lambda answer: f"I consider my gender as {answer.lower()}.",
    "age": lambda answer: f"My age is {answer}.",
    "education": lambda answer: f"My highest level of education is {answer.lower()}.",
    "income": lambda answer: f"My annual income is {answer}.",
    "political_affiliation": _affiliation,
    "ideology": lambda answer: (
        f"In terms of political ideology, I consider myself {_lower_first(answer)}."
    ),
    "region": lambda answer: f"I live in the {answer}.",
    "religion": _religion,
}


def bio_sentence(item: ProfileAnswer) -> str:
    """One first-person sentence stating ``item`` (the Anthology code's templates).

    Traits the code has no template for (e.g. ideology, which OpinionQA phrases "In terms
    of political ideology, I consider myself ...") get the generic "My {trait} is {answer}."
    """
    sentence = _BIO_SENTENCE.get(_BIO_TOPIC.get(item.trait.lower(), ""))
    if sentence is None:
        return f"My {item.trait.replace('_', ' ')} is {item.answer_text}."
    return sentence(item.answer_text)


def _ordered(profile: Sequence[ProfileAnswer], rng: np.random.Generator) -> list[ProfileAnswer]:
    return [profile[i] for i in rng.permutation(len(profile))]


def qa_prompt(profile: Sequence[ProfileAnswer], *, rng: np.random.Generator) -> str:
    """QA steering: each trait as an answered question, blank-line separated."""
    return "\n\n".join(answered_question(item) for item in _ordered(profile, rng))


def bio_prompt(profile: Sequence[ProfileAnswer], *, rng: np.random.Generator) -> str:
    """Bio steering: the instruction, then one first-person sentence per trait."""
    return BIO_INSTRUCTION + "".join(f" {bio_sentence(item)}" for item in _ordered(profile, rng))


def portray_prompt(profile: Sequence[ProfileAnswer], *, rng: np.random.Generator) -> str:
    """Portray steering: the instruction, then one ``trait: answer`` line per trait."""
    lines = [
        f"{item.trait.replace('_', ' ')}: {item.answer_text}" for item in _ordered(profile, rng)
    ]
    return "\n".join([PORTRAY_INSTRUCTION, *lines])


class BaselinePrompt(Protocol):
    """A steering prompt: a respondent's profile stated in a drawn trait order."""

    def __call__(self, profile: Sequence[ProfileAnswer], *, rng: np.random.Generator) -> str: ...


BASELINE_PROMPTS: dict[str, BaselinePrompt] = {
    "qa": qa_prompt,
    "bio": bio_prompt,
    "portray": portray_prompt,
}
