"""``bench personas ablate`` on ANES 1996 and the embedded model, at toy sizes.

6 humans; quantity: one pool of 4 interviews of ten 4-token answers, matched at k = 2, 4;
depth: 2 interviews at 4 and 6 tokens an answer; consistency: 3 interviews, critic off/on.
The quantity pools are nested, the human gaps are perception_gaps' own, a re-run calls
no model, and the plot has one point per knob value.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bench.common.cli import bench
from bench.personas.ablation import AblationConfig, ablation_lines, run_ablation
from bench.personas.interview import InterviewConfig

pytestmark = pytest.mark.slow  # every test here runs the language model

SEED = 3
HUMANS = 6
QUANTITY = [
    "personas", "ablate", "quantity", "--sizes", "2,4", "--humans", str(HUMANS),
    "--turn-tokens", "4", "--min-words", "3", "--splits", "2", "--seed", str(SEED),
]  # fmt: skip


def _humans():
    from bench.personas.datasets import load_dataset
    from bench.personas.respondents import subsample_respondents

    return subsample_respondents(load_dataset("anes1996"), HUMANS, seed=SEED)


@pytest.fixture(scope="module")
def quantity(tmp_path_factory):
    out = tmp_path_factory.mktemp("ablate-quantity")
    result = CliRunner().invoke(bench, [*QUANTITY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_quantity_pools_are_nested(quantity):
    out, _ = quantity
    record = json.loads((out / "ablation.json").read_text())
    pool = pd.read_parquet(out / "pool.parquet")["persona_id"].tolist()
    assert record["pools"]["4"] == pool[:4]
    assert record["pools"]["2"] == record["pools"]["4"][:2]  # k=2 draws from a prefix
    for k in (2, 4):
        matched = set(pd.read_parquet(out / f"match_k{k}.parquet")["persona_id"])
        assert matched <= set(record["pools"][str(k)])
    # A smaller ablation's pool (same seed) is that prefix too: the slots are seeded alone.
    from bench.common.inference import load_model
    from bench.personas.interview import generate_interviews

    model = load_model("embedded", seed=SEED, progress=False)
    try:
        alone = generate_interviews(
            model, 2, InterviewConfig(turn_tokens=4, min_words=3), seed=SEED, progress=False
        )
    finally:
        model.close()
    assert alone["persona_id"].tolist() == pool[:2]
    assert (
        alone["backstory"].tolist()
        == pd.read_parquet(out / "pool.parquet")["backstory"][:2].tolist()
    )


def test_same_persona_same_answer_across_knob_values(quantity):
    out, _ = quantity
    answers = pd.read_parquet(out / "answers.parquet")
    assert set(answers["condition"]) == {"k=2", "k=4"}
    key = ["respondent_id", "question_id"]
    k2 = answers[answers["condition"] == "k=2"].set_index(key)
    k4 = answers[answers["condition"] == "k=4"].set_index(key).loc[k2.index]
    # Every knob value's answers come from the one stream keyed by the shared survey
    # condition (not the knob's label), so a respondent who keeps its persona when the
    # pool grows answers alike and the knob, not a fresh draw, makes the difference.
    from bench.personas.ablation import SURVEY_CONDITION
    from bench.personas.survey import _answer_rng

    for table in (k2, k4):
        for (_respondent, question), row in table.iterrows():
            p = np.asarray(row["probabilities"], dtype=float)
            rng = _answer_rng(SEED, SURVEY_CONDITION, row["unit_id"], question)
            assert row["answer_index"] == int(rng.choice(len(p), p=p / p.sum()))
    same = (k2["persona_id"] == k4["persona_id"]).to_numpy()
    assert (k2["answer_index"][same] == k4["answer_index"][same]).all()


def test_human_gaps_are_perception_gaps_of_the_humans(quantity):
    out, output = quantity
    from bench.personas.perception import HUMAN, perception_gaps

    table = pd.read_csv(out / "ablation.csv")
    human = perception_gaps(_humans()).table
    human = human[(human["condition"] == HUMAN) & human["measure"].isin(["hostility", "placement"])]
    rows = table[table["metric"] == "gap_human"]
    assert len(rows) == 2 * len(human)  # every (measure, group) at k = 2 and k = 4
    for _, h in human.iterrows():
        got = rows[(rows["measure"] == h["measure"]) & (rows["group"] == h["group"])]["score"]
        assert got.tolist() == pytest.approx([h["gap"]] * 2)
    error = table[table["metric"] == "gap_error"].reset_index(drop=True)
    gap = table[table["metric"] == "gap"].reset_index(drop=True)
    assert error["score"].tolist() == pytest.approx(
        (gap["score"] - rows["score"].to_numpy()).abs().tolist()
    )
    assert "quantity ablation" in output and "gap_error" in output


def test_rerun_calls_no_model(quantity):
    out, _ = quantity
    before = (out / "ablation.csv").read_text()
    result = CliRunner().invoke(bench, [*QUANTITY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    usage = json.loads((out / "run.json").read_text())["usage"]
    assert usage["model_calls"] == 0
    timings = json.loads((out / "ablation.json").read_text())["timings"]
    assert all(t["resumed"] for t in timings if t["stage"] != "metrics")
    assert (out / "ablation.csv").read_text() == before


def test_plot_has_one_point_per_knob_value(quantity):
    out, _ = quantity
    assert (out / "plots" / "ablation_quantity.png").stat().st_size > 0
    table = pd.read_csv(out / "ablation.csv")
    panels = ablation_lines(table)
    assert set(panels) == {"gap_error", "wd", "cohens_d"}
    for lines in panels.values():
        for xs, ys in lines.values():
            assert xs == [2, 4] and len(ys) == 2
    assert "all questions" in panels["wd"]


def test_depth_and_consistency(tmp_path):
    interview = InterviewConfig(turn_tokens=4, min_words=3)
    common = {"humans": HUMANS, "seed": SEED, "interview": interview, "n_splits": 2}
    depth = run_ablation(
        AblationConfig(kind="depth", values=(4, 6), n=2, **common),
        tmp_path / "depth",
        progress=False,
    )
    for length in (4, 6):
        pool = pd.read_parquet(tmp_path / "depth" / f"pool_tokens{length}.parquet")
        assert (pool["turn_tokens"] == length).all()
    assert list(dict.fromkeys(depth.table["value"])) == [4, 6]
    consistency = run_ablation(
        AblationConfig(kind="consistency", n=3, **common), tmp_path / "consistency", progress=False
    )
    assert sum(consistency.verdicts.values()) == 3
    assert set(consistency.pools["on"]) <= set(consistency.pools["off"])
    assert len(consistency.pools["off"]) == 3
    n_on = consistency.table.query("metric == 'n_personas' and value == 'on'")["score"]
    assert n_on.tolist() == [len(consistency.pools["on"])]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["quantity", "--sizes", "0"], "--sizes"),
        (["quantity", "--sizes", "2,x"], "--sizes"),
        (["quantity", "--sizes", "2,2"], "--sizes"),
        (["depth", "--turn-tokens", "8,abc"], "--turn-tokens"),
    ],
)
def test_bad_knob_list_names_the_option(tmp_path, args, option):
    result = CliRunner().invoke(bench, ["personas", "ablate", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output
