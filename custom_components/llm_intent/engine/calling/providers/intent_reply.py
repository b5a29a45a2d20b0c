"""Reading the model's structured answer into an IntentReply.

Everything a provider hands back is untrusted: JSON cut off at the token
limit, a missing field or a wrong type becomes ``InvalidOutputError`` here, so
nothing downstream has to second-guess the shape. Whether the intent and slots
make sense for this home is checked later, against the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
import math
from typing import Any

from ...errors import InvalidOutputError
from ...language.plain_text import plain_text
from ...types import IntentReply


def _invalid(provider: str, why: str) -> InvalidOutputError:
    return InvalidOutputError(f"{provider}: {why}", provider=provider)


def intent_from_text(text: str | None, *, provider: str) -> IntentReply:
    """Parse a JSON object answer (OpenAI structured output)."""
    if not text or not text.strip():
        raise _invalid(provider, "empty answer")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise _invalid(provider, f"answer is not valid JSON ({err.msg})") from None
    return intent_from_object(value, provider=provider)


def intent_from_object(value: Any, *, provider: str) -> IntentReply:
    """Check the fields of a decoded answer (OpenAI JSON or Anthropic tool input)."""
    if not isinstance(value, Mapping):
        raise _invalid(provider, f"answer is a JSON {type(value).__name__}, not an object")
    intent = value.get("intent")
    if not isinstance(intent, str) or not intent.strip():
        raise _invalid(provider, "answer has no intent name")
    slots = value.get("slots")
    if slots is None:
        slots = {}
    if not isinstance(slots, Mapping):
        raise _invalid(provider, "slots is not an object")
    return IntentReply(
        intent=intent.strip(),
        slots=dict(slots),
        confidence=_confidence(value.get("confidence", 0.0), provider),
        clarify_question=_question(value.get("clarify_question"), provider),
    )


def _confidence(raw: Any, provider: str) -> float:
    # bool is an int subclass; "true" is not a confidence.
    if raw is None:
        return 0.0
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _invalid(provider, "confidence is not a number")
    value = float(raw)
    # 1e999 in JSON decodes to infinity; clamping it would turn garbage into certainty.
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise _invalid(provider, "confidence is not a number from 0 to 1")
    return value


def _question(raw: Any, provider: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise _invalid(provider, "clarify_question is not a string")
    # Spoken or shown to the user as it is: only plain text passes.
    return plain_text(raw) or None
