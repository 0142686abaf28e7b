"""The resume journal: finished items survive, a cut line is redone, other settings are discarded."""

from __future__ import annotations

import pytest

from bench.personas.journal import Journal, journal_path


def test_journal_keeps_finished_items_across_reopening(tmp_path):
    path = journal_path(tmp_path / "answers.parquet")
    assert path.name == "answers.parquet.partial.jsonl"
    journal = Journal(path, config={"n": 4})
    journal.add("qa/1", [[0.5, 0.5], 0.1])
    journal.add("qa/2", [[0.2, 0.8], 0.0])
    journal.close()
    with path.open("a") as handle:  # a kill in the middle of writing a line
        handle.write('{"key": "qa/3", "val')
    reopened = Journal(path, config={"n": 4})
    assert reopened.done == {"qa/1": [[0.5, 0.5], 0.1], "qa/2": [[0.2, 0.8], 0.0]}
    assert "qa/3" not in reopened
    reopened.finish()
    assert not path.exists()


def test_journal_of_other_settings_is_discarded(tmp_path):
    path = tmp_path / "b.partial.jsonl"
    first = Journal(path, config={"max_tokens": 64})
    first.add("0/0", {"text": "I farm."})
    first.close()
    other = Journal(path, config={"max_tokens": 32})
    assert other.done == {} and not path.exists()
    same = Journal(path, config={"max_tokens": 64})
    assert same.done == {}  # the other settings' open removed the file


def test_journal_without_a_path_only_remembers_in_memory():
    journal = Journal(None)
    journal.add("k", 1)
    assert journal["k"] == 1
    journal.finish()


@pytest.mark.parametrize(
    "line",
    [
        '{"key": "qa/3"}',  # no value
        '{"key": ["qa", 3], "value": 1}',  # a key that is not a string
        "[1, 2]",  # JSON, but not a record
        '{"key": "qa/3", "value": 1, "extra": true}',
    ],
)
def test_a_journal_line_that_is_json_but_not_a_record_is_quarantined(tmp_path, capsys, line):
    path = journal_path(tmp_path / "answers.parquet")
    journal = Journal(path, config={"n": 4})
    journal.add("qa/1", [[0.5, 0.5], 0.1])
    journal.close()
    with path.open("a") as handle:
        handle.write(line + "\n")
    reopened = Journal(path, config={"n": 4})
    assert reopened.done == {} and reopened.loaded == 0  # recompute what it held
    damaged = path.with_name(path.name + ".damaged")
    assert damaged.exists() and not path.exists()
    assert "qa/1" in damaged.read_text()  # set aside, not deleted
    message = capsys.readouterr().err
    assert "line 3 is not a" in message and damaged.name in message
    reopened.add("qa/1", [[0.5, 0.5], 0.1])  # and the stage carries on with a fresh one
    reopened.close()
    assert Journal(path, config={"n": 4}).done == {"qa/1": [[0.5, 0.5], 0.1]}


def test_a_header_that_is_not_a_journal_header_is_quarantined(tmp_path, capsys):
    path = tmp_path / "b.partial.jsonl"
    path.write_text('{"fingerprint": 7}\n{"key": "0/0", "value": {"text": "x"}}\n')
    assert Journal(path, config={}).done == {}
    assert path.with_name(path.name + ".damaged").exists()
    assert "not a journal header" in capsys.readouterr().err
