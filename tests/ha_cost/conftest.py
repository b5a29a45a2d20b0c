"""Cost and resilience tests reuse the Polish home of tests/ha."""

from __future__ import annotations

from ..ha.conftest import (  # noqa: F401
    auto_enable_custom_integrations,
    correct_model,
    polish_home,
)
