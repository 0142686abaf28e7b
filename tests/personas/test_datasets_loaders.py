"""Dataset loaders on the bundled data, specs and ATP files written here, and bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from bench.personas.datasets import ATP_WAVES, load_atp, load_dataset
from bench.personas.survey import baseline_units


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
        # all-zero weights would leave no respondent in the evaluation
        (lambda t, s: (t.assign(w=0.0), s), r"weight column 'w' is 0 for every respondent"),
        # an infinite weight turns every distribution into NaN
        (
            lambda t, s: (t.assign(w=[1.0, np.inf, 1.0, 1.0]), s),
            r"weight column 'w' is infinite in row 2 \(of 4\)",
        ),
        (
            lambda t, s: (t.assign(w=[1.0, 1.0, -1.0, -2.0]), s),
            r"weight column 'w' is negative in rows 3, 4 \(of 4\)",
        ),
        (
            lambda t, s: (t.assign(w=[0.0, 0.0, 1.0, 1.0], Blair=[1, 5, 98, 98]), s),
            r"question 'blair'.*every respondent who answered it has survey weight 0",
        ),
        # a blank id became the respondent "nan"
        (
            lambda t, s: (t.assign(pid=[10, np.nan, 12, 13]), s),
            r"id column 'pid' is blank in row 2 \(of 4\)",
        ),
        (
            lambda t, s: (t.assign(pid=["a", " ", "c", "d"]), s),
            r"id column 'pid' is blank in row 2",
        ),
        # every respondent left the question blank ("assignment destination is read-only")
        (lambda t, s: (t.assign(Blair=np.nan), s), r"question 'blair' .*no valid answer"),
        # "DK" in a numeric column: only "DK" is unknown, and `missing:` is the fix
        (
            lambda t, s: (t.assign(Blair=["1", "2", "DK", "3"]), s),
            r"column 'Blair' \(question 'blair'\) has values \['DK'\] that are not option "
            r"codes \[1, 2, 3, 4, 5\]; list them under `missing:`",
        ),
        (
            lambda t, s: (t, {**s, "baseline_traits": ["age", "party"]}),
            r"`baseline_traits` names \['party'\], not trait\(s\) under `demographics:`",
        ),
    ],
)
def test_spec_loader_bad_input_names_column_and_fix(tmp_path, edit, message):
    table, spec = edit(_people(), SPEC)
    ref = _write_spec(tmp_path, table, spec)
    with pytest.raises(ValueError, match=message) as info:
        load_dataset(ref)
    assert "people.yaml" in str(info.value)
    assert "\n" not in str(info.value)  # one line, as the CLI prints it


def test_spec_loader_reads_dk_as_missing_when_listed(tmp_path):
    """The fix the DK message names: listed under `missing:`, "DK" is no answer and the
    numbers that pandas read as text ("1", "2") still match the codes 1, 2."""
    table = _people().assign(Blair=["1", "5", "DK", "3"])
    spec = {**SPEC, "missing": [*SPEC["missing"], "DK"]}
    ds = load_dataset(_write_spec(tmp_path, table, spec))
    np.testing.assert_array_equal(ds.answer_positions("blair").to_numpy(), [0, 4, np.nan, 2])


def test_spec_loader_empty_table_and_unknown_ref(tmp_path):
    (tmp_path / "people.csv").write_text("")
    (tmp_path / "people.yaml").write_text(yaml.safe_dump({"table": "people.csv", **SPEC}))
    with pytest.raises(ValueError, match="empty"):
        load_dataset(f"spec:{tmp_path / 'people.yaml'}")
    with pytest.raises(ValueError, match="unknown dataset 'gss2019'"):
        load_dataset("gss2019")


def _write_atp(path, refused_code_q2: int = 9) -> None:
    """A wave without a curated item list (54): the generic reading of every labelled item."""
    table = pd.DataFrame(
        {
            "QKEY": [101.0, 102.0, 103.0, 104.0, 105.0],
            "F_AGECAT": [1.0, 2.0, 4.0, 99.0, 3.0],
            "F_GENDER": [1.0, 2.0, 2.0, 1.0, 99.0],
            "GUNS_W54": [1.0, 2.0, 99.0, 1.0, 2.0],
            "ECON_W54": [1.0, 3.0, 4.0, float(refused_code_q2), 99.0],
            "WEIGHT_W54": [0.5, 1.0, 1.5, 2.0, 1.0],
        }
    )
    labels = {
        "F_AGECAT": {1.0: "18-29", 2.0: "30-49", 3.0: "50-64", 4.0: "65+", 99.0: "Refused"},
        "F_GENDER": {1.0: "A man", 2.0: "A woman", 99.0: "Refused"},
        "GUNS_W54": {1.0: "More strict", 2.0: "Less strict", 99.0: "Refused"},
        # 99 is a real answer here ("99 or more"); 9 is the refusal: labels decide, not codes
        "ECON_W54": {
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
    path = tmp_path / "ATP W54.sav"
    _write_atp(path)
    ds = load_dataset(f"atp:{path}")
    assert ds.name == "atp_w54" and ds.n == 5
    assert ds.weights.tolist() == [0.5, 1.0, 1.5, 2.0, 1.0]
    assert [t.name for t in ds.demographics] == ["age", "gender"]
    assert ds.trait("age").options == ("18-29", "30-49", "50-64", "65+")
    guns = ds.question("GUNS_W54")
    assert guns.options == ("More strict", "Less strict") and guns.text == "Gun laws should be..."
    np.testing.assert_array_equal(ds.answer_positions("GUNS_W54").to_numpy(), [0, 1, np.nan, 0, 1])
    np.testing.assert_array_equal(ds.answer_positions("ECON_W54").to_numpy(), [0, 1, 2, np.nan, 3])
    assert ds.profile(104.0) == {"age": None, "gender": 0}


def test_atp_loader_errors(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_atp(tmp_path / "missing.sav")
    path = tmp_path / "plain.sav"
    pyreadstat.write_sav(pd.DataFrame({"x": [1.0, 2.0]}), str(path))
    with pytest.raises(ValueError, match="_W<wave>"):
        load_atp(path)


# Wave 92 as Pew ships it: the profile variables and the curated items under their real
# names and value labels (the Anthology code's ATP_W92 questionnaire and demographic
# metadata), plus what a wave file also holds: form and device flags, a timestamp.
SOCIETY = {
    1.0: "Very good for society",
    2.0: "Somewhat good for society",
    3.0: "Neither good nor bad for society",
    4.0: "Somewhat bad for society",
    5.0: "Very bad for society",
    99.0: "Refused",
}
W92_ITEMS = [
    "SOCIETY_TRANS_W92",
    "SOCIETY_RHIST_W92",
    "SOCIETY_JBCLL_W92",
    "SOCIETY_RELG_W92",
    "SOCIETY_WHT_W92",
    "SOCIETY_GUNS_W92",
    "SOCIETY_SSM_W92",
]
W92_LABELS = {
    "F_AGECAT": {1.0: "18-29", 2.0: "30-49", 3.0: "50-64", 4.0: "65+", 99.0: "Refused"},
    "F_GENDER": {1.0: "A man", 2.0: "A woman", 3.0: "In some other way", 99.0: "Refused"},
    "F_EDUCCAT2": {
        1.0: "Less than high school",
        2.0: "High school graduate",
        3.0: "Some college, no degree",
        4.0: "Associate's degree",
        5.0: "College graduate/some post grad",
        6.0: "Postgraduate",
        99.0: "Refused",
    },
    "F_RACETHNMOD": {
        1.0: "White non-Hispanic",
        2.0: "Black non-Hispanic",
        3.0: "Hispanic",
        4.0: "Other",
        5.0: "Asian non-Hispanic",
        99.0: "Refused",
    },
    "F_INC_SDT1": {
        1.0: "Less than $30,000",
        2.0: "$30,000 to less than $40,000",
        3.0: "$40,000 to less than $50,000",
        4.0: "$50,000 to less than $60,000",
        5.0: "$60,000 to less than $70,000",
        6.0: "$70,000 to less than $80,000",
        7.0: "$80,000 to less than $90,000",
        8.0: "$90,000 to less than $100,000",
        9.0: "$100,000 or more",
        99.0: "Refused",
    },
    "F_PARTY_FINAL": {
        1.0: "Republican",
        2.0: "Democrat",
        3.0: "Independent",
        4.0: "Something else",
        99.0: "Refused",
    },
    "FORM_W92": {1.0: "Form 1", 2.0: "Form 2"},
    "DEVICE_TYPE_W92": {1.0: "Mobile phone", 2.0: "Desktop or laptop", 3.0: "Tablet"},
    **{item: SOCIETY for item in W92_ITEMS},
}


def _w92_table() -> pd.DataFrame:
    n = 6
    table = {
        "QKEY": [201.0, 202.0, 203.0, 204.0, 205.0, 206.0],
        "INTERVIEW_START_W92": [1.6e9 + i for i in range(n)],
        "F_AGECAT": [1.0, 2.0, 3.0, 4.0, 99.0, 2.0],
        "F_GENDER": [1.0, 2.0, 3.0, 1.0, 2.0, 99.0],
        "F_EDUCCAT2": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "F_RACETHNMOD": [1.0, 2.0, 3.0, 4.0, 5.0, 99.0],
        "F_INC_SDT1": [1.0, 3.0, 5.0, 7.0, 9.0, 99.0],
        "F_PARTY_FINAL": [1.0, 2.0, 3.0, 4.0, 99.0, 1.0],
        "FORM_W92": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
        "DEVICE_TYPE_W92": [1.0, 1.0, 2.0, 3.0, 1.0, 2.0],
        "WEIGHT_W92": [0.4, 1.2, 0.9, 1.1, 2.0, 0.4],
    }
    for j, item in enumerate(W92_ITEMS):
        table[item] = [float((i + j) % 5 + 1) for i in range(n - 1)] + [99.0]
    return pd.DataFrame(table)


def _write_w92(path, table: pd.DataFrame, labels: dict | None = None) -> None:
    labels = labels if labels is not None else W92_LABELS
    pyreadstat.write_sav(
        table,
        str(path),
        column_labels=[f"label of {c}" for c in table.columns],
        variable_value_labels={c: v for c, v in labels.items() if c in table.columns},
    )


def test_atp_wave92_surveys_the_curated_items_only(tmp_path):
    path = tmp_path / "ATP W92.sav"
    _write_w92(path, _w92_table())
    ds = load_dataset(f"atp:{path}")
    # the paper's seven items, not the form/device flags the old reading surveyed
    assert [q.id for q in ds.questions] == W92_ITEMS
    guns = ds.question("SOCIETY_GUNS_W92")
    assert guns.text.endswith("An increase in the number of guns in the U.S.")
    assert guns.options[0] == "Very good for society" and guns.n_options == 5
    # item j of respondent i is code (i + j) % 5 + 1 -> position (i + j) % 5; 99 is refused
    np.testing.assert_array_equal(
        ds.answer_positions("SOCIETY_GUNS_W92").to_numpy(), [0, 1, 2, 3, 4, np.nan]
    )
    assert [(t.name, t.column) for t in ds.demographics] == [
        ("age", "F_AGECAT"),
        ("gender", "F_GENDER"),
        ("education", "F_EDUCCAT2"),
        ("race", "F_RACETHNMOD"),
        ("income", "F_INC_SDT1"),
        ("party", "F_PARTY_FINAL"),
    ]
    assert ds.profile(205.0) == {
        "age": None,
        "gender": 1,
        "education": 4,
        "race": 4,
        "income": 8,
        "party": None,
    }
    # the QA/Bio/Portray baselines state the Anthology code's five traits, never party
    assert ds.baseline_trait_names == ("age", "gender", "education", "race", "income")
    assert ds.weights.tolist() == [0.4, 1.2, 0.9, 1.1, 2.0, 0.4]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t, l: (t.drop(columns=["SOCIETY_GUNS_W92"]), l), r"\['SOCIETY_GUNS_W92'\]"),
        (lambda t, l: (t.drop(columns=["F_GENDER"]), l), r"\['F_GENDER \(gender\)'\]"),
        (
            lambda t, l: (t, {**l, "SOCIETY_SSM_W92": {1.0: "Good", 2.0: "Bad", 99.0: "Ref"}}),
            r"SOCIETY_SSM_W92 has 2 answer labels .* curated item has 5 options",
        ),
        (lambda t, l: (t.assign(WEIGHT_W92=0.0), l), r"'WEIGHT_W92' is 0 for every respondent"),
    ],
)
def test_atp_wave92_errors_name_what_the_file_lacks(tmp_path, damage, message):
    table, labels = damage(_w92_table(), W92_LABELS)
    path = tmp_path / "ATP W92.sav"
    _write_w92(path, table, labels)
    with pytest.raises(ValueError, match=message) as info:
        load_atp(path)
    assert "ATP W92.sav" in str(info.value) and "\n" not in str(info.value)


def test_curated_waves_ship_the_papers_item_lists():
    assert {w: len(c.questions) for w, c in ATP_WAVES.items()} == {34: 8, 92: 7, 99: 6}
    assert ATP_WAVES[99].questions[0].column == "POSNEGAI_a_W99"
    assert ATP_WAVES[34].traits["gender"][0] == "F_SEX_FINAL"


def test_baselines_state_only_the_reference_traits_on_gss2018():
    """QA/Bio/Portray state income, race, age, sex and education, never party or ideology
    (which would hand the baselines the answer to a political question)."""
    ds = load_dataset("gss2018")
    assert ds.baseline_trait_names == ("age", "sex", "education", "race", "income")
    ds = dataclasses.replace(ds, respondents=ds.respondents.head(300), _cache={})  # quick tier
    units = pd.concat([baseline_units(ds, c, seed=0) for c in ("qa", "bio", "portray")])
    contexts = units["context"]
    party, ideology = ds.trait("party"), ds.trait("ideology")
    for text in (party.question, ideology.question, "political", "party:", "ideology:"):
        assert not contexts.str.contains(text, regex=False).any(), text
    # respondent 1: 43 years old, so the age is stated in every style
    first = units[units["respondent_id"] == "1"].set_index("condition")["context"]
    assert "(B) 30-49" in first["qa"] and "My age is 30-49." in first["bio"]
    assert "age: 30-49" in first["portray"]


def _scale_survey(tmp_path) -> str:
    """A 0-10 scale survey with survey weights, as a CSV whose blank cells make pandas read
    the answer columns as floats (8.0), and its spec with integer codes 0..10."""
    rng = np.random.default_rng(7)
    n = 40
    trust = rng.integers(0, 10, n).astype(float)  # 0..9: the shifted copy below stays on scale
    trust[[3, 11]] = np.nan  # blank cells: pandas reads the column as float64
    trust[5] = 98  # a refusal code
    left_right = rng.integers(0, 10, n).astype(float)
    left_right[[0, 20]] = np.nan
    table = pd.DataFrame(
        {
            "rid": [f"r{i:02d}" for i in range(n)],
            "wt": rng.uniform(0.2, 3.0, n).round(3),
            "age": rng.integers(18, 90, n),
            "trust": trust,
            "lr": left_right,
        }
    )
    table.to_csv(tmp_path / "scale.csv", index=False)
    eleven = {k: f"{k}" for k in range(11)}
    spec = {
        "name": "scale",
        "table": "scale.csv",
        "id": "rid",
        "weight": "wt",
        "missing": [98, 99],
        "demographics": {
            "age": {"column": "age", "bins": [18, 45, 200], "options": ["18-44", "45+"]}
        },
        "questions": [
            {"id": "trust", "column": "trust", "text": "Trust, 0 to 10?", "options": eleven},
            {"id": "lr", "column": "lr", "text": "Left (0) to right (10)?", "options": eleven},
        ],
    }
    (tmp_path / "scale.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return f"spec:{tmp_path / 'scale.yaml'}"


def _answers_from(ds, positions: pd.DataFrame, weights: np.ndarray, condition: str):
    rows = []
    for h, respondent_id in enumerate(ds.ids):
        for question in positions.columns:
            value = positions.iloc[h][question]
            if not np.isnan(value):
                rows.append((condition, str(respondent_id), weights[h], question, int(value)))
    columns = ["condition", "respondent_id", "weight", "question_id", "answer_index"]
    return pd.DataFrame(rows, columns=columns)


def _weighted_w1(x: np.ndarray, wx: np.ndarray, y: np.ndarray, wy: np.ndarray, k: int) -> float:
    """W1 on positions 0..k-1 by hand: the sum of |CDF differences|."""
    px = np.bincount(x.astype(int), weights=wx, minlength=k) / wx.sum()
    py = np.bincount(y.astype(int), weights=wy, minlength=k) / wy.sum()
    return float(np.abs(np.cumsum(px - py)).sum())


def test_a_0_to_10_float_csv_with_weights_runs_through_loader_and_evaluation(tmp_path):
    from bench.personas.evaluation import EvaluationConfig, evaluate_answers

    ds = load_dataset(_scale_survey(tmp_path))
    raw = pd.read_csv(tmp_path / "scale.csv")
    assert raw["trust"].dtype == np.float64  # the case: codes come back as 8.0, not 8
    trust = ds.answer_positions("trust").to_numpy()
    answered = raw["trust"].notna().to_numpy() & (raw["trust"] != 98).to_numpy()
    np.testing.assert_array_equal(trust[answered], raw["trust"][answered])  # 8.0 -> code 8
    assert np.isnan(trust[~answered]).all()
    human = ds.answers()
    w = ds.weight_array()
    np.testing.assert_array_equal(w, raw["wt"])
    answers = pd.concat(
        [
            _answers_from(ds, human, w, "copy"),
            _answers_from(ds, human + 1, w, "shifted"),  # every answer one step up
            _answers_from(ds, human, np.ones_like(w), "unweighted"),
        ]
    )
    table = evaluate_answers(ds, answers, config=EvaluationConfig(n_splits=4))
    summary = table.summary.set_index("condition")
    assert summary.loc["copy", "wd"] == pytest.approx(0.0, abs=1e-12)
    # shifting a distribution one position moves all its mass by 1: W1 = 1 on each question
    assert summary.loc["shifted", "wd"] == pytest.approx(1.0)
    assert summary.loc["shifted", "wd_normalized"] == pytest.approx(0.1)
    # the humans' distributions are survey-weighted: dropping the weights costs this much
    expected = np.mean(
        [
            _weighted_w1(
                human[q].dropna().to_numpy(),
                w[human[q].notna().to_numpy()],
                human[q].dropna().to_numpy(),
                np.ones(human[q].notna().sum()),
                11,
            )
            for q in ("trust", "lr")
        ]
    )
    assert expected > 0.01
    assert summary.loc["unweighted", "wd"] == pytest.approx(expected)


@pytest.mark.slow  # the embedded model answers 2 questions for 6 respondents
def test_a_0_to_10_spec_survey_runs_with_the_embedded_model(tmp_path):
    """The same table through the survey stage with a real model: eleven options are the
    letters A..K, every distribution sums to 1, and with K = 11 on every question the
    normalised WD is the raw WD / 10."""
    from bench.common.inference import load_model
    from bench.personas.evaluation import EvaluationConfig, evaluate_answers
    from bench.personas.survey import run_survey

    ds = load_dataset(_scale_survey(tmp_path))
    units = baseline_units(ds, "qa", seed=0).head(6)
    with load_model("embedded", use_cache=False, threads=1, progress=False) as model:
        answers = run_survey(model, units, ds.questions, seed=0, progress=False)
    assert len(answers) == 6 * 2
    for probs in answers["probabilities"]:
        assert len(probs) == 11 and sum(probs) == pytest.approx(1.0)
    assert answers["answer_index"].between(0, 10).all()
    np.testing.assert_array_equal(answers["weight"], np.repeat(ds.weight_array()[:6], 2))
    table = evaluate_answers(ds, answers, config=EvaluationConfig(n_splits=4))
    qa = table.summary.set_index("condition").loc["qa"]
    assert np.isfinite(qa["wd"]) and qa["wd_normalized"] == pytest.approx(qa["wd"] / 10)
