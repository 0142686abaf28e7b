"""Perception gaps: ANES 1996 against an independent pandas computation, a meta case, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bench.personas.datasets import dataset_from_spec, load_dataset
from bench.personas.perception import HUMAN, perception_gaps


def _answers(condition: str, table: pd.DataFrame) -> pd.DataFrame:
    """Long answers (the survey stage's format) from a (respondent, question) position table."""
    long = table.stack().rename("answer_index").reset_index()
    long.columns = ["respondent_id", "question_id", "answer_index"]
    return long.assign(
        condition=condition, respondent_id=long["respondent_id"].astype(str), weight=1.0
    )


def _pooled_d(a: pd.Series, b: pd.Series) -> float:
    pooled = ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
    return (a.mean() - b.mean()) / np.sqrt(pooled)


def test_anes1996_human_gaps_equal_a_pandas_computation_on_the_statsmodels_data():
    from statsmodels.datasets import anes96

    raw = anes96.load_pandas().data
    table = perception_gaps(load_dataset("anes1996")).table
    rows = table[table["condition"] == HUMAN].set_index(["measure", "group"])
    sides = {
        "Democrat": (raw[raw["PID"] <= 2], "ClinLR", "DoleLR"),  # own candidate, other's
        "Republican": (raw[raw["PID"] >= 4], "DoleLR", "ClinLR"),
    }
    for party, (people, own, other) in sides.items():
        far = (people["selfLR"] - people[other]).abs()
        near = (people["selfLR"] - people[own]).abs()
        row = rows.loc[("hostility", party)]
        assert row["n_a"] == row["n_b"] == len(people)
        assert row["gap"] == pytest.approx(far.mean() - near.mean())
        assert row["cohens_d"] == pytest.approx(_pooled_d(far, near))
        # both parties see the other party's candidate as farther from themselves
        assert row["gap"] > 0 and row["cohens_d"] > 0
        row = rows.loc[("placement", party)]
        assert row["gap"] == pytest.approx(people[other].mean() - people[own].mean())
        assert row["cohens_d"] == pytest.approx(_pooled_d(people[other], people[own]))
    # Dole placed right of Clinton by both: positive for Democrats, negative for Republicans
    assert (
        rows.loc[("placement", "Democrat"), "gap"]
        > 0
        > rows.loc[("placement", "Republican"), "gap"]
    )
    assert (
        rows.loc[("hostility", "Democrat"), "n_a"],
        rows.loc[("hostility", "Republican"), "n_a"],
    ) == (488, 419)
    meta = rows.loc["meta"]  # ANES has no meta-perception question: n/a, not zero
    assert meta["gap"].isna().all() and meta["note"].str.contains("no `kind: meta`").all()


def test_conditions_get_their_own_gaps_and_the_distance_to_the_humans():
    ds = load_dataset("anes1996")
    humans = ds.answers()
    rng = np.random.default_rng(0)
    # every answer moved to a random respondent: the overall marginals stay, party ties go
    shuffled = humans.apply(lambda c: rng.permutation(c.to_numpy()))
    answers = pd.concat([_answers("copy", humans), _answers("shuffled", shuffled)])
    table = perception_gaps(ds, answers).table.set_index(["measure", "group", "condition"])
    for party in ("Democrat", "Republican"):
        for measure in ("hostility", "placement"):
            copy, human = table.loc[(measure, party, "copy")], table.loc[(measure, party, HUMAN)]
            assert copy["gap"] == pytest.approx(human["gap"])
            assert copy["cohens_d"] == pytest.approx(human["cohens_d"])
            assert copy["wd"] == 0 and np.isnan(human["wd"])
        assert table.loc[("placement", party, "shuffled"), "wd"] > 0
    # shuffled, both parties place the candidates alike, so their gaps (other minus own)
    # nearly cancel; the humans' do not (Republicans put Clinton farther left)
    shuffled = table.xs("shuffled", level="condition").loc["placement", "gap"]
    human = table.xs(HUMAN, level="condition").loc["placement", "gap"]
    assert abs(shuffled.sum()) < 0.2 < abs(human.sum())


# A small two-party survey with meta-perception questions, written here. Codes 1-5 are
# positions 0-4. warm_D / warm_R rate each party (put to everyone); meta_D asks Democrats
# how Republicans rate Democrats, meta_R asks Republicans how Democrats rate Republicans.
WARM = {1: "Very cold", 2: "Cold", 3: "Neutral", 4: "Warm", 5: "Very warm"}
META_SPEC = {
    "name": "warmth",
    "id": "id",
    "demographics": {"party": {"column": "party", "options": {"D": "Democrat", "R": "Republican"}}},
    "groups": {"party": {"trait": "party", "members": {"Dem": ["D"], "Rep": ["Republican"]}}},
    "questions": [
        {
            "id": "warm_D",
            "column": "warm_D",
            "text": "?",
            "options": WARM,
            "kind": "ingroup",
            "target_group": "party=Dem",
        },
        {
            "id": "warm_R",
            "column": "warm_R",
            "text": "?",
            "options": WARM,
            "kind": "ingroup",
            "target_group": "Rep",
        },
        {
            "id": "meta_D",
            "column": "meta_D",
            "text": "?",
            "options": WARM,
            "kind": "meta",
            "group": "party=Dem",
            "target_group": "party=Rep",
        },
        {
            "id": "meta_R",
            "column": "meta_R",
            "text": "?",
            "options": WARM,
            "kind": "meta",
            "group": "party=Rep",
            "target_group": "party=Dem",
        },
    ],
}
META_TABLE = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6],
        "party": ["D", "D", "D", "R", "R", "R"],
        "warm_D": [5, 4, 5, 3, 2, 2],
        "warm_R": [2, 1, 3, 5, 4, 5],
        "meta_D": [1, 2, 2, np.nan, np.nan, np.nan],
        "meta_R": [np.nan, np.nan, np.nan, 1, 1, 2],
    }
)


