"""Option distributions from the embedded model (log-probability and sampling methods)."""

from __future__ import annotations

import llama_cpp
import numpy as np
import pytest

from bench.common.inference import ChoiceItem, load_model
from bench.common.inference.embedded import embedded_gguf_path
from bench.common.inference.sampling_choice import empirical_distribution, parse_choice

FARMER = (
    "I grew up on a farm in rural Iowa. My parents were devout Protestants and I still "
    "go to church every Sunday. I own two rifles and I have always voted Republican."
)
ENGINEER = (
    "I am a 25-year-old software engineer in San Francisco. I am an atheist, I volunteer "
    "for progressive causes and I marched for climate action last spring."
)
PARTY = (
    "Generally speaking, do you think of yourself as a Republican, a Democrat, or an Independent?",
    ("Republican", "Democrat", "Independent"),
)
RELIGION = ("What is your religion?", ("Protestant", "Catholic", "Jewish", "None"))


@pytest.fixture(scope="module")
def model():
    with load_model("embedded", seed=0, use_cache=False, threads=1, progress=False) as m:
        yield m


@pytest.mark.slow
def test_distributions_sum_to_one_and_change_with_context(model):
    dists = model.choice_distribution([FARMER, ENGINEER, ""], *PARTY)
    for dist in dists:
        assert dist.probs.shape == (3,)
        assert dist.probs.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.all(dist.probs >= 0)
        assert 0.0 <= dist.outside_mass <= 1.0
        assert dist.labels == ("A", "B", "C")
    # a different backstory is a different conditional distribution
    assert np.abs(dists[0].probs - dists[1].probs).max() > 1e-3
    assert np.abs(dists[0].probs - dists[2].probs).max() > 1e-3


@pytest.mark.slow
def test_logprobs_match_the_plain_llama_cpp_call(model):
    """Reference: llama_cpp.Llama evaluating the whole rendered prompt from scratch and
    its own log-softmax of the last logits, summed over each letter's two tokens in
    SmolLM2's vocabulary: "A" and " A" (OpinionQA's rule)."""
    item = ChoiceItem(FARMER, *RELIGION)
    (dist,) = model.choice_distributions([item])
    text = "".join(model.prompt_format.choice(item))
    llm = llama_cpp.Llama(
        model_path=str(embedded_gguf_path()), n_threads=1, logits_all=True, verbose=False
    )
    llm.eval(llm.tokenize(text.encode(), add_bos=True, special=True))
    logp = llama_cpp.Llama.logits_to_logprobs(llm.scores[llm.n_tokens - 1])
    spellings = [
        [llm.tokenize(text.encode(), add_bos=False) for text in (c, f" {c}")] for c in "ABCD"
    ]
    assert all(len(tokens) == 1 for pair in spellings for tokens in pair)  # one token each
    p = np.array([np.exp(logp[[a[0], b[0]]].astype(np.float64)).sum() for a, b in spellings])
    np.testing.assert_allclose(dist.probs, p / p.sum(), atol=1e-5)
    assert dist.outside_mass == pytest.approx(1 - p.sum(), abs=1e-5)
    llm.close()


@pytest.mark.slow
def test_prefix_reuse_equals_plain_scoring():
    """Two questions on each of two backstories, interleaved: with reuse the backstory is
    evaluated once per context; numbers equal evaluating each prompt from scratch."""
    items = [
        ChoiceItem(FARMER, *PARTY),
        ChoiceItem(ENGINEER, *PARTY),
        ChoiceItem(FARMER, *RELIGION),
        ChoiceItem(ENGINEER, *RELIGION),
    ]
    with load_model("embedded", use_cache=False, threads=1, progress=False) as reuse:
        with_reuse = reuse.choice_distributions(items)
        reused = reuse.usage.reused_tokens
    with load_model("embedded", use_cache=False, threads=1, progress=False) as plain:
        plain.backend.prefix_reuse = False
        without = plain.choice_distributions(items)
        assert plain.usage.reused_tokens == 0
        backstory_tokens = len(plain.backend.tokenize(FARMER))
    # the second question on each backstory re-used at least the backstory's tokens
    assert reused >= 2 * (backstory_tokens - 1)
    for a, b in zip(with_reuse, without):
        # same tokens, same math; only the batch split of the evaluation differs
        np.testing.assert_allclose(a.probs, b.probs, atol=1e-4)
        assert a.outside_mass == pytest.approx(b.outside_mass, abs=1e-4)


def test_chat_format_wraps_the_question_in_the_template(model):
    prefix, suffix = model.prompt_format.choice(ChoiceItem(FARMER, *PARTY))
    assert model.prompt_format.name == "chat"  # the embedded model has a template
    assert prefix.startswith("<|im_start|>system\n") and prefix.endswith(FARMER + "\n\n")
    assert suffix.endswith("<|im_end|>\n<|im_start|>assistant\nAnswer: (")
    with load_model("embedded", use_cache=False, threads=1, prompt_format="raw") as raw:
        prefix, suffix = raw.prompt_format.choice(ChoiceItem(FARMER, *PARTY))
    assert prefix == FARMER + "\n\n"
    assert (
        suffix == f"Question: {PARTY[0]}\n(A) Republican\n(B) Democrat\n(C) Independent\nAnswer: ("
    )


def test_parse_choice_hand_worked():
    item = ChoiceItem("", *RELIGION)
    assert parse_choice("A) Protestant", item) == 0
    assert parse_choice("D)", item) == 3
    assert parse_choice(" (C) Jewish", item) == 2
    assert parse_choice("None of them", item) == 3  # the option's text
    assert parse_choice("Protestant, mostly", item) == 0
    assert parse_choice("E) other", item) is None  # not an option letter
    assert parse_choice("Absolutely", item) is None  # a word, not the letter A
    dist = empirical_distribution(["A)", "A)", "B)", "??"], item)
    np.testing.assert_allclose(dist.probs, [2 / 3, 1 / 3, 0, 0])
    assert dist.outside_mass == pytest.approx(0.25)


@pytest.mark.slow
def test_sampling_method_is_an_empirical_distribution_and_seeded(model):
    items = [ChoiceItem(FARMER, *RELIGION)]
    (first,) = model.sample_choice_distribution(items, k=12)
    (again,) = model.sample_choice_distribution(items, k=12)
    assert first.probs.sum() == pytest.approx(1.0)
    # counts out of the parsed samples: multiples of 1/(12 * (1 - outside))
    parsed = round(12 * (1 - first.outside_mass))
    assert parsed > 0
    np.testing.assert_allclose(first.probs * parsed, np.round(first.probs * parsed), atol=1e-9)
    np.testing.assert_array_equal(first.probs, again.probs)
