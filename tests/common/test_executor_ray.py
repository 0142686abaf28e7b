"""Model replicas on a real local Ray instance (2 CPUs) against the same model loaded here:
the embedded llama.cpp model at one thread per replica gives the same numbers bit for bit,
in input order, whichever replica answered, also when a replica is killed mid-call."""

from __future__ import annotations

import numpy as np
import pytest

from bench.common.executor import Executor, load_model, using
from bench.common.inference import ChoiceItem, SamplingParams
from bench.common.inference import load_model as load_local
from bench.common.inference.replicas import load_replicated_model

CONTEXTS = [
    "I grew up on a farm in Iowa and worked as a nurse for thirty years.",
    "My name is Tom. I write software in Boston and live with two cats.",
    "I was born in 1950 in Texas; my father was a preacher.",
    "I am a retired teacher from Ohio who votes in every election.",
    "I moved to California at twenty and opened a small bakery.",
]
QUESTIONS = [
    ("What is your age?", ("18-29", "30-49", "50-64", "65 or older")),
    ("Do you favor or oppose the death penalty?", ("Favor", "Oppose")),
    ("How much do you trust the government?", ("A lot", "Some", "Not at all")),
]


@pytest.fixture(scope="module")
def local_model():
    model = load_local("embedded", seed=3, use_cache=False, threads=1, progress=False)
    yield model
    model.close()


def _items() -> list[ChoiceItem]:
    # Questions of one context interleaved with others: the pool must regroup them.
    return [ChoiceItem(c, q, o) for q, o in QUESTIONS for c in CONTEXTS]


def _same(a, b) -> bool:
    return all(
        np.array_equal(x.probs, y.probs) and x.outside_mass == y.outside_mass for x, y in zip(a, b)
    )


@pytest.mark.slow
def test_replicas_match_the_local_model_bit_for_bit(ray_instance, local_model, tmp_path):
    with using(Executor("ray", replicas=2)):
        model = load_model("embedded", seed=3, progress=False, cache_dir=tmp_path)
    try:
        assert model.identity == local_model.identity  # same cache keys and run records
        items = _items()
        assert _same(model.choice_distributions(items), local_model.choice_distributions(items))
        assert all(n > 0 for n in model.backend.served)  # both replicas worked
        prompts = ["Tell me about yourself."] * 3 + ["Where did you grow up?"] * 2
        params = SamplingParams(temperature=1.0, max_tokens=12, seed=7)
        ours = [g.texts for g in model.generate(prompts, params)]
        assert ours == [g.texts for g in local_model.generate(prompts, params)]
        assert len(set(ours[:3])) == 3  # repeated prompts still get their own seeds
        assert model.usage.model_calls == len(items) + len(prompts)
    finally:
        model.close()


@pytest.mark.slow
def test_a_killed_replica_loses_and_repeats_nothing(ray_instance, local_model):
    model = load_replicated_model("embedded", seed=3, replicas=2, use_cache=False, progress=False)
    pool = model.backend
    try:
        requests = model._score_requests(_items())
        order = sorted(range(len(requests)), key=lambda i: requests[i].prefix)
        grouped = [requests[i] for i in order]
        seen = []
        for index, result in pool.score(grouped):
            if not seen:  # the first chunk is back, the others are queued or running
                ray_instance.kill(pool.actors[0], no_restart=True)
            seen.append((index, result.logprobs))
        assert sorted(i for i, _ in seen) == list(range(len(grouped)))  # each exactly once
        reference = list(local_model.backend.score(grouped))
        for index, logprobs in seen:
            assert np.array_equal(logprobs, reference[index][1].logprobs)
        assert pool.served[1] > 0
    finally:
        model.close()


@pytest.mark.slow
def test_too_many_replicas_is_a_clear_error(ray_instance):
    with pytest.raises(ValueError, match="--replicas 3 x 1 CPUs per replica needs 3 CPUs"):
        load_replicated_model("embedded", replicas=3, use_cache=False)
