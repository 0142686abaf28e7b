"""The persistent cache: a re-run does no model work; a killed run resumes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from bench.common.inference import ChoiceItem, SamplingParams, load_model

PROMPTS = [f"Question: Name a fruit that starts with the letter {c}.\nAnswer:" for c in "ABCDEFGH"]
PARAMS = SamplingParams(temperature=1.0, max_tokens=16, seed=3)
ITEMS = [
    ChoiceItem("I live in Texas and I work on an oil rig.", "Do you like your job?", ("Yes", "No")),
    ChoiceItem("I live in Texas and I work on an oil rig.", "Do you own a car?", ("Yes", "No")),
    ChoiceItem("", "Is the sky blue?", ("Yes", "No", "Sometimes")),
]


def _rows(cache_dir) -> int:
    path = cache_dir / "inference.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0


@pytest.mark.slow
def test_second_call_is_served_from_the_cache(tmp_path):
    with load_model("embedded", cache_dir=tmp_path, threads=1, progress=False) as model:
        generations = model.generate(PROMPTS[:2], PARAMS)
        dists = model.choice_distributions(ITEMS)
        computed = model.usage.model_calls
        assert computed == 2 + 3 and model.usage.cache_hits == 0
    with load_model("embedded", cache_dir=tmp_path, threads=1, progress=False) as again:
        regenerated = again.generate(PROMPTS[:2], PARAMS)
        redists = again.choice_distributions(ITEMS)
        assert again.usage.model_calls == 0  # no model work at all
        assert again.usage.prompt_tokens == 0 and again.usage.seconds == 0
        assert again.usage.cache_hits == 5
    assert [g.texts for g in regenerated] == [g.texts for g in generations]
    assert all(g.cached for g in regenerated) and not any(g.cached for g in generations)
    for a, b in zip(dists, redists):
        np.testing.assert_array_equal(a.probs, b.probs)
        assert a.outside_mass == b.outside_mass
    # another seed is another request
    with load_model("embedded", seed=1, cache_dir=tmp_path, threads=1, progress=False) as other:
        other.generate(PROMPTS[:1], PARAMS)
        assert other.usage.model_calls == 1


_WORKER = textwrap.dedent(
    """
    import sys
    from bench.common.inference import SamplingParams, load_model
    prompts = [f"Question: Name a fruit that starts with the letter {c}.\\nAnswer:" for c in "ABCDEFGH"]
    with load_model("embedded", cache_dir=sys.argv[1], threads=1, progress=False) as model:
        model.generate(prompts, SamplingParams(temperature=1.0, max_tokens=16, seed=3))
    """
)


@pytest.mark.slow
def test_killed_run_resumes_without_recomputing(tmp_path):
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(tmp_path)],
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    deadline = time.monotonic() + 240
    while _rows(tmp_path) < 3 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)  # mid-batch: no chance to clean up
    worker.wait()
    finished = _rows(tmp_path)
    assert 3 <= finished < len(PROMPTS), "the kill should land mid-batch"

    with load_model("embedded", cache_dir=tmp_path, threads=1, progress=False) as resumed:
        results = resumed.generate(PROMPTS, PARAMS)
        assert resumed.usage.cache_hits == finished
        assert resumed.usage.model_calls == len(PROMPTS) - finished
    with load_model("embedded", use_cache=False, threads=1, progress=False) as fresh:
        expected = fresh.generate(PROMPTS, PARAMS)
    assert [r.texts for r in results] == [e.texts for e in expected]
