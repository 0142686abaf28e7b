"""The llama.cpp backend's lifecycle: a closed model fails with a message, and a
dropped prefix is evaluated again (the benchmarks time cold scoring with it)."""

from __future__ import annotations

import pytest

from bench.common.errors import BenchError
from bench.common.inference import ChoiceItem, load_model
from bench.common.inference.llamacpp_backend import LlamaCppBackend

BACKSTORY = "I farm soybeans in Nebraska with my brother. I am 67 and a Lutheran."
QUESTION = ("What is your sex?", ("Male", "Female"))  # GSS 2018's wording


def test_a_closed_model_fails_with_a_message():
    model = load_model("embedded", use_cache=False, threads=1, progress=False)
    model.close()
    with pytest.raises(BenchError, match="closed; load it again"):
        model.choice_distributions([ChoiceItem(BACKSTORY, *QUESTION)])


def test_forget_prefix_evaluates_the_prompt_again():
    item = ChoiceItem(BACKSTORY, *QUESTION)
    with load_model("embedded", use_cache=False, threads=1, progress=False) as model:
        backend = model.backend
        assert isinstance(backend, LlamaCppBackend)
        (first,) = model.choice_distributions([item])
        assert model.usage.reused_tokens == 0
        (again,) = model.choice_distributions([item])
        n_tokens = model.usage.prompt_tokens // 2
        assert model.usage.reused_tokens == n_tokens - 1  # all but the last token kept
        backend.forget_prefix()
        (cold,) = model.choice_distributions([item])
        assert model.usage.reused_tokens == n_tokens - 1  # nothing more was reused
    assert (first.probs == cold.probs).all()  # the same evaluation, bit for bit
    assert abs(again.probs - first.probs).max() < 1e-4
