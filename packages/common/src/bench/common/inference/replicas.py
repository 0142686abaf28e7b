"""Model replicas on Ray: N actors, each holding one loaded model of the same spec.

:class:`ReplicaPool` is a :class:`~bench.common.inference.backend.Backend` whose requests are
answered by the replicas, so the driver's :class:`~bench.common.inference.model.Model` does
what it does for a local backend: renders the prompts, derives every request's seed, looks
up and stores each finished item in the persistent cache (a killed run resumes), keeps the
usage counters and returns results in input order. A replica sees only the backend's
requests, which carry their own seeds, so a result depends neither on the replica that
computed it nor on the number of replicas.

Splitting. A batch is cut into chunks of whole groups of requests that share a prefix (a
backstory's questions, the samples of one prompt), so each replica evaluates a shared
context once, as a local model does. Chunks go to whichever replica is free (at most
``DEPTH`` queued on each, so a replica never waits for the driver), and each chunk's results
are yielded, and so stored, as soon as it returns.

Failures. A replica that dies (a crashed worker, a lost node, ``ray.kill``) is restarted by
Ray up to ``MAX_RESTARTS`` times and its queued calls retried; a replica that stays dead is
dropped and its chunks go to the others. Only when none is left does the call fail, and
then every item already returned is in the cache.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from bench.common.inference.backend import (
    Backend,
    Completion,
    CompletionRequest,
    LabelLogprobs,
    ScoreRequest,
)

# Chunks per replica and batch: enough to even out unequal items, few enough that the
# per-call overhead of Ray (about a millisecond) stays far below a chunk's model time.
CHUNKS_PER_REPLICA = 4
DEPTH = 2  # chunks queued on one replica: it starts the next while the driver reads one
MAX_RESTARTS = 2


class Replica:
    """The actor's body: one model loaded with ``threads`` threads, its cache off (the
    driver caches), answering lists of backend requests."""

    def __init__(self, spec: str, seed: int, threads: int):
        # The worker's thread cap follows the CPUs Ray reserved for it, not the driver's.
        os.environ["BENCH_THREADS"] = str(threads)
        from bench.common.inference.model import load_model

        self.model = load_model(
            spec, seed=seed, threads=threads, use_cache=False, prompt_format="raw", progress=False
        )

    def describe(self) -> tuple[dict[str, Any], Any]:
        """(backend identity, chat template or None): what the driver's Model needs."""
        backend = self.model.backend
        get_template = getattr(backend, "chat_template", None)
        return backend.identity(), get_template() if get_template is not None else None

    def complete(self, requests: list[CompletionRequest]) -> list[tuple[int, Completion]]:
        return list(self.model.backend.complete(requests))

    def score(self, requests: list[ScoreRequest]) -> list[tuple[int, LabelLogprobs]]:
        return list(self.model.backend.score(requests))


