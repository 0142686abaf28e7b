"""Matching: log-weights by hand, greedy = argmax, maxweight = the Hungarian optimum."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from bench.personas.datasets import dataset_from_spec, load_dataset
from bench.personas.matching import (
    MatchConfig,
    match,
    match_weights,
    persona_likelihoods,
    profile_weights,
)

SPEC = {
    "name": "toy",
    "id": "id",
    "demographics": {
        "sex": {"column": "sex", "options": {0: "Male", 1: "Female"}},
        "party": {"column": "party", "options": {0: "Democrat", 1: "Independent", 2: "Republican"}},
    },
    "questions": [{"id": "q", "column": "q", "text": "?", "options": {0: "No", 1: "Yes"}}],
}


def _toy(n: int, seed: int) -> object:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            "id": np.arange(n),
            "sex": rng.integers(0, 2, n),
            "party": rng.integers(0, 3, n),
            "q": rng.integers(0, 2, n),
        }
    )
    table.loc[0, "party"] = np.nan  # a missing trait contributes a factor 1
    return dataset_from_spec(SPEC, table, source="toy")


def _demographics(
    n_personas: int, traits: dict[str, int], seed: int, alpha: float = 0.5
) -> pd.DataFrame:
    """Long table (the demographics stage's format) of Dirichlet persona distributions."""
    rng = np.random.default_rng(seed)
    rows = []
    for v in range(n_personas):
        for trait, k in traits.items():
            p = rng.dirichlet(np.full(k, alpha))
            rows += [
                {"persona_id": f"p{v}", "trait": trait, "option_index": i, "probability": p[i]}
                for i in range(k)
            ]
    return pd.DataFrame(rows)


def test_log_weight_is_the_sum_of_log_probabilities():
    ds = _toy(6, seed=0)
    demo = _demographics(4, {"sex": 2, "party": 3}, seed=1)
    table = match(ds, demo, MatchConfig(method="random"), seed=3)
    p = demo.set_index(["persona_id", "trait", "option_index"])["probability"]
    profiles = ds.profiles()
    for row in table.itertuples():
        expected = 0.0
        for trait in ("sex", "party"):
            position = profiles.loc[row.human_id, trait]
            if not np.isnan(position):
                expected += np.log(p[(row.persona_id, trait, int(position))])
        assert row.log_weight == pytest.approx(expected, rel=1e-12)


def test_greedy_takes_each_humans_argmax_with_reuse():
    ds = _toy(30, seed=2)
    demo = _demographics(10, {"sex": 2, "party": 3}, seed=3)
    personas = persona_likelihoods(ds, demo)
    full = sum(
        np.where(
            np.isnan(ds.profiles()[t].to_numpy())[:, None],
            0.0,
            personas.log_p[t][:, np.nan_to_num(ds.profiles()[t].to_numpy()).astype(int)].T,
        )
        for t in ("sex", "party")
    )  # brute force (n_h, n_v)
    table = match(ds, demo, MatchConfig(method="greedy"))
    chosen = pd.Index(personas.persona_ids).get_indexer(table["persona_id"])
    np.testing.assert_array_equal(chosen, np.argmax(full, axis=1))
    assert table["persona_id"].nunique() < len(table)  # reuse happens: 30 humans, 10 personas


def test_greedy_unique_is_sequential_argmax_over_free_personas():
    ds = _toy(12, seed=4)
    demo = _demographics(15, {"sex": 2, "party": 3}, seed=5)
    weights = profile_weights(ds.profiles(), persona_likelihoods(ds, demo))
    chosen = match_weights(weights, "greedy-unique")
    assert len(set(chosen)) == len(chosen)
    free = np.ones(15, dtype=bool)
    for h, v in enumerate(chosen):
        row = weights.log_w[weights.human_profile[h]]
        assert row[v] == row[free].max()
        free[v] = False


@pytest.mark.parametrize("objective", ["likelihood", "loglik"])
@pytest.mark.parametrize("solver", ["transport", "hungarian"])
@pytest.mark.parametrize(("n_h", "n_v", "seed"), [(20, 20, 0), (25, 60, 1), (40, 41, 2)])
def test_maxweight_total_equals_the_hungarian_optimum(objective, solver, n_h, n_v, seed):
    ds = _toy(n_h, seed=seed)
    demo = _demographics(n_v, {"sex": 2, "party": 3}, seed=seed + 10)
    config = MatchConfig(method="maxweight", solver=solver, objective=objective)
    table = match(ds, demo, config)
    assert table["persona_id"].is_unique and len(table) == n_h
    weights = profile_weights(ds.profiles(), persona_likelihoods(ds, demo))
    full = weights.log_w[weights.human_profile]  # (n_h, n_v), rows repeated per profile
    if objective == "likelihood":  # the Anthology code: linear_sum_assignment(-W)
        full, column = np.exp(full), "likelihood"
    else:
        column = "log_weight"
    rows, cols = linear_sum_assignment(-full)
    assert table[column].sum() == pytest.approx(full[rows, cols].sum(), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(table["likelihood"], np.exp(table["log_weight"]), rtol=1e-12)


@pytest.mark.parametrize("objective", ["likelihood", "loglik"])
def test_maxweight_on_real_anes_profiles_transport_equals_hungarian(objective):
    ds = load_dataset("anes1996")  # 944 humans; party x age: 28 profiles, many ties
    demo = _demographics(1000, {"party": 7, "age": 4}, seed=7, alpha=0.3)
    config = MatchConfig(method="maxweight", objective=objective)
    transport = match(ds, demo, dataclasses.replace(config, solver="transport"))
    hungarian = match(ds, demo, dataclasses.replace(config, solver="hungarian"))
    assert transport["persona_id"].is_unique
    column = "likelihood" if objective == "likelihood" else "log_weight"
    assert transport[column].sum() == pytest.approx(hungarian[column].sum(), rel=1e-9)
    greedy = match(ds, demo, MatchConfig(method="greedy"))
    assert greedy["log_weight"].sum() >= transport["log_weight"].sum()  # reuse can only help


def test_maxweight_defaults_to_the_papers_sum_of_likelihoods():
    # Anthology's code maximises sum_h w(h, v(h)), W the product of the likelihoods; the
    # sum of log-likelihoods is a different matching (it penalises every poor pair).
    ds = _toy(20, seed=0)  # as many personas as humans: the two objectives must trade off
    demo = _demographics(20, {"sex": 2, "party": 3}, seed=10)
    default = match(ds, demo)
    assert set(default["objective"]) == {"likelihood"}
    loglik = match(ds, demo, MatchConfig(method="maxweight", objective="loglik"))
    weights = profile_weights(ds.profiles(), persona_likelihoods(ds, demo))
    w = np.exp(weights.log_w[weights.human_profile])
    rows, cols = linear_sum_assignment(-w)
    assert default["likelihood"].sum() == pytest.approx(w[rows, cols].sum(), rel=1e-9)
    assert default["likelihood"].sum() > loglik["likelihood"].sum() + 1e-6
    assert loglik["log_weight"].sum() > default["log_weight"].sum() + 1e-6


def test_random_is_seeded_and_one_to_one():
    ds = _toy(10, seed=6)
    demo = _demographics(12, {"sex": 2}, seed=7)
    a = match(ds, demo, MatchConfig(method="random"), seed=1)
    b = match(ds, demo, MatchConfig(method="random"), seed=1)
    c = match(ds, demo, MatchConfig(method="random"), seed=2)
    assert a.equals(b) and not a["persona_id"].equals(c["persona_id"])
    assert a["persona_id"].is_unique and set(a["method"]) == {"random"}


def test_bad_input_errors_say_the_fix():
    ds = _toy(10, seed=8)
    with pytest.raises(ValueError, match=r"10 humans and only 5 personas.*-n"):
        match(ds, _demographics(5, {"sex": 2}, seed=9), MatchConfig(method="maxweight"))
    with pytest.raises(ValueError, match=r"trait 'religion'.*--dataset toy"):
        match(ds, _demographics(5, {"religion": 3}, seed=9))
    with pytest.raises(ValueError, match=r"option_index outside 0\.\.1"):
        match(ds, _demographics(5, {"sex": 3}, seed=9))
    with pytest.raises(ValueError, match="lacks columns"):
        match(ds, pd.DataFrame({"persona_id": ["a"]}))
    with pytest.raises(ValueError, match="not one of"):
        MatchConfig(method="hungarian")


def test_match_command_writes_table_and_run_record(tmp_path):
    from click.testing import CliRunner

    from bench.personas.cli import personas

    _demographics(120, {"party": 7, "age": 4}, seed=11).to_parquet(tmp_path / "demo.parquet")
    out = tmp_path / "match.parquet"
    args = [
        "match",
        "--dataset",
        "anes1996",
        "--demographics",
        str(tmp_path / "demo.parquet"),
        "--method",
        "maxweight",
        "--humans",
        "100",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(personas, args)
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert len(table) == 100 and table["persona_id"].is_unique
    assert list(table.columns) == [
        "human_id",
        "persona_id",
        "log_weight",
        "likelihood",
        "method",
        "objective",
    ]
    assert set(table["objective"]) == {"likelihood"}
    loglik = tmp_path / "loglik.parquet"
    result = CliRunner().invoke(
        personas, [*args[:-2], "--maxweight-objective", "loglik", "--out", str(loglik)]
    )
    assert result.exit_code == 0, result.output
    assert set(pd.read_parquet(loglik)["objective"]) == {"loglik"}
    assert pd.read_parquet(loglik)["log_weight"].sum() >= table["log_weight"].sum() - 1e-9
    assert (tmp_path / "match.parquet.run.json").exists()
    result = CliRunner().invoke(personas, [*args[:-4], "--humans", "200", "--out", str(out)])
    assert result.exit_code != 0 and "200 humans and only 120 personas" in result.output


def test_auto_solver_takes_the_transport_on_large_many_profile_problems():
    from bench.personas.matching import ProfileWeights, maxweight_solver

    def shaped(n_h, n_u, n_v):  # maxweight_solver reads the shapes only
        return ProfileWeights(
            profiles=np.zeros((n_u, 7)),
            counts=np.full(n_u, n_h // n_u),
            human_profile=np.zeros(n_h, dtype=np.int64),
            log_w=np.broadcast_to(0.0, (n_u, n_v)),
        )

    # 7 traits, 10,000 x 40,000: the Hungarian method took 31 s and 3.2 GB there.
    assert maxweight_solver(shaped(10_000, 1_796, 40_000)) == "transport"
    assert maxweight_solver(shaped(10_000, 6, 40_000)) == "transport"
    assert maxweight_solver(shaped(500, 428, 2_000)) == "hungarian"
    assert maxweight_solver(shaped(500, 428, 2_000), "transport") == "transport"
