"""Reading a generated answer (an AI task's text or JSON object).

Like an intent reply, it is untrusted: a DATA answer must be one JSON object;
whether it fits the caller's schema is checked by the caller, which owns it.
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import InvalidOutputError
from ...types import AnswerKind


def data_from_text(text: str, answer: AnswerKind, *, provider: str) -> Any:
    """The text itself for a TEXT answer; the decoded object for a DATA answer."""
    if answer is AnswerKind.TEXT:
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidOutputError(
            f"{provider}: answer is not valid JSON ({err.msg})", provider=provider
        ) from None
    return data_from_object(value, provider=provider)


def data_from_object(value: Any, *, provider: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidOutputError(
            f"{provider}: answer is a JSON {type(value).__name__}, not an object",
            provider=provider,
        )
    return value
