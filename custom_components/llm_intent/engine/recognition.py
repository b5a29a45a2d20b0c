"""A recognised command: an intent with slots in HA's vocabulary, checked against the home."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Recognition:
    intent: str
    # Canonical values: area and entity names as HA knows them ("Salon", not "salonie").
    slots: dict[str, Any]
    confidence: float
    # True when the satellite's area or the previous turn filled a slot; such a
    # recognition is only valid in that same context (cache key, follow-ups).
    context_used: bool = False
    area_id: str | None = None
    entity_ids: tuple[str, ...] = ()
    # Words of the transcript that named the target and the place, for answers
    # that read naturally ("lampę stojącą", "w salonie").
    target_words: str | None = None
    where_words: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
