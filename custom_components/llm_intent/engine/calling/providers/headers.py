"""Reading the retry and rate-limit headers OpenAI and Anthropic send.

Both SDKs parse ``retry-after`` only to drive their own retries, which are off
here; the router needs the value, and the limiter needs the request limits to
learn the real RPM of the key instead of guessing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
import math
import re
import time

# Header name -> normalised key. OpenAI's resets are durations ("6m0s");
# Anthropic's are RFC 3339 instants.
_OPENAI_HEADERS = {
    "x-ratelimit-limit-requests": "requests_limit",
    "x-ratelimit-remaining-requests": "requests_remaining",
    "x-ratelimit-reset-requests": "requests_reset_s",
    "x-ratelimit-limit-tokens": "tokens_limit",
    "x-ratelimit-remaining-tokens": "tokens_remaining",
    "x-ratelimit-reset-tokens": "tokens_reset_s",
}
_ANTHROPIC_HEADERS = {
    "anthropic-ratelimit-requests-limit": "requests_limit",
    "anthropic-ratelimit-requests-remaining": "requests_remaining",
    "anthropic-ratelimit-requests-reset": "requests_reset_s",
    "anthropic-ratelimit-tokens-limit": "tokens_limit",
    "anthropic-ratelimit-tokens-remaining": "tokens_remaining",
    "anthropic-ratelimit-tokens-reset": "tokens_reset_s",
    "anthropic-ratelimit-input-tokens-limit": "input_tokens_limit",
    "anthropic-ratelimit-input-tokens-remaining": "input_tokens_remaining",
    "anthropic-ratelimit-input-tokens-reset": "input_tokens_reset_s",
    "anthropic-ratelimit-output-tokens-limit": "output_tokens_limit",
    "anthropic-ratelimit-output-tokens-remaining": "output_tokens_remaining",
    "anthropic-ratelimit-output-tokens-reset": "output_tokens_reset_s",
}

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _number(text: str) -> float | None:
    try:
        return _finite(float(text))
    except ValueError:
        return None


def parse_duration(text: str) -> float | None:
    """OpenAI's reset format: "1s", "6m0s", "20ms", "1h2m3.5s", or a bare number of seconds."""
    text = text.strip()
    plain = _number(text)
    if plain is not None:
        return plain
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def _seconds_until(text: str, now: float) -> float | None:
    """Seconds from ``now`` (epoch) to an RFC 3339 or HTTP date; never negative."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except TypeError, ValueError, IndexError:
            return None
    if moment.tzinfo is None:
        return None
    return max(moment.timestamp() - now, 0.0)


def parse_retry_after(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> float | None:
    """Seconds the provider asked to wait: ``retry-after-ms``, else ``retry-after``.

    ``retry-after`` may be seconds (possibly fractional) or an HTTP date.
    """
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        value = _number(millis)
        if value is not None and value >= 0:
            return value / 1000.0
    seconds = headers.get("retry-after")
    if seconds is None:
        return None
    value = _number(seconds)
    if value is not None:
        return value if value >= 0 else None
    return _seconds_until(seconds, time.time() if now is None else now)


def parse_rate_limits(
    headers: Mapping[str, str] | None, *, now: float | None = None
) -> dict[str, float] | None:
    """The rate-limit headers present, under provider-neutral keys; None when there are none.

    Limits and remaining counts are numbers; ``*_reset_s`` are seconds from now.
    """
    if not headers:
        return None
    wall = time.time() if now is None else now
    found: dict[str, float] = {}
    for name, key in _OPENAI_HEADERS.items():
        raw = headers.get(name)
        if raw is None:
            continue
        value = parse_duration(raw) if key.endswith("_reset_s") else _number(raw)
        if value is not None:
            found[key] = value
    for name, key in _ANTHROPIC_HEADERS.items():
        raw = headers.get(name)
        if raw is None:
            continue
        value = _seconds_until(raw, wall) if key.endswith("_reset_s") else _number(raw)
        if value is not None:
            found[key] = value
    return found or None
