"""What the OpenAI and Anthropic providers share.

Both official SDKs are generated from the same template, so their exception
classes carry the same names and their raw responses the same ``headers`` and
``parse()``; only the request and the reading of the parsed answer differ.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import time
from types import ModuleType
from typing import Any

from ...errors import (
    InvalidOutputError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
)
from ...types import IntentReply, ProviderConfig, ProviderResult, Usage
from .errors_map import bounded, error_detail, error_for_status, redact
from .headers import parse_rate_limits

# What a provider read from a reply: the intent (INTENT requests) or the
# generated data (TEXT and DATA requests), and the raw text kept for the ledger.
type Answer = tuple[IntentReply | None, Any, str]


class SdkProvider:
    """What a provider built on one of the SDKs shares: names, and calls bounded in time.

    A subclass names its SDK module and that SDK's base exception class.
    """

    _sdk: ModuleType
    _sdk_base_error: type[Exception]
    _config: ProviderConfig

    @property
    def label(self) -> str:
        return self._config.label

    @property
    def model(self) -> str:
        return self._config.model

    async def _send[T](self, call: Awaitable[T], *, timeout: float) -> T:
        """Await one SDK call within ``timeout``; SDK failures become ProviderErrors."""
        try:
            return await bounded(call, seconds=timeout, provider=self.label)
        except self._sdk_base_error as err:
            raise self._error(err) from None

    def _error(self, err: Exception) -> ProviderError:
        return sdk_error(err, self._sdk, label=self.label, secret=self._config.api_key)


def sdk_error(err: Exception, sdk: ModuleType, *, label: str, secret: str | None) -> ProviderError:
    """The ProviderError for an exception raised by the ``openai`` or ``anthropic`` SDK."""
    if isinstance(err, sdk.APITimeoutError):
        return ProviderTimeoutError(f"{label}: request timed out", provider=label)
    if isinstance(err, sdk.APIStatusError):
        return error_for_status(
            err.status_code,
            error_detail(err.body, err.message),
            provider=label,
            headers=err.response.headers,
            secret=secret,
        )
    if isinstance(err, sdk.APIConnectionError):
        cause = err.__cause__
        why = f"{type(cause).__name__}: {cause}" if cause else err.message
        return ProviderConnectionError(
            f"{label}: cannot connect ({redact(why, secret)})", provider=label
        )
    if isinstance(err, sdk.APIResponseValidationError):
        return InvalidOutputError(f"{label}: unexpected response shape", provider=label)
    return ProviderError(
        f"{label}: {type(err).__name__}: {redact(str(err), secret)}",
        provider=label,
    )


def sdk_result(
    raw: Any,
    *,
    started: float,
    label: str,
    model: str,
    usage_of: Callable[[Any], Usage],
    answer_of: Callable[[Any], Answer],
) -> ProviderResult:
    """The ProviderResult for an SDK raw response that arrived after ``started``.

    ``answer_of`` turns the parsed body into an ``Answer``; an InvalidOutputError
    it raises still carries the usage and rate limits, since the tokens were spent.
    """
    latency = time.monotonic() - started
    rate_limits = parse_rate_limits(raw.headers)
    try:
        parsed = raw.parse()
    except ValueError:
        raise InvalidOutputError(
            f"{label}: response body is not valid JSON",
            provider=label,
            rate_limits=rate_limits,
        ) from None
    usage = usage_of(parsed)
    try:
        reply, data, text = answer_of(parsed)
    except InvalidOutputError as err:
        err.usage = usage
        err.rate_limits = rate_limits
        raise
    return ProviderResult(
        provider=label,
        model=model,
        reply=reply,
        usage=usage,
        latency_s=latency,
        raw=text,
        rate_limits=rate_limits,
        data=data,
    )
