"""Shared pytest set-up: keep every library to the free cores, give the fast tier a short
per-test timeout (a test that needs more is marked slow), skip GPU tests without a GPU."""

from __future__ import annotations

import os
import shutil

import pytest

# Oversubscribed BLAS/OpenMP threads slow everything many times over on two cores.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


def _has_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None


# The fast tier's budget per test: a test that needs longer belongs in the slow tier.
FAST_TIMEOUT_S = 60


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "slow" not in item.keywords and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(FAST_TIMEOUT_S))
    if _has_gpu():
        return
    skip_gpu = pytest.mark.skip(reason="needs a CUDA GPU (vLLM); none on this machine")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)


class BenchRun:
    """What one ``bench`` process did: exit status, stdout, stderr, seconds."""

    def __init__(self, returncode: int, stdout: str, stderr: str, seconds: float):
        self.returncode, self.stdout, self.stderr, self.seconds = (
            returncode,
            stdout,
            stderr,
            seconds,
        )

    def assert_one_line_error(self, *fragments: str) -> str:
        """Exit status 2, no traceback, and exactly one error line naming ``fragments``.

        The error line is ``bench: error: ...`` (the host's handler) or click's
        ``Error: ...`` (a usage error, after its Usage/Try lines)."""
        assert self.returncode == 2, (self.returncode, self.stderr[-3000:])
        assert "Traceback" not in self.stderr + self.stdout, self.stderr[-3000:]
        errors = [
            line
            for line in self.stderr.splitlines()
            if line.startswith(("bench: error:", "Error:"))
        ]
        assert len(errors) == 1, self.stderr[-3000:]
        for fragment in fragments:
            assert fragment in errors[0], (fragment, errors[0])
        return errors[0]


@pytest.fixture
def run_bench(tmp_path):
    """Run ``bench ARGS`` with its own cache dir: in this process through click's test
    runner (fast: the libraries are imported once), or with ``process=True`` as the
    installed command in a subprocess (the real entry point; ``timeout`` bounds it)."""
    import subprocess
    import sys
    import time
    import traceback
    from pathlib import Path

    from click.testing import CliRunner

    from bench.common import cli

    bench = Path(sys.executable).with_name("bench")

    def run(
        *args: str,
        timeout: float = 300,
        env: dict[str, str] | None = None,
        process: bool = False,
    ) -> BenchRun:
        overrides = {"BENCH_CACHE": str(tmp_path / "cache"), "BENCH_DEBUG": None, **(env or {})}
        started = time.monotonic()
        if not process:
            result = CliRunner().invoke(cli.bench, list(args), env=overrides)
            stderr = result.stderr
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                stderr += "".join(traceback.format_exception(result.exception))
            return BenchRun(result.exit_code, result.stdout, stderr, time.monotonic() - started)
        full_env = {k: v for k, v in os.environ.items() if k != "BENCH_DEBUG"}
        full_env.update({k: v for k, v in overrides.items() if v is not None})
        done = subprocess.run(
            [str(bench), *args], capture_output=True, text=True, timeout=timeout, env=full_env
        )
        return BenchRun(done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    return run


@pytest.fixture(scope="module")
def ray_instance(tmp_path_factory):
    """A real local Ray instance with 2 CPUs and a small object store, for one test module;
    its files under the test's temporary directory, no dashboard, no worker logs."""
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=100 * 1024**2,
        _temp_dir=str(tmp_path_factory.mktemp("ray")),
    )
    yield ray
    ray.shutdown()
