"""Fixtures shared by the agents tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from bench.agents.rl.dqn import QNetwork
from bench.agents.search.blueprint import load_blueprint, train_blueprint


@pytest.fixture(scope="session")
def trained_blueprint(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., QNetwork]:
    """``make(env, steps, seed=...)``: a DQN blueprint trained for ``steps`` agent steps on
    ``env``, saved to a temporary checkpoint and loaded back as the CLI would load it."""

    def make(env: str, steps: int, *, seed: int) -> QNetwork:
        torch.set_num_threads(1)
        path = tmp_path_factory.mktemp(env) / "blueprint.pt"
        train_blueprint(env, steps, path, seed=seed)
        return load_blueprint(str(path), env, seed=0)

    return make
