"""Run records: the JSON sidecar written beside every result a command produces.

A record holds what is needed to trust and repeat a result: the command line, the
config, the seed, the versions of the packages involved, the identity of the model or
environment, the start and end time, and resource accounting (tokens, seconds). It is
written when the run starts (``status: "running"``) and rewritten when it ends, so a
killed run still leaves a record saying how far it got.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import socket
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench.common.atomic import atomic_write_text
from bench.common.machine import machine_description

# Distributions whose versions go into every record when installed.
TRACKED_DISTRIBUTIONS = (
    "bench-common",
    "bench-personas",
    "bench-agents",
    "numpy",
    "scipy",
    "pandas",
    "pot",
    "torch",
    "jax",
    "llama-cpp-python",
    "transformers",
    "vllm",
    "gymnasium",
    "ale-py",
    "open_spiel",
    "minigrid",
    "mujoco",
)

SIDECAR_SUFFIX = ".run.json"


def package_versions(names: tuple[str, ...] = TRACKED_DISTRIBUTIONS) -> dict[str, str]:
    """Installed versions of the named distributions; absent ones are left out."""
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def sidecar_path(out: str | os.PathLike) -> Path:
    """Where the record of a result lives: ``DIR/run.json`` for a directory, else ``FILE.run.json``."""
    out = Path(out)
    if out.is_dir() or out.suffix == "":
        return out / "run.json"
    return out.with_name(out.name + SIDECAR_SUFFIX)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def jsonable(value: Any) -> Any:
    """``value`` as JSON: dataclasses and mappings as objects, sequences as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return _json_scalar(value)


def _json_scalar(value: object) -> object:
    """A path as its string, a numpy scalar as its Python value, anything else unknown as its repr."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    item = getattr(value, "item", None)
    if callable(item):  # numpy scalars
        return item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def _host() -> dict[str, Any]:
    """Where the run ran: the CPU and its instruction sets change sampled results."""
    return {
        "hostname": socket.gethostname(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": str(os.cpu_count()),
        **machine_description(),
    }


@dataclass
class RunRecord:
    """What produced a result. Serialised as the JSON sidecar (see :func:`sidecar_path`)."""

    command: list[str]
    config: dict[str, Any]
    seed: int | None
    identity: dict[str, Any] = field(default_factory=dict)  # model spec + file hash, env id, ...
    versions: dict[str, str] = field(default_factory=package_versions)
    started_at: str = field(default_factory=_now)
    ended_at: str | None = None
    status: str = "running"  # running | ok | failed
    error: str | None = None
    usage: dict[str, float] = field(default_factory=dict)  # tokens, seconds, env steps ...
    host: dict[str, Any] = field(default_factory=lambda: _host())

    def add_usage(self, **amounts: float) -> None:
        """Accumulate resource counters (``prompt_tokens=..., seconds=...``)."""
        for key, amount in amounts.items():
            self.usage[key] = self.usage.get(key, 0) + amount

    def to_dict(self) -> dict[str, Any]:
        return jsonable(dataclasses.asdict(self))

    def write(self, path: str | os.PathLike) -> Path:
        """Write atomically (:mod:`bench.common.atomic`): a crash never leaves half a record."""
        return atomic_write_text(path, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: str | os.PathLike) -> RunRecord:
        """The record in ``path``; ValueError naming the file when it is not one (damaged)."""
        try:
            data = json.loads(Path(path).read_text())
            names = {f.name for f in dataclasses.fields(cls)}
            return cls(**{k: v for k, v in data.items() if k in names})
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"{path} is not a run record ({type(exc).__name__}: {exc}); it is damaged: "
                "delete it (and the results beside it) or pass a new --out"
            ) from None


def changed_settings(
    out: str | os.PathLike,
    config: Any,
    *,
    seed: int | None,
    identity: Mapping[str, Any],
    may_change: tuple[str, ...] = (),
) -> list[str]:
    """What a run about to write to ``out`` would change in the run recorded there: the
    config keys (``may_change`` aside; a nested setting by its dotted path, as
    ``reward.scale``), ``seed`` and the identity keys whose values differ, sorted; [] when
    ``out`` has no record. A run that resumes another must change nothing it was computed
    from. ValueError (naming the file) when the record is damaged."""
    path = sidecar_path(out)
    if not path.exists():
        return []
    before = RunRecord.read(path)
    was, now = flat_settings(before.config), flat_settings(jsonable(config))
    changed = {k for k in was.keys() | now.keys() if was.get(k) != now.get(k)} - set(may_change)
    changed |= {k for k, v in jsonable(identity).items() if before.identity.get(k) != v}
    if before.seed != seed:
        changed.add("seed")
    return sorted(changed)


def flat_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON config's settings by dotted path: {"reward": {"scale": "each"}} gives
    {"reward.scale": "each"}."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict) and value:
            flat.update({f"{key}.{k}": v for k, v in flat_settings(value).items()})
        else:
            flat[key] = value
    return flat


@contextmanager
def record_run(
    out: str | os.PathLike,
    config: Any,
    *,
    seed: int | None,
    identity: Mapping[str, Any] | None = None,
    command: list[str] | None = None,
) -> Iterator[RunRecord]:
    """Write a run record beside ``out`` for the duration of a run.

    The record is written at the start (status ``running``) and at the end (``ok`` or
    ``failed`` with the error), including when the body raises.
    """
    record = RunRecord(
        command=list(command if command is not None else sys.argv),
        config=jsonable(config) if config is not None else {},
        seed=seed,
        identity=dict(identity or {}),
    )
    path = sidecar_path(out)
    record.write(path)
    try:
        yield record
    except BaseException as exc:
        record.status = "failed"
        record.error = f"{type(exc).__name__}: {exc}"
        raise
    else:
        record.status = "ok"
    finally:
        record.ended_at = _now()
        record.write(path)
