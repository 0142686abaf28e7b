"""``load_dataset(ref)``: every way to name a dataset on the command line.

gss2018            GSS 2018 national-spending items (bundled; the default)
anes1996           ANES 1996 (statsmodels.datasets.anes96)
spec:PATH.yaml     any CSV / Parquet table described by a spec (see ``spec.py``)
atp:PATH.sav       a Pew American Trends Panel wave file (see ``atp.py``)
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pandas as pd

from bench.personas.datasets.atp import load_atp
from bench.personas.datasets.dataset import Dataset
from bench.personas.datasets.spec import dataset_from_spec, load_spec, read_spec

DEFAULT_DATASET = "gss2018"


def _data_path(name: str) -> Path:
    return Path(str(files("bench.personas").joinpath("data", name)))


def load_gss2018() -> Dataset:
    """GSS 2018: 2,348 respondents, 7 traits, the 18 national-spending items (unweighted)."""
    return load_spec(_data_path("gss2018.yaml"))


def load_anes1996() -> Dataset:
    """ANES 1996 (statsmodels): 944 respondents, 5 traits, 4 questions (unweighted)."""
    from statsmodels.datasets import anes96  # ships its CSV; nothing is downloaded

    table = anes96.load_pandas().data
    assert isinstance(table, pd.DataFrame)  # load_pandas() fills .data
    table = table.assign(id=range(1, len(table) + 1))
    spec_path = _data_path("anes1996.yaml")
    return dataset_from_spec(read_spec(spec_path), table, source=str(spec_path))


REGISTERED: dict[str, Callable[[], Dataset]] = {
    "gss2018": load_gss2018,
    "anes1996": load_anes1996,
}


def load_dataset(ref: str = DEFAULT_DATASET) -> Dataset:
    """A registered name, ``spec:PATH.yaml`` or ``atp:PATH.sav``."""
    if ref in REGISTERED:
        return REGISTERED[ref]()
    kind, _, path = ref.partition(":")
    if kind == "spec" and path:
        return load_spec(path)
    if kind == "atp" and path:
        return load_atp(path)
    raise ValueError(
        f"unknown dataset {ref!r}; use one of {sorted(REGISTERED)}, spec:PATH.yaml or atp:PATH.sav"
    )
