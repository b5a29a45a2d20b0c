"""Which actions need a spoken "yes", which are refused, and what "everything" may touch.

Judged by effect (see ``effects``), not by intent name: HA's generic on/off
intents unlock locks ("off") and open garage doors ("on"), a position above 0
opens a garage door as surely as "open" does, and a catalogue intent may call
``lock.unlock`` under any name. So a model that answers ``HassTurnOff`` for
"drzwi wejściowe", a recognition by HA's own agent, a catalogue intent that
targets a whole room, or a prompt-injected "unlock everything" meets the same
rules as ``LockUnlock``. Area-wide commands without a device kind only ever
reach the kinds in ``AREA_WIDE_DOMAINS``: "wyłącz wszystko w przedpokoju"
turns off the lights there, it does not unlock the front door.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from ..home import Home
from .catalogue import IntentSpec
from .effects import (
    AREA_WIDE_DOMAINS,
    UNKNOWN,
    Effect,
    affected,
    effects,
    is_area_wide,
)
from .recognition import Recognition

__all__ = [
    "AREA_WIDE_DOMAINS",
    "ENTRY_COVERS",
    "Verdict",
    "affected",
    "area_wide_domains",
    "is_area_wide",
    "judge",
    "names_a_target",
    "verdict",
]

# Cover device classes that let people in when opened.
ENTRY_COVERS = frozenset({"garage", "gate", "door"})
# What may be done to an entry cover without a question: it stays shut or stops.
_ENTRY_COVER_SAFE = frozenset({"close_cover", "stop_cover", "close_cover_tilt", "stop_cover_tilt"})
_SET_POSITION = frozenset({"set_cover_position", "set_cover_tilt_position"})
_LOCK_SAFE = frozenset({"lock"})
_ALARM_OFF = frozenset({"alarm_disarm", "turn_off", "toggle"})


class Verdict(StrEnum):
    OK = "ok"
    CONFIRM = "confirm"  # act only after "tak"/"yes" by the same user
    REFUSE_ALARM = "refuse_alarm"  # disarming an alarm by voice
    REFUSE_EVERYWHERE = "refuse_everywhere"  # e.g. unlock every lock at once


def names_a_target(rec: Recognition) -> bool:
    return any(rec.slots.get(k) for k in ("name", "area", "floor")) or bool(rec.entity_ids)


def _lets_in(effect: Effect) -> bool:
    """Would this open a way into the home (unlock, or open a garage/gate/door cover)?"""
    entity = effect.entity
    if entity.domain == "lock":
        return effect.domain != "lock" or effect.service not in _LOCK_SAFE
    if entity.domain == "cover" and (entity.device_class or "") in ENTRY_COVERS:
        if effect.domain == "cover" and effect.service in _SET_POSITION:
            # Any position above closed lets someone in; an unknown one might.
            return effect.position is None or effect.position > 0
        return effect.domain != "cover" or effect.service not in _ENTRY_COVER_SAFE
    return False


def _disarms(effect: Effect) -> bool:
    if effect.entity.domain != "alarm_control_panel":
        return False
    return effect.service in _ALARM_OFF


def _unknown_on_alarm(effect: Effect) -> bool:
    return effect.entity.domain == "alarm_control_panel" and effect.service == UNKNOWN


def judge(found: Iterable[Effect], *, named: bool, confirm_always: bool = False) -> Verdict:
    """The verdict on a set of effects; ``named`` when the command names its target."""
    found = list(found)
    if any(_disarms(e) for e in found):
        return Verdict.REFUSE_ALARM
    letting_in = [e for e in found if _lets_in(e)]
    if not (letting_in or confirm_always or any(_unknown_on_alarm(e) for e in found)):
        return Verdict.OK
    if not named and any(e.entity.domain == "lock" for e in letting_in):
        return Verdict.REFUSE_EVERYWHERE
    return Verdict.CONFIRM


def verdict(spec: IntentSpec, rec: Recognition, home: Home) -> Verdict:
    """What may happen with this recognition before anything runs."""
    targets = affected(spec, rec, home)
    said = rec.slots.get("device_class")
    said_classes = {said} if isinstance(said, str) else {str(c) for c in said or ()}
    confirm_always = spec.confirm_always or bool(
        spec.confirm_device_classes
        and (
            any((e.device_class or "") in spec.confirm_device_classes for e in targets)
            or said_classes & spec.confirm_device_classes
        )
    )
    return judge(effects(spec, rec, home), named=names_a_target(rec), confirm_always=confirm_always)


def area_wide_domains(spec: IntentSpec, rec: Recognition, home: Home) -> list[str]:
    """The device kinds an area-wide on/off command is narrowed to (those present there)."""
    return sorted({e.domain for e in affected(spec, rec, home)})
