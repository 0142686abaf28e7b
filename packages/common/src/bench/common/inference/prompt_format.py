"""How a multiple-choice question and a prompt are turned into model input text.

The rendered question (every backend, every format)::

    {context}\n\n                              <- the shared prefix (absent when context is "")
    Question: {question}\n
    (A) {option 1}\n
    (B) {option 2}\n
    ...
    Answer: (

and the model's next token is read. The letter follows "(", so the label is a token of
its own: SmolLM2's tokenizer splits "Answer: (A" into "Answer", ":", " (", "A", whereas
after "Answer:" the model could write "A", " A" or " (A" - spellings of one answer spread
over different tokens, "(A" not a letter at all. The tokens of a letter with and without
a leading space are summed (``choice.py``): SentencePiece vocabularies spell the letter
after "(" as "\u2581A" or "A" depending on the model.

Raw text or the chat template (``PromptFormat``): ``raw`` sends the text as is, ``chat``
wraps it as one user turn in the model's own template and opens the assistant turn (with
"Answer: (" for a question). ``load_model``'s default ``auto`` picks chat whenever the
backend has a template; the reasons, measured on the embedded model, are in the package
docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.common.inference.choice import ChoiceItem

PROMPT_FORMATS = ("raw", "chat")
ANSWER_CUE = "Answer: ("


def question_block(item: ChoiceItem) -> str:
    """``Question: ...\\n(A) ...\\n...(K) ...\\n`` (without the answer cue)."""
    lines = [f"Question: {item.question}"]
    lines += [f"({label}) {option}" for label, option in zip(item.labels, item.options)]
    return "\n".join(lines) + "\n"


def context_block(context: str) -> str:
    return f"{context}\n\n" if context else ""


@dataclass(frozen=True)
class ChatTemplate:
    """A Jinja chat template (the ``tokenizer.chat_template`` of a GGUF or tokenizer)."""

    source: str
    bos_token: str = ""
    eos_token: str = ""

    def render_user(self, user: str) -> str:
        """The template applied to one user message, with the assistant turn opened."""
        import jinja2.sandbox  # a dependency of transformers and of llama-cpp-python

        env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        template = env.from_string(self.source)
        return template.render(
            messages=[{"role": "user", "content": user}],
            add_generation_prompt=True,
            bos_token=self.bos_token,
            eos_token=self.eos_token,
        )


@dataclass(frozen=True)
class PromptFormat:
    """Raw text (``template=None``) or a chat template around every prompt."""

    template: ChatTemplate | None = None

    @property
    def name(self) -> str:
        return "raw" if self.template is None else "chat"

    def prompt(self, text: str) -> str:
        """A generation prompt as the model sees it."""
        return text if self.template is None else self.template.render_user(text)

    def choice(self, item: ChoiceItem) -> tuple[str, str]:
        """(prefix, suffix) of the rendered question; the prefix depends on the context
        only, and questions are grouped by it. Backends tokenise prefix + suffix whole
        and reuse the longest run of tokens shared with the previous prompt."""
        context = context_block(item.context)
        if self.template is None:
            return context, question_block(item) + ANSWER_CUE
        full = self.template.render_user(context + question_block(item).rstrip("\n"))
        full += ANSWER_CUE
        split = full.index(context) + len(context) if context else 0
        return full[:split], full[split:]
