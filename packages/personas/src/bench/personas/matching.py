"""Matching personas to human respondents by demographic likelihood (Anthology, Sec. 3.3).

Human h answered trait t with option a_t(h); persona v's demographic survey gave a
distribution P_v(t, ·) over trait t's options. The weight of the pair is the likelihood
of the human's answers under the persona,

    w(h, v) = prod_t P_v(t, a_t(h)),     log w(h, v) = sum_t log P_v(t, a_t(h)),

computed in log space (a trait the human left missing contributes a factor 1).
Probabilities are floored at ``MatchConfig.p_min`` so that one zero (a sampled
demographic survey that never named an option) gives a very small weight, not -inf.

Methods (``MatchConfig.method``):

- ``greedy``: each human takes its most likely persona, personas reused (the Anthology
  code); ties go to the first persona.
- ``greedy-unique``: one-to-one; humans in dataset order each take their most likely
  persona among those not yet taken.
- ``maxweight``: one-to-one (rectangular; needs humans <= personas) maximising, by
  ``MatchConfig.objective``,

      likelihood (the paper's):  sum_h w(h, v(h))       the Anthology code's
                                 ``linear_sum_assignment(-W)``, W the product of likelihoods
      loglik:                    sum_h log w(h, v(h))   the joint likelihood of the matching

  The two differ: the sum of likelihoods is led by the pairs that fit well and barely
  feels a poor pair (its w is near 0 either way), the sum of logs penalises every poor
  pair. ``bench personas run`` reports both (``anthology-maxweight`` and
  ``anthology-maxweight-loglik``).
- ``random``: one-to-one uniformly at random (seeded); with reuse when humans > personas.

Exact maximum-weight matching through profiles. Humans with the same demographic
profile (the same answers to every trait) have the same row of log w, so they are
interchangeable: the assignment problem on n_h x n_v is the transport problem between
the n_u distinct profiles (mass = how many humans share it) and the personas (mass 1),
plus a dummy profile of mass n_v - n_h and weight 0 that absorbs unmatched personas. Both
objectives are such a problem: the solvers maximise a score matrix, log w or w - 1 (the
constant shifts every matching's total by n_h, so the optimum is that of sum w, and keeps
the score <= 0 like log w).
An exact integral-transport solver (:mod:`bench.common.ot.integral_transport`: shortest
augmenting paths over each profile's cheapest columns, certified by its duals on every
edge) returns a one-to-one matching with the optimal total, on an (n_u + 1) x n_v matrix
instead of n_h x n_v, and without the ties that slow the Hungarian method down. That wins
when profiles are few (few traits, many humans) and on every large problem; on a small
problem where nearly every human has a profile of their own, the Hungarian method
(scipy's ``linear_sum_assignment``) is as fast, and ``MatchConfig.solver="auto"`` picks
by humans per profile and by size.

Input: ``demographics.parquet`` as written by :mod:`bench.personas.demographics` (long:
persona_id, trait, option_index, probability, ...; one row per persona x trait x option).

Output (:func:`match`): a DataFrame, one row per human, in dataset order,

=============  =======  ===============================================================
human_id       (id)     the dataset's respondent id
persona_id     string   the matched persona
log_weight     float64  log w(h, v) of the pair
likelihood     float64  w(h, v) of the pair
method         string   the matching method
objective      string   what maxweight maximised (``likelihood`` or ``loglik``); null
                        for the other methods
=============  =======  ===============================================================
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from bench.common.ot.integral_transport import integral_transport
from bench.personas.datasets import Dataset

MATCH_METHODS = ("greedy", "greedy-unique", "maxweight", "random")
MAXWEIGHT_SOLVERS = ("auto", "transport", "hungarian")
MAXWEIGHT_OBJECTIVES = ("likelihood", "loglik")
# "auto" solves the transport problem when humans outnumber their distinct profiles this
# many times over. Measured (benchmarks/bench_matching.py, 2,000 humans x 8,000 personas,
# 2 busy cores): 6 profiles, network simplex 0.94 s vs Hungarian 47 s; 172 profiles,
# 15.8 s vs 3.2 s; 1,133 profiles, 62 s vs 0.6 s.
TRANSPORT_MIN_HUMANS_PER_PROFILE = 50


@dataclass(frozen=True)
class MatchConfig:
    """How to match. Defaults follow Anthology (Moon et al. 2024), Sec. 3.3."""

    method: str = "maxweight"  # the paper's best-performing matching
    p_min: float = 1e-9  # floor on P_v(t, option) before the log: log(1e-9) = -20.7 per trait
    solver: str = "auto"  # maxweight only: transport (profiles, integral transport) | hungarian
    objective: str = "likelihood"  # maxweight only: sum of w (Anthology code) | sum of log w

    def __post_init__(self) -> None:
        if self.objective not in MAXWEIGHT_OBJECTIVES:
            raise ValueError(
                f"maxweight objective {self.objective!r} is not one of {MAXWEIGHT_OBJECTIVES}"
            )
        if self.method not in MATCH_METHODS:
            raise ValueError(f"matching method {self.method!r} is not one of {MATCH_METHODS}")
        if self.solver not in MAXWEIGHT_SOLVERS:
            raise ValueError(f"maxweight solver {self.solver!r} is not one of {MAXWEIGHT_SOLVERS}")
        if not 0 < self.p_min < 1:
            raise ValueError(f"p_min={self.p_min} must be in (0, 1)")


@dataclass(frozen=True)
class PersonaLikelihoods:
    """Per-trait log-probabilities of the personas.

    persona_ids : (n_v,) persona ids, in file order.
    log_p : trait name -> (n_v, K_t) log P_v(t, k), floored at log p_min.
    """

    persona_ids: NDArray[np.object_]
    log_p: dict[str, NDArray[np.float64]]

    @property
    def n(self) -> int:
        return len(self.persona_ids)


@dataclass(frozen=True)
class ProfileWeights:
    """log w between the distinct human profiles and the personas.

    profiles : (n_u, T) option positions of each distinct profile (NaN: missing).
    counts : (n_u,) how many humans share each profile.
    human_profile : (n_h,) index into ``profiles`` of each human, dataset order.
    log_w : (n_u, n_v) sum_t log P_v(t, profile_t).
    """

    profiles: NDArray[np.float64]
    counts: NDArray[np.int64]
    human_profile: NDArray[np.int64]
    log_w: NDArray[np.float64]


def persona_likelihoods(
    dataset: Dataset, demographics: pd.DataFrame, *, p_min: float = MatchConfig.p_min
) -> PersonaLikelihoods:
    """Read the long demographics table into per-trait (n_v, K_t) log-probability matrices.

    Every trait in the table must be one of the dataset's traits with the same options;
    dataset traits that the table lacks are not used for matching.
    """
    required = {"persona_id", "trait", "option_index", "probability"}
    absent = required - set(demographics.columns)
    if absent:
        raise ValueError(
            f"demographics table lacks columns {sorted(absent)}; it must be the output of "
            "`bench personas demographics` (persona_id, trait, option_index, probability)"
        )
    if len(demographics) == 0:
        raise ValueError("demographics table is empty; run `bench personas demographics` first")
    persona_ids = pd.unique(demographics["persona_id"].to_numpy())
    row_of = pd.Series(np.arange(len(persona_ids)), index=persona_ids)
    log_p = {}
    traits = {t.name: t for t in dataset.demographics}
    for key, rows in demographics.groupby("trait", sort=False):
        trait_name = str(key)
        if trait_name not in traits:
            raise ValueError(
                f"demographics table has trait {trait_name!r}, which dataset {dataset.name} does not have "
                f"(its traits: {list(traits)}); run the demographic survey with --dataset {dataset.name}"
            )
        k = traits[trait_name].n_options
        index = rows["option_index"].to_numpy()
        if index.min() < 0 or index.max() >= k:
            raise ValueError(
                f"demographics table: trait {trait_name!r} has option_index outside 0..{k - 1}; "
                f"the dataset's {trait_name} has {k} options"
            )
        p = np.full((len(persona_ids), k), np.nan)
        p[row_of.loc[rows["persona_id"]].to_numpy(), index] = rows["probability"].to_numpy(
            np.float64
        )
        if np.isnan(p).any():
            raise ValueError(
                f"demographics table: trait {trait_name!r} lacks some persona x option rows; "
                "every persona needs a probability for every option"
            )
        log_p[trait_name] = np.log(np.maximum(p, p_min))
    return PersonaLikelihoods(persona_ids=np.asarray(persona_ids, dtype=object), log_p=log_p)


def profile_weights(human_profiles: pd.DataFrame, personas: PersonaLikelihoods) -> ProfileWeights:
    """log w (n_u, n_v) of each distinct human profile against each persona.

    ``human_profiles`` is (n_h, T) option positions (NaN: missing), columns trait names,
    e.g. ``dataset.profiles()``; only the traits in ``personas.log_p`` are used.
    """
    traits = [t for t in human_profiles.columns if t in personas.log_p]
    if not traits:
        raise ValueError(
            f"no trait in common between the humans ({list(human_profiles.columns)}) and the "
            f"personas' demographic survey ({list(personas.log_p)})"
        )
    # NaN -> -1 so that missing answers form their own profile value.
    coded = np.nan_to_num(human_profiles[traits].to_numpy(np.float64), nan=-1.0).astype(np.int64)
    unique, human_profile, counts = np.unique(
        coded, axis=0, return_inverse=True, return_counts=True
    )
    log_w = np.zeros((len(unique), personas.n))
    for j, trait in enumerate(traits):
        # Rows of the (K_t, n_v) transpose: a contiguous gather, (n_u, n_v) in one pass;
        # a missing answer (-1) takes the appended row of zeros (a factor 1).
        by_option = np.vstack([personas.log_p[trait].T, np.zeros((1, personas.n))])
        log_w += by_option[unique[:, j]]
    profiles = unique.astype(np.float64)
    profiles[profiles < 0] = np.nan
    return ProfileWeights(
        profiles=profiles,
        counts=counts.astype(np.int64),
        human_profile=human_profile.reshape(-1).astype(np.int64),
        log_w=log_w,
    )


def _greedy(weights: ProfileWeights) -> NDArray[np.int64]:
    return np.argmax(weights.log_w, axis=1)[weights.human_profile]


def _greedy_unique(weights: ProfileWeights) -> NDArray[np.int64]:
    log_w = weights.log_w.copy()
    chosen = np.empty(len(weights.human_profile), dtype=np.int64)
    for h, u in enumerate(weights.human_profile):
        v = int(np.argmax(log_w[u]))
        chosen[h] = v
        log_w[:, v] = -np.inf  # taken
    return chosen


def _hungarian(weights: ProfileWeights) -> NDArray[np.int64]:
    from scipy.optimize import linear_sum_assignment

    # (n_h, n_v): one row per human; rows >= columns is refused before we get here.
    rows, columns = linear_sum_assignment(-weights.log_w[weights.human_profile])
    chosen = np.empty(len(weights.human_profile), dtype=np.int64)
    chosen[rows] = columns
    return chosen


def _transport(weights: ProfileWeights) -> NDArray[np.int64]:
    n_v = weights.log_w.shape[1]
    n_h = int(weights.counts.sum())
    # Cost -log w; the dummy row (cost 0) takes the n_v - n_h spare personas. The solver's
    # plan is integral and certified optimal by its duals on every edge.
    C = np.vstack([-weights.log_w, np.zeros((1, n_v))])
    owner = integral_transport(C, np.append(weights.counts, n_v - n_h)).owner
    # Personas grouped by profile line up with humans grouped by profile (dataset order
    # within a profile): profile u owns exactly counts[u] personas.
    chosen = np.empty(n_h, dtype=np.int64)
    chosen[np.argsort(weights.human_profile, kind="stable")] = np.argsort(owner, kind="stable")[
        :n_h
    ]
    return chosen


def _random(n_h: int, n_v: int, seed: int) -> NDArray[np.int64]:
    rng = np.random.default_rng(seed)
    return rng.choice(n_v, size=n_h, replace=n_h > n_v)


def maxweight_solver(weights: ProfileWeights, solver: str = "auto") -> str:
    """The solver "auto" picks: transport when profiles are few per human, else hungarian."""
    if solver != "auto":
        return solver
    n_h, n_u = len(weights.human_profile), len(weights.counts)
    # The Hungarian method on the full (n_h, n_v) matrix wins only when it is small
    # (measured, one thread: 2,000 x 8,000 on 1,133 profiles, 0.8 s vs 1.4 s); at
    # 10,000 x 40,000 on 1,796 profiles it took 31 s and 3.2 GB, the transport 3.5 s.
    small = n_h * weights.log_w.shape[1] <= 20_000_000
    few_profiles = n_h >= TRANSPORT_MIN_HUMANS_PER_PROFILE * n_u
    return "transport" if few_profiles or not small else "hungarian"


def objective_scores(weights: ProfileWeights, objective: str) -> ProfileWeights:
    """``weights`` with the score maxweight maximises in the ``log_w`` slot the solvers read.

    ``loglik``: log w itself. ``likelihood``: w - 1 (module docstring: same optimum as
    sum w, and <= 0 like log w, so a solver's costs -score stay >= 0).
    """
    if objective == "loglik":
        return weights
    if objective == "likelihood":
        return dataclasses.replace(weights, log_w=np.expm1(weights.log_w))
    raise ValueError(f"maxweight objective {objective!r} is not one of {MAXWEIGHT_OBJECTIVES}")


def match_weights(
    weights: ProfileWeights,
    method: str,
    *,
    solver: str = "auto",
    objective: str = "likelihood",
    seed: int = 0,
) -> NDArray[np.int64]:
    """Persona index (into the log_w columns) for every human, dataset order."""
    n_h = len(weights.human_profile)
    n_v = weights.log_w.shape[1]
    if method in ("greedy-unique", "maxweight") and n_h > n_v:
        raise ValueError(
            f"{method} matching is one-to-one but there are {n_h} humans and only {n_v} personas; "
            "generate at least as many personas (-n), or use --method greedy (personas reused)"
        )
    if method == "greedy":
        return _greedy(weights)
    if method == "greedy-unique":
        return _greedy_unique(weights)
    if method == "maxweight":
        scores = objective_scores(weights, objective)
        if maxweight_solver(weights, solver) == "transport":
            return _transport(scores)
        return _hungarian(scores)
    if method == "random":
        return _random(n_h, n_v, seed)
    raise ValueError(f"matching method {method!r} is not one of {MATCH_METHODS}")


def match(
    dataset: Dataset,
    demographics: pd.DataFrame,
    config: MatchConfig | None = None,
    *,
    seed: int = 0,
) -> pd.DataFrame:
    """Match every respondent of ``dataset`` to a persona (see the module docstring).

    Returns a DataFrame (n_h rows, dataset order): human_id, persona_id, log_weight,
    likelihood, method, objective. ``config`` None means ``MatchConfig()`` (maxweight,
    the paper's sum of likelihoods).
    """
    config = config or MatchConfig()
    personas = persona_likelihoods(dataset, demographics, p_min=config.p_min)
    weights = profile_weights(dataset.profiles(), personas)
    chosen = match_weights(
        weights, config.method, solver=config.solver, objective=config.objective, seed=seed
    )
    log_weight = weights.log_w[weights.human_profile, chosen]
    return pd.DataFrame(
        {
            "human_id": dataset.ids.to_numpy(),
            "persona_id": personas.persona_ids[chosen],
            "log_weight": log_weight,
            "likelihood": np.exp(log_weight),
            "method": config.method,
            "objective": config.objective if config.method == "maxweight" else None,
        }
    )


def matching_name(method: str, objective: str | None) -> str:
    """A matching's name in condition labels: the method, ``-loglik`` for that objective."""
    return f"{method}-loglik" if method == "maxweight" and objective == "loglik" else method
