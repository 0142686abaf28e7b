"""The executor setting: parsing, one-line errors, the option decorator, and Ray kept out of
``bench --help``. The Ray runs themselves are in test_executor_ray.py."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from bench.common import executor as executor_module
from bench.common.executor import (
    LOCAL,
    Executor,
    current_executor,
    executor_options,
    parse_executor,
    parse_resources,
)
from bench.common.inference.replicas import chunk_groups


def test_parse_executor():
    assert parse_executor("local") == ("local", None)
    assert parse_executor("ray") == ("ray", None)
    assert parse_executor("ray=auto") == ("ray", "auto")
    assert parse_executor("ray=10.0.0.5:6379") == ("ray", "10.0.0.5:6379")
    for bad in ("dask", "local=x", "ray=", ""):
        with pytest.raises(ValueError, match="--executor"):
            parse_executor(bad)


def test_parse_resources():
    assert parse_resources("cpus=1,gpus=0") == (1.0, 0.0)
    assert parse_resources("gpus=1") == (1.0, 1.0)
    assert parse_resources("cpus=8, gpus=0.5") == (8.0, 0.5)
    for bad in ("8", "cpu=2", "cpus=two"):
        with pytest.raises(ValueError, match="--resources-per-replica"):
            parse_resources(bad)
    with pytest.raises(ValueError, match="cpus >= 1"):
        Executor("ray", cpus=0.5)


def test_chunks_keep_groups_whole_and_cover_every_index():
    keys = ["a", "a", "a", "b", "b", "c", "d", "d", "d", "d"]
    chunks = chunk_groups(keys, 4)
    assert chunks == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]  # size ceil(10/4)=3, cut at changes
    assert chunk_groups(["x"] * 5, 3) == [[0, 1, 2, 3, 4]]  # one group is never cut
    assert chunk_groups(list("abcdef"), 3) == [[0, 1], [2, 3], [4, 5]]
    assert chunk_groups([], 3) == []


def _probe() -> click.Command:
    @click.command()
    @executor_options
    def probe() -> None:
        e = current_executor()
        click.echo(f"{e.kind} {e.address} {e.replicas} {e.cpus:g} {e.gpus:g}")

    return probe


def test_options_make_the_executor_current_for_the_command():
    result = CliRunner().invoke(_probe(), [])
    assert result.exit_code == 0 and result.output.strip() == "local None 1 1 0"
    args = ["--executor", "ray=auto", "--replicas", "3", "--resources-per-replica", "cpus=2,gpus=1"]
    result = CliRunner().invoke(_probe(), args)
    assert result.exit_code == 0 and result.output.strip() == "ray auto 3 2 1"
    assert current_executor() == LOCAL  # restored after the command


def test_bad_executor_is_a_one_line_usage_error():
    result = CliRunner().invoke(_probe(), ["--executor", "dask"])
    assert result.exit_code == 2
    assert "--executor 'dask': use local, ray, or ray=ADDRESS" in result.output
    assert "Traceback" not in result.output


def test_missing_ray_is_a_one_line_install_hint(monkeypatch):
    # Ray is installed here; hide it to provoke the message a user without the extra sees.
    real = importlib.util.find_spec
    monkeypatch.setattr(
        executor_module.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ray" else real(name, *a),
    )
    result = CliRunner().invoke(_probe(), ["--executor", "ray"])
    assert result.exit_code == 2
    assert "pip install 'bench-common[ray]'" in result.output


def test_help_does_not_import_ray():
    code = (
        "import sys\n"
        "from bench.common.cli import main\n"
        "for argv in (['--help'], ['personas', 'run', '--help'], ['agents', 'sweep', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('ray' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--executor" in done.stdout and "--replicas" in done.stdout  # the options are there
    assert done.stdout.strip().splitlines()[-1] == "False"
