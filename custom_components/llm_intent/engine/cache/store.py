"""The recognition cache: replays an earlier validated intent for a repeated command.

Only the recognised intent is cached, never the outcome of acting on it. A
replay must never be wrong, so lookups are two-step: a recognition that did
not depend on the context is shared by every room, while one that used the
satellite's area or the previous target is stored under a key containing that
context and replays only there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
import json
import math
from typing import Any

from ..clock import Clock
from .backend import CacheBackend
from .key import (
    CacheVersions,
    ContextFingerprint,
    normalise_command,
    versioned_cache_key,
)
from .memory import DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, MemoryCacheBackend

__all__ = [
    "DEFAULT_DENY_INTENTS",
    "CacheStats",
    "CacheVersions",
    "CachedRecognition",
    "ContextFingerprint",
    "RecognitionCache",
    "StoreDecision",
    "create_cache",
]

# A week: what is cached is the understood intent, never a device's state, and
# its key changes with the home's names, the catalogue, the prompt and the
# model, so age alone does not make an entry wrong. A household repeats its
# commands daily and weekly, not within minutes (docs/performance.md, cache).
DEFAULT_TTL = 7 * 86_400.0
DEFAULT_MIN_CONFIDENCE = 0.7
# Answers that say "I did not get it": replaying them would hide a later,
# better recognition of the same words.
DEFAULT_DENY_INTENTS = frozenset({"unclear", "out_of_scope", "refuse"})
_RECORD_VERSION = 1


@dataclass(frozen=True, slots=True)
class CachedRecognition:
    """A validated recognition as it is replayed; JSON-able by construction."""

    intent: str
    slots: dict[str, Any]
    confidence: float
    model: str
    provider: str
    created: float
    # True when the recognition relied on the satellite's area or the
    # previous target, so it may only replay in that same context.
    context_used: bool

    def to_bytes(self) -> bytes:
        """Raises ``TypeError``/``ValueError`` when the slots are not plain JSON."""
        record = {
            "v": _RECORD_VERSION,
            "intent": self.intent,
            "slots": self.slots,
            "confidence": self.confidence,
            "model": self.model,
            "provider": self.provider,
            "created": self.created,
            "context_used": self.context_used,
        }
        return json.dumps(
            record, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> CachedRecognition | None:
        """``None`` for anything this version did not write."""
        try:
            record = json.loads(data)
        except UnicodeDecodeError, ValueError:
            return None
        if not isinstance(record, dict) or record.get("v") != _RECORD_VERSION:
            return None
        intent = record.get("intent")
        slots = record.get("slots")
        confidence = record.get("confidence")
        model = record.get("model")
        provider = record.get("provider")
        created = record.get("created")
        context_used = record.get("context_used")
        if not (
            isinstance(intent, str)
            and isinstance(slots, dict)
            and isinstance(confidence, int | float)
            and isinstance(model, str)
            and isinstance(provider, str)
            and isinstance(created, int | float)
            and isinstance(context_used, bool)
        ):
            return None
        return cls(
            intent=intent,
            slots=slots,
            confidence=float(confidence),
            model=model,
            provider=provider,
            created=float(created),
            context_used=context_used,
        )


class StoreDecision(StrEnum):
    """What ``store`` did, and if it did not store, why."""

    STORED = "stored"
    LOW_CONFIDENCE = "low_confidence"
    NOT_UNDERSTOOD = "not_understood"  # unclear, out of scope or refused
    FAILED = "failed"  # the recognition or its validation failed
    SENSITIVE = "sensitive"  # needs confirmation each time
    MISSING_CONTEXT = "missing_context"  # context used but none given to key on
    EMPTY_COMMAND = "empty_command"  # nothing left after normalisation
    NOT_SERIALISABLE = "not_serialisable"


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Counters since the last ``reset_stats`` (the HA layer resets daily)."""

    hits: int
    misses: int
    stored: int
    not_stored: dict[StoreDecision, int] = field(default_factory=dict)
    backend: str = "memory"

    @property
    def hit_ratio(self) -> float:
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


