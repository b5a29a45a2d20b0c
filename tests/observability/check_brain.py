"""The fake provider's brain for ``prometheus_check``: a model with failure modes by keyword.

Loaded by ``python -m tests.fake_provider --handler tests.observability.check_brain:brain``.
Requests made with ``PRIMARY_KEY`` come from the primary provider, others
from the secondary, so one server plays both.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..e2e.responder import command_of
from ..fake_provider import ErrorReply, RecordedRequest, Reply

PRIMARY_KEY = "sk-primary-check"
SECONDARY_KEY = "sk-secondary-check"
_flaked: Counter[str] = Counter()


def _intent(intent: str, confidence: float = 0.95, **slots: Any) -> dict[str, Any]:
    return {"intent": intent, "slots": slots, "confidence": confidence, "clarify_question": None}


def brain(request: RecordedRequest) -> Reply | ErrorReply:
    """``failover``: the primary answers 400; ``broken``: both do; ``flaky``: the
    primary's first try at each command is a 503; ``gibberish``: unclear;
    anything else: turn on the kitchen lights."""
    if not request.wants_structure:
        return Reply(content="OK.")
    command = command_of(request)
    primary = request.api_key == PRIMARY_KEY
    if "broken" in command or ("failover" in command and primary):
        return ErrorReply(400, message="unsupported request")
    if "flaky" in command and primary and not _flaked[command]:
        _flaked[command] += 1
        return ErrorReply(503, message="overloaded")
    if "gibberish" in command:
        return Reply(content=_intent("unclear", confidence=0.2))
    return Reply(content=_intent("HassTurnOn", name="Kitchen Lights"))
