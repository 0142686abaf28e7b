"""Interview backstories: ten life-history questions asked one after another.

The Anthology follow-up replaces the single "Tell me about yourself" answer with a long
interview in the style of the American Voices Project (Stanford's in-depth life-history
interviews): the model answers ten questions in order, and each answer is sampled from a
prompt that holds the whole transcript so far, so later answers are conditioned on (and
can stay consistent with) everything the persona said before. The wordings below are our
own naturalistic interviewer phrasings of the ten topics, in the project's order:

1. life story from childhood          6. political views
2. a crossroads / turning point       7. race in the U.S.
3. people outside the family          8. staying healthy
4. the neighbourhood                  9. vaccination
5. recent changes in routine         10. depression and anxiety

The transcript uses the Anthology prompt's turn format (``Question: ...\\n\\nAnswer: ...``)
and its preamble (``Are you a US citizen?`` / ``Yes.``), so generation stops at the same
strings (:data:`bench.personas.prompts.STOP_STRINGS`)::

    Question: Are you a US citizen?

    Answer: Yes.

    Question: {question 1}

    Answer: {answer 1}

    ...

    Question: {question t}

    Answer:
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.personas.prompts.anthology import PREAMBLE_ANSWER, PREAMBLE_QUESTION, _turn


@dataclass(frozen=True)
class InterviewQuestion:
    """One interview question: a short topic key (for tables and the critic) and its text."""

    topic: str
    text: str


# American Voices Project-style topics, in interview order (wordings are ours).
INTERVIEW_QUESTIONS: tuple[InterviewQuestion, ...] = (
    InterviewQuestion(
        "life_story",
        "Let's start at the beginning. Tell me the story of your life, from your childhood "
        "up to today: when and where you were born, who raised you, and what happened "
        "along the way.",
    ),
    InterviewQuestion(
        "turning_point",
        "Looking back, was there a crossroads or a turning point in your life, a moment when "
        "things could have gone one way or another? Tell me what happened.",
    ),
    InterviewQuestion(
        "people",
        "Who are the people outside your family who matter most to you? Tell me about them "
        "and what they mean to you.",
    ),
    InterviewQuestion(
        "neighborhood",
        "Tell me about your neighborhood. What is it like to live there, and how has it "
        "changed since you have been there?",
    ),
    InterviewQuestion(
        "routine",
        "Has your daily routine changed recently? Walk me through a typical day now and "
        "what is different from before.",
    ),
    InterviewQuestion(
        "politics",
        "Let's talk about politics. How would you describe your political views: do you "
        "think of yourself as a Democrat, a Republican, or something else, and how did you "
        "come to hold those views?",
    ),
    InterviewQuestion(
        "race",
        "How do you think about race in the United States today? Has race shaped your own "
        "life or the lives of the people around you?",
    ),
    InterviewQuestion(
        "health",
        "What do you do to stay healthy, and what makes that easier or harder for you?",
    ),
    InterviewQuestion(
        "vaccination",
        "What are your thoughts on vaccination? Have you or your family been vaccinated "
        "recently, and how did you decide?",
    ),
    InterviewQuestion(
        "mental_health",
        "Some people go through periods of feeling depressed or anxious. Have you or people "
        "close to you been through that, and how did you deal with it?",
    ),
)


def interview_transcript(
    questions: Sequence[str],
    answers: Sequence[str],
    *,
    preamble: bool = True,
) -> str:
    """The answered turns (question i with answer i) as one transcript, without a cue.

    ``answers`` may be shorter than ``questions``: only the answered turns are rendered.
    """
    parts = [f"{_turn(PREAMBLE_QUESTION)} {PREAMBLE_ANSWER}"] if preamble else []
    parts += [f"{_turn(q)} {a.strip()}".rstrip() for q, a in zip(questions, answers)]
    return "\n\n".join(parts)


def interview_prompt(
    answers: Sequence[str],
    *,
    questions: Sequence[InterviewQuestion] = INTERVIEW_QUESTIONS,
    preamble: bool = True,
) -> str:
    """The prompt for turn t = ``len(answers)``: the transcript so far + question t.

    Ends in ``"Answer:"`` like the Anthology backstory prompt; ``answers`` are the
    persona's answers to questions 0..t-1, in order.
    """
    t = len(answers)
    if t >= len(questions):
        raise ValueError(f"the interview has {len(questions)} questions; {t} are answered")
    texts = [q.text for q in questions]
    done = interview_transcript(texts, answers, preamble=preamble)
    head = f"{done}\n\n" if done else ""
    return f"{head}{_turn(texts[t])}"
