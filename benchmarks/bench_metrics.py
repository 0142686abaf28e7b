"""Survey-statistics benchmark: bench.common.metrics on real ANES 1996 answers.

Quality rows are the figures the personas pipeline reports (split-half lower bounds of WD
and Frobenius, Cronbach's alpha, Cohen's d) on the 944 ANES 1996 respondents
(``statsmodels.datasets.anes96``), and the agreement of our pairwise correlation matrix
and WD with pandas' ``DataFrame.corr`` and scipy; all are deterministic for a fixed seed, so
their tolerance is tight. Speed rows are ratios against the reference in the
same process: pandas' pairwise corr on a 5,000 x 40 table with holes; scipy's
``wasserstein_distance`` in a loop over 500 (quick) or 5,000 five-option questions.

``--quick`` uses 20 split-half splits instead of the paper's S = 100 (2-core CI budget).
"""

from __future__ import annotations

import os

# One BLAS thread: the references (pandas' corr, scipy's loop) run on one core, and more
# threads than free cores slow everything down. Effective only before numpy is imported
# (as a script, or in the child process that `bench report` starts per suite).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import wasserstein_distance  # noqa: E402

from bench.common.metrics import (  # noqa: E402
    answer_distribution,
    cohens_d,
    correlation_matrix,
    cronbach_alpha,
    frobenius_distance,
    representativeness,
    split_half,
)
from bench.common.report.rows import row  # noqa: E402

SUITE = "metrics"
# Four 7-point items: self / Clinton / Dole left-right placement, party identification.
ITEMS = {"selfLR": range(1, 8), "ClinLR": range(1, 8), "DoleLR": range(1, 8), "PID": range(7)}
TIGHT = 1e-6  # deterministic figures: only a change of method should move them
# The pairwise-correlation table: respondents x five-point questions (seeded).
CORR_SHAPE = (5000, 40)


def _best_time(fn, repeats: int, calls: int = 10) -> float:
    # Best of `repeats` batches of `calls` calls: millisecond calls on shared cores are noisy.
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def _anes() -> pd.DataFrame:
    """The four ANES 1996 items of ITEMS, one row per respondent."""
    from statsmodels.datasets import anes96

    data = anes96.load_pandas().data
    # statsmodels declares Dataset.data None before load_pandas sets it, and pandas (no
    # stubs) reads df[list] as DataFrame | Series: neither says "a DataFrame" here.
    return data[list(ITEMS)]  # pyright: ignore[reportOptionalSubscript, reportReturnType]


def _survey_figures(table: pd.DataFrame, n_splits: int) -> dict[str, float]:
    """The pipeline's figures on the humans: split-half lower bounds, alpha, Cohen's d."""
    answers = {q: np.asarray(table[q]) for q in ITEMS}

    def halves_wd(a, b):
        human = {q: answer_distribution(answers[q][a], list(o)) for q, o in ITEMS.items()}
        other = {q: answer_distribution(answers[q][b], list(o)) for q, o in ITEMS.items()}
        return representativeness(human, other).wd_normalized

    def halves_frobenius(a, b):
        return frobenius_distance(
            correlation_matrix(table.iloc[a]), correlation_matrix(table.iloc[b])
        )

    n = len(table)
    return {
        "split_half_wd_normalized": split_half(halves_wd, n, n_splits=n_splits, seed=0).mean,
        "split_half_frobenius": split_half(halves_frobenius, n, n_splits=n_splits, seed=0).mean,
        "cronbach_alpha_selfLR_DoleLR_PID": cronbach_alpha(table[["selfLR", "DoleLR", "PID"]]),
        "cohens_d_selfLR_rep_vs_dem": cohens_d(
            table["selfLR"][table["PID"] >= 4], table["selfLR"][table["PID"] <= 2]
        ),
    }


def _pairwise_corr(rng: np.random.Generator, repeats: int) -> tuple[float, float]:
    """(max |ours - pandas'|, our time / pandas' time) of the pairwise-deletion correlation
    matrix at a survey's size (CORR_SHAPE, 10% of answers missing): ANES' 4 items take
    microseconds, all overhead."""
    holey = pd.DataFrame(rng.integers(1, 6, size=CORR_SHAPE).astype(float)).mask(
        rng.random(CORR_SHAPE) < 0.1
    )
    ours = correlation_matrix(holey, deletion="pairwise")
    reference = holey.corr()
    agreement = float(np.abs(ours.to_numpy() - reference.to_numpy()).max())
    t_ours = _best_time(lambda: correlation_matrix(holey, deletion="pairwise"), repeats)
    t_pandas = _best_time(holey.corr, repeats)
    return agreement, t_ours / t_pandas


def _wd_vs_scipy(rng: np.random.Generator, q: int, repeats: int) -> tuple[float, float]:
    """(|our mean WD - scipy's|, our time / scipy's loop's) over q five-option questions."""
    k = 5
    h = rng.dirichlet(np.ones(k), size=q)
    m = rng.dirichlet(np.ones(k), size=q)
    human = {str(i): h[i] for i in range(q)}
    model = {str(i): m[i] for i in range(q)}
    positions = np.arange(k)
    t_rep = _best_time(lambda: representativeness(human, model), repeats)
    t_scipy = _best_time(
        lambda: [wasserstein_distance(positions, positions, h[i], m[i]) for i in range(q)], repeats
    )
    scipy_mean = np.mean([wasserstein_distance(positions, positions, h[i], m[i]) for i in range(q)])
    return float(abs(representativeness(human, model).wd - scipy_mean)), t_rep / t_scipy


def run(quick: bool) -> list[dict]:
    table = _anes()
    n_splits = 20 if quick else 100  # S = 100 in the paper
    q = 500 if quick else 5000
    repeats = 5
    rows = [
        row(SUITE, name, value, "", "quality", None, TIGHT)
        for name, value in _survey_figures(table, n_splits).items()
    ]
    rng = np.random.default_rng(0)  # seeds the correlation table, then the WD questions
    agreement, corr_ratio = _pairwise_corr(rng, repeats)
    wd_gap, wd_ratio = _wd_vs_scipy(rng, q, repeats)
    return [
        *rows,
        row(SUITE, "pairwise_corr_max_abs_diff_vs_pandas", agreement, "", "quality", False, 0.0),
        row(SUITE, "representativeness_abs_diff_vs_scipy", wd_gap, "", "quality", False, 0.0),
        row(SUITE, "pairwise_corr_time_ours_over_pandas", corr_ratio, "x", "ratio", False),
        row(SUITE, "representativeness_time_ours_over_scipy_loop", wd_ratio, "x", "ratio", False),
        row(SUITE, "respondents", len(table), "", "info"),
        row(SUITE, "split_half_splits", n_splits, "", "info"),
        row(SUITE, "wd_questions_timed", q, "", "info"),
        row(SUITE, "corr_table_respondents", CORR_SHAPE[0], "", "info"),
        row(SUITE, "corr_table_questions", CORR_SHAPE[1], "", "info"),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="CI-sized run (20 splits, 500 questions)"
    )
    args = parser.parse_args()
    print(pd.DataFrame(run(quick=args.quick)).to_string(index=False))
