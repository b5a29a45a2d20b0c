"""Anthropic via the official SDK.

Anthropic has no JSON-schema response format on every model, but forcing a
tool call makes the model fill in the tool's ``input_schema``: the tool input
is the structured intent, already decoded.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import anthropic
from anthropic._base_client import get_platform

from ...errors import InvalidOutputError
from ...types import AnswerKind, ProviderConfig, ProviderRequest, ProviderResult, Usage
from .generated import data_from_object
from .intent_reply import intent_from_object
from .sdk_common import Answer, SdkProvider, sdk_result

if TYPE_CHECKING:
    import httpx

TOOL_NAME = "report_intent"
TOOL_DESCRIPTION = (
    "Report the recognised smart-home intent, its slots, your confidence, "
    "and a clarifying question when the request is ambiguous."
)
DATA_TOOL_NAME = "report_data"
DATA_TOOL_DESCRIPTION = "Report the requested data, following the input schema exactly."


class AnthropicProvider(SdkProvider):
    """A Claude model behind the Anthropic Messages API."""

    _sdk = anthropic
    _sdk_base_error = anthropic.AnthropicError

    def __init__(
        self, config: ProviderConfig, http_client: httpx.AsyncClient | None = None
    ) -> None:
        if config.kind != "anthropic":
            raise ValueError(f"AnthropicProvider cannot serve kind {config.kind!r}")
        if not config.api_key:
            raise ValueError("an Anthropic provider needs an API key")
        self._config = config
        self._client = anthropic.AsyncAnthropic(
            api_key=config.api_key,
            base_url=config.base_url,
            max_retries=0,
            http_client=http_client,
        )
        self._owns_client = http_client is None
        # The SDK imports several hundred modules on first use of a resource and works
        # out its platform headers on the first request. Both happen here, in the
        # constructor that callers run in an executor, not on the event loop later.
        _ = (self._client.messages, self._client.models)
        self._client.platform_headers()

    async def recognize(
        self,
        request: ProviderRequest,
        *,
        timeout: float,
    ) -> ProviderResult:
        started = time.monotonic()
        raw = await self._send(
            self._client.messages.with_raw_response.create(
                model=self.model,
                max_tokens=request.max_output_tokens,
                temperature=request.temperature,
                system=request.system,
                messages=[{"role": "user", "content": request.user}],
                **_tool_arguments(request),
                timeout=timeout,
            ),
            timeout=timeout,
        )
        return sdk_result(
            raw,
            started=started,
            label=self.label,
            model=self.model,
            usage_of=_usage,
            answer_of=lambda message: self._answer(message, request.answer),
        )

    def _answer(self, message: Any, answer: AnswerKind) -> Answer:
        _check_stop(message, self.label)
        if answer is AnswerKind.TEXT:
            text = _text(message, self.label)
            return None, text, text
        if answer is AnswerKind.DATA:
            data = data_from_object(
                _tool_input(message, DATA_TOOL_NAME, self.label), provider=self.label
            )
            return None, data, json.dumps(data, ensure_ascii=False)
        tool_input = _tool_input(message, TOOL_NAME, self.label)
        reply = intent_from_object(tool_input, provider=self.label)
        return reply, None, json.dumps(tool_input, ensure_ascii=False)

    async def validate(self, *, timeout: float) -> None:
        await self._send(self._client.models.list(limit=1, timeout=timeout), timeout=timeout)

    def prepare(self) -> None:
        """Load what the SDK otherwise loads on the first request (blocking: run in an executor)."""
        _ = self._client.messages
        if self._client._platform is None:
            self._client._platform = get_platform()

    async def aclose(self) -> None:
        """Close the SDK's own HTTP client; a shared one stays open for its owner."""
        if self._owns_client:
            await self._client.close()


def _usage(message: Any) -> Usage:
    """Anthropic reports uncached, cache-read and cache-write input separately; sum them."""
    usage = getattr(message, "usage", None)
    if usage is None:
        return Usage()
    uncached = int(getattr(usage, "input_tokens", 0) or 0)
    read = int(getattr(usage, "cache_read_input_tokens", 0) or 0)
    written = int(getattr(usage, "cache_creation_input_tokens", 0) or 0)
    return Usage(
        input_tokens=uncached + read + written,
        output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
        cached_input_tokens=read,
    )


def _tool_arguments(request: ProviderRequest) -> dict[str, Any]:
    """A structured answer is a forced tool call: the tool input is the answer."""
    if request.answer is AnswerKind.TEXT:
        return {}
    name, description = (
        (DATA_TOOL_NAME, DATA_TOOL_DESCRIPTION)
        if request.answer is AnswerKind.DATA
        else (TOOL_NAME, TOOL_DESCRIPTION)
    )
    return {
        "tools": [{"name": name, "description": description, "input_schema": request.schema}],
        "tool_choice": {"type": "tool", "name": name},
    }


def _check_stop(message: Any, label: str) -> None:
    if getattr(message, "stop_reason", None) == "max_tokens":
        raise InvalidOutputError(
            f"{label}: answer cut off at the output-token limit", provider=label
        )
    if getattr(message, "stop_reason", None) == "refusal":
        raise InvalidOutputError(f"{label}: model refused to answer", provider=label)


def _tool_input(message: Any, name: str, label: str) -> Any:
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == name:
            return getattr(block, "input", None)
    raise InvalidOutputError(f"{label}: answer has no {name} tool call", provider=label)


def _text(message: Any, label: str) -> str:
    parts = [
        str(getattr(block, "text", ""))
        for block in getattr(message, "content", None) or []
        if getattr(block, "type", None) == "text"
    ]
    text = "".join(parts)
    if not text.strip():
        raise InvalidOutputError(f"{label}: answer has no text content", provider=label)
    return text
