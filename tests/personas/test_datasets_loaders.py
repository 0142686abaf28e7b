"""Dataset loaders on the bundled data, specs and ATP files written here, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from bench.personas.datasets import load_atp, load_dataset


def test_gss2018_sizes_items_and_positions():
    ds = load_dataset("gss2018")
    assert ds.n == 2348 and ds.weights is None
    assert [t.name for t in ds.demographics] == [
        "age",
        "sex",
        "education",
        "race",
        "income",
        "party",
        "ideology",
    ]
    assert len(ds.questions) == 18
    raw = ds.respondents.set_index("id")
    natspac = ds.answer_positions("natspac")
    # codes -1/0/1 map to positions 0/1/2; NaN stays missing (262 skipped the item)
    assert np.array_equal(natspac.dropna().to_numpy(), raw["natspac"].dropna().to_numpy() + 1)
    assert natspac.isna().sum() == 262
    age = ds.trait_positions("age")
    assert age.loc[1] == 1  # respondent 1 is 43: "30-49"
    assert age.loc[raw.index[raw["age"] == 89][0]] == 3  # top-coded 89: "65 or older"
    # rincom16 codes 1-8 are the first income option
    income = ds.trait_positions("income")
    assert (income[raw["rincom16"].between(1, 8)] == 0).all()
    assert ds.profile(1)["income"] is None


def test_anes1996_keeps_party_and_placements():
    ds = load_dataset("anes1996")
    assert ds.n == 944 and ds.weights is None
    raw = ds.respondents.set_index("id")
    assert np.array_equal(ds.trait_positions("party").to_numpy(), raw["PID"].to_numpy())
    assert np.array_equal(ds.answer_positions("ClinLR").to_numpy(), raw["ClinLR"].to_numpy() - 1)
    assert ds.question("vote").options == ("Bill Clinton", "Bob Dole")
    assert ds.answers().notna().all().all()  # the statsmodels extract has no missing values


def _write_spec(tmp_path, table: pd.DataFrame, spec: dict) -> str:
    table.to_csv(tmp_path / "people.csv", index=False)
    spec = {"table": "people.csv", **spec}
    (tmp_path / "people.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return f"spec:{tmp_path / 'people.yaml'}"


SPEC = {
    "name": "people",
    "id": "pid",
    "weight": "w",
    "missing": [98, 99, "Refused"],
    "demographics": {
        "age": {
            "column": "age",
            "question": "What is your age?",
            "bins": [18, 30, 50, 65, 200],
            "options": ["18-29", "30-49", "50-64", "65 or older"],
        },
        "gender": {
            "column": "gender",
            "question": "Gender?",
            "options": {"female": "Female", "male": "Male"},
        },
    },
    "questions": [
        {
            "id": "blair",
            "column": "Blair",
            "text": "Rate Blair",
            "options": {
                1: "Very negative",
                2: "Negative",
                3: "Neutral",
                4: "Positive",
                5: "Very positive",
            },
        },
        {
            "id": "eu",
            "column": "EU",
            "text": "Stay in the EU?",
            "options": ["Leave", "Remain"],
            "kind": "self",
        },
    ],
}


def _people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pid": [10, 11, 12, 13],
            "w": [1.0, 2.0, 0.5, 1.5],
            "age": [18, 29.9, 64, 99],
            "gender": ["female", "male", "Refused", "male"],
            "Blair": [1, 5, 98, 3],
            "EU": ["Leave", "Remain", "Remain", "Refused"],
        }
    )


def test_spec_loader_maps_codes_bins_missing_and_weights(tmp_path):
    ds = load_dataset(_write_spec(tmp_path, _people(), SPEC))
    assert ds.name == "people" and ds.n == 4
    assert ds.weights.tolist() == [1.0, 2.0, 0.5, 1.5]
    assert ds.trait_positions("age").tolist()[:3] == [0, 0, 2]
    assert np.isnan(ds.trait_positions("age").loc[13])  # 99 is a missing code
    assert ds.profile(12) == {"age": 2, "gender": None}
    np.testing.assert_array_equal(ds.answer_positions("blair").to_numpy(), [0, 4, np.nan, 2])
    np.testing.assert_array_equal(ds.answer_positions("eu").to_numpy(), [0, 1, 1, np.nan])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t, s: (t.drop(columns=["Blair"]), s), "'Blair'"),
        (lambda t, s: (t.assign(Blair=[1, 2, 7, 3]), s), r"'Blair'.*values \[7\].*add them"),
        (lambda t, s: (t.assign(EU=["Refused"] * 4), s), "no valid answer"),
        (lambda t, s: (t.assign(age=[18, 10, 30, 40]), s), "bins"),
        (lambda t, s: (t, {**s, "weight": "nope"}), "weight column 'nope'"),
    ],
)
def test_spec_loader_bad_input_names_column_and_fix(tmp_path, edit, message):
    table, spec = edit(_people(), SPEC)
    ref = _write_spec(tmp_path, table, spec)
    with pytest.raises(ValueError, match=message) as info:
        load_dataset(ref)
    assert "people.yaml" in str(info.value)


def test_spec_loader_empty_table_and_unknown_ref(tmp_path):
    (tmp_path / "people.csv").write_text("")
    (tmp_path / "people.yaml").write_text(yaml.safe_dump({"table": "people.csv", **SPEC}))
    with pytest.raises(ValueError, match="empty"):
        load_dataset(f"spec:{tmp_path / 'people.yaml'}")
    with pytest.raises(ValueError, match="unknown dataset 'gss2019'"):
        load_dataset("gss2019")


def _write_atp(path, refused_code_q2: int = 9) -> None:
    table = pd.DataFrame(
        {
            "QKEY": [101.0, 102.0, 103.0, 104.0, 105.0],
            "F_AGECAT": [1.0, 2.0, 4.0, 99.0, 3.0],
            "F_GENDER": [1.0, 2.0, 2.0, 1.0, 99.0],
            "GUNS_W92": [1.0, 2.0, 99.0, 1.0, 2.0],
            "ECON_W92": [1.0, 3.0, 4.0, float(refused_code_q2), 99.0],
            "WEIGHT_W92": [0.5, 1.0, 1.5, 2.0, 1.0],
        }
    )
    labels = {
        "F_AGECAT": {1.0: "18-29", 2.0: "30-49", 3.0: "50-64", 4.0: "65+", 99.0: "Refused"},
        "F_GENDER": {1.0: "A man", 2.0: "A woman", 99.0: "Refused"},
        "GUNS_W92": {1.0: "More strict", 2.0: "Less strict", 99.0: "Refused"},
        # 99 is a real answer here ("99 or more"); 9 is the refusal: labels decide, not codes
        "ECON_W92": {
            1.0: "Excellent",
            3.0: "Fair",
            4.0: "Poor",
            99.0: "99 or more",
            float(refused_code_q2): "DK/Refused",
        },
    }
    pyreadstat.write_sav(
        table,
        str(path),
        column_labels=[
            "Respondent id",
            "Age",
            "Gender",
            "Gun laws should be...",
            "Rate the economy",
            "Weight",
        ],
        variable_value_labels=labels,
    )


def test_atp_loader_reads_labels_and_refusals(tmp_path):
    path = tmp_path / "ATP W92.sav"
    _write_atp(path)
    ds = load_dataset(f"atp:{path}")
    assert ds.name == "atp_w92" and ds.n == 5
    assert ds.weights.tolist() == [0.5, 1.0, 1.5, 2.0, 1.0]
    assert [t.name for t in ds.demographics] == ["age", "gender"]
    assert ds.trait("age").options == ("18-29", "30-49", "50-64", "65+")
    guns = ds.question("GUNS_W92")
    assert guns.options == ("More strict", "Less strict") and guns.text == "Gun laws should be..."
    np.testing.assert_array_equal(ds.answer_positions("GUNS_W92").to_numpy(), [0, 1, np.nan, 0, 1])
    np.testing.assert_array_equal(ds.answer_positions("ECON_W92").to_numpy(), [0, 1, 2, np.nan, 3])
    assert ds.profile(104.0) == {"age": None, "gender": 0}


def test_atp_loader_errors(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_atp(tmp_path / "missing.sav")
    path = tmp_path / "plain.sav"
    pyreadstat.write_sav(pd.DataFrame({"x": [1.0, 2.0]}), str(path))
    with pytest.raises(ValueError, match="_W<wave>"):
        load_atp(path)
