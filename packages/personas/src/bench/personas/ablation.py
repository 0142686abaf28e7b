"""Ablations of the persona pipeline: one knob turned, every other setting fixed.

Each ablation builds persona pools, and for each knob value v runs the rest of the
pipeline on its pool: demographics -> match (humans to personas) -> survey of the matched
units -> metrics. Kinds (issue #6):

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
                               1-D Wasserstein distance to the humans (evaluation.evaluate)
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
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.common.atomic import atomic_write_text
from bench.personas.backstories import BackstoryConfig, anthology_slots, generate_backstories
from bench.personas.critic import CriticConfig
from bench.personas.demographics import DemographicsConfig, survey_demographics
from bench.personas.interview import InterviewConfig, generate_interviews
from bench.personas.matching import MATCH_METHODS
from bench.personas.stages import LazyModel, Stages, StageTiming
from bench.personas.survey import SurveyConfig

KINDS = ("quantity", "depth", "consistency")
STYLES = ("interview", "anthology")
KNOBS = {"quantity": "k", "depth": "tokens", "consistency": "critic"}
CRITIC_VALUES = ("off", "on")
GAP_MEASURES = ("hostility", "placement")  # the meta gap needs a `kind: meta` question
ALL_QUESTIONS = "all questions"
SURVEY_CONDITION = "ablation"  # the condition every knob value's units answer under
TABLE_COLUMNS = ("kind", "knob", "value", "group", "measure", "metric", "score")
# Metrics drawn by plot_ablation, one panel each (when present), in this order.
PLOT_METRICS = ("gap_error", "wd", "cohens_d")


@dataclass(frozen=True)
class AblationConfig:
    """One ablation: the knob, its values, and the fixed settings of every other stage.

    ``values``: quantity, the pool prefixes k; depth, the token budgets (``turn_tokens``
    for interviews, ``max_tokens`` for Anthology backstories); consistency, ignored
    (critic off and on). ``n`` is the pool size of depth and consistency (quantity's is
    max(values)). ``humans`` None uses every respondent.
    """

    kind: str
    values: tuple[int, ...] = ()
    dataset: str = "anes1996"
    model: str = "embedded"
    humans: int | None = 30
    seed: int = 0
    style: str = "interview"  # interview | anthology
    n: int = 20
    interview: InterviewConfig = field(default_factory=lambda: InterviewConfig(turn_tokens=16))
    backstories: BackstoryConfig = field(default_factory=lambda: BackstoryConfig(max_tokens=48))
    critic: CriticConfig = field(default_factory=CriticConfig)
    demographics: DemographicsConfig = field(default_factory=DemographicsConfig)
    survey: SurveyConfig = field(default_factory=SurveyConfig)
    matching: str = "greedy"
    n_splits: int = 100  # S, random halves for the human lower bound (Anthology, Sec. 4)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown ablation {self.kind!r}; use one of {list(KINDS)}")
        if self.style not in STYLES:
            raise ValueError(f"unknown backstory style {self.style!r}; use one of {list(STYLES)}")
        if self.matching not in MATCH_METHODS:
            raise ValueError(f"unknown matching {self.matching!r}; use one of {MATCH_METHODS}")
        if self.n < 1:
            raise ValueError(f"-n {self.n}: need at least one backstory per pool")
        if self.kind == "consistency":
            return
        if not self.values:
            raise ValueError(f"the {self.kind} ablation needs at least one knob value")
        if any(int(v) < 1 for v in self.values) or len(set(self.values)) != len(self.values):
            raise ValueError(f"{self.kind} values {list(self.values)}: need distinct integers >= 1")
        if self.matching == "maxweight" and self.kind == "quantity" and self.humans:
            if min(self.values) < self.humans:
                raise ValueError(
                    f"maxweight matching is one-to-one: k={min(self.values)} personas cannot "
                    f"stand for {self.humans} humans; use greedy or larger sizes"
                )

    @property
    def knob(self) -> str:
        return KNOBS[self.kind]

    @property
    def knob_values(self) -> tuple[int | str, ...]:
        return CRITIC_VALUES if self.kind == "consistency" else tuple(int(v) for v in self.values)


@dataclass(frozen=True)
class AblationResult:
    """What an ablation produced.

    ``table``: the metrics, long (:data:`TABLE_COLUMNS`). ``pools``: knob value -> the
    persona ids matching drew from, in pool order. ``verdicts``: the critic's counts
    (consistency only). ``model_calls``: model calls made by this invocation (0 when
    every stage was finished earlier).
    """

    config: AblationConfig
    out_dir: Path
    table: pd.DataFrame
    pools: dict[Any, list[str]]
    verdicts: dict[str, int] | None
    timings: tuple[StageTiming, ...]
    plot: Path
    model_identity: dict[str, Any]

    @property
    def model_calls(self) -> float:
        return float(sum(t.model_calls for t in self.timings if not t.resumed))

    def wide(self) -> pd.DataFrame:
        """The table with one column per metric: rows (value, group, measure)."""
        wide = self.table.pivot_table(
            index=["value", "group", "measure"], columns="metric", values="score", sort=False
        )
        wide.columns.name = None
        return wide.reset_index()

    def to_markdown(self) -> str:
        """Two Markdown tables: the overall metrics, then the perception gaps (if any)."""
        wide = self.wide()
        lines = [f"{self.config.dataset}: {self.config.kind} ablation ({self.config.knob})"]
        if self.verdicts is not None:
            lines.append(f"critic verdicts: {self.verdicts}")
        overall = wide["measure"] == ALL_QUESTIONS
        for block in (wide[overall], wide[~overall]):
            block = block.dropna(axis=1, how="all")
            if block.empty:
                continue
            head = "| " + " | ".join(block.columns) + " |"
            rule = "|" + "|".join("---" for _ in block.columns) + "|"
            rows = [
                "| " + " | ".join(_cell(v) for v in row) + " |"
                for row in block.itertuples(index=False)
            ]
            lines += ["", head, rule, *rows]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.config.kind,
            "knob": self.config.knob,
            "values": list(self.config.knob_values),
            "dataset": self.config.dataset,
            "pools": {str(v): ids for v, ids in self.pools.items()},
            "verdicts": self.verdicts,
            "timings": [dataclasses.asdict(t) for t in self.timings],
            "table": json.loads(self.table.to_json(orient="records")),
        }


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if np.isnan(value) else f"{value:.3f}"
    return str(value)


def run_ablation(
    config: AblationConfig, out_dir: str | Path, *, progress: bool = True
) -> AblationResult:
    """Run (or resume) one ablation into ``out_dir`` (see the module docstring)."""
    from bench.personas.datasets import load_dataset
    from bench.personas.respondents import subsample_respondents
    from bench.personas.tables import write_parquet

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    humans = subsample_respondents(load_dataset(config.dataset), config.humans, seed=config.seed)
    model = LazyModel(config.model, config.seed, progress)
    stage = Stages(model, {"seed": config.seed}, seed=config.seed)
    run = _Run(config, humans, stage, out_dir, progress)
    try:
        if config.kind == "quantity":
            answers, pools, verdicts = run.quantity()
        elif config.kind == "depth":
            answers, pools, verdicts = run.depth()
        else:
            answers, pools, verdicts = run.consistency()
        first = out_dir / run.first_file
        identity = model.identity(first)
    finally:
        model.close()
    start = time.perf_counter()
    table = ablation_metrics(config, humans, answers, pools, run.words)
    stage.timed("metrics", time.perf_counter() - start)
    write_parquet(answers, out_dir / "answers.parquet")
    table.to_csv(out_dir / "ablation.csv", index=False)
    plot = plot_ablation(table, out_dir / "plots" / f"ablation_{config.kind}.png")
    result = AblationResult(
        config=config,
        out_dir=out_dir,
        table=table,
        pools=pools,
        verdicts=verdicts,
        timings=tuple(stage.timings),
        plot=plot,
        model_identity=identity,
    )
    atomic_write_text(out_dir / "ablation.json", json.dumps(result.to_dict(), indent=2) + "\n")
    return result


class _Run:
    """The stages of one ablation; each kind returns (answers, pools, verdicts)."""

    def __init__(
        self, config: AblationConfig, humans: Any, stage: Stages, out_dir: Path, progress: bool
    ):
        self.config, self.humans, self.stage = config, humans, stage
        self.out_dir, self.progress = out_dir, progress
        self.words: dict[Any, float] = {}  # knob value -> mean words of its pool
        self.first_file = "pool.parquet"

    def pool(self, file: str, n: int, length: int | None = None) -> pd.DataFrame:
        """n backstories of the configured style; ``length`` overrides its token budget."""
        c, seed, progress = self.config, self.config.seed, self.progress
        if c.style == "interview":
            interview = c.interview
            if length is not None:
                interview = dataclasses.replace(interview, turn_tokens=length)
            return self.stage(
                Path(file).stem,
                self.out_dir / file,
                {"n": n, "style": c.style, "interview": interview},
                lambda lm, journal: generate_interviews(
                    lm, n, interview, seed=seed, journal=journal, progress=progress
                ),
            )
        backstories = c.backstories
        if length is not None:
            backstories = dataclasses.replace(backstories, max_tokens=length)
        slots = anthology_slots(n)
        return self.stage(
            Path(file).stem,
            self.out_dir / file,
            {"n": n, "style": c.style, "backstories": backstories},
            lambda lm, journal: generate_backstories(
                lm, slots, backstories, seed=seed, journal=journal, progress=progress
            ),
            inputs={"slots": slots},
        )

    def demographics(self, pool: pd.DataFrame, file: str) -> pd.DataFrame:
        c = self.config
        return self.stage(
            Path(file).stem,
            self.out_dir / file,
            {"demographics": c.demographics},
            lambda lm, journal: survey_demographics(
                lm,
                pool,
                self.humans.demographics,
                c.demographics,
                journal=journal,
                progress=self.progress,
            ),
            inputs={"backstories": pool, "traits": self.humans.demographics},
        )

    def answer(self, value: Any, pool: pd.DataFrame, demographics: pd.DataFrame) -> pd.DataFrame:
        """Match the humans to ``pool``'s personas and survey the matched units."""
        from bench.personas.matching import MatchConfig, match
        from bench.personas.survey import matched_units, run_survey

        c, seed = self.config, self.config.seed
        label = f"{c.knob}={value}"
        tag = f"{c.knob}{value}"
        ids = set(pool["persona_id"].astype(str))
        mine = demographics[demographics["persona_id"].astype(str).isin(ids)]
        matches = self.stage(
            f"match_{tag}",
            self.out_dir / f"match_{tag}.parquet",
            {"match": MatchConfig(method=c.matching)},
            lambda lm, journal: match(self.humans, mine, MatchConfig(method=c.matching), seed=seed),
            inputs={
                "demographics": mine,
                "profiles": self.humans.profiles().reset_index(names="id"),
                "traits": self.humans.demographics,
            },
            needs_model=False,
        )
        # Every knob value's units share one condition name while they answer: the survey
        # draws each sampled answer from (seed, condition, respondent, question), so a
        # respondent whose persona (hence answer probabilities) is the same under two knob
        # values gives the same answer under both (common random numbers), and a difference
        # between values is the knob's, not a re-draw's.
        units = matched_units(self.humans, pool, matches, condition=SURVEY_CONDITION)
        self.words[value] = float(pool["n_words"].mean())
        answers = self.stage(
            f"answers_{tag}",
            self.out_dir / f"answers_{tag}.parquet",
            {"survey": c.survey},
            lambda lm, journal: run_survey(
                lm,
                units,
                self.humans.questions,
                c.survey,
                seed=seed,
                journal=journal,
                progress=self.progress,
            ),
            inputs={"units": units, "questions": self.humans.questions},
        )
        return answers.assign(condition=label)

    def quantity(self) -> tuple[pd.DataFrame, dict, None]:
        c = self.config
        pool = self.pool("pool.parquet", max(c.knob_values))
        demographics = self.demographics(pool, "demographics.parquet")
        answers, pools = [], {}
        for k in c.knob_values:
            # Slot order is seeded, so the first k are a random k of the pool; a pool whose
            # filter rejected slots for good holds fewer than k (n_personas says so).
            prefix = pool.iloc[:k]
            pools[k] = prefix["persona_id"].astype(str).tolist()
            answers.append(self.answer(k, prefix, demographics))
        return pd.concat(answers, ignore_index=True), pools, None

    def depth(self) -> tuple[pd.DataFrame, dict, None]:
        c = self.config
        self.first_file = f"pool_{c.knob}{c.knob_values[0]}.parquet"
        answers, pools = [], {}
        for length in c.knob_values:
            tag = f"{c.knob}{length}"
            pool = self.pool(f"pool_{tag}.parquet", c.n, length)
            demographics = self.demographics(pool, f"demographics_{tag}.parquet")
            pools[length] = pool["persona_id"].astype(str).tolist()
            answers.append(self.answer(length, pool, demographics))
        return pd.concat(answers, ignore_index=True), pools, None

    def consistency(self) -> tuple[pd.DataFrame, dict, dict[str, int]]:
        from bench.personas.critic import VERDICTS, dropped_path, review_backstories
        from bench.personas.tables import write_parquet

        c, seed = self.config, self.config.seed
        pool = self.pool("pool.parquet", c.n)
        reviewed_file = self.out_dir / "pool_critic.parquet"

        def review(lm: Any, journal: Any) -> pd.DataFrame:
            result = review_backstories(
                lm, pool, c.critic, seed=seed, journal=journal, interview=c.interview
            )
            write_parquet(result.dropped, dropped_path(reviewed_file))
            return result.kept

        kept = self.stage(
            "critic",
            reviewed_file,
            {"interview": c.interview, "critic": c.critic},
            review,
            inputs={"interviews": pool},
        )
        dropped = pd.read_parquet(dropped_path(reviewed_file))
        if kept.empty:
            raise ValueError(
                f"the critic dropped all {len(pool)} interviews; raise -n so some remain"
            )
        verdicts = {
            v: int((kept["critic_verdict"] == v).sum())
            + int((dropped["critic_verdict"] == v).sum())
            for v in VERDICTS
        }
        answers, pools = [], {}
        for value, table in (("off", pool), ("on", kept)):
            demographics = self.demographics(table, f"demographics_critic_{value}.parquet")
            pools[value] = table["persona_id"].astype(str).tolist()
            answers.append(self.answer(value, table, demographics))
        return pd.concat(answers, ignore_index=True), pools, verdicts


