"""Survey statistics: answer distributions, Wasserstein, correlation, alpha, d, CIs, split-half.

Public surface (all weights are survey weights (n,) >= 0, any scale; NaN = missing):

    answer_distribution(answers, options, *, weights=None, missing=(), name="answers")
        -> AnswerDistribution(options, probabilities (K,), n, n_missing, weight_total)
    representativeness(human: {question: p (K_q,) | AnswerDistribution},
                       model: {question: same}) -> Representativeness
        .per_question DataFrame (index question; n_options, wd, wd_normalized)
        .wd (raw ordinal scale, mean over questions), .wd_normalized (÷ (K_q - 1), OpinionQA)
    correlation_matrix(table (n, k), *, weights=None, deletion="listwise"|"pairwise",
                       undefined="raise"|"nan") -> DataFrame (k, k) labelled by the table's columns
    correlation_gap(reference (n, k), other (m, k), *, reference_weights=None,
                    other_weights=None, deletion="pairwise")
        -> CorrelationGap(frobenius, n_items, n_undefined, reference, other): Frobenius on
           the reference's items, the other side's undefined correlations read as 0
    weighted_covariance(table, *, weights=None, deletion="listwise", ddof=0) -> DataFrame (k, k)
    weighted_pearson(x (n,), y (n,), *, weights=None) -> float
    frobenius_distance(a (k, k), b (k, k)) -> float   (DataFrames aligned on labels)
    cronbach_alpha(items (n, k>=2), *, weights=None, deletion="pairwise") -> float
        (pingouin's default definition, the Anthology code's)
    cohens_d(a (n_a,), b (n_b,), *, weights_a=None, weights_b=None) -> float
    perception_gap(a (n_a,), b (n_b,), *, weights_a=None, weights_b=None)
        -> PerceptionGap(gap = ā - b̄, cohens_d, mean_a, mean_b, n_a, n_b)
    bootstrap_ci(statistic(rows (n,)) -> float, n, *, n_resamples=1000, level=0.95,
                 seed=0, progress=False) -> BootstrapCI(estimate, low, high, level, samples)
    split_half(metric(rows_a, rows_b) -> float, n, *, n_splits=100, seed=0, progress=False)
        -> SplitHalfResult(mean, std, values (n_splits,))
    check_weights(weights, n, *, name="weights") -> ndarray (n,)
    mean_ci(values (n,)) -> (mean, half-width of the 95% Student-t interval)

Bad input (negative/NaN weights, shape mismatch, < 2 items for alpha, zero variance, all
answers missing) raises ValueError naming what is wrong.
"""

from bench.common.metrics.bootstrap import BootstrapCI, bootstrap_ci
from bench.common.metrics.correlation import (
    CorrelationGap,
    correlation_gap,
    correlation_matrix,
    frobenius_distance,
    weighted_covariance,
    weighted_pearson,
)
from bench.common.metrics.distributions import AnswerDistribution, answer_distribution
from bench.common.metrics.effect_size import cohens_d
from bench.common.metrics.intervals import mean_ci
from bench.common.metrics.perception_gap import PerceptionGap, perception_gap
from bench.common.metrics.reliability import cronbach_alpha
from bench.common.metrics.representativeness import Representativeness, representativeness
from bench.common.metrics.split_half import SplitHalfResult, split_half
from bench.common.metrics.weights import check_weights

__all__ = [
    "AnswerDistribution",
    "BootstrapCI",
    "CorrelationGap",
    "PerceptionGap",
    "Representativeness",
    "SplitHalfResult",
    "answer_distribution",
    "bootstrap_ci",
    "check_weights",
    "cohens_d",
    "correlation_gap",
    "correlation_matrix",
    "cronbach_alpha",
    "frobenius_distance",
    "mean_ci",
    "perception_gap",
    "representativeness",
    "split_half",
    "weighted_covariance",
    "weighted_pearson",
]
