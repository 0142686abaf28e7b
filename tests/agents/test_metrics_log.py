"""The resumable metrics log shared by the GWIL and Adversarial Surprise trainers."""

from __future__ import annotations

import json

from bench.agents.metrics_log import MetricsLog


def _steps(path, key="global_step") -> list[int]:
    return [json.loads(line)[key] for line in path.read_text().splitlines()]


def test_resume_keeps_the_lines_up_to_the_checkpoint(tmp_path):
    path = tmp_path / "metrics.jsonl"
    with MetricsLog(path, resume_step=None) as log:
        for step in (10, 20, 20, 30, 40):
            log.write(step, {"charts/x": step / 10})
    with MetricsLog(path, resume_step=20) as log:  # the checkpoint was taken at step 20
        log.write(30, {"charts/x": 3.5})
    assert _steps(path) == [10, 20, 20, 30]
    assert json.loads(path.read_text().splitlines()[-1]) == {"global_step": 30, "charts/x": 3.5}


def test_a_fresh_run_starts_an_empty_log_and_keys_come_first(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"iteration": 7}\n')  # a previous run's file, no checkpoint
    with MetricsLog(path, resume_step=None, step_key="iteration") as log:
        log.write(1, {"seed": 3, "global_step": 64})
    assert path.read_text() == '{"iteration": 1, "seed": 3, "global_step": 64}\n'


def test_a_line_cut_short_by_a_kill_is_dropped_on_resume(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"global_step": 5, "a": 1.0}\n{"global_step": 9, "a"')
    MetricsLog(path, resume_step=5).close()
    assert _steps(path) == [5]
