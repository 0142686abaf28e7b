"""The transformers backend on the embedded GGUF (dequantised by transformers)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.common.inference import ChoiceItem, SamplingParams, load_model
from bench.common.inference.embedded import embedded_gguf_path

pytest.importorskip("transformers")
pytest.importorskip("accelerate", reason="transformers' GGUF loader needs accelerate")

BACKSTORY = "I was born in Ohio, I teach fourth grade and I sing in a church choir."
ITEMS = [
    ChoiceItem(BACKSTORY, "Do you enjoy your work?", ("Yes", "No")),
    ChoiceItem(BACKSTORY, "How often do you attend church?", ("Weekly", "Monthly", "Never")),
    ChoiceItem("", "Is the sky blue?", ("Yes", "No", "Sometimes")),
]


@pytest.mark.slow
def test_hf_agrees_with_llama_cpp_and_reuses_the_prefix():
    with load_model(f"hf:{embedded_gguf_path()}", use_cache=False, threads=1, progress=False) as hf:
        assert hf.identity["backend"] == "hf" and hf.prompt_format.name == "chat"
        with_reuse = hf.choice_distributions(ITEMS)
        assert hf.usage.reused_tokens > 20  # the second question re-used the backstory
        hf.backend._kept = None  # forget the kept prefix: score each prompt from scratch
        (scratch,) = hf.choice_distributions(ITEMS[1:2])
        (first,) = hf.generate(["Hello"], SamplingParams(max_tokens=4, seed=0))
        (again,) = hf.generate(["Hello"], SamplingParams(max_tokens=4, seed=0))
    np.testing.assert_allclose(with_reuse[1].probs, scratch.probs, atol=1e-5)
    assert first.text == again.text and first.completion_tokens <= 4
    with load_model("embedded", use_cache=False, threads=1, progress=False) as llama:
        reference = llama.choice_distributions(ITEMS)
    for a, b in zip(with_reuse, reference):
        # Same Q4_1 weights: transformers dequantises to float32, llama.cpp multiplies
        # them against 8-bit-quantised activations; that rounding moves probabilities by
        # up to ~8 points on this 135M model (bench_inference: hf_vs_llamacpp_max_abs_prob_diff).
        np.testing.assert_allclose(a.probs, b.probs, atol=0.1)