def test_meta_perception_gap_on_a_small_written_survey():
    ds = dataset_from_spec(META_SPEC, META_TABLE, source="warmth")
    answers = _answers("copy", ds.answers())
    table = perception_gaps(ds, answers).table.set_index(["measure", "group", "condition"])
    # Dem: believe Rep rate them meta_D = (0, 1, 1), mean 2/3; Rep's warm_D = (2, 1, 1),
    # mean 4/3. Δ = -2/3; both variances 1/3, so d = -(2/3) / sqrt(1/3) = -1.1547005
    dem = table.loc[("meta", "Dem", HUMAN)]
    assert (dem["a"], dem["b"]) == ("meta_D[Dem]", "warm_D[Rep]")
    assert dem["gap"] == pytest.approx(-2 / 3)
    assert dem["cohens_d"] == pytest.approx(-1.1547005383792515)
    # Rep: meta_R = (0, 0, 1), mean 1/3, var 1/3; Dem's warm_R = (1, 0, 2), mean 1, var 1
    # Δ = -2/3; s² = (2/3 + 2)/4 = 2/3; d = -(2/3) / sqrt(2/3) = -0.8164966
    rep = table.loc[("meta", "Rep", HUMAN)]
    assert rep["gap"] == pytest.approx(-2 / 3)
    assert rep["cohens_d"] == pytest.approx(-0.816496580927726)
    assert table.loc[("meta", "Rep", "copy"), "gap"] == pytest.approx(-2 / 3)
    assert table.loc[("meta", "Rep", "copy"), "wd"] == 0
    # placement for Dem: warm_R (1, 0, 2) minus warm_D (4, 3, 4): 1 - 11/3
    assert table.loc[("placement", "Dem", HUMAN), "gap"] == pytest.approx(1 - 11 / 3)
    hostility = table.loc[("hostility", "Dem", HUMAN)]  # no self_position in this spec
    assert np.isnan(hostility["gap"]) and "self_position" in hostility["note"]


