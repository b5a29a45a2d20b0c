"""Observability tests: the Polish home of tests/ha, each test with its own config folder.

A fresh folder per test keeps the ledger (which the metrics are checked
against and seeded from) free of rows written by other tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..ha.conftest import (  # noqa: F401
    correct_model,
    polish_home,
)
from .otlp_receiver import otlp_receiver  # noqa: F401


@pytest.fixture
def hass_config_dir(tmp_path: Path) -> str:
    config = tmp_path / "config"
    config.mkdir()
    return str(config)
