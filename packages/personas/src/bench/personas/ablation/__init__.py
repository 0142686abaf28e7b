"""Ablations of the persona pipeline: one knob turned, every other setting fixed.

Each ablation builds persona pools, and for each knob value v runs the rest of the
pipeline on its pool: demographics -> match (humans to personas) -> survey of the matched
units -> metrics. Kinds:

    quantity     v = k, the backstories available to matching. ONE pool of max(k) backstories
                 (interviews or Anthology backstories, seeded, in slot order) whose
                 demographics are read once; value k matches the humans to the first k
                 personas of that pool, so the pools are nested (k < k' => pool_k is a
                 prefix of pool_k') and only matching and the survey change with k.
    depth        v = the backstory length: the tokens per interview answer (``turn_tokens``)
                 or, for Anthology backstories, per backstory (``max_tokens``); one pool of
                 ``n`` backstories per length, each with its own demographics.
    consistency  v = critic off | on: one interview pool, and the interviews the LLM critic
                 kept (passed or repaired, :mod:`bench.personas.critic`); each its own
                 demographics. The critic's verdict counts are reported.

Metrics per knob value (condition ``{knob}={v}``), long table :data:`TABLE_COLUMNS`:

    wd, wd_normalized          group "all", measure "all questions": the evaluation's mean
                               1-D Wasserstein distance to the humans (evaluation.evaluate_answers)
    wd_human_bound             the same between random halves of the humans (reference)
    gap, gap_human, gap_error  per group and perception measure (hostility, placement),
                               when the dataset has ``groups:``: the personas' gap, the
                               humans', and |gap - gap_human| (perception.perception_gaps)
    cohens_d, cohens_d_human   the same gaps over the pooled SD
    wd, wd_normalized          per group and measure: the WD of the gap's questions
    n_personas, mean_words     the pool matching drew from, and its mean backstory length

Answers are drawn with common random numbers: a respondent answers with the same
random draw under every knob value, so two values whose matched persona is the same give
the same answer (critic on = off when the critic passes every interview).

Every pool, demographic survey, matching and survey is a resumable stage
(:class:`bench.personas.stages.Stages`): re-running a finished ablation calls no model,
and a larger ablation reuses the inference cache for every prompt it shares with a
smaller one (the same persona answering the same question).

Output directory: the stages' Parquet files with run records, ``ablation.csv``,
``ablation.json`` (table, pools, verdict counts, timings) and ``plots/ablation_{kind}.png``.

Modules: :mod:`.config` (the knobs and their checks), :mod:`.run` (the stages of each
kind), :mod:`.metrics` (the long metrics table), :mod:`.result` (what a run returns, as
JSON and Markdown), :mod:`.plot` (the figure).
"""

from bench.personas.ablation.config import (
    ALL_QUESTIONS,
    KINDS,
    KNOBS,
    STYLES,
    SURVEY_CONDITION,
    TABLE_COLUMNS,
    AblationConfig,
)
from bench.personas.ablation.metrics import ablation_metrics
from bench.personas.ablation.plot import ablation_lines, plot_ablation
from bench.personas.ablation.result import AblationResult
from bench.personas.ablation.run import run_ablation

__all__ = [
    "ALL_QUESTIONS",
    "KINDS",
    "KNOBS",
    "STYLES",
    "SURVEY_CONDITION",
    "TABLE_COLUMNS",
    "AblationConfig",
    "AblationResult",
    "ablation_lines",
    "ablation_metrics",
    "plot_ablation",
    "run_ablation",
]
