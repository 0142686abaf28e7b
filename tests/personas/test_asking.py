"""The ask-every-unit loop (journaled chunks) and the grouped click options of the commands.

Both are plumbing around the model, so ``ask`` here is a recording callable: what is
checked is which units a chunk asks, in which order, and what a resumed journal spares.
"""

from __future__ import annotations

from dataclasses import dataclass

import click
from click.testing import CliRunner

from bench.personas.asking import ask_in_chunks
from bench.personas.commands.options import grouped
from bench.personas.journal import Journal

KEYS = ["a", "b", "c", "d", "e"]


def _recording(calls: list[list[int]]):
    def ask(todo: list[int]) -> list[list[list[object]]]:
        calls.append(todo)
        return [[[[float(i)], 0.0]] for i in todo]

    return ask


def test_a_chunk_asks_only_the_units_its_journal_lacks(tmp_path):
    journal = Journal(tmp_path / "x.partial.jsonl")
    journal.add("b", [[[9.0], 0.5]])
    journal.add("e", [[[8.0], 0.5]])
    calls: list[list[int]] = []
    answers = ask_in_chunks(KEYS, _recording(calls), journal, batch_size=2, desc="", progress=False)
    # Chunks {a, b}, {c, d}, {e}: b and e were journaled, so the last chunk asks nothing.
    assert calls == [[0], [2, 3]]
    assert answers == [
        [[[0.0], 0.0]],
        [[[9.0], 0.5]],
        [[[2.0], 0.0]],
        [[[3.0], 0.0]],
        [[[8.0], 0.5]],
    ]


def test_a_resumed_journal_asks_nothing_and_gives_the_same_answers(tmp_path):
    path = tmp_path / "x.partial.jsonl"
    first = ask_in_chunks(
        KEYS, _recording([]), Journal(path), batch_size=2, desc="", progress=False
    )
    calls: list[list[int]] = []
    again = ask_in_chunks(
        KEYS, _recording(calls), Journal(path), batch_size=2, desc="", progress=False
    )
    assert calls == [] and again == first


@dataclass(frozen=True)
class _Pair:
    x: int
    y: str


def test_grouped_options_reach_the_command_as_one_record_and_keep_their_help_order():
    seen: list[object] = []

    @click.command()
    @click.option("--first", default=1)
    @grouped("pair", _Pair, click.option("--x", default=2), click.option("--y", default="b"))
    @click.option("--last", default=3)
    def command(first: int, pair: _Pair, last: int) -> None:
        seen.append((first, pair, last))

    result = CliRunner().invoke(command, ["--x", "5", "--last", "4"])
    assert result.exit_code == 0, result.output
    assert seen == [(1, _Pair(5, "b"), 4)]
    help_text = CliRunner().invoke(command, ["--help"]).output
    order = [help_text.index(f"--{name}") for name in ("first", "x", "y", "last")]
    assert order == sorted(order)
