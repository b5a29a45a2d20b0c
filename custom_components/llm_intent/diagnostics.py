"""Diagnostics: settings without secrets, provider health, cache, budget, recent ledger rows."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant

from .const import CONF_OTLP_ENDPOINT
from .engine.calling.router import Route
from .engine.cost.ledger import LedgerEntry, LedgerError
from .engine.understanding.prompt import PROMPT_VERSION
from .observability import metrics_of
from .runtime import LLMIntentConfigEntry, LLMIntentRuntime

LEDGER_ROWS: Final = 20
# Any setting whose name says it is a credential, whatever else is added later.
_SECRET_WORDS: Final = ("key", "token", "password", "secret")
# Settings holding URLs: a password or query string in them is a credential too.
_URL_SETTINGS: Final = ("base_url", "secondary_base_url", "redis_url", CONF_OTLP_ENDPOINT)


def redact_url(url: str) -> str:
    """``url`` with any password and query string replaced by REDACTED."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return REDACTED
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    if parts.password is not None:
        netloc = f"{parts.username or ''}:{REDACTED}@{netloc}"
    elif parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = REDACTED if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def redact_settings(settings: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in settings.items():
        if any(word in name.lower() for word in _SECRET_WORDS) and value:
            out[name] = REDACTED
        elif name in _URL_SETTINGS and isinstance(value, str) and value:
            out[name] = redact_url(value)
        else:
            out[name] = value
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _route(route: Route) -> dict[str, Any]:
    breaker, limiter = route.breaker, route.limiter
    return {
        "provider": route.label,
        "model": route.provider.model,
        "breaker": {
            "state": str(breaker.state),
            "consecutive_failures": breaker.consecutive_failures,
            "cooldown_s": breaker.cooldown,
            "seconds_until_probe": round(breaker.seconds_until_probe(), 3),
        },
        "queue": {
            "depth": limiter.queue_depth,
            "in_flight": limiter.in_flight,
            "requests_per_minute": limiter.requests_per_minute,
            "max_depth_seen": limiter.max_queue_depth_seen,
            "rejected": limiter.rejected_total,
        },
    }


def _ledger_row(entry: LedgerEntry) -> dict[str, Any]:
    row = asdict(entry)
    # Diagnostics get shared in bug reports: no words the user said, no conversations.
    row.pop("text", None)
    row.pop("conversation_id", None)
    row["ts"] = datetime.fromtimestamp(entry.ts, UTC).isoformat()
    return _jsonable(row)  # type: ignore[no-any-return]


async def _runtime_diagnostics(hass: HomeAssistant, runtime: LLMIntentRuntime) -> dict[str, Any]:
    routes = runtime.llm.router.routes if runtime.llm is not None else ()
    cache: dict[str, Any] | None = None
    if runtime.cache is not None:
        stats = runtime.cache.stats()
        cache = {
            "backend": stats.backend,
            "ttl_s": runtime.cache.ttl,
            "hits": stats.hits,
            "misses": stats.misses,
            "hit_ratio": round(stats.hit_ratio, 4),
            "stored": stats.stored,
            "not_stored": {str(k): v for k, v in stats.not_stored.items()},
        }
    try:
        rows = [_ledger_row(e) for e in await runtime.ledger.last(LEDGER_ROWS)]
    except (LedgerError, OSError) as err:
        rows = [{"error": type(err).__name__}]
    today = runtime.accounting.today
    metrics = metrics_of(hass)
    return {
        "versions": {"catalogue": runtime.catalogue.version, "prompt": PROMPT_VERSION},
        "providers": [_route(route) for route in routes],
        "cache": cache,
        "budget": _jsonable(asdict(runtime.budget.state())),
        "today": {
            "commands": today.commands,
            "requests_by_path": dict(today.requests_by_path),
            "cost_usd": str(today.cost_usd),
            "input_tokens": today.input_tokens,
            "cached_input_tokens": today.cached_input_tokens,
            "output_tokens": today.output_tokens,
            "not_understood": today.not_understood,
        },
        "metrics": None
        if metrics is None
        else {
            "cache_hits": metrics.cache_hits,
            "cache_misses": metrics.cache_misses,
            "not_understood": metrics.not_understood,
        },
        "ledger": {
            "pending_writes": runtime.ledger.pending,
            "dropped": runtime.ledger.dropped,
            "last": rows,
        },
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LLMIntentConfigEntry
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": entry.title,
        "data": redact_settings(dict(entry.data)),
        "options": redact_settings(dict(entry.options)),
        "tracing": bool(entry.options.get(CONF_OTLP_ENDPOINT)),
    }
    runtime: LLMIntentRuntime | None = getattr(entry, "runtime_data", None)
    if runtime is not None:
        data.update(await _runtime_diagnostics(hass, runtime))
    return data
