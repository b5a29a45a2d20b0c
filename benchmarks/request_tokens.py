"""Tokens of the requests the fake provider received, counted with tiktoken o200k_base.

Two counts per request:

* ``billed``: the OpenAI Cookbook method the integration's own ``TokenCounter``
  uses (message framing, tools by name/description/properties, the response
  schema) over what the model reads. A Responses API body is first put in
  Chat Completions form (instructions and input items as messages, tool calls
  and their results as messages, tools as functions), so both agents are
  counted the same way.
* ``raw``: o200k tokens of the whole JSON body as sent, an upper bound that
  needs no assumption about how the API renders tools.

Neither uses the usage the fake provider reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
from typing import Any

import tiktoken

from custom_components.llm_intent.engine.cost.tokens import O200K_BASE, TokenCounter
from tests.fake_provider import openai_cached_tokens

MODEL = "gpt-4o-mini"  # an o200k_base model: counts are exact o200k tokens


@dataclass(frozen=True, slots=True)
class RequestTokens:
    billed: int
    raw: int


class RequestCounter:
    def __init__(self) -> None:
        self._counter = TokenCounter()
        if not self._counter.prepare((O200K_BASE,)):
            raise RuntimeError("the o200k_base encoding could not be loaded")
        self._encoding = tiktoken.get_encoding(O200K_BASE)

    def text(self, text: str) -> int:
        return self._counter.count_text(text, O200K_BASE).tokens

    def encode(self, text: str) -> list[int]:
        ids: list[int] = self._encoding.encode(text, disallowed_special=())
        return ids

    def request(self, body: Any) -> RequestTokens:
        raw = self.text(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
        if not isinstance(body, Mapping):
            return RequestTokens(raw, raw)
        if "input" in body:
            messages, tools, fmt = _responses_as_chat(body)
        else:
            messages = list(body.get("messages") or [])
            if isinstance(body.get("system"), str | list):  # Anthropic Messages
                messages.insert(0, {"role": "system", "content": body["system"]})
            tools = [_as_function(t) for t in body.get("tools") or []]
            fmt = body.get("response_format")
        count = self._counter.count_chat_request(
            MODEL, messages, tools or None, fmt if isinstance(fmt, Mapping) else None
        )
        return RequestTokens(count.tokens, raw)


class PrefixTokens:
    """Cached input tokens as OpenAI reports them: the longest prefix shared with an
    earlier request (tools, then the messages), from 1,024 tokens in 128-token steps
    (``tests.fake_provider.openai_cached_tokens``).

    The shared prefix is found in o200k tokens of the request's JSON and scaled to
    the billed count by the ratio of the two, since the JSON's quoting and escapes
    are not billed.
    """

    def __init__(self, counter: RequestCounter, keep: int = 64) -> None:
        self._counter = counter
        self._keep = keep
        self._seen: list[list[int]] = []

    def see(self, body: Any, billed: int) -> int:
        if not isinstance(body, Mapping):
            return 0
        keys = ("tools", "instructions", "system", "messages", "input")
        ids = self._counter.encode(json.dumps([body.get(k) for k in keys], ensure_ascii=False))
        common = max((_common(ids, seen) for seen in self._seen), default=0)
        self._seen = [*self._seen[-(self._keep - 1) :], ids]
        return openai_cached_tokens(common * billed // max(len(ids), 1))


def _common(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _as_function(tool: Any) -> dict[str, Any]:
    """A tool in Chat Completions shape, from Chat, Responses or Anthropic shape."""
    if not isinstance(tool, Mapping):
        return {"type": "function", "function": {"name": str(tool)}}
    if "function" in tool:
        return dict(tool)
    return {
        "type": "function",
        "function": {
            "name": tool.get("name", ""),
            "description": tool.get("description", ""),
            "parameters": tool.get("parameters") or tool.get("input_schema") or {},
        },
    }


def _responses_as_chat(
    body: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Mapping[str, Any] | None]:
    messages: list[dict[str, Any]] = []
    if isinstance(body.get("instructions"), str):
        messages.append({"role": "system", "content": body["instructions"]})
    items = body["input"]
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    for item in items:
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type", "message")
        if kind == "message" or "role" in item:
            messages.append({"role": item.get("role", "user"), "content": item.get("content")})
        elif kind == "function_call":
            messages.append(
                {"role": "assistant", "content": f"{item.get('name')}({item.get('arguments')})"}
            )
        elif kind == "function_call_output":
            messages.append({"role": "tool", "content": item.get("output")})
        else:
            messages.append({"role": "assistant", "content": item})
    tools = [_as_function(t) for t in body.get("tools") or []]
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        return messages, tools, {"type": "json_schema", "json_schema": dict(fmt)}
    return messages, tools, None
