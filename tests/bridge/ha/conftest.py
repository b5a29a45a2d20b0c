"""The Polish home of the HA harness tests, for the bridge's Home Assistant test."""

from __future__ import annotations

from ...ha.conftest import (  # noqa: F401  (fixtures, found by name)
    auto_enable_custom_integrations,
    local_entry,
    polish_home,
)
