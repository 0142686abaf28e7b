"""Generation with the embedded model: seeds, n, stop strings, the greedy reference."""

from __future__ import annotations

import llama_cpp
import pytest

from bench.common.inference import SamplingParams, load_model
from bench.common.inference.embedded import embedded_gguf_path

PROMPT = "Question: Tell me about yourself.\nAnswer:"
# max_tokens stays small: 2 shared cores (the paper's backstories run to 256+ tokens)
SHORT = SamplingParams(temperature=1.0, max_tokens=12, seed=0)


@pytest.fixture(scope="module")
def model():
    with load_model("embedded", seed=0, use_cache=False, threads=1, progress=False) as m:
        yield m


def test_reproducible_under_a_seed_and_different_for_another(model):
    first = model.generate([PROMPT], SHORT)[0]
    again = model.generate([PROMPT], SHORT)[0]
    other = model.generate([PROMPT], SamplingParams(temperature=1.0, max_tokens=12, seed=1))[0]
    assert first.text == again.text
    assert first.text != other.text
    assert first.completion_tokens == 12 and first.finish_reason == "length"
    assert first.prompt_tokens > 0 and first.seconds > 0 and not first.cached


def test_repeated_prompts_and_n_give_distinct_samples(model):
    twice = model.generate([PROMPT, PROMPT], SHORT)
    assert twice[0].text != twice[1].text  # the second occurrence has its own seed
    assert twice[0].text == model.generate([PROMPT], SHORT)[0].text  # batch-independent
    (three,) = model.generate([PROMPT], SamplingParams(max_tokens=6, n=3))
    assert len(three.texts) == 3 == len(three.finish_reasons)
    assert len(set(three.texts)) > 1
    assert three.completion_tokens == 18


@pytest.mark.slow
def test_greedy_equals_the_plain_llama_cpp_call(model):
    text = model.prompt_format.prompt(PROMPT)
    llm = llama_cpp.Llama(model_path=str(embedded_gguf_path()), n_threads=1, verbose=False)
    reference = llm.create_completion(text, max_tokens=10, temperature=0.0)
    llm.close()
    greedy = model.generate([PROMPT], SamplingParams(temperature=0.0, max_tokens=10))[0]
    assert greedy.text == reference["choices"][0]["text"]


def test_stop_string_ends_the_completion(model):
    free = model.generate([PROMPT], SamplingParams(temperature=0.0, max_tokens=20))[0]
    word = free.text.split()[1]  # a word the greedy completion is known to contain
    stopped = model.generate(
        [PROMPT], SamplingParams(temperature=0.0, max_tokens=20, stop=(word,))
    )[0]
    assert stopped.finish_reason == "stop"
    assert word not in stopped.text and free.text.startswith(stopped.text)


def test_usage_counts_tokens(model):
    before = model.usage.completion_tokens
    model.generate([PROMPT], SamplingParams(max_tokens=5, seed=7))
    assert model.usage.completion_tokens - before == 5
    assert set(model.usage.as_dict()) >= {
        "prompt_tokens",
        "completion_tokens",
        "seconds",
        "cache_hits",
    }
