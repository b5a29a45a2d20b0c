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

from ..errors import (
    InvalidOutputError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
)
from ..types import ProviderConfig, ProviderRequest, ProviderResult, Usage
from .errors_map import bounded, error_detail, error_for_status, redact
from .headers import parse_rate_limits
from .intent_reply import intent_from_object

if TYPE_CHECKING:
    import httpx

TOOL_NAME = "report_intent"
TOOL_DESCRIPTION = (
    "Report the recognised smart-home intent, its slots, your confidence, "
    "and a clarifying question when the request is ambiguous."
)


class AnthropicProvider:
    """A Claude model behind the Anthropic Messages API."""

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

    @property
    def label(self) -> str:
        return self._config.label

    @property
    def model(self) -> str:
        return self._config.model

    async def recognize(
        self,
        request: ProviderRequest,
        *,
        timeout: float,
    ) -> ProviderResult:
        started = time.monotonic()
        try:
            raw = await bounded(
                self._client.messages.with_raw_response.create(
                    model=self.model,
                    max_tokens=request.max_output_tokens,
                    temperature=request.temperature,
                    system=request.system,
                    messages=[{"role": "user", "content": request.user}],
                    tools=[
                        {
                            "name": TOOL_NAME,
                            "description": TOOL_DESCRIPTION,
                            "input_schema": request.schema,
                        }
                    ],
                    tool_choice={"type": "tool", "name": TOOL_NAME},
                    timeout=timeout,
                ),
                seconds=timeout,
                provider=self.label,
            )
        except anthropic.AnthropicError as err:
            raise self._error(err) from None
        latency = time.monotonic() - started
        rate_limits = parse_rate_limits(raw.headers)
        try:
            message = raw.parse()
        except ValueError:
            raise InvalidOutputError(
                f"{self.label}: response body is not valid JSON",
                provider=self.label,
                rate_limits=rate_limits,
            ) from None
        usage = _usage(message)
        try:
            tool_input = _tool_input(message, self.label)
            reply = intent_from_object(tool_input, provider=self.label)
        except InvalidOutputError as err:
            err.usage = usage
            err.rate_limits = rate_limits
            raise
        return ProviderResult(
            provider=self.label,
            model=self.model,
            reply=reply,
            usage=usage,
            latency_s=latency,
            raw=json.dumps(tool_input, ensure_ascii=False),
            rate_limits=rate_limits,
        )

    async def validate(self, *, timeout: float) -> None:
        try:
            await bounded(
                self._client.models.list(limit=1, timeout=timeout),
                seconds=timeout,
                provider=self.label,
            )
        except anthropic.AnthropicError as err:
            raise self._error(err) from None

    async def aclose(self) -> None:
        """Close the SDK's own HTTP client; a shared one stays open for its owner."""
        if self._owns_client:
            await self._client.close()

    def _error(self, err: anthropic.AnthropicError) -> ProviderError:
        label = self.label
        if isinstance(err, anthropic.APITimeoutError):
            return ProviderTimeoutError(f"{label}: request timed out", provider=label)
        if isinstance(err, anthropic.APIStatusError):
            return error_for_status(
                err.status_code,
                error_detail(err.body, err.message),
                provider=label,
                headers=err.response.headers,
                secret=self._config.api_key,
            )
        if isinstance(err, anthropic.APIConnectionError):
            cause = err.__cause__
            why = f"{type(cause).__name__}: {cause}" if cause else err.message
            return ProviderConnectionError(
                f"{label}: cannot connect ({redact(why, self._config.api_key)})", provider=label
            )
        if isinstance(err, anthropic.APIResponseValidationError):
            return InvalidOutputError(f"{label}: unexpected response shape", provider=label)
        return ProviderError(
            f"{label}: {type(err).__name__}: {redact(str(err), self._config.api_key)}",
            provider=label,
        )


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


def _tool_input(message: Any, label: str) -> Any:
    if getattr(message, "stop_reason", None) == "max_tokens":
        raise InvalidOutputError(
            f"{label}: answer cut off at the output-token limit", provider=label
        )
    if getattr(message, "stop_reason", None) == "refusal":
        raise InvalidOutputError(f"{label}: model refused to answer", provider=label)
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == TOOL_NAME:
            return getattr(block, "input", None)
    raise InvalidOutputError(f"{label}: answer has no {TOOL_NAME} tool call", provider=label)