def _spec(**changes):
    spec = {**META_SPEC, "questions": [dict(q) for q in META_SPEC["questions"]]}
    for key, value in changes.items():
        if key.startswith("q"):  # q<index>_<field>
            index, field = key[1:].split("_", 1)
            spec["questions"][int(index)][field] = value
        else:
            spec[key] = value
    return spec


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"q0_kind": "ingroupp"}, "question 'warm_D': kind 'ingroupp' is not one of"),
        ({"q0_target_group": None}, "question 'warm_D' .kind 'ingroup'. has no `target_group:`"),
        ({"q2_group": None}, "question 'meta_D' .kind 'meta'. has no `group:`"),
        ({"q0_kind": "outgroup"}, "question 'warm_D' .kind 'outgroup'. has no `group:`"),
        ({"q1_target_group": "party=Green"}, "group 'party=Green' is not a group of the spec"),
        ({"q2_group": "party=Rep"}, "kind 'meta' needs group != target_group"),
        (
            {"groups": None},
            "question 'warm_D' names group 'party=Dem' but the spec has no `groups:`",
        ),
        (
            {"groups": {"party": {"trait": "PID", "members": {"Dem": ["D"], "Rep": ["R"]}}}},
            "names trait 'PID', which is not under `demographics:`",
        ),
        (
            {"groups": {"party": {"trait": "party", "members": {"Dem": ["D"], "Rep": ["X"]}}}},
            "group 'Rep' lists 'X', which is neither a code",
        ),
        (
            {"groups": {"party": {"trait": "party", "members": {"Dem": ["D"], "Rep": ["D", "R"]}}}},
            "is in both 'Dem' and 'Rep'",
        ),
    ],
)
def test_bad_specs_fail_naming_the_question_or_trait_and_the_fix(changes, message):
    with pytest.raises(ValueError, match=message):
        dataset_from_spec(_spec(**changes), META_TABLE, source="warmth")


def test_gaps_need_groups_and_matching_questions():
    with pytest.raises(ValueError, match="gss2018 has no `groups:` block"):
        perception_gaps(load_dataset("gss2018"))
    # the meta question's actual counterpart must share its options
    other_scale = {1: "No", 2: "Yes", 3: "Maybe", 4: "Often", 5: "Always"}
    ds = dataset_from_spec(_spec(q3_options=other_scale), META_TABLE, source="warmth")
    with pytest.raises(ValueError, match=r"meta question .meta_R.*exactly one question rating"):
        perception_gaps(ds)
    untagged = _spec(q0_kind="self", q0_target_group=None, q1_kind="self", q1_target_group=None)
    untagged["questions"] = untagged["questions"][:2]
    ds = dataset_from_spec(untagged, META_TABLE, source="warmth")
    with pytest.raises(ValueError, match="no `kind: ingroup`/`outgroup` question"):
        perception_gaps(ds)


def test_gaps_command_writes_json_csv_markdown_plot_and_record(tmp_path):
    from bench.personas.cli import personas

    ds = load_dataset("anes1996")
    _answers("copy", ds.answers()).to_parquet(tmp_path / "answers.parquet")
    out = tmp_path / "gaps.json"
    args = ["gaps", "--dataset", "anes1996", "--answers", str(tmp_path / "answers.parquet")]
    result = CliRunner().invoke(personas, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "n/a: the spec has no `kind: meta` question" in out.with_suffix(".md").read_text()
    csv = pd.read_csv(out.with_suffix(".csv"))
    assert set(csv["condition"]) == {HUMAN, "copy"}
    assert out.with_suffix(".png").stat().st_size > 0
    assert (tmp_path / "gaps.json.run.json").exists()
    bad = CliRunner().invoke(personas, ["gaps", "--dataset", "gss2018", "--out", str(out)])
    assert bad.exit_code != 0 and "no `groups:` block" in bad.output
