"""The resume journal: finished items survive, a cut line is redone, other settings are discarded."""

from __future__ import annotations

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
