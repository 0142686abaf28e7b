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


def _best_time(fn, repeats: int, calls: int = 10) -> float:
    # Best of `repeats` batches of `calls` calls: millisecond calls on shared cores are noisy.
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def run(quick: bool) -> list[dict]:
    from statsmodels.datasets import anes96

    # statsmodels declares Dataset.data None before load_pandas sets it to the table.
    anes: pd.DataFrame = anes96.load_pandas().data  # pyright: ignore[reportAssignmentType]
    table = anes[list(ITEMS)]
    n = len(table)
    n_splits = 20 if quick else 100  # S = 100 in the paper

    answers = {q: np.asarray(table[q]) for q in ITEMS}

    def halves_wd(a, b):
        human = {q: answer_distribution(answers[q][a], list(o)) for q, o in ITEMS.items()}
        other = {q: answer_distribution(answers[q][b], list(o)) for q, o in ITEMS.items()}
        return representativeness(human, other).wd_normalized

    def halves_frobenius(a, b):
        return frobenius_distance(
            correlation_matrix(table.iloc[a]), correlation_matrix(table.iloc[b])
        )

    wd_bound = split_half(halves_wd, n, n_splits=n_splits, seed=0)
    fro_bound = split_half(halves_frobenius, n, n_splits=n_splits, seed=0)
    alpha = cronbach_alpha(table[["selfLR", "DoleLR", "PID"]])
    d = cohens_d(table["selfLR"][table["PID"] >= 4], table["selfLR"][table["PID"] <= 2])

    # Pairwise deletion at a survey's size (5,000 respondents x 40 five-point questions,
    # 10% of answers missing, seeded): ANES' 4 items take microseconds, all overhead.
    rng = np.random.default_rng(0)
    shape = (5000, 40)
    holey = pd.DataFrame(rng.integers(1, 6, size=shape).astype(float)).mask(rng.random(shape) < 0.1)
    ours = correlation_matrix(holey, deletion="pairwise")
    reference = holey.corr()
    agreement = float(np.abs(ours.to_numpy() - reference.to_numpy()).max())
    repeats = 5
    t_ours = _best_time(lambda: correlation_matrix(holey, deletion="pairwise"), repeats)
    t_pandas = _best_time(holey.corr, repeats)

    # Representativeness over many questions against scipy in a loop.
    k, q = 5, 500 if quick else 5000
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
    wd_gap = abs(representativeness(human, model).wd - scipy_mean)

    return [
        row(SUITE, "split_half_wd_normalized", wd_bound.mean, "", "quality", None, TIGHT),
        row(SUITE, "split_half_frobenius", fro_bound.mean, "", "quality", None, TIGHT),
        row(SUITE, "cronbach_alpha_selfLR_DoleLR_PID", alpha, "", "quality", None, TIGHT),
        row(SUITE, "cohens_d_selfLR_rep_vs_dem", d, "", "quality", None, TIGHT),
        row(SUITE, "pairwise_corr_max_abs_diff_vs_pandas", agreement, "", "quality", False, 0.0),
        row(SUITE, "representativeness_abs_diff_vs_scipy", wd_gap, "", "quality", False, 0.0),
        row(SUITE, "pairwise_corr_time_ours_over_pandas", t_ours / t_pandas, "x", "ratio", False),
        row(
            SUITE,
            "representativeness_time_ours_over_scipy_loop",
            t_rep / t_scipy,
            "x",
            "ratio",
            False,
        ),
        row(SUITE, "respondents", n, "", "info"),
        row(SUITE, "split_half_splits", n_splits, "", "info"),
        row(SUITE, "wd_questions_timed", q, "", "info"),
        row(SUITE, "corr_table_respondents", shape[0], "", "info"),
        row(SUITE, "corr_table_questions", shape[1], "", "info"),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="CI-sized run (20 splits, 500 questions)"
    )
    args = parser.parse_args()
    print(pd.DataFrame(run(quick=args.quick)).to_string(index=False))
