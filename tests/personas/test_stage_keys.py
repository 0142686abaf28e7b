"""Stage reuse is content-addressed: a stage is reused only if nothing it read changed.

Fast cases run the real matching stage (no model) through :class:`Stages`; the slow case
runs ``bench personas run``'s pipeline on the embedded model and changes ``-n`` and
``--humans`` between runs into one directory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.personas.datasets import load_dataset
from bench.personas.matching import MatchConfig, match
from bench.personas.respondents import subsample_respondents
from bench.personas.stages import Stages, digest


def test_digest_reads_every_cell_including_lists():
    table = pd.DataFrame(
        {"persona_id": ["a", "b"], "probabilities": [[0.5, 0.5], [0.1, 0.9]], "n": [1, 2]}
    )
    assert digest(table) == digest(table.copy())
    changed = table.copy()
    changed.at[1, "probabilities"] = [0.2, 0.8]
    assert digest(changed) != digest(table)
    assert digest(table.assign(n=[1, 3])) != digest(table)
    assert digest(table.iloc[:1]) != digest(table)
    # Parquet round trip (lists come back as arrays) keeps the address.
    assert digest(table) == digest(pd.read_parquet(_roundtrip(table)))


def _roundtrip(table: pd.DataFrame) -> object:
    import io

    buffer = io.BytesIO()
    table.to_parquet(buffer)
    buffer.seek(0)
    return buffer


def _demographics(humans, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for v in range(12):
        for trait in humans.demographics:
            p = rng.dirichlet(np.ones(trait.n_options))
            rows += [
                {"persona_id": f"p{v}", "trait": trait.name, "option_index": i, "probability": x}
                for i, x in enumerate(p)
            ]
    return pd.DataFrame(rows)


def _match_stage(stage: Stages, humans, demographics: pd.DataFrame, out: Path) -> pd.DataFrame:
    config = MatchConfig(method="greedy")
    return stage(
        "match",
        out,
        {"match": config},
        lambda lm, journal: match(humans, demographics, config),
        inputs={
            "demographics": demographics,
            "profiles": humans.profiles().reset_index(names="id"),
            "traits": humans.demographics,
        },
        needs_model=False,
    )


def test_a_stage_reruns_exactly_when_a_table_it_read_changed(tmp_path):
    ds = load_dataset("gss2018")
    humans = subsample_respondents(ds, 10, seed=0)
    out = tmp_path / "match.parquet"
    first = _match_stage(Stages(None, {"seed": 0}, seed=0), humans, _demographics(humans, 1), out)
    again = Stages(None, {"seed": 0}, seed=0)
    assert _match_stage(again, humans, _demographics(humans, 1), out).equals(first)
    assert again.timings[-1].resumed  # same settings, same tables: reused
    # Another demographic survey under the same settings: the old matching is stale.
    changed = Stages(None, {"seed": 0}, seed=0)
    new = _demographics(humans, 2)
    table = _match_stage(changed, humans, new, out)
    assert not changed.timings[-1].resumed
    pd.testing.assert_frame_equal(table, match(humans, new, MatchConfig(method="greedy")))
    # Other humans (the profiles it read): also stale.
    others = subsample_respondents(ds, 10, seed=1)
    moved = Stages(None, {"seed": 0}, seed=0)
    assert _match_stage(moved, others, new, out)["human_id"].tolist() == others.ids.tolist()
    assert not moved.timings[-1].resumed


@pytest.fixture(scope="module")
def small_spec(cut_gss2018_spec) -> Path:
    """gss2018's spec cut to 3 traits and 2 questions, over the bundled table."""
    return cut_gss2018_spec(("age", "sex", "ideology"), ("natspac", "natenvir"))


@pytest.mark.slow
def test_run_into_the_same_directory_reruns_what_a_change_reaches(
    small_spec, tmp_path, monkeypatch
):
    # The case: another -n regenerated the backstories but the demographics,
    # matches and answers of the old ones were reused.
    from bench.personas.backstories import BackstoryConfig
    from bench.personas.pipeline import PipelineConfig, run_pipeline

    monkeypatch.setenv("BENCH_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "run"

    def run(n: int, humans: int) -> dict[str, bool]:
        config = PipelineConfig(
            dataset=f"spec:{small_spec}",
            n=n,
            humans=humans,
            seed=3,
            backstories=BackstoryConfig(max_tokens=16, min_words=1),
            matchings=("greedy",),
            baselines=("qa",),
            n_splits=2,
        )
        result = run_pipeline(config, out, progress=False)
        return {t.stage: t.resumed for t in result.timings if t.stage != "evaluate"}

    def consistent() -> None:
        """Every file was computed from the files upstream of it, as they are now."""
        stories = pd.read_parquet(out / "backstories.parquet")
        demographics = pd.read_parquet(out / "demographics.parquet")
        matches = pd.read_parquet(out / "match_greedy.parquet")
        answers = pd.read_parquet(out / "answers.parquet")
        assert set(demographics["persona_id"]) == set(stories["persona_id"])
        assert set(matches["persona_id"]) <= set(stories["persona_id"])
        matched = answers[answers["condition"] == "anthology-greedy"]
        pairs = dict(zip(matches["human_id"].astype(str), matches["persona_id"]))
        assert dict(zip(matched["respondent_id"], matched["persona_id"])) == pairs

    run(4, 4)
    resumed = run(5, 4)  # another -n: new backstories and what reads them
    assert not resumed["backstories"] and not resumed["demographics"]
    assert resumed["backstories-dp"]  # does not read the Anthology backstories
    # The first four slots keep their seeded texts, so the matching and the survey rerun
    # only if what they read differs; either way every file fits its inputs.
    assert len(pd.read_parquet(out / "backstories.parquet")) == 5
    consistent()
    resumed = run(5, 5)  # another --humans: the personas and their survey stay
    assert resumed == {
        "backstories": True,
        "backstories-dp": False,
        "demographics": True,
        "match-greedy": False,
        "survey": False,
    }
    assert pd.read_parquet(out / "answers.parquet")["respondent_id"].nunique() == 5
    consistent()
    assert all(run(5, 5).values())  # nothing changed: everything reused