class RecognitionCache:
    """Looks up and stores recognitions over any ``CacheBackend``."""

    def __init__(
        self,
        backend: CacheBackend,
        *,
        ttl: float = DEFAULT_TTL,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        deny_intents: frozenset[str] = DEFAULT_DENY_INTENTS,
    ) -> None:
        self._backend = backend
        self._ttl = ttl
        self._min_confidence = min_confidence
        self._deny_intents = frozenset(intent.casefold() for intent in deny_intents)
        self._hits = 0
        self._misses = 0
        self._stored = 0
        self._not_stored: Counter[StoreDecision] = Counter()

    @property
    def backend(self) -> CacheBackend:
        return self._backend

    @property
    def ttl(self) -> float:
        return self._ttl

    async def lookup(
        self,
        text: str,
        language: str,
        versions: CacheVersions,
        context: ContextFingerprint | None,
    ) -> CachedRecognition | None:
        """The cached recognition valid for this command in this context, if any.

        Pass the same ``context`` that ``store`` will get: the full context the
        LLM is shown, whether or not it ends up using it.
        """
        if not normalise_command(text, language):
            return None
        shared = await self._read(versioned_cache_key(text, language, versions, None))
        if shared is not None and not shared.context_used:
            self._hits += 1
            return shared
        if context is not None and not context.is_empty:
            local = await self._read(versioned_cache_key(text, language, versions, context))
            if local is not None and local.context_used:
                self._hits += 1
                return local
        self._misses += 1
        return None

    async def store(
        self,
        text: str,
        language: str,
        versions: CacheVersions,
        context: ContextFingerprint | None,
        recognition: CachedRecognition,
        *,
        sensitive: bool = False,
        unclear: bool = False,
        failed: bool = False,
    ) -> StoreDecision:
        """Caches ``recognition`` unless it must not be replayed; says which."""
        decision = self._refusal(
            text,
            language,
            context,
            recognition,
            sensitive=sensitive,
            unclear=unclear,
            failed=failed,
        )
        if decision is None:
            try:
                payload = recognition.to_bytes()
            except TypeError, ValueError:
                decision = StoreDecision.NOT_SERIALISABLE
        if decision is not None:
            self._not_stored[decision] += 1
            return decision
        key_context = context if recognition.context_used else None
        key = versioned_cache_key(text, language, versions, key_context)
        await self._backend.set(key, payload, self._ttl)
        self._stored += 1
        return StoreDecision.STORED

    async def clear(self) -> None:
        await self._backend.clear()

    async def close(self) -> None:
        await self._backend.close()

    def stats(self) -> CacheStats:
        return CacheStats(
            hits=self._hits,
            misses=self._misses,
            stored=self._stored,
            not_stored=dict(self._not_stored),
            backend=self._backend.active,
        )

    def reset_stats(self) -> None:
        self._hits = self._misses = self._stored = 0
        self._not_stored.clear()

    def _refusal(
        self,
        text: str,
        language: str,
        context: ContextFingerprint | None,
        recognition: CachedRecognition,
        *,
        sensitive: bool,
        unclear: bool,
        failed: bool,
    ) -> StoreDecision | None:
        if failed or not recognition.intent:
            return StoreDecision.FAILED
        if unclear or recognition.intent.casefold() in self._deny_intents:
            return StoreDecision.NOT_UNDERSTOOD
        if sensitive:
            return StoreDecision.SENSITIVE
        # NaN compares false with everything, so test for what is acceptable.
        if not (
            math.isfinite(recognition.confidence) and recognition.confidence >= self._min_confidence
        ):
            return StoreDecision.LOW_CONFIDENCE
        if recognition.context_used and (context is None or context.is_empty):
            return StoreDecision.MISSING_CONTEXT
        if not normalise_command(text, language):
            return StoreDecision.EMPTY_COMMAND
        return None

    async def _read(self, key: str) -> CachedRecognition | None:
        data = await self._backend.get(key)
        return None if data is None else CachedRecognition.from_bytes(data)


def create_cache(
    *,
    clock: Clock,
    redis_url: str | None = None,
    ttl: float = DEFAULT_TTL,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> RecognitionCache:
    """Memory cache by default; Redis (with memory as its fallback) when a URL is set.

    Raises ``ValueError`` for a malformed Redis URL; never connects here.
    """
    memory = MemoryCacheBackend(clock=clock, max_entries=max_entries, max_bytes=max_bytes)
    backend: CacheBackend = memory
    if redis_url:
        # Imported here so a memory-only setup does not load the Redis client.
        from .redis_backend import RedisCacheBackend

        backend = RedisCacheBackend(redis_url, clock=clock, fallback=memory)
    return RecognitionCache(backend, ttl=ttl, min_confidence=min_confidence)
