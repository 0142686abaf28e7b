"""The `bench` host: version, help, groups found through entry points, install hints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from bench.common import cli
from bench.common.lazy_group import LazyGroup

BENCH = Path(sys.executable).with_name("bench")


def test_version_matches_distribution():
    from importlib.metadata import version

    result = subprocess.run([BENCH, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"bench, version {version('bench-common')}"


def test_help_lists_installed_groups():
    result = CliRunner().invoke(cli.bench, ["--help"])
    assert result.exit_code == 0, result.output
    assert "personas" in result.output and "agents" in result.output


def test_groups_come_from_entry_points():
    names = set(cli._installed_groups())
    assert {"personas", "agents"} <= names  # both are installed in the dev environment
    group = cli.bench.get_command(click.Context(cli.bench), "agents")
    assert isinstance(group, click.Group) and group.name == "agents"


def test_missing_group_prints_install_hint(monkeypatch):
    # Provoke the "not installed" path inside this environment, where both are installed;
    # tests/common/test_install_alone.py checks the same with real separate installs.
    monkeypatch.setattr(cli, "_installed_groups", lambda: {})
    result = CliRunner().invoke(cli.bench, ["personas", "run", "--whatever"])
    assert result.exit_code == 2
    assert "pip install bench-personas" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unknown_command_is_an_error():
    result = CliRunner().invoke(cli.bench, ["nonsense"])
    assert result.exit_code != 0
    assert "No such command" in result.output


def test_lazy_group_imports_on_demand():
    @click.group(cls=LazyGroup, lazy_subcommands={"hello": "bench.common.cli:bench"})
    def top():
        pass

    assert top.list_commands(click.Context(top)) == ["hello"]
    assert top.get_command(click.Context(top), "hello") is cli.bench


def test_lazy_group_rejects_non_commands():
    @click.group(cls=LazyGroup, lazy_subcommands={"bad": "bench.common.cli:KNOWN_GROUPS"})
    def top():
        pass

    result = CliRunner().invoke(top, ["bad"])
    assert isinstance(result.exception, TypeError)
