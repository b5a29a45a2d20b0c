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


_LOCK_STATES = {"closed": "locked", "open": "unlocked"}


def lock_states(slots: dict[str, Any], entity_ids: tuple[str, ...] | list[str]) -> None:
    """Asked of locks, "closed"/"open" ("czy drzwi są zamknięte") mean locked/unlocked."""
    state = slots.get("state")
    if state not in _LOCK_STATES:
        return
    if entity_ids:
        locks = all(e.split(".", 1)[0] == "lock" for e in entity_ids)
    else:
        locks = slots.get("domain") == "lock"
    if locks:
        slots["state"] = _LOCK_STATES[state]
