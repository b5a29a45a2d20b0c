"""OpenAI, and OpenAI-compatible servers (Ollama, vLLM, LocalAI, LM Studio), via the official SDK.

One Chat Completions request per recognition, with the reply's envelope as a
(non-strict) JSON schema: strict mode would need every intent and slot spelled
out in the schema, which costs more tokens than the catalogue itself, and
intent_reply/validate check the answer anyway. Chat Completions rather than
Responses because every compatible server implements it.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, cast

import openai
from openai._base_client import get_platform

from ...errors import InvalidOutputError
from ...types import AnswerKind, ProviderConfig, ProviderRequest, ProviderResult, Usage
from .generated import data_from_text
from .intent_reply import intent_from_text
from .sdk_common import Answer, SdkProvider, sdk_result

if TYPE_CHECKING:
    import httpx

KINDS = ("openai", "openai_compatible")

# Reasoning models accept only the default temperature.
_FIXED_TEMPERATURE_PREFIXES = ("o1", "o3", "o4", "gpt-5", "gpt-6")


class OpenAIProvider(SdkProvider):
    """A model behind the OpenAI Chat Completions API."""

    _sdk = openai
    _sdk_base_error = openai.OpenAIError

    def __init__(
        self, config: ProviderConfig, http_client: httpx.AsyncClient | None = None
    ) -> None:
        if config.kind not in KINDS:
            raise ValueError(f"OpenAIProvider cannot serve kind {config.kind!r}")
        if config.kind == "openai" and not config.api_key:
            raise ValueError("an OpenAI provider needs an API key")
        if config.kind == "openai_compatible" and not config.base_url:
            raise ValueError("an OpenAI-compatible provider needs a base URL")
        if config.structured_output not in ("json_schema", "json_object"):
            raise ValueError(f"unknown structured_output {config.structured_output!r}")
        self._config = config
        self._compatible = config.kind == "openai_compatible"
        # Keyless local servers: the SDK insists on a key, so it gets a
        # placeholder and each request drops the Authorization header.
        self._extra_headers: dict[str, str | openai.Omit] | None = (
            None if config.api_key else {"Authorization": openai.Omit()}
        )
        self._client = openai.AsyncOpenAI(
            api_key=config.api_key or "unused",
            base_url=config.base_url,
            max_retries=0,
            # The SDK accepts HA's shared httpx client at run time.
            http_client=cast("Any", http_client),
        )
        self._owns_client = http_client is None
        # The SDK imports several hundred modules on first use of a resource and works
        # out its platform headers on the first request. Both happen here, in the
        # constructor that callers run in an executor, not on the event loop later.
        _ = (self._client.chat.completions, self._client.models)
        self._client.platform_headers()

    async def recognize(
        self,
        request: ProviderRequest,
        *,
        timeout: float,
    ) -> ProviderResult:
        started = time.monotonic()
        raw = await self._send(
            self._client.chat.completions.with_raw_response.create(
                **self._arguments(request),
                extra_headers=self._extra_headers,
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
            answer_of=lambda completion: self._answer(completion, request.answer),
        )

    def _answer(self, completion: Any, answer: AnswerKind) -> Answer:
        text = _answer_text(completion, self.label)
        if answer is AnswerKind.INTENT:
            return intent_from_text(text, provider=self.label), None, text
        return None, data_from_text(text, answer, provider=self.label), text

    async def validate(self, *, timeout: float) -> None:
        await self._send(
            self._client.models.list(extra_headers=self._extra_headers, timeout=timeout),
            timeout=timeout,
        )

    def prepare(self) -> None:
        """Load what the SDK otherwise loads on the first request (blocking: run in an executor).

        Its request classes are imported lazily and its platform header runs
        ``uname``: seconds on a slow machine, which the first voice command
        after a restart would spend inside its deadline.
        """
        _ = self._client.chat.completions
        if self._client._platform is None:
            self._client._platform = get_platform()

    async def aclose(self) -> None:
        """Close the SDK's own HTTP client; a shared one stays open for its owner."""
        if self._owns_client:
            await self._client.close()

    def _arguments(self, request: ProviderRequest) -> dict[str, Any]:
        system = request.system
        response_format: dict[str, Any] | None
        if request.answer is AnswerKind.TEXT:
            response_format = None
        elif self._config.structured_output == "json_object":
            # Without json_schema support the schema can only travel in the prompt.
            system += (
                "\n\nReply with one JSON object that follows this JSON schema:\n"
                + json.dumps(request.schema, ensure_ascii=False, separators=(",", ":"))
            )
            response_format = {"type": "json_object"}
        else:
            response_format = {
                "type": "json_schema",
                "json_schema": {
                    "name": str(request.answer),
                    "strict": False,
                    "schema": request.schema,
                },
            }
        arguments: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": request.user},
            ],
        }
        if response_format is not None:
            arguments["response_format"] = response_format
        # OpenAI renamed max_tokens; compatible servers mostly know only the old name.
        if self._compatible:
            arguments["max_tokens"] = request.max_output_tokens
        else:
            arguments["max_completion_tokens"] = request.max_output_tokens
        if self._compatible or not self.model.startswith(_FIXED_TEMPERATURE_PREFIXES):
            arguments["temperature"] = request.temperature
        return arguments


def _usage(completion: Any) -> Usage:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage()
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        cached_input_tokens=int(cached),
    )


def _answer_text(completion: Any, label: str) -> str:
    """The assistant's JSON text, or why there is none we can use."""
    choices = getattr(completion, "choices", None)
    if not choices:
        raise InvalidOutputError(f"{label}: response has no choices", provider=label)
    choice = choices[0]
    message = getattr(choice, "message", None)
    finish = getattr(choice, "finish_reason", None)
    if finish == "length":
        raise InvalidOutputError(
            f"{label}: answer cut off at the output-token limit", provider=label
        )
    if finish == "content_filter":
        raise InvalidOutputError(f"{label}: answer withheld by content filter", provider=label)
    if getattr(message, "refusal", None):
        raise InvalidOutputError(f"{label}: model refused to answer", provider=label)
    content = getattr(message, "content", None)
    if not isinstance(content, str) or not content.strip():
        raise InvalidOutputError(f"{label}: answer has no text content", provider=label)
    return content
