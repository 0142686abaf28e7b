"""An ablation's knob, its values, and the fixed settings of every other stage."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.personas.backstories import BackstoryConfig
from bench.personas.critic import CriticConfig
from bench.personas.demographics import DemographicsConfig
from bench.personas.interview import InterviewConfig
from bench.personas.matching import MATCH_METHODS
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
