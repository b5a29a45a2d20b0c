"""Which actions need a spoken "yes", which are refused, and what "everything" may touch.

Judged by effect, not by intent name: HA's generic on/off intents unlock
locks ("off") and open garage doors ("on"), so a model that answers
``HassTurnOff`` for "drzwi wejściowe", a catalogue intent that targets a whole
room, or a prompt-injected "unlock everything" must meet the same rules as
``LockUnlock``. Area-wide commands without a device kind only ever reach the
kinds in ``AREA_WIDE_DOMAINS``: "wyłącz wszystko w przedpokoju" turns off the
lights there, it does not unlock the front door.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from ..home import Entity, Home
from .catalogue import IntentSpec
from .recognition import Recognition

# What "everything in the kitchen" means: things that are simply on or off.
AREA_WIDE_DOMAINS = (
    "light",
    "switch",
    "fan",
    "media_player",
    "climate",
    "humidifier",
    "input_boolean",
)
# Cover device classes that let people in when opened.
ENTRY_COVERS = frozenset({"garage", "gate", "door"})
_ON = frozenset({"HassTurnOn", "HassToggle"})
_OFF = frozenset({"HassTurnOff", "HassToggle"})
_SERVICE_EFFECTS = {
    "lock.unlock": "off",
    "lock.open": "off",
    "cover.open_cover": "on",
    "cover.toggle": "on",
    "alarm_control_panel.alarm_disarm": "off",
}


class Verdict(StrEnum):
    OK = "ok"
    CONFIRM = "confirm"  # act only after "tak"/"yes"
    REFUSE_ALARM = "refuse_alarm"  # disarming an alarm by voice
    REFUSE_EVERYWHERE = "refuse_everywhere"  # e.g. unlock every lock at once


def _effects(spec: IntentSpec) -> set[str]:
    effects: set[str] = set()
    if spec.ha_intent in _ON:
        effects.add("on")
    if spec.ha_intent in _OFF:
        effects.add("off")
    if spec.service in _SERVICE_EFFECTS:
        effects.add(_SERVICE_EFFECTS[spec.service])
    return effects


def _domains(rec: Recognition) -> tuple[str, ...] | None:
    domain = rec.slots.get("domain")
    if isinstance(domain, str) and domain:
        return (domain,)
    if isinstance(domain, list | tuple) and domain:
        return tuple(str(d) for d in domain)
    return None


def is_area_wide(spec: IntentSpec, rec: Recognition) -> bool:
    """An on/off command for a place without naming a device or a kind of device."""
    return bool(_effects(spec)) and "name" not in rec.slots and _domains(rec) is None


def names_a_target(rec: Recognition) -> bool:
    return any(rec.slots.get(k) for k in ("name", "area", "floor")) or bool(rec.entity_ids)


def affected(spec: IntentSpec, rec: Recognition, home: Home) -> list[Entity]:
    """The exposed entities this recognition would act on (as HA's matching would pick them)."""
    if rec.entity_ids:
        return [home.entity_by_id[i] for i in rec.entity_ids if i in home.entity_by_id]
    name = rec.slots.get("name")
    if isinstance(name, str) and name:
        return [e for e in home.entities if e.name == name]
    domains = _domains(rec)
    if domains is None and is_area_wide(spec, rec):
        domains = AREA_WIDE_DOMAINS
    area_ids = _area_ids(rec, home)
    return [
        e
        for e in home.entities
        if (domains is None or e.domain in domains) and (area_ids is None or e.area_id in area_ids)
    ]


def _area_ids(rec: Recognition, home: Home) -> set[str] | None:
    area = rec.slots.get("area")
    if isinstance(area, str) and area:
        ids = {a.area_id for a in home.areas if a.name == area}
        return ids or ({rec.area_id} if rec.area_id else set())
    floor = rec.slots.get("floor")
    if isinstance(floor, str) and floor:
        floors = {f.floor_id for f in home.floors if f.name == floor}
        return {a.area_id for a in home.areas if a.floor_id in floors}
    return None


def _lets_in(entities: Iterable[Entity], effects: set[str]) -> bool:
    for e in entities:
        if e.domain == "lock" and "off" in effects:
            return True
        if e.domain == "cover" and "on" in effects and (e.device_class or "") in ENTRY_COVERS:
            return True
    return False


def verdict(spec: IntentSpec, rec: Recognition, home: Home) -> Verdict:
    """What may happen with this recognition before anything runs."""
    effects = _effects(spec)
    targets = affected(spec, rec, home)
    if "off" in effects and any(e.domain == "alarm_control_panel" for e in targets):
        return Verdict.REFUSE_ALARM
    sensitive = _lets_in(targets, effects) or spec.confirm_always
    if spec.confirm_device_classes and any(
        (e.device_class or "") in spec.confirm_device_classes for e in targets
    ):
        sensitive = True
    said = rec.slots.get("device_class")
    said_classes = {said} if isinstance(said, str) else set(said or ())
    if said_classes & spec.confirm_device_classes:
        sensitive = True
    if not sensitive:
        return Verdict.OK
    if not names_a_target(rec) and any(e.domain == "lock" for e in targets):
        return Verdict.REFUSE_EVERYWHERE
    return Verdict.CONFIRM


def area_wide_domains(spec: IntentSpec, rec: Recognition, home: Home) -> list[str]:
    """The device kinds an area-wide on/off command is narrowed to (those present there)."""
    return sorted({e.domain for e in affected(spec, rec, home)})
