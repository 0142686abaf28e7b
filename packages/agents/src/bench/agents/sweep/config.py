"""A sweep's configuration: methods x envs x budgets x seeds of one ``bench agents ... run``.

::

    command: surprise              # bench agents surprise run ...
    out: runs/sweep                # each run writes OUT/<method>/<env>/budget-<b>/seed-<s>
    methods: [adversarial, random]
    envs: [noisy-dark-3x3]
    budgets: [4096, 8192]          # surprise/gwil: --steps; search: --seconds-per-move
    seeds: [0, 1, 2]
    options: {num-envs: 4, progress: false}   # every run: --num-envs 4 --no-progress
    resources: {cpus: 1, gpus: 0}             # what each run reserves on Ray (and its threads)
    metric: coverage/cells_total              # gathered from each run's metrics.jsonl

An axis left out (or empty) is not passed, so the run command's default applies. ``flags``
renames the option an axis sets (``flags: {budget: --iterations-per-move}``). The file is
read with ``yaml.safe_load``: it holds data, never code.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# The option each axis sets, per command group (the groups' `run` commands).
AXIS_FLAGS: dict[str, dict[str, str]] = {
    "surprise": {"method": "--method", "env": "--env", "budget": "--steps", "seed": "--seeds"},
    "gwil": {"method": "--method", "env": "--domain", "budget": "--steps", "seed": "--seed"},
    "search": {
        "method": "--method",
        "env": "--env",
        "budget": "--seconds-per-move",
        "seed": "--seed",
    },
}
AXES = ("method", "env", "budget", "seed")
KEYS = {"command", "out", "methods", "envs", "budgets", "seeds", "options", "resources"}
KEYS |= {"metric", "flags"}


AxisValue = str | int | float | bool | None  # a YAML scalar: a method, env, budget or seed


@dataclass(frozen=True)
class Run:
    """One run of the sweep: its axis values, its directory and its arguments after
    ``bench agents``."""

    method: AxisValue
    env: AxisValue
    budget: AxisValue
    seed: AxisValue
    out: Path
    argv: tuple[str, ...]


@dataclass(frozen=True)
class SweepConfig:
    command: str
    out: Path
    metric: str
    methods: tuple[AxisValue, ...] = ()
    envs: tuple[AxisValue, ...] = ()
    budgets: tuple[AxisValue, ...] = ()
    seeds: tuple[AxisValue, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    cpus: float = 1.0
    gpus: float = 0.0
    flags: dict[str, str] = field(default_factory=dict)

    def runs(self) -> list[Run]:
        """Every combination of the axes, methods outermost and seeds innermost."""
        flags = {**AXIS_FLAGS[self.command], **self.flags}
        axes = [self.methods, self.envs, self.budgets, self.seeds]
        runs = []
        for values in itertools.product(*[axis or (None,) for axis in axes]):
            named = dict(zip(AXES, values))
            parts = [
                f"{a}-{_slug(v)}" if a in ("budget", "seed") else _slug(v)
                for a, v in named.items()
                if v is not None
            ]
            out = self.out.joinpath(*parts) if parts else self.out
            argv = [self.command, "run"]
            for axis, value in named.items():
                if value is not None:
                    argv += [flags[axis], str(value)]
            argv += [*option_args(self.options), "--out", str(out)]
            runs.append(Run(**named, out=out, argv=tuple(argv)))
        return runs


def _slug(value: AxisValue) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", str(value))


def option_args(options: dict[str, Any]) -> list[str]:
    """``{num-envs: 4, progress: false, x: [1, 2]}`` -> ``--num-envs 4 --no-progress --x 1 --x 2``."""
    argv: list[str] = []
    for name, value in options.items():
        flag = "--" + str(name).lstrip("-")
        if value is True:
            argv.append(flag)
        elif value is False:
            argv.append("--no-" + flag[2:])
        elif isinstance(value, list):
            for item in value:
                argv += [flag, str(item)]
        elif value is not None:
            argv += [flag, str(value)]
    return argv


def _axis(data: dict[str, Any], key: str, path: Path) -> tuple[AxisValue, ...]:
    value = data.get(key) or []
    if not isinstance(value, list):
        value = [value]
    if len(set(map(str, value))) != len(value):
        raise ValueError(f"{path}: '{key}' repeats a value; list each once")
    return tuple(value)


def load_sweep(path: str | Path, *, out: str | Path | None = None) -> SweepConfig:
    """Read a sweep file; a mistake is a ValueError naming the file, the key and the fix."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read the sweep file ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a sweep file is a mapping (command:, methods:, seeds: ...)")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {unknown}; known: {sorted(KEYS)}")
    command = data.get("command")
    if command not in AXIS_FLAGS:
        raise ValueError(f"{path}: 'command' is {command!r}; use one of {sorted(AXIS_FLAGS)}")
    out = out if out is not None else data.get("out")
    if out is None:
        raise ValueError(f"{path}: no 'out' directory; add out: DIR or pass --out DIR")
    resources = data.get("resources") or {}
    flags = data.get("flags") or {}
    options = data.get("options") or {}
    if not isinstance(resources, dict) or set(resources) - {"cpus", "gpus"}:
        raise ValueError(f"{path}: 'resources' takes cpus: N and gpus: M")
    if not isinstance(flags, dict) or set(flags) - set(AXES):
        raise ValueError(f"{path}: 'flags' maps axes {list(AXES)} to option names")
    if not isinstance(options, dict):
        raise ValueError(f"{path}: 'options' is a mapping of option name to value")
    if "out" in {str(k).lstrip("-") for k in options}:
        raise ValueError(f"{path}: 'options' sets --out; each run's directory comes from 'out'")
    config = SweepConfig(
        command=command,
        out=Path(out).resolve(),  # the runs may start in another working directory
        metric=str(data.get("metric") or ""),
        methods=_axis(data, "methods", path),
        envs=_axis(data, "envs", path),
        budgets=_axis(data, "budgets", path),
        seeds=_axis(data, "seeds", path),
        options=options,
        cpus=float(resources.get("cpus", 1)),
        gpus=float(resources.get("gpus", 0)),
        flags={k: str(v) for k, v in flags.items()},
    )
    if not config.metric:
        raise ValueError(f"{path}: no 'metric'; name the metrics.jsonl key to gather")
    if config.cpus < 1 or config.gpus < 0:
        raise ValueError(f"{path}: resources need cpus >= 1 and gpus >= 0")
    return config