def ablation_metrics(
    config: AblationConfig,
    humans: Any,
    answers: pd.DataFrame,
    pools: dict[Any, list[str]],
    words: dict[Any, float],
) -> pd.DataFrame:
    """The long metrics table (module docstring) from the answers of every knob value.

    ``answers`` holds one condition ``{knob}={value}`` per knob value; ``pools`` the
    persona ids each value's matching drew from, ``words`` their mean backstory length.
    """
    from bench.personas.evaluation import ALL, HUMAN_BOUND, EvaluationConfig, evaluate
    from bench.personas.perception import HUMAN, perception_gaps

    evaluation = evaluate(
        humans, answers, None, EvaluationConfig(n_splits=config.n_splits, seed=config.seed)
    ).summary
    overall = evaluation[evaluation["group"] == ALL].set_index("condition")
    gaps = perception_gaps(humans, answers).table if humans.groups else None
    if gaps is not None:
        gaps = gaps[gaps["measure"].isin(GAP_MEASURES)]
        gaps = gaps.groupby(["measure", "group", "condition"], sort=False)[
            ["gap", "cohens_d", "wd", "wd_normalized"]
        ].mean()
    rows = []

    def add(value: Any, group: str, measure: str, metric: str, score: float) -> None:
        rows.append((config.kind, config.knob, value, group, measure, metric, float(score)))

    for value in config.knob_values:
        condition = f"{config.knob}={value}"
        add(value, ALL, ALL_QUESTIONS, "n_personas", len(pools[value]))
        add(value, ALL, ALL_QUESTIONS, "mean_words", words.get(value, np.nan))
        for metric in ("wd", "wd_normalized"):
            add(value, ALL, ALL_QUESTIONS, metric, overall.at[condition, metric])
        add(value, ALL, ALL_QUESTIONS, "wd_human_bound", overall.at[HUMAN_BOUND, "wd"])
        if gaps is None:
            continue
        for measure, group, _ in gaps.index[gaps.index.get_level_values(2) == HUMAN]:
            human = gaps.loc[(measure, group, HUMAN)]
            persona = gaps.loc[(measure, group, condition)]
            add(value, group, measure, "gap", persona["gap"])
            add(value, group, measure, "gap_human", human["gap"])
            add(value, group, measure, "gap_error", abs(persona["gap"] - human["gap"]))
            add(value, group, measure, "cohens_d", persona["cohens_d"])
            add(value, group, measure, "cohens_d_human", human["cohens_d"])
            add(value, group, measure, "wd", persona["wd"])
            add(value, group, measure, "wd_normalized", persona["wd_normalized"])
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def ablation_lines(table: pd.DataFrame) -> dict[str, dict[str, tuple[list, list[float]]]]:
    """What :func:`plot_ablation` draws: metric -> line label -> (knob values, scores).

    One line per (group, measure) of each metric in :data:`PLOT_METRICS`; every line has
    one point per knob value, in the table's order.
    """
    panels: dict[str, dict[str, tuple[list, list[float]]]] = {}
    for metric in PLOT_METRICS:
        rows = table[table["metric"] == metric]
        for (group, measure), line in rows.groupby(["group", "measure"], sort=False):
            label = "all questions" if measure == ALL_QUESTIONS else f"{group}: {measure}"
            panels.setdefault(metric, {})[label] = (
                line["value"].tolist(),
                line["score"].astype(float).tolist(),
            )
    return panels


