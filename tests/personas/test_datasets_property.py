"""Property: any damaged spec or table gives a one-line ValueError or a correct dataset.

Hypothesis builds a valid spec and respondent table, then damages them at random (a cell,
a column, a spec field); the table goes through a CSV round trip so that pandas picks the
dtypes it would pick for a user's file (ints with a blank become floats, a "DK" makes a
column text). Loading must either refuse in one line (what the CLI prints) or give a
dataset whose positions, weights and ids obey the loader's contract. Any other exception
(KeyError, TypeError, a read-only array, ...) is a traceback for the user and fails.
"""

from __future__ import annotations

import copy
import io
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.personas.datasets import dataset_from_spec

# Values a careless user or a broken export puts where a spec field or a cell should be.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 120),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
    st.sampled_from(["DK", "Refused", "", " ", "nan", "8.0", "1e400", "-0"]),
    st.lists(st.one_of(st.integers(-2, 12), st.text(max_size=3), st.none()), max_size=4),
    st.dictionaries(
        st.one_of(st.integers(0, 5), st.text(max_size=2)), st.text(max_size=3), max_size=3
    ),
)
SPEC_PATHS = [
    ("id",),
    ("weight",),
    ("missing",),
    ("baseline_traits",),
    ("demographics",),
    ("demographics", "age"),
    ("demographics", "age", "bins"),
    ("demographics", "age", "options"),
    ("demographics", "age", "column"),
    ("demographics", "party", "options"),
    ("demographics", "party", "missing"),
    ("questions",),
    ("questions", 0),
    ("questions", 0, "options"),
    ("questions", 0, "column"),
    ("questions", 0, "text"),
    ("questions", 0, "kind"),
    ("questions", 1, "missing"),
    ("questions", 1, "id"),
    ("groups",),
    ("groups", "party", "members"),
    ("groups", "party", "trait"),
]


def _base(n: int, draw_codes: list[int]) -> tuple[dict[str, Any], pd.DataFrame]:
    rng = np.random.default_rng(n)
    table = pd.DataFrame(
        {
            "rid": [f"p{i}" for i in range(n)],
            "w": rng.uniform(0.1, 2.0, n),
            "age": rng.integers(18, 90, n),
            "party": rng.integers(1, 4, n),
            "q1": [draw_codes[i % len(draw_codes)] for i in range(n)],
            "q2": rng.integers(0, 11, n),
        }
    )
    spec = {
        "name": "fuzz",
        "id": "rid",
        "weight": "w",
        "missing": [98, 99, "DK"],
        "baseline_traits": ["age"],
        "demographics": {
            "age": {"column": "age", "bins": [18, 40, 200], "options": ["18-39", "40+"]},
            "party": {"column": "party", "options": {1: "Dem", 2: "Ind", 3: "Rep"}},
        },
        "groups": {"party": {"trait": "party", "members": {"Dem": [1], "Rep": [3]}}},
        "questions": [
            {"id": "q1", "column": "q1", "text": "Q1?", "options": {1: "a", 2: "b", 3: "c"}},
            {"id": "q2", "column": "q2", "text": "Q2?", "options": {k: str(k) for k in range(11)}},
        ],
    }
    return spec, table


@st.composite
def damaged(draw) -> tuple[dict[str, Any], pd.DataFrame]:
    n = draw(st.integers(1, 12))
    codes = draw(st.lists(st.sampled_from([1, 2, 3, 98]), min_size=1, max_size=4))
    spec, table = _base(n, codes)
    columns = {c: list(table[c]) for c in table.columns}  # plain lists: any value fits
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["cell", "column", "drop", "spec"]))
        if kind == "cell" and columns:
            row, column = draw(st.integers(0, n - 1)), draw(st.sampled_from(sorted(columns)))
            columns[column][row] = draw(JUNK.filter(lambda v: not isinstance(v, list | dict)))
        elif kind == "column" and columns:
            column = draw(st.sampled_from(sorted(columns)))
            columns[column] = [draw(st.sampled_from([np.nan, 0.0, "", "DK", np.inf, -1]))] * n
        elif kind == "drop" and columns:
            del columns[draw(st.sampled_from(sorted(columns)))]
        else:
            _set(spec, draw(st.sampled_from(SPEC_PATHS)), draw(JUNK))
    return spec, pd.DataFrame(columns, index=range(n))


def _set(spec: Any, path: tuple, value: Any) -> None:
    """Set spec[path] = value where the path still exists (earlier damage may have cut it)."""
    node = spec
    for key in path[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    # earlier damage may also have turned a mapping into a list (then a name no longer fits)
    if isinstance(node, dict) or (
        isinstance(node, list) and isinstance(last, int) and last < len(node)
    ):
        node[last] = value


def _csv_round_trip(table: pd.DataFrame) -> pd.DataFrame:
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    buffer.seek(0)
    try:
        return pd.read_csv(buffer)
    except pd.errors.EmptyDataError:  # every column dropped: read_table's own message
        return pd.DataFrame()


def _check_contract(ds) -> None:
    """What a loaded dataset promises its users (the evaluation, the matching)."""
    answers = ds.answers()
    for question in ds.questions:
        values = answers[question.id].to_numpy()
        ok = np.isnan(values) | np.isin(values, np.arange(question.n_options))
        assert ok.all(), question.id
        assert (~np.isnan(values)).any(), f"{question.id} has no answer"
    profiles = ds.profiles()
    for trait in ds.demographics:
        values = profiles[trait.name].to_numpy()
        assert (np.isnan(values) | np.isin(values, np.arange(trait.n_options))).all()
    weights = ds.weight_array()
    assert np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0
    ids = ds.ids.astype(str)
    assert ids.is_unique and not ids.str.strip().isin(["", "nan", "None"]).any()
    assert set(ds.baseline_trait_names) <= {t.name for t in ds.demographics}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(damaged())
def test_damaged_specs_and_tables_give_a_clear_error_or_a_correct_dataset(case):
    spec, table = case
    table = _csv_round_trip(table)
    try:
        ds = dataset_from_spec(copy.deepcopy(spec), table, source="fuzz.yaml")
    except ValueError as exc:
        message = str(exc)
        assert message.startswith("fuzz.yaml") or "fuzz.yaml" in message, message
        assert "\n" not in message, message
        return
    _check_contract(ds)


def test_the_undamaged_case_loads():
    spec, table = _base(12, [1, 2, 3, 98])
    ds = dataset_from_spec(spec, _csv_round_trip(table), source="fuzz.yaml")
    _check_contract(ds)
    assert ds.n == 12 and np.isnan(ds.answers()["q1"].to_numpy()[3::4]).all()  # 98: missing
