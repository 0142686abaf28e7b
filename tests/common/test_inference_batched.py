"""Batched scoring (several questions of one context in one forward pass, transformers
backend) against one question at a time, on the embedded GGUF and real GSS 2018
questions; and the prefix grouping it relies on."""

from __future__ import annotations

import numpy as np
import pytest

from bench.common.inference import ChoiceItem
from bench.common.inference.backend import ScoreRequest, common_prefix_length, prefix_chunks
from bench.common.inference.embedded import embedded_gguf_path
from bench.common.inference.model import model_from_backend
from bench.common.inference.spec import parse_spec

# Two backstories of different lengths (not the benchmark's).
NURSE = (
    "I am a 44-year-old nurse in Tucson, Arizona. I work night shifts in an emergency "
    "room, I am divorced with two teenage sons, and I go to Mass when I can. I rent a "
    "small house near the hospital and I worry about what college will cost."
)
FARMER = "I farm soybeans in Nebraska with my brother. I am 67 and a Lutheran."

# GSS 2018 wording (packages/personas/src/bench/personas/data/gss2018.yaml): questions of
# different lengths and option counts, so the suffixes of one pass have uneven lengths.
SPENDING = ("Too much", "About right", "Too little")
GSS = [
    (
        "Are we spending too much, too little, or about the right amount on: "
        "Space exploration program?",
        SPENDING,
    ),
    ("What is your sex?", ("Male", "Female")),
    (
        "Are we spending too much, too little, or about the right amount on: "
        "Improving and protecting the environment?",
        SPENDING,
    ),
    (
        "What is the highest degree you have earned?",
        (
            "Less than high school",
            "High school",
            "Junior college",
            "Bachelor's degree",
            "Graduate degree",
        ),
    ),
    ("What race do you consider yourself?", ("White", "Black", "Other")),
    (
        "We hear a lot of talk these days about liberals and conservatives. Where would you "
        "place yourself on a seven-point scale from extremely liberal to extremely conservative?",
        (
            "Extremely liberal",
            "Liberal",
            "Slightly liberal",
            "Moderate, middle of the road",
            "Slightly conservative",
            "Conservative",
            "Extremely conservative",
        ),
    ),
]


def test_prefix_chunks_hand_worked():
    # runs of equal prefixes, each cut at the batch size, never mixing two prefixes
    prefixes = ["a", "a", "a", "b", "a", "a"]
    assert prefix_chunks(prefixes, 2) == [[0, 1], [2], [3], [4, 5]]
    assert prefix_chunks(prefixes, 16) == [[0, 1, 2], [3], [4, 5]]
    assert prefix_chunks([], 4) == []


def test_common_prefix_length_hand_worked():
    assert common_prefix_length([1, 2, 3], [1, 2, 4, 5]) == 2
    assert common_prefix_length((1, 2), [1, 2, 3]) == 2
    assert common_prefix_length([], [1]) == 0
    assert common_prefix_length([7], [1]) == 0


@pytest.fixture(scope="module")
def hf():
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate", reason="transformers' GGUF loader needs accelerate")
    from bench.common.inference.hf_backend import HFBackend

    backend = HFBackend(embedded_gguf_path(), seed=0, threads=1, score_batch=4)
    spec = parse_spec(f"hf:{embedded_gguf_path()}")
    model = model_from_backend(
        backend,
        spec=spec,
        seed=0,
        cache_dir=None,
        use_cache=False,
        prompt_format="auto",
        progress=False,
    )
    yield model
    model.close()


@pytest.mark.slow
def test_batched_distributions_equal_one_at_a_time(hf):
    """Six questions on each of two backstories at a batch size of 4: every context
    spans two passes (4 + 2), the suffixes of a pass differ in length (right padding),
    and the second pass of a context reuses the prefix kept from the first."""
    items = [ChoiceItem(c, q, o) for c in (NURSE, FARMER) for q, o in GSS]
    backend = hf.backend
    backend.score_batch, backend._kept = 1, None
    reference = hf.choice_distributions(items)
    backend.score_batch, backend._kept = 4, None
    batched = hf.choice_distributions(items)
    for a, b in zip(batched, reference):
        # float32 products of another shape add in another order: a few 1e-6
        np.testing.assert_allclose(a.probs, b.probs, rtol=0, atol=2e-5)
        assert a.outside_mass == pytest.approx(b.outside_mass, abs=2e-5)
    # the distributions differ between questions (a pass reading the wrong row would fail)
    assert np.abs(reference[0].probs - reference[2].probs).max() > 1e-3


@pytest.mark.slow
def test_a_second_pass_reuses_the_prefix(hf):
    """Per request, the tokens not evaluated: the first row of a context's first pass
    pays for the prefix; every other row of both passes reuses at least the backstory."""
    backend = hf.backend
    backend.score_batch, backend._kept = 4, None
    requests = []
    for question, options in GSS:
        prefix, suffix = hf.prompt_format.choice(ChoiceItem(NURSE, question, options))
        requests.append(ScoreRequest(prefix, suffix, tuple("ABCDEFG"[: len(options)])))
    results = dict(backend.score(requests))
    backstory = len(backend._ids(NURSE))
    assert sorted(results) == list(range(len(GSS)))
    assert results[0].reused_tokens == 0  # nothing kept yet
    assert all(results[i].reused_tokens >= backstory for i in range(1, len(GSS)))
