"""Where a long command's work runs: in this process, or on a Ray cluster.

``--executor local`` (the default) runs everything in this process. ``--executor ray``
starts a Ray instance on this machine (or uses the one this process has already joined);
``--executor ray=ADDRESS`` joins a running cluster (``ray.init(address=ADDRESS)``:
``auto``, ``HOST:PORT`` of the head node, or ``ray://HOST:10001``). What goes to Ray depends
on the command: model stages are answered by ``--replicas`` copies of the model, each a
Ray actor holding one loaded model (:mod:`bench.common.inference.replicas`); ``bench
agents sweep`` runs each of its runs as a Ray task. The driver (this process) keeps
writing the journals, the inference cache and the output files, so a run is resumable on
either executor, and the results do not depend on it.

Ray is an optional extra (``pip install 'bench-common[ray]'``): nothing imports it until a
command runs with ``--executor ray``, so ``bench --help`` stays fast.

The executor is chosen once, at the CLI boundary: :func:`executor_options` adds the options
to a click command and makes the chosen executor current while the command runs; code that
builds a model calls :func:`load_model` here, which asks the current executor.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import click

RAY_HINT = "pip install 'bench-common[ray]' (Ray 2.x)"
EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class Executor:
    """``kind`` local or ray; for ray, ``address`` None starts a local instance, and each
    of the ``replicas`` model copies reserves ``cpus`` CPUs (also its thread count) and
    ``gpus`` GPUs."""

    kind: str = "local"
    address: str | None = None
    replicas: int = 1
    cpus: float = 1.0
    gpus: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise ValueError(f"--executor {self.kind!r}: use local or ray[=ADDRESS]")
        if self.replicas < 1:
            raise ValueError(f"--replicas {self.replicas}: need at least one replica")
        if self.cpus < 1 or self.gpus < 0:
            raise ValueError(
                f"--resources-per-replica cpus={self.cpus:g},gpus={self.gpus:g}: a replica "
                "needs cpus >= 1 (its thread count) and gpus >= 0"
            )

    @property
    def threads(self) -> int:
        """Threads each replica's model runs with: its whole CPUs."""
        return int(self.cpus)


LOCAL = Executor()
_CURRENT: ContextVar[Executor] = ContextVar("bench_executor", default=LOCAL)
_ray_started_here = False  # whether this process started (and so must stop) Ray


def parse_executor(text: str) -> tuple[str, str | None]:
    """``local`` -> (local, None); ``ray`` -> (ray, None); ``ray=ADDRESS`` -> (ray, ADDRESS)."""
    kind, sep, address = text.strip().partition("=")
    if kind not in EXECUTORS or (kind == "local" and sep) or (sep and not address):
        raise ValueError(f"--executor {text!r}: use local, ray, or ray=ADDRESS (e.g. ray=auto)")
    return kind, address or None


def parse_resources(text: str) -> tuple[float, float]:
    """``cpus=N,gpus=M`` (either part may be left out) -> (cpus, gpus); default 1 CPU, 0 GPUs."""
    found = {"cpus": 1.0, "gpus": 0.0}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        try:
            if not sep or name.strip() not in found:
                raise ValueError
            found[name.strip()] = float(value)
        except ValueError:
            raise ValueError(
                f"--resources-per-replica {text!r}: write cpus=N,gpus=M, e.g. cpus=1 or cpus=8,gpus=1"
            ) from None
    return found["cpus"], found["gpus"]


def current_executor() -> Executor:
    """The executor the running command chose (local outside any command)."""
    return _CURRENT.get()


@contextmanager
def using(executor: Executor) -> Iterator[Executor]:
    """Make ``executor`` current; a Ray instance started meanwhile is shut down at the end."""
    global _ray_started_here
    token = _CURRENT.set(executor)
    started_before = _ray_started_here
    try:
        yield executor
    finally:
        _CURRENT.reset(token)
        if _ray_started_here and not started_before:
            import ray

            ray.shutdown()
            _ray_started_here = False


def executor_options(command: Callable[..., Any] | None = None, *, replicas: bool = True) -> Any:
    """Add ``--executor`` (and, unless ``replicas=False``, ``--replicas`` and
    ``--resources-per-replica``) to a click command; put it under ``@click.command``. The
    command body runs with the chosen executor current (:func:`current_executor`)."""
    if command is None:
        return functools.partial(executor_options, replicas=replicas)

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        executor_text: str,
        replicas: int = 1,
        resources_text: str = "cpus=1,gpus=0",
        **kwargs: Any,
    ) -> Any:
        try:
            kind, address = parse_executor(executor_text)
            cpus, gpus = parse_resources(resources_text)
            executor = Executor(kind, address, replicas, cpus, gpus)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        if kind == "ray" and importlib.util.find_spec("ray") is None:  # found, not imported
            raise click.UsageError(f"--executor {executor_text} needs Ray: {RAY_HINT}")
        with using(executor):
            return command(*args, **kwargs)

    decorated = wrapper
    if replicas:
        decorated = _RESOURCES_OPTION(_REPLICAS_OPTION(decorated))
    return _EXECUTOR_OPTION(decorated)


_EXECUTOR_OPTION = click.option(
    "--executor",
    "executor_text",
    default="local",
    show_default=True,
    help="Where the work runs: local (this process), ray (a Ray instance on this machine, "
    "or the one already joined) or ray=ADDRESS (a running Ray cluster, e.g. ray=auto).",
)
_REPLICAS_OPTION = click.option(
    "--replicas",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --executor ray: copies of the model, each a Ray actor; items are split across them.",
)
_RESOURCES_OPTION = click.option(
    "--resources-per-replica",
    "resources_text",
    default="cpus=1,gpus=0",
    show_default=True,
    help="With --executor ray: what each replica reserves, cpus=N,gpus=M; N is also its "
    "model's thread count.",
)


# -- Ray ---------------------------------------------------------------------------------
def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError(f"--executor ray needs Ray: {RAY_HINT}") from exc
    return ray


def connect(executor: Executor) -> Any:
    """The ``ray`` module, joined to the executor's cluster (started here when no address is
    given and this process has not joined one yet). An address that answers no Ray cluster
    is a ValueError (bad input), which commands report as a usage error."""
    global _ray_started_here
    ray = import_ray()
    if ray.is_initialized():
        return ray
    try:
        if executor.address is None:
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
            _ray_started_here = True
        else:
            ray.init(address=executor.address, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ValueError(
            f"--executor ray{'=' + executor.address if executor.address else ''}: Ray did not "
            f"start or connect ({exc}); check the address (`ray status` on the head node)"
        ) from exc
    return ray


def load_model(
    spec: str,
    *,
    seed: int = 0,
    progress: bool = True,
    cache_dir: str | os.PathLike | None = None,
) -> Any:
    """A :class:`bench.common.inference.Model` for ``spec`` on the current executor: loaded
    here (local), or answered by the executor's Ray replicas. Both give the same results."""
    executor = current_executor()
    if executor.kind == "local":
        from bench.common.inference import load_model as load_local

        return load_local(spec, seed=seed, progress=progress, cache_dir=cache_dir)
    from bench.common.inference.replicas import load_replicated_model

    connect(executor)
    return load_replicated_model(
        spec,
        seed=seed,
        replicas=executor.replicas,
        cpus=executor.cpus,
        gpus=executor.gpus,
        progress=progress,
        cache_dir=cache_dir,
    )
