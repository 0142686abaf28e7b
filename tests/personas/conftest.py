"""Set-up shared by the personas tests: the embedded model, and gss2018's spec cut small."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from bench.common.inference import Model, load_model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Model]:
    """The embedded SmolLM2-135M with its own inference cache (no answer reused across
    test modules)."""
    lm = load_model("embedded", seed=0, cache_dir=tmp_path_factory.mktemp("cache"), progress=False)
    yield lm
    lm.close()


@pytest.fixture(scope="session")
def cut_gss2018_spec(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., Path]:
    """``cut(traits, questions, baseline_traits=True)``: gss2018's own spec over the bundled
    table, with only those traits and questions. ``baseline_traits`` False drops the
    spec's baseline list (the baselines then state every kept trait)."""

    def cut(
        traits: Sequence[str], questions: Sequence[str], *, baseline_traits: bool = True
    ) -> Path:
        data = Path(str(files("bench.personas").joinpath("data")))
        spec = yaml.safe_load((data / "gss2018.yaml").read_text())
        spec["name"] = "gss2018-small"
        spec["table"] = str(data / "gss2018.parquet")
        spec["demographics"] = {k: v for k, v in spec["demographics"].items() if k in traits}
        if baseline_traits:
            spec["baseline_traits"] = [t for t in spec["baseline_traits"] if t in traits]
        else:
            spec.pop("baseline_traits", None)
        spec["questions"] = [q for q in spec["questions"] if q["id"] in questions]
        path = tmp_path_factory.mktemp("spec") / "gss2018-small.yaml"
        path.write_text(yaml.safe_dump(spec))
        return path

    return cut


@pytest.fixture(scope="session")
def small_run_command() -> Callable[..., list[str]]:
    """``command(spec, out, *extra)``: the argv of ``bench personas run`` at the pipeline
    tests' size (5 personas, 4 humans, 24-token backstories, 3 split-halves, seed 5) on a
    ``spec:`` dataset, into ``out``; ``extra`` options are appended."""

    def command(spec: Path, out: Path, *extra: str) -> list[str]:
        size = ["-n", "5", "--humans", "4", "--max-tokens", "24", "--min-words", "3"]
        return [
            *(sys.executable, "-m", "bench.common.cli", "personas", "run"),
            *("--dataset", f"spec:{spec}", *size, "--splits", "3", "--seed", "5"),
            *("--out", str(out), *extra),
        ]

    return command
