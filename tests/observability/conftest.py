"""Observability tests reuse the Polish home of tests/ha and add an OTLP trace receiver."""

from __future__ import annotations

from ..ha.conftest import (  # noqa: F401
    correct_model,
    polish_home,
)
from .otlp_receiver import otlp_receiver  # noqa: F401
