"""The storage interface behind the recognition cache."""

from __future__ import annotations

from typing import Protocol


class CacheBackend(Protocol):
    """Byte storage with per-entry expiry. Implementations never raise into a command."""

    @property
    def active(self) -> str:
        """The storage currently serving requests ("memory" or "redis"), for stats."""
        ...

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Store ``value`` for ``ttl`` seconds; a later ``set`` replaces it."""
        ...

    async def clear(self) -> None:
        """Drop every entry this cache owns, and nothing else."""
        ...

    async def close(self) -> None: ...
