"""Check a model's reply against the catalogue and the home before anything runs.

The model's output is untrusted input: an unknown intent, an extra slot (for
example an injected service), a name that is not an exposed entity, or a value
of the wrong type means nothing is executed.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Any

from ..home import Home
from ..language.plain_text import plain_text
from ..types import IntentReply
from .catalogue import OUT_OF_SCOPE, UNCLEAR, Catalogue, SlotSpec
from .recognition import Recognition, lock_states

KNOWN_DOMAINS = frozenset(
    {
        "light",
        "switch",
        "fan",
        "cover",
        "climate",
        "media_player",
        "lock",
        "vacuum",
        "scene",
        "script",
        "valve",
        "input_boolean",
        "humidifier",
        "alarm_control_panel",
        "sensor",
        "binary_sensor",
        "button",
    }
)
COLORS = frozenset(
    {
        "red",
        "green",
        "blue",
        "yellow",
        "white",
        "orange",
        "purple",
        "pink",
        "cyan",
        "magenta",
        "warm_white",
        "cold_white",
    }
)
MAX_STRING = 80


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a reply is not executed; ``question`` is asked back when the model was unsure."""

    reason: str
    detail: str = ""
    question: str | None = None


def _number(spec: SlotSpec, value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.replace(",", ".").rstrip("%").strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if spec.min is not None and value < spec.min:
        return None
    if spec.max is not None and value > spec.max:
        return None
    return float(value)


def _check_slot(
    spec: SlotSpec, value: Any, home: Home, lang: str
) -> tuple[Any, str | None, str | None]:
    """Returns (canonical value, area_id, entity_id) or raises ValueError."""
    if spec.type == "area":
        key = home.index("area", lang).resolve(str(value))
        if key is None:
            raise ValueError(f"unknown area {value!r}")
        return home.area_by_id[key].name, key, None
    if spec.type == "floor":
        key = home.index("floor", lang).resolve(str(value))
        if key is None:
            raise ValueError(f"unknown floor {value!r}")
        return home.floor_by_id[key].name, None, None
    if spec.type == "entity":
        text = str(value)
        if text in home.entity_by_id:
            entity = home.entity_by_id[text]
            return entity.name, None, entity.entity_id
        key = home.index("entity", lang).resolve(text)
        if key is None:
            raise ValueError(f"unknown or unexposed entity {value!r}")
        return home.entity_by_id[key].name, None, key
    if spec.type == "domain":
        if value not in KNOWN_DOMAINS:
            raise ValueError(f"unknown domain {value!r}")
        return value, None, None
    if spec.type in ("int", "number"):
        number = _number(spec, value)
        if number is None:
            raise ValueError(f"{spec.name} must be a number in range, got {value!r}")
        return (round(number) if spec.type == "int" else number), None, None
    if spec.type == "enum":
        if str(value) not in spec.values:
            raise ValueError(f"{spec.name} must be one of {', '.join(spec.values)}")
        return str(value), None, None
    if spec.type == "color":
        if str(value).lower() not in COLORS:
            raise ValueError(f"unknown colour {value!r}")
        return str(value).lower(), None, None
    if (
        isinstance(value, bool)
        or not isinstance(value, str | int | float)
        or len(str(value)) > MAX_STRING
    ):
        raise ValueError(f"{spec.name} must be a short string")
    # A free-text slot can be read back in the answer ("{name}"): plain text only.
    text = plain_text(str(value), MAX_STRING)
    if not text:
        raise ValueError(f"{spec.name} has no text")
    return text, None, None


def validate_reply(
    reply: IntentReply, catalogue: Catalogue, home: Home, lang: str, *, min_confidence: float = 0.5
) -> Recognition | Rejection:
    # Replies reach here from providers, the cache and the bridge: check again.
    if not math.isfinite(reply.confidence) or not 0.0 <= reply.confidence <= 1.0:
        return Rejection("invalid_confidence", repr(reply.confidence)[:40])
    question = plain_text(reply.clarify_question or "") or None
    if reply.intent == UNCLEAR:
        return Rejection("unclear", question=question)
    if reply.intent == OUT_OF_SCOPE:
        return Rejection("out_of_scope")
    spec = catalogue.get(reply.intent)
    if spec is None:
        return Rejection("unknown_intent", reply.intent[:60])
    slots: dict[str, Any] = {}
    area_id: str | None = None
    entity_ids: list[str] = []
    for name, value in reply.slots.items():
        if value is None or value == "":
            continue
        slot = spec.slots.get(name)
        if slot is None:
            return Rejection("unknown_slot", f"{spec.name} has no slot {name[:40]!r}")
        try:
            canonical, slot_area, slot_entity = _check_slot(slot, value, home, lang)
        except ValueError as err:
            return Rejection("invalid_slot", str(err)[:120])
        slots[name] = canonical
        area_id = slot_area or area_id
        if slot_entity:
            entity_ids.append(slot_entity)
    for key, value in spec.defaults.items():
        slots.setdefault(key, value)
    if reply.confidence < min_confidence:
        return Rejection("low_confidence", question=question)
    lock_states(slots, entity_ids)
    return Recognition(
        intent=spec.name,
        slots=slots,
        confidence=reply.confidence,
        area_id=area_id,
        entity_ids=tuple(entity_ids),
    )
