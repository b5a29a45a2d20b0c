"""What a recognition would do to each entity: the service that would run on it, and how.

The safety gate judges these effects, never an intent's name. HA's generic
``HassTurnOff`` unlocks a lock, ``HassTurnOn`` opens a garage door,
``HassSetPosition`` to 100 opens it too, and a user catalogue intent may call
``lock.unlock`` or ``cover.set_cover_position`` under any name it likes. The
mapping mirrors HA's own intent handlers (``homeassistant.components.intent``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..home import Entity, Home
from ..language.normalize import fold
from .builtin import resolved
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
ON_OFF_INTENTS = frozenset({"HassTurnOn", "HassTurnOff", "HassToggle"})
# HA's on/off handler calls these per entity domain (OnOffIntentHandler).
_ON_OFF_SERVICES: Mapping[str, Mapping[str, str]] = {
    "HassTurnOn": {
        "cover": "open_cover",
        "lock": "lock",
        "valve": "open_valve",
        "button": "press",
        "input_button": "press",
    },
    "HassTurnOff": {"cover": "close_cover", "lock": "unlock", "valve": "close_valve"},
    "HassToggle": {},
}
_ON_OFF_DEFAULT = {"HassTurnOn": "turn_on", "HassTurnOff": "turn_off", "HassToggle": "toggle"}
_HOMEASSISTANT_SERVICES = {
    "turn_on": "HassTurnOn",
    "turn_off": "HassTurnOff",
    "toggle": "HassToggle",
}
# Intents that act on one kind of device, and the service they call on it.
_DEVICE_INTENTS: Mapping[str, Mapping[str, str]] = {
    "HassSetPosition": {"cover": "set_cover_position", "valve": "set_valve_position"},
    "HassStopMoving": {"cover": "stop_cover", "valve": "stop_valve"},
    "HassLightSet": {"light": "turn_on"},
    "HassClimateSetTemperature": {"climate": "set_temperature"},
    "HassFanSetSpeed": {"fan": "set_percentage"},
    "HassHumidifierSetpoint": {"humidifier": "set_humidity"},
    "HassHumidifierMode": {"humidifier": "set_mode"},
    "HassMediaUnpause": {"media_player": "media_play"},
    "HassMediaPause": {"media_player": "media_pause"},
    "HassMediaNext": {"media_player": "media_next_track"},
    "HassMediaPrevious": {"media_player": "media_previous_track"},
    "HassSetVolume": {"media_player": "volume_set"},
    "HassSetVolumeRelative": {"media_player": "volume_set"},
    "HassMediaSearchAndPlay": {"media_player": "play_media"},
    "HassVacuumStart": {"vacuum": "start"},
    "HassVacuumReturnToBase": {"vacuum": "return_to_base"},
    "HassVacuumCleanArea": {"vacuum": "clean_area"},
    "HassLawnMowerStartMowing": {"lawn_mower": "start_mowing"},
    "HassLawnMowerDock": {"lawn_mower": "dock"},
}
# HA's timer intents: they keep time on a satellite and change no device.
TIMER_INTENTS = frozenset(
    {
        "HassStartTimer",
        "HassCancelTimer",
        "HassCancelAllTimers",
        "HassIncreaseTimer",
        "HassDecreaseTimer",
        "HassPauseTimer",
        "HassUnpauseTimer",
        "HassTimerStatus",
    }
)
# Intents that only read, answer or keep time: they change no device.
READ_ONLY_INTENTS = frozenset(
    {
        "HassGetState",
        "HassClimateGetTemperature",
        "HassGetCurrentDate",
        "HassGetCurrentTime",
        "HassGetWeather",
        "HassNevermind",
        "HassRespond",
        "HassBroadcast",
        "HassShoppingListAddItem",
        "HassShoppingListCompleteItem",
        "HassShoppingListLastItems",
        "HassListAddItem",
        "HassListCompleteItem",
        "HassListRemoveItem",
    }
    | TIMER_INTENTS
)
UNKNOWN = ""  # an action whose effect on the entity cannot be known
# Questions whose HA handler only looks at one kind of device.
_ASKING_INTENTS: Mapping[str, frozenset[str]] = {
    "HassClimateGetTemperature": frozenset({"climate"}),
}


def handler_domains(intent: str) -> frozenset[str] | None:
    """The kinds of device HA's handler for ``intent`` takes, when it takes only some."""
    if intent in _DEVICE_INTENTS:
        return frozenset(_DEVICE_INTENTS[intent])
    return _ASKING_INTENTS.get(intent)


@dataclass(frozen=True, slots=True)
class Effect:
    """One entity and the service that would be called on it."""

    entity: Entity
    domain: str
    service: str  # UNKNOWN when the action could do anything to it
    # The position asked for, when the service sets one; None if unknown.
    position: float | None = None


