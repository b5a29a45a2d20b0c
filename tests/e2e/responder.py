"""The fake provider's brain for the browser tests: a model that understands a few commands.

Loaded by ``python -m tests.fake_provider --handler tests.e2e.responder:brain``.
Every request it sees is appended as one JSON line to the file named by
``LLM_INTENT_E2E_REQUEST_LOG``, so the test can tell whether a command reached
the model at all (rejected keys never reach a handler and are not logged).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..fake_provider import RecordedRequest, Reply

REQUEST_LOG_ENV = "LLM_INTENT_E2E_REQUEST_LOG"
RECOGNITION_PATHS = ("/v1/chat/completions", "/v1/responses")


def _intent(intent: str, confidence: float = 0.95, **slots: Any) -> dict[str, Any]:
    return {"intent": intent, "slots": slots, "confidence": confidence, "clarify_question": None}


# What a correct model answers; the wordy phrasings are ones no local matcher is sure of.
ANSWERS: dict[str, dict[str, Any]] = {
    "włącz światło w kuchni": _intent("HassTurnOn", area="Kuchnia", domain="light"),
    "zgaś mi szybciutko światło w kuchni": _intent("HassTurnOff", area="Kuchnia", domain="light"),
    "włącz mi szybciutko światło w kuchni": _intent("HassTurnOn", area="Kuchnia", domain="light"),
    "włącz światło w salonie": _intent("HassTurnOn", area="Salon", domain="light"),
    "zapal mi proszę szybciutko lampkę nocną": _intent("HassTurnOn", name="Lampka nocna"),
}
UNCLEAR = _intent("unclear", confidence=0.2)


def command_of(request: RecordedRequest) -> str:
    """The user's command inside the prompt (the text after its last ``COMMAND:``)."""
    body = request.body if isinstance(request.body, dict) else {}
    text = ""
    for message in body.get("messages", []) or body.get("input", []) or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str) and "COMMAND:" in content:
            text = content.rsplit("COMMAND:", 1)[1].strip()
    return text


def _record(request: RecordedRequest, command: str) -> None:
    target = os.environ.get(REQUEST_LOG_ENV)
    if not target:
        return
    line = json.dumps({"path": request.path, "command": command}, ensure_ascii=False)
    with Path(target).open("a", encoding="utf-8") as log:
        log.write(line + "\n")


def brain(request: RecordedRequest) -> Reply:
    command = command_of(request)
    _record(request, command)
    if request.wants_structure:
        return Reply(content=ANSWERS.get(command, UNCLEAR))
    return Reply(content="OK.")


def recognition_requests(log: Path) -> list[dict[str, Any]]:
    """The recognition calls the fake provider has answered so far."""
    if not log.exists():
        return []
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    return [e for e in entries if e["path"] in RECOGNITION_PATHS]