def plot_ablation(table: pd.DataFrame, path: str | Path) -> Path:
    """Each metric of :data:`PLOT_METRICS` against the knob, one line per group / measure."""
    from bench.common.plotting import pyplot

    plt = pyplot()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    panels = ablation_lines(table)
    kind, knob = table["kind"].iloc[0], table["knob"].iloc[0]
    values = list(dict.fromkeys(table["value"]))
    numeric = all(isinstance(v, (int, np.integer)) for v in values)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels) + 0.6, 3.2), squeeze=False)
    bound = table[table["metric"] == "wd_human_bound"]["score"]
    # One colour per line label in every panel.
    labels = list(dict.fromkeys(label for lines in panels.values() for label in lines))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = {label: cycle[i % len(cycle)] for i, label in enumerate(labels)}
    for ax, (metric, lines) in zip(axes.flat, panels.items()):
        for label, (xs, ys) in lines.items():
            x = xs if numeric else [values.index(v) for v in xs]
            ax.plot(x, ys, marker="o", label=label, color=colors[label])
        if metric == "wd" and len(bound):
            ax.axhline(bound.iloc[0], color="grey", linestyle="--", label="human split-half")
        if metric == "cohens_d":
            human = table[table["metric"] == "cohens_d_human"]
            for _, row in human.drop_duplicates(["group", "measure"]).iterrows():
                ax.axhline(row["score"], color="black", linewidth=0.6, linestyle=":")
        if numeric and len(values) > 2 and max(values) / max(min(values), 1) >= 4:
            ax.set_xscale("log", base=2)
        ax.set_xticks(values if numeric else range(len(values)), [str(v) for v in values])
        ax.set_xlabel(knob, fontsize=8)
        ax.set_title(metric, fontsize=9)
        ax.legend(fontsize=6)
    fig.suptitle(f"{kind} ablation", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
