"""Recognition cache shared through Redis, falling back to memory while Redis is away.

A cache exists to make commands faster, so Redis gets a quarter of a second
per call and no retries. When it fails the cache carries on in process memory,
says so once in the log, and tries Redis again on the first call after
``reprobe_interval``; no background task is needed for that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.maint_notifications import MaintNotificationsConfig

from ..clock import Clock
from .memory import MemoryCacheBackend

_LOGGER = logging.getLogger(__name__)

NAMESPACE = "llm_intent:cache:v1:"
DEFAULT_SOCKET_TIMEOUT = 0.25
DEFAULT_REPROBE_INTERVAL = 30.0
_UNLINK_BATCH = 500
_GLOB_SPECIALS = frozenset("*?[]\\")


def redact_url(url: str) -> str:
    """The URL without its password, for logs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<invalid redis url>"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    if parts.username:
        netloc = f"{parts.username}:***@{netloc}"
    elif parts.password:
        netloc = f":***@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _escape_glob(text: str) -> str:
    return "".join(f"\\{ch}" if ch in _GLOB_SPECIALS else ch for ch in text)


class RedisCacheBackend:
    """Keys live under ``namespace``; Redis expires them (``SET ... EX``).

    Several Home Assistant instances pointed at one Redis share one cache.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        fallback: MemoryCacheBackend,
        namespace: str = NAMESPACE,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
        reprobe_interval: float = DEFAULT_REPROBE_INTERVAL,
    ) -> None:
        """Raises ``ValueError`` for a malformed URL; connects only when first used."""
        self._display_url = redact_url(url)
        self._client = Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 0),
            # A managed-cluster feature; off, it saves a round trip per connection.
            maint_notifications_config=MaintNotificationsConfig(enabled=False),
        )
        self._clock = clock
        self._fallback = fallback
        self._namespace = namespace
        # Bounds a whole call (connect + send + reply); the socket timeouts
        # bound each step.
        self._call_timeout = 2 * socket_timeout
        self._reprobe_interval = reprobe_interval
        self._degraded = False
        self._next_probe = 0.0

    def __repr__(self) -> str:
        return f"RedisCacheBackend(url={self._display_url!r}, active={self.active!r})"

    @property
    def active(self) -> str:
        return "memory" if self._degraded else "redis"

    async def get(self, key: str) -> bytes | None:
        if self._use_fallback():
            return await self._fallback.get(key)
        ok, value = await self._call(lambda: self._client.get(self._namespace + key))
        if not ok:
            return await self._fallback.get(key)
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        if ttl <= 0:
            return
        if self._use_fallback():
            await self._fallback.set(key, value, ttl)
            return
        name = self._namespace + key
        if float(ttl).is_integer():
            ok, _ = await self._call(lambda: self._client.set(name, value, ex=int(ttl)))
        else:
            ok, _ = await self._call(
                lambda: self._client.set(name, value, px=max(1, int(ttl * 1000)))
            )
        if not ok:
            await self._fallback.set(key, value, ttl)

    async def clear(self) -> None:
        """Removes this namespace only: SCAN + UNLINK, never FLUSHDB."""
        await self._fallback.clear()
        # An explicit clear is worth a try even while degraded: stale shared
        # entries would otherwise come back with Redis.
        await self._call(self._unlink_namespace)

    async def close(self) -> None:
        await self._client.aclose()
        await self._fallback.close()

    async def _unlink_namespace(self) -> int:
        removed = 0
        batch: list[bytes] = []
        async for name in self._client.scan_iter(
            match=_escape_glob(self._namespace) + "*", count=_UNLINK_BATCH
        ):
            batch.append(name)
            if len(batch) >= _UNLINK_BATCH:
                removed += await self._client.unlink(*batch)
                batch.clear()
        if batch:
            removed += await self._client.unlink(*batch)
        return removed

    def _use_fallback(self) -> bool:
        return self._degraded and self._clock.monotonic() < self._next_probe

    async def _call[T](self, operation: Callable[[], Awaitable[T]]) -> tuple[bool, T | None]:
        """Runs one Redis call; ``(False, None)`` when it failed."""
        try:
            async with asyncio.timeout(self._call_timeout):
                result = await operation()
        except (RedisError, OSError) as err:
            self._next_probe = self._clock.monotonic() + self._reprobe_interval
            if not self._degraded:
                self._degraded = True
                _LOGGER.warning(
                    "Redis cache at %s unavailable (%s: %s); using memory cache, "
                    "retrying every %.0f s",
                    self._display_url,
                    type(err).__name__,
                    err,
                    self._reprobe_interval,
                )
            return False, None
        if self._degraded:
            self._degraded = False
            _LOGGER.info("Redis cache at %s is back", self._display_url)
        return True, result
