"""Survey datasets behind one interface.

from bench.personas.datasets import load_dataset
ds = load_dataset("gss2018")          # or "anes1996", "spec:PATH.yaml", "atp:PATH.sav"
ds.respondents                        # DataFrame, one row per respondent (id column ds.id)
ds.weights                            # Series (n,) or None
ds.demographics                       # tuple[Trait]: name, column, question, options, codes|bins
ds.questions                          # tuple[Question]: id, column, text, options, codes, kind
ds.groups                             # tuple[Grouping]: the spec's `groups:` (e.g. party)
ds.baseline_trait_names               # traits the QA/Bio/Portray baselines state
ds.answers()                          # (n, Q) option positions 0..K-1, NaN = missing
ds.profiles()                         # (n, T) trait option positions, NaN = missing
ds.answer_positions("natspac")        # one question, indexed by respondent id
ds.profile(respondent_id)             # {trait: position or None}
"""

from bench.personas.datasets.atp import (
    ATP_BASELINE_TRAITS,
    ATP_TRAITS,
    ATP_WAVES,
    AtpItem,
    AtpWave,
    load_atp,
)
from bench.personas.datasets.dataset import QUESTION_KINDS, Dataset, Question, Trait
from bench.personas.datasets.groups import Grouping
from bench.personas.datasets.registry import DEFAULT_DATASET, REGISTERED, load_dataset
from bench.personas.datasets.spec import dataset_from_spec, load_spec, read_spec

__all__ = [
    "ATP_BASELINE_TRAITS",
    "ATP_TRAITS",
    "ATP_WAVES",
    "DEFAULT_DATASET",
    "QUESTION_KINDS",
    "REGISTERED",
    "AtpItem",
    "AtpWave",
    "Dataset",
    "Grouping",
    "Question",
    "Trait",
    "dataset_from_spec",
    "load_atp",
    "load_dataset",
    "load_spec",
    "read_spec",
]
