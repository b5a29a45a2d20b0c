"""pytest wiring for ``ha_worker.py``: the same environment the HA tests get.

Importing ``tests.conftest`` seeds tiktoken's offline encodings and brings the
per-test Home Assistant config folder, so the integration's ledger never
lands in the harness's shared testing config.
"""

from __future__ import annotations

import pytest

from tests.conftest import hass_config_dir  # noqa: F401


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    return None