def _domains(rec: Recognition) -> tuple[str, ...] | None:
    domain = rec.slots.get("domain")
    if isinstance(domain, str) and domain:
        return (domain,)
    if isinstance(domain, list | tuple) and domain:
        return tuple(str(d) for d in domain)
    return None


def switches_on_or_off(spec: IntentSpec) -> bool:
    """The action is a plain on/off (HA's on/off intents or a ``*.turn_on``-like service)."""
    if spec.ha_intent in ON_OFF_INTENTS:
        return True
    if spec.service is None:
        return False
    return spec.service.split(".", 1)[1] in _HOMEASSISTANT_SERVICES


def is_area_wide(spec: IntentSpec, rec: Recognition) -> bool:
    """An on/off command for a place without naming a device or a kind of device."""
    return switches_on_or_off(spec) and "name" not in rec.slots and _domains(rec) is None


def named(entity: Entity, name: str) -> bool:
    """``entity`` is called ``name`` (or has it as an alias), case and diacritics aside."""
    wanted = fold(name)
    return any(fold(n) == wanted for n in (entity.name, *entity.aliases))


def affected(spec: IntentSpec, rec: Recognition, home: Home) -> list[Entity]:
    """The exposed entities this recognition would act on (as HA's matching would pick them)."""
    if rec.entity_ids or resolved(rec):
        return [home.entity_by_id[i] for i in rec.entity_ids if i in home.entity_by_id]
    name = rec.slots.get("name")
    if isinstance(name, str) and name:
        return [e for e in home.entities if named(e, name)]
    domains = _domains(rec)
    if domains is None and is_area_wide(spec, rec):
        domains = AREA_WIDE_DOMAINS
    area_ids = _area_ids(rec, home)
    return [
        e
        for e in home.entities
        if (domains is None or e.domain in domains) and (area_ids is None or e.area_id in area_ids)
    ]


def said_area_ids(slots: Mapping[str, Any], home: Home) -> set[str] | None:
    """The areas the ``area`` or ``floor`` slot names; None when neither is given."""
    area = slots.get("area")
    if isinstance(area, str) and area:
        return {a.area_id for a in home.areas if fold(a.name) == fold(area)}
    floor = slots.get("floor")
    if isinstance(floor, str) and floor:
        floors = {f.floor_id for f in home.floors if fold(f.name) == fold(floor)}
        return {a.area_id for a in home.areas if a.floor_id in floors}
    return None


def _area_ids(rec: Recognition, home: Home) -> set[str] | None:
    ids = said_area_ids(rec.slots, home)
    area = rec.slots.get("area")
    if not ids and isinstance(area, str) and area and rec.area_id:
        return {rec.area_id}  # a name the home does not resolve: the recognised area
    return ids


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            return None
    return None


def _intent_effect(intent: str, entity: Entity, rec: Recognition) -> Effect | None:
    domain = entity.domain
    if intent in READ_ONLY_INTENTS:
        return None
    if intent in ON_OFF_INTENTS:
        return Effect(entity, domain, _ON_OFF_SERVICES[intent].get(domain, _ON_OFF_DEFAULT[intent]))
    if intent in _DEVICE_INTENTS:
        own = _DEVICE_INTENTS[intent].get(domain)
        if own is None:
            return None  # HA's handler only takes its own kinds of device
        position = _number(rec.slots.get("position")) if intent == "HassSetPosition" else None
        return Effect(entity, domain, own, position)
    return Effect(entity, domain, UNKNOWN)


def _service_effect(spec: IntentSpec, entity: Entity, rec: Recognition) -> Effect | None:
    assert spec.service is not None
    domain, service = spec.service.split(".", 1)
    if domain == "homeassistant" and service in _HOMEASSISTANT_SERVICES:
        return _intent_effect(_HOMEASSISTANT_SERVICES[service], entity, rec)
    if domain != entity.domain:
        # The executor calls a catalogue service only on entities of its own domain.
        return None
    data = {key: rec.slots.get(slot, spec.defaults.get(slot)) for key, slot in spec.data.items()}
    position = _number(data.get("position", data.get("tilt_position")))
    return Effect(entity, domain, service, position)


def effects(spec: IntentSpec, rec: Recognition, home: Home) -> list[Effect]:
    """What running ``spec`` for ``rec`` would do to each entity it reaches."""
    targets = affected(spec, rec, home)
    found: list[Effect] = []
    for entity in targets:
        if spec.ha_intent is not None:
            effect = _intent_effect(spec.ha_intent, entity, rec)
        elif spec.service is not None:
            effect = _service_effect(spec, entity, rec)
        else:
            effect = None
        if effect is not None:
            found.append(effect)
    return found
