"""What a follow-up command may rely on: where it was heard and what was last done.

Kept per conversation and per device for the context TTL, then forgotten, so
"a teraz wyłącz" acts on the last target only while that is still fresh. A
pending confirmation or question lives only ``CONFIRM_WINDOW_S``: a "tak" that
comes later must not unlock a door. It belongs to whoever caused it: another
user's "tak" in the same conversation or on the same device answers nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..clock import Clock

CONFIRM_WINDOW_S = 30.0


@dataclass(frozen=True, slots=True)
class PendingAction:
    """An action waiting for "tak"/"yes" (sensitive) or for the answer to a question."""

    intent: str
    slots: dict[str, Any]
    created: float
    # For clarification: slot to fill and the allowed values (canonical names).
    ask_slot: str | None = None
    candidates: tuple[str, ...] = ()
    needs_confirmation: bool = False
    # Who caused it: only the same user (and, when it came from one, the same
    # registered device) may answer it. None is an anonymous caller, which
    # only another anonymous caller on the same device matches.
    user_id: str | None = None
    device_id: str | None = None
    # Recognised by the host's own matching: HA's intent of this name runs, not the catalogue's.
    builtin: bool = False

    def answerable_by(self, user_id: str | None, device_id: str | None) -> bool:
        if user_id != self.user_id:
            return False
        return self.device_id is None or device_id == self.device_id


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    """A question the model asked back, kept so the answer to it is read in context."""

    question: str
    about: str  # the command that raised it


@dataclass(frozen=True, slots=True)
class Turn:
    intent: str
    slots: dict[str, Any]
    area_id: str | None
    entity_ids: tuple[str, ...]


@dataclass(slots=True)
class Context:
    satellite_area_id: str | None = None
    last: Turn | None = None
    pending: PendingAction | None = None
    updated: float = 0.0
    user_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    open_question: OpenQuestion | None = None
    # A confirmation was asked for and its window ran out: a late "tak" is answered, not acted on.
    confirmation_expired: bool = False


class ContextStore:
    def __init__(self, clock: Clock, ttl_s: float = 300.0, max_items: int = 1000) -> None:
        self._clock = clock
        self.ttl_s = ttl_s
        self._max = max_items
        self._items: dict[str, Context] = {}

    @staticmethod
    def keys(conversation_id: str | None, device_id: str | None) -> list[str]:
        keys = []
        if conversation_id:
            keys.append(f"c:{conversation_id}")
        if device_id:
            keys.append(f"d:{device_id}")
        return keys

    def get(self, conversation_id: str | None, device_id: str | None) -> Context:
        """The freshest live context for this conversation or device, or an empty one."""
        now = self._clock.time()
        best: Context | None = None
        for key in self.keys(conversation_id, device_id):
            ctx = self._items.get(key)
            if ctx is None:
                continue
            if now - ctx.updated > self.ttl_s:
                del self._items[key]
                continue
            if best is None or ctx.updated > best.updated:
                best = ctx
        if best is None:
            return Context()
        pending = best.pending
        question = best.open_question
        expired = best.confirmation_expired
        if pending is not None and now - pending.created > CONFIRM_WINDOW_S:
            expired = expired or pending.needs_confirmation
            pending = None
        if question is not None and now - best.updated > CONFIRM_WINDOW_S:
            question = None
        return Context(
            satellite_area_id=best.satellite_area_id,
            last=best.last,
            pending=pending,
            updated=best.updated,
            user_id=best.user_id,
            extra=dict(best.extra),
            open_question=question,
            confirmation_expired=expired,
        )

    def save(self, conversation_id: str | None, device_id: str | None, ctx: Context) -> None:
        stamped = replace(ctx, updated=self._clock.time())
        for key in self.keys(conversation_id, device_id):
            self._items[key] = stamped
        if len(self._items) > self._max:
            for key in sorted(self._items, key=lambda k: self._items[k].updated)[
                : len(self._items) - self._max
            ]:
                del self._items[key]

    def clear(self) -> None:
        self._items.clear()
