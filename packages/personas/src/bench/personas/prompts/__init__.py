"""Prompt texts of the Anthology pipeline: backstories (anthology) and the steering baselines."""

from bench.personas.prompts.anthology import (
    BACKSTORY_QUESTION,
    DP_BACKSTORY_QUESTION,
    STOP_STRINGS,
    backstory_prompt,
    demographic_backstory_prompt,
    persona_context,
)
from bench.personas.prompts.baselines import (
    BASELINE_PROMPTS,
    bio_prompt,
    bio_sentence,
    portray_prompt,
    qa_prompt,
)
from bench.personas.prompts.multiple_choice import (
    ProfileAnswer,
    answer_forcing,
    answered_question,
    multiple_choice,
    option_letter,
)

__all__ = [
    "BACKSTORY_QUESTION",
    "BASELINE_PROMPTS",
    "DP_BACKSTORY_QUESTION",
    "STOP_STRINGS",
    "ProfileAnswer",
    "answer_forcing",
    "answered_question",
    "backstory_prompt",
    "bio_prompt",
    "bio_sentence",
    "demographic_backstory_prompt",
    "multiple_choice",
    "option_letter",
    "persona_context",
    "portray_prompt",
    "qa_prompt",
]
