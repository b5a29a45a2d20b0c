"""In-process LRU cache with expiry, bounded in entries and in bytes."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from ..clock import Clock

DEFAULT_MAX_ENTRIES = 2_000
DEFAULT_MAX_BYTES = 2 * 1024 * 1024


@dataclass(slots=True)
class _Entry:
    value: bytes
    expires: float
    size: int


class MemoryCacheBackend:
    """Least-recently-used eviction; every operation is O(1) amortised.

    Expired entries are dropped when read or when they reach the LRU end, so
    there is no sweeper task. Size counts key and value bytes, which is what
    grows with the household's vocabulary.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("memory cache limits must be positive")
        self._clock = clock
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0

    @property
    def active(self) -> str:
        return "memory"

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock.monotonic() >= entry.expires:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry.value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self._drop(key)
        size = len(key.encode()) + len(value)
        if ttl <= 0 or size > self._max_bytes:
            return
        self._entries[key] = _Entry(value, self._clock.monotonic() + ttl, size)
        self._bytes += size
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)

    async def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    async def close(self) -> None:
        await self.clear()

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size
