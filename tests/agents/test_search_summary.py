import numpy as np
import pandas as pd

from bench.agents.search.play import summarize


def _rows(method: str, spm: float, scores: list[float], games: list[int]) -> list[dict]:
    return [
        {"env": "hanabi", "method": method, "seconds_per_move": spm, "game": g, "seed": g,
         "score": s, "perfect": float(s == 25), "moves": 10, "wall_s": 1.0}
        for g, s in zip(games, scores)
    ]  # fmt: skip


def test_paired_difference_to_the_blueprint_by_hand():
    rows = _rows("blueprint", 0.0, [1, 2, 3, 25], [0, 1, 2, 3])
    rows += _rows("sparta", 0.1, [2, 2, 5], [0, 1, 2])  # game 3 not played: not paired
    table = summarize(pd.DataFrame(rows)).set_index("method")
    sparta = table.loc["sparta"]
    # differences 1, 0, 2: mean 1, s = 1, t_{0.975, 2} / sqrt(3)
    assert sparta["vs_blueprint"] == 1.0 and sparta["paired_games"] == 3
    assert np.isclose(sparta["vs_blueprint_ci95"], 4.302653 / np.sqrt(3), atol=1e-6)
    assert np.isnan(table.loc["blueprint", "vs_blueprint"])
    assert table.loc["blueprint", "perfect_rate"] == 0.25
