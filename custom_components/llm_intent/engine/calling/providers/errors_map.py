"""Turning HTTP failures into the engine's ProviderError classes.

The status decides the class, because the class decides what the router does:
retry (429, 408, 409, 5xx, 529), fail over without retrying (400-class), or
stop and ask for reauthentication (401/403).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
import re
from typing import Any

from ...errors import (
    AuthError,
    BadRequestError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ServerError,
)
from .headers import parse_rate_limits, parse_retry_after

# Anything shaped like an API key, in case a provider or proxy echoes one back.
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_\-*]{6,}")
_MAX_DETAIL = 300


def redact(text: str, secret: str | None) -> str:
    """``text`` with the key, and anything key-shaped, replaced by ``***``."""
    if secret:
        text = text.replace(secret, "***")
    return _KEY_LIKE.sub("***", text)


def error_detail(body: object, fallback: str) -> str:
    """The human part of an error body (OpenAI and Anthropic shapes), else ``fallback``."""
    if isinstance(body, Mapping):
        inner: Any = body.get("error", body)
        if isinstance(inner, Mapping):
            message = inner.get("message")
            kind = inner.get("type") or inner.get("code")
            if isinstance(message, str) and message:
                return f"{kind}: {message}" if isinstance(kind, str) and kind else message
        elif isinstance(inner, str) and inner:
            return inner
    elif isinstance(body, str) and body:
        return body
    return fallback


def error_for_status(
    status: int,
    detail: str,
    *,
    provider: str,
    headers: Mapping[str, str] | None = None,
    secret: str | None = None,
) -> ProviderError:
    """The ProviderError for an HTTP error status, carrying retry-after and rate limits."""
    cls: type[ProviderError]
    if status in (401, 403):
        cls = AuthError
    elif status == 429:
        cls = RateLimitError
    elif status in (408, 409) or status >= 500:
        cls = ServerError
    elif 400 <= status < 500:
        cls = BadRequestError
    else:
        cls = ProviderError
    text = redact(detail, secret)[:_MAX_DETAIL]
    return cls(
        f"{provider}: HTTP {status}: {text}",
        provider=provider,
        status=status,
        retry_after=parse_retry_after(headers),
        rate_limits=parse_rate_limits(headers),
    )


async def bounded[T](call: Awaitable[T], *, seconds: float, provider: str) -> T:
    """Await ``call`` for at most ``seconds`` in total.

    The SDK's own timeout applies per connect/read step, so a server that
    trickles bytes could otherwise outlive the attempt's budget.
    """
    try:
        async with asyncio.timeout(seconds):
            return await call
    except TimeoutError:
        raise ProviderTimeoutError(
            f"{provider}: no answer within {seconds:.2f} s", provider=provider
        ) from None
