"""The stages of one ablation: persona pools, their demographics, matching and survey."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common.atomic import atomic_write_text
from bench.personas.ablation.config import SURVEY_CONDITION, AblationConfig
from bench.personas.ablation.metrics import ablation_metrics
from bench.personas.ablation.plot import plot_ablation
from bench.personas.ablation.result import AblationResult, KnobValue
from bench.personas.backstories import anthology_slots
from bench.personas.critic import read_review
from bench.personas.datasets import Dataset, load_dataset
from bench.personas.matching import MatchConfig
from bench.personas.respondents import subsample_respondents
from bench.personas.stages import LazyModel, Stages
from bench.personas.steps import Steps
from bench.personas.survey import matched_units
from bench.personas.tables import write_parquet


@dataclasses.dataclass(frozen=True)
class KnobAnswers:
    """What the stages of one kind give the metrics: every knob value's answers, the
    persona ids its matching drew from, and the critic's verdict counts (consistency)."""

    answers: pd.DataFrame
    pools: dict[KnobValue, list[str]]
    verdicts: dict[str, int] | None = None


def run_ablation(
    config: AblationConfig, out_dir: str | Path, *, progress: bool = True
) -> AblationResult:
    """Run (or resume) one ablation into ``out_dir`` (see the package docstring)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    respondents = subsample_respondents(
        load_dataset(config.dataset), config.humans, seed=config.seed
    )
    model = LazyModel(config.model, config.seed, progress)
    stages = Stages(model, {"seed": config.seed}, seed=config.seed)
    ablation = AblationStages(config, respondents, Steps(stages, progress=progress), out_dir)
    try:
        knob_answers = ablation.run()
        identity = model.identity(out_dir / ablation.first_file)
    finally:
        model.close()
    start = time.perf_counter()
    table = ablation_metrics(
        config, respondents, knob_answers.answers, knob_answers.pools, ablation.words
    )
    stages.timed("metrics", time.perf_counter() - start)
    write_parquet(knob_answers.answers, out_dir / "answers.parquet")
    table.to_csv(out_dir / "ablation.csv", index=False)
    plot = plot_ablation(table, out_dir / "plots" / f"ablation_{config.kind}.png")
    result = AblationResult(
        config=config,
        out_dir=out_dir,
        table=table,
        pools=knob_answers.pools,
        verdicts=knob_answers.verdicts,
        timings=tuple(stages.timings),
        plot=plot,
        model_identity=identity,
    )
    atomic_write_text(out_dir / "ablation.json", json.dumps(result.to_dict(), indent=2) + "\n")
    return result


class AblationStages:
    """The stages of one ablation, by kind (module docstring of the package)."""

    def __init__(
        self,
        config: AblationConfig,
        respondents: Dataset,
        steps: Steps,
        out_dir: Path,
    ):
        self.config, self.respondents, self.steps, self.out_dir = (
            config,
            respondents,
            steps,
            out_dir,
        )
        self.words: dict[KnobValue, float] = {}  # knob value -> mean words of its pool
        self.first_file = "pool.parquet"

    def run(self) -> KnobAnswers:
        if self.config.kind == "quantity":
            return self.quantity()
        if self.config.kind == "depth":
            return self.depth()
        return self.consistency()

    def pool(self, file: str, n: int, length: int | None = None) -> pd.DataFrame:
        """n backstories of the configured style; ``length`` overrides its token budget."""
        config = self.config
        name, out = Path(file).stem, self.out_dir / file
        if config.style == "interview":
            interview = config.interview
            if length is not None:
                interview = dataclasses.replace(interview, turn_tokens=length)
            settings = {"n": n, "style": config.style, "interview": interview}
            return self.steps.interviews(name, out, settings, n, interview)
        backstories = config.backstories
        if length is not None:
            backstories = dataclasses.replace(backstories, max_tokens=length)
        settings = {"n": n, "style": config.style, "backstories": backstories}
        return self.steps.backstories(
            name,
            out,
            settings,
            anthology_slots(n),
            backstories,
        )

    def demographics(self, pool: pd.DataFrame, file: str) -> pd.DataFrame:
        return self.steps.demographics(
            Path(file).stem,
            self.out_dir / file,
            pool,
            self.respondents.demographics,
            self.config.demographics,
        )

    def answer(
        self, value: KnobValue, pool: pd.DataFrame, demographics: pd.DataFrame
    ) -> pd.DataFrame:
        """Match the humans to ``pool``'s personas and survey the matched units."""
        config = self.config
        tag = f"{config.knob}{value}"
        ids = pool["persona_id"].astype(str).tolist()
        pool_demographics = demographics.loc[demographics["persona_id"].astype(str).isin(ids)]
        matches = self.steps.match(
            f"match_{tag}",
            self.out_dir / f"match_{tag}.parquet",
            self.respondents,
            pool_demographics,
            MatchConfig(method=config.matching),
        )
        # Every knob value's units share one condition name while they answer: the survey
        # draws each sampled answer from (seed, condition, respondent, question), so a
        # respondent whose persona (hence answer probabilities) is the same under two knob
        # values gives the same answer under both (common random numbers), and a difference
        # between values is the knob's, not a re-draw's.
        units = matched_units(self.respondents, pool, matches, condition=SURVEY_CONDITION)
        self.words[value] = float(pool["n_words"].to_numpy(dtype=np.float64).mean())
        answers = self.steps.survey(
            f"answers_{tag}",
            self.out_dir / f"answers_{tag}.parquet",
            units,
            self.respondents.questions,
            config.survey,
        )
        return answers.assign(condition=f"{config.knob}={value}")

    def quantity(self) -> KnobAnswers:
        sizes = [int(k) for k in self.config.knob_values]
        pool = self.pool("pool.parquet", max(sizes))
        demographics = self.demographics(pool, "demographics.parquet")
        answers, pools = [], {}
        for k in sizes:
            # Slot order is seeded, so the first k are a random k of the pool; a pool whose
            # filter rejected slots for good holds fewer than k (n_personas says so).
            prefix = pool.iloc[:k]
            pools[k] = prefix["persona_id"].astype(str).tolist()
            answers.append(self.answer(k, prefix, demographics))
        return KnobAnswers(pd.concat(answers, ignore_index=True), pools)

    def depth(self) -> KnobAnswers:
        config = self.config
        self.first_file = f"pool_{config.knob}{config.knob_values[0]}.parquet"
        answers, pools = [], {}
        for length in [int(v) for v in config.knob_values]:
            tag = f"{config.knob}{length}"
            pool = self.pool(f"pool_{tag}.parquet", config.n, length)
            demographics = self.demographics(pool, f"demographics_{tag}.parquet")
            pools[length] = pool["persona_id"].astype(str).tolist()
            answers.append(self.answer(length, pool, demographics))
        return KnobAnswers(pd.concat(answers, ignore_index=True), pools)

    def consistency(self) -> KnobAnswers:
        config = self.config
        pool = self.pool("pool.parquet", config.n)
        reviewed_file = self.out_dir / "pool_critic.parquet"
        kept = self.steps.critic("critic", reviewed_file, pool, config.critic, config.interview)
        review = read_review(kept, reviewed_file)
        if kept.empty:
            raise ValueError(
                f"the critic dropped all {len(pool)} interviews; raise -n so some remain"
            )
        answers, pools = [], {}
        for value, table in (("off", pool), ("on", kept)):
            demographics = self.demographics(table, f"demographics_critic_{value}.parquet")
            pools[value] = table["persona_id"].astype(str).tolist()
            answers.append(self.answer(value, table, demographics))
        return KnobAnswers(pd.concat(answers, ignore_index=True), pools, review.counts)
