"""A correct model for the fake provider: it answers each command with its label.

Two kinds of client ask it:

* LLM Intent sends one structured-output request per command (Chat
  Completions, or Anthropic Messages with a forced tool) whose user message
  ends in ``COMMAND: <text>``; the answer is the labelled intent and slots.
* Home Assistant's ``openai_conversation`` streams Responses API requests
  with the Assist API's tools. A correct model calls the tool that does the
  labelled action (``HassTurnOn`` with the right area...) and, once the tool
  result is in the input, says a short sentence: two round trips.

What it does not know it answers as an unsure model would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
from typing import Any

from tests.fake_provider import RecordedRequest, Reply

from .dataset import OUT_OF_SCOPE, UNCLEAR

UNSURE: dict[str, Any] = {
    "intent": "unclear",
    "slots": {},
    "confidence": 0.2,
    "clarify_question": None,
}
FINAL_TEXT = "Gotowe."


@dataclass(frozen=True, slots=True)
class Label:
    intent: str
    slots: Mapping[str, Any]


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return ""


def command_of(body: Any) -> str:
    """The command a request asks about: LLM Intent's ``COMMAND:`` line, else the
    last user message."""
    if not isinstance(body, Mapping):
        return ""
    messages = body.get("messages") or body.get("input") or []
    if isinstance(messages, str):
        return messages.strip()
    last_user = ""
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, Mapping) or message.get("role") != "user":
            continue
        text = _text_of(message.get("content"))
        if "COMMAND:" in text:
            return text.rsplit("COMMAND:", 1)[1].strip()
        last_user = text.strip()
    return last_user


def has_tool_result(body: Any) -> bool:
    """Whether a Responses request already carries the result of a tool call."""
    items = body.get("input") if isinstance(body, Mapping) else None
    return isinstance(items, list) and any(
        isinstance(i, Mapping) and i.get("type") == "function_call_output" for i in items
    )


def tool_names(body: Any) -> dict[str, str]:
    """Offered tools by plain name ("HassTurnOn") -> the name to call them by
    (Home Assistant namespaces them: "intent__HassTurnOn")."""
    tools = body.get("tools") if isinstance(body, Mapping) else None
    names: dict[str, str] = {}
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, Mapping):
            function = tool.get("function")
            name = function.get("name") if isinstance(function, Mapping) else tool.get("name")
            if isinstance(name, str):
                names[name.rsplit("__", 1)[-1]] = name
    return names


# Catalogue intents that Home Assistant's Assist API offers under another tool.
_HA_TOOL = {
    "HassOpenCover": ("HassTurnOn", {"domain": ["cover"]}),
    "HassCloseCover": ("HassTurnOff", {"domain": ["cover"]}),
    "LockLock": ("HassTurnOn", {"domain": ["lock"]}),
    "LockUnlock": ("HassTurnOff", {"domain": ["lock"]}),
    "SceneActivate": ("HassTurnOn", {}),
    "AreaAllOff": ("HassTurnOff", {"domain": ["light", "switch", "fan", "media_player"]}),
}


def ha_tool_call(label: Label, offered: Mapping[str, str]) -> tuple[str, dict[str, Any]] | None:
    """The Assist API tool call that does what ``label`` says, if one is offered."""
    tool, extra = _HA_TOOL.get(label.intent, (label.intent, {}))
    if tool not in offered:
        if "GetLiveContext" in offered and label.intent.endswith(("GetState", "GetTemperature")):
            return offered["GetLiveContext"], {}
        return None
    tool = offered[tool]
    args: dict[str, Any] = dict(extra)
    for key, value in label.slots.items():
        if value is None:
            continue
        if key in ("domain", "device_class"):
            args[key] = value if isinstance(value, list) else [value]
        else:
            args[key] = value
    return tool, args


class LabelBrain:
    """Answers from ``labels`` (command text -> label); unknown text gets an unsure answer."""

    def __init__(self, labels: Mapping[str, Label], *, confidence: float = 0.95) -> None:
        self.labels = dict(labels)
        self.confidence = confidence
        self.asked: list[str] = []

    def intent_reply(self, text: str) -> dict[str, Any]:
        return self.reply_for(self.labels.get(text))

    def reply_for(self, label: Label | None) -> dict[str, Any]:
        if label is None:
            return dict(UNSURE)
        if label.intent == UNCLEAR:
            question = "Które urządzenie masz na myśli?"
            return {"intent": UNCLEAR, "slots": {}, "confidence": 0.3, "clarify_question": question}
        if label.intent == OUT_OF_SCOPE:
            return {
                "intent": OUT_OF_SCOPE,
                "slots": {},
                "confidence": 0.9,
                "clarify_question": None,
            }
        return {
            "intent": label.intent,
            "slots": dict(label.slots),
            "confidence": self.confidence,
            "clarify_question": None,
        }

    def __call__(self, request: RecordedRequest) -> Reply:
        text = command_of(request.body)
        self.asked.append(text)
        if request.path.endswith("/responses"):
            return self.assist_reply(request.body, text)
        return Reply(content=self.intent_reply(text))

    def assist_reply(self, body: Any, text: str) -> Reply:
        """openai_conversation's tool loop: a tool call first, then a sentence."""
        if has_tool_result(body):
            return Reply(content=FINAL_TEXT)
        label = self.labels.get(text)
        call = ha_tool_call(label, tool_names(body)) if label is not None else None
        if call is None:
            return Reply(content="Nie wiem, o co chodzi." if label is None else FINAL_TEXT)
        name, args = call
        return Reply(content=json.dumps(args, ensure_ascii=False), tool_name=name)


class CurrentLabelBrain(LabelBrain):
    """Knows the truth of the command being handled right now (``current``).

    For a replay that sends one command at a time: follow-ups ("a teraz
    wyłącz") and satellite-relative commands mean different things in
    different contexts, and a correct model reads that context; here the
    replay simply says what the right reading is.
    """

    def __init__(self) -> None:
        super().__init__({})
        self.current: Label | None = None

    def intent_reply(self, text: str) -> dict[str, Any]:
        return self.reply_for(self.current)
