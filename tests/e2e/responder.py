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
    "zapal mi proszę bardzo powoli lampkę nocną": _intent("HassTurnOn", name="Lampka nocna"),
    "zgaś mi proszę szybciutko lampkę nocną": _intent("HassTurnOff", name="Lampka nocna"),
}
# Commands the model answers only after this many seconds: longer than a hasty client waits.
SLOW: dict[str, float] = {"zapal mi proszę bardzo powoli lampkę nocną": 1.5}
UNCLEAR = _intent("unclear", confidence=0.2)

# An AI task's answer reports a fixed usage, so its cost is known exactly:
# 20,000 × $0.15/M + 500 × $0.60/M = $0.0033 with gpt-4o-mini.
TASK_INPUT_TOKENS = 20_000
TASK_OUTPUT_TOKENS = 500
TASK_TEXT = "Pranie w poniedziałek"


def task_schema_of(request: RecordedRequest) -> dict[str, Any] | None:
    """The schema of an AI task's structured answer (not an intent envelope), if it is one."""
    body = request.body if isinstance(request.body, dict) else {}
    wanted = (body.get("response_format") or {}).get("json_schema") or {}
    if wanted.get("name") != "data":
        return None
    schema = wanted.get("schema")
    return schema if isinstance(schema, dict) else {}


def _filled(schema: dict[str, Any]) -> dict[str, Any]:
    """An object following ``schema``: what a model that does as it is told answers."""
    samples: dict[str, Any] = {"string": TASK_TEXT, "number": 45, "integer": 45, "boolean": True}
    return {
        name: samples.get(str(spec.get("type")), TASK_TEXT)
        for name, spec in (schema.get("properties") or {}).items()
    }


def command_of(request: RecordedRequest) -> str:
    """The user's command inside the prompt (the text after its last ``COMMAND:``)."""
    body = request.body if isinstance(request.body, dict) else {}
    text = ""
    for message in body.get("messages", []) or body.get("input", []) or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str) and "COMMAND:" in content:
            text = content.rsplit("COMMAND:", 1)[1].strip()
    return text


def _record(request: RecordedRequest, command: str, *, task: bool = False) -> None:
    target = os.environ.get(REQUEST_LOG_ENV)
    if not target:
        return
    entry: dict[str, Any] = {"path": request.path, "command": command}
    if task:
        entry["task"] = True
    line = json.dumps(entry, ensure_ascii=False)
    with Path(target).open("a", encoding="utf-8") as log:
        log.write(line + "\n")


def brain(request: RecordedRequest) -> Reply:
    if (schema := task_schema_of(request)) is not None:
        _record(request, "", task=True)
        return Reply(
            content=_filled(schema),
            input_tokens=TASK_INPUT_TOKENS,
            output_tokens=TASK_OUTPUT_TOKENS,
        )
    command = command_of(request)
    _record(request, command)
    if request.wants_structure:
        return Reply(content=ANSWERS.get(command, UNCLEAR), latency=SLOW.get(command, 0.0))
    return Reply(content="OK.")


def logged_requests(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def recognition_requests(log: Path) -> list[dict[str, Any]]:
    """The recognition calls the fake provider has answered so far (AI tasks are not)."""
    return [e for e in logged_requests(log) if e["path"] in RECOGNITION_PATHS and not e.get("task")]


def task_requests(log: Path) -> list[dict[str, Any]]:
    """The AI task calls the fake provider has answered so far."""
    return [e for e in logged_requests(log) if e.get("task")]