def chunk_groups(keys: Sequence[str], n_chunks: int) -> list[list[int]]:
    """Indices ``0..len(keys)-1`` cut into at most ``n_chunks`` runs of about equal size;
    a cut falls only where ``keys`` changes, so equal consecutive keys stay together."""
    if not keys:
        return []
    size = max(1, -(-len(keys) // max(1, n_chunks)))  # ceil
    chunks: list[list[int]] = [[0]]
    for i in range(1, len(keys)):
        if keys[i] != keys[i - 1] and len(chunks[-1]) >= size:
            chunks.append([])
        chunks[-1].append(i)
    return chunks


class ReplicaPool(Backend):
    """A backend answered by Ray actors that each hold the same model (module docstring)."""

    def __init__(self, actors: list[Any], ray: Any):
        self.ray = ray
        self.actors = list(actors)
        identities = ray.get([actor.describe.remote() for actor in self.actors])
        first = identities[0][0]
        if any(identity != first for identity, _ in identities):
            raise RuntimeError(
                "the Ray replicas loaded different model files; every node needs the same "
                "model file (compare the sha256 in each replica's identity)"
            )
        self._identity, self._template = identities[0]
        self.served = [0] * len(self.actors)  # requests each replica answered

    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    def chat_template(self) -> Any:
        return self._template

    def complete(self, requests: Sequence[CompletionRequest]) -> Iterator[tuple[int, Completion]]:
        return self._dispatch("complete", requests, [r.prompt for r in requests])

    def score(self, requests: Sequence[ScoreRequest]) -> Iterator[tuple[int, LabelLogprobs]]:
        return self._dispatch("score", requests, [r.prefix for r in requests])

    def _dispatch(self, method: str, requests: Sequence[Any], keys: list[str]) -> Iterator:
        ray = self.ray
        pending = deque(chunk_groups(keys, CHUNKS_PER_REPLICA * len(self.actors)))
        live = set(range(len(self.actors)))
        in_flight: dict[Any, tuple[int, list[int]]] = {}
        while pending or in_flight:
            for replica in sorted(live):
                queued = sum(1 for r, _ in in_flight.values() if r == replica)
                for _ in range(DEPTH - queued):
                    if not pending:
                        break
                    chunk = pending.popleft()
                    call = getattr(self.actors[replica], method)
                    in_flight[call.remote([requests[i] for i in chunk])] = (replica, chunk)
            (ready,), _ = ray.wait(list(in_flight), num_returns=1)
            replica, chunk = in_flight.pop(ready)
            try:
                results = ray.get(ready)
            except ray.exceptions.RayActorError:
                live.discard(replica)
                pending.appendleft(chunk)
                if not live:
                    raise RuntimeError(
                        f"every Ray model replica died; finished items are cached, so "
                        f"re-running the command resumes ({len(pending)} chunks left)"
                    ) from None
                continue
            self.served[replica] += len(results)
            for position, result in results:
                yield chunk[position], result

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []


def start_replicas(
    spec: str, *, seed: int, replicas: int, cpus: float, gpus: float, ray: Any
) -> ReplicaPool:
    """``replicas`` actors holding ``spec``, each reserving ``cpus`` CPUs and ``gpus`` GPUs."""
    have = ray.cluster_resources()
    for name, each in (("CPU", cpus), ("GPU", gpus)):
        if replicas * each > have.get(name, 0):
            raise ValueError(
                f"--replicas {replicas} x {each:g} {name}s per replica needs "
                f"{replicas * each:g} {name}s, but the Ray cluster has {have.get(name, 0):g}; "
                "lower --replicas or --resources-per-replica, or add nodes"
            )
    actor_class = ray.remote(Replica)
    # Named, so `ray list actors` shows which run a replica serves.
    pool_name = f"bench-replica-{uuid.uuid4().hex[:8]}"
    actors = [
        actor_class.options(
            name=f"{pool_name}-{i}",
            num_cpus=cpus,
            num_gpus=gpus,
            max_restarts=MAX_RESTARTS,
            max_task_retries=MAX_RESTARTS,
        ).remote(spec, seed, max(1, int(cpus)))
        for i in range(replicas)
    ]
    return ReplicaPool(actors, ray)


def load_replicated_model(
    spec: str,
    *,
    seed: int = 0,
    replicas: int,
    cpus: float = 1.0,
    gpus: float = 0.0,
    progress: bool = True,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    prompt_format: str = "auto",
) -> Any:
    """A :class:`~bench.common.inference.model.Model` whose backend is a :class:`ReplicaPool`
    (Ray must be initialised); same arguments and results as ``load_model``."""
    from bench.common.inference.model import model_from_backend
    from bench.common.inference.spec import parse_spec

    parsed = parse_spec(spec)
    import ray

    pool = start_replicas(spec, seed=seed, replicas=replicas, cpus=cpus, gpus=gpus, ray=ray)
    return model_from_backend(
        pool,
        spec=parsed,
        seed=seed,
        cache_dir=cache_dir,
        use_cache=use_cache,
        prompt_format=prompt_format,
        progress=progress,
    )
