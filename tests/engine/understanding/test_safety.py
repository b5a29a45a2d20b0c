"""The gate judges effects: which service each entity would get, not the intent's name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from custom_components.llm_intent.engine.home import Area, Entity, Home
from custom_components.llm_intent.engine.understanding.builtin import (
    RESOLVED_TARGETS,
    builtin_spec,
)
from custom_components.llm_intent.engine.understanding.catalogue import parse_catalogue
from custom_components.llm_intent.engine.understanding.recognition import Recognition
from custom_components.llm_intent.engine.understanding.safety import Verdict, verdict

BUILTIN = Path(__file__).parents[3] / "custom_components" / "llm_intent" / "intents.yaml"
HOME = Home(
    areas=(Area("hall", "Hall"), Area("garage", "Garage")),
    entities=(
        Entity("lock.front", "Front Door", area_id="hall"),
        Entity("cover.garage", "Garage Door", area_id="garage", device_class="garage"),
        Entity("cover.gate", "Gate", area_id="garage", device_class="gate"),
        Entity("cover.patio", "Patio Door", area_id="hall", device_class="door"),
        Entity("cover.blinds", "Blinds", area_id="hall", device_class="blind"),
        Entity("alarm_control_panel.home", "Alarm", area_id="hall"),
        Entity("light.hall", "Hall Light", area_id="hall"),
    ),
)
USER = """
intents:
  Ajar:
    slots: {name: entity, position: {type: int, min: 0, max: 100}}
    execute: {service: cover.set_cover_position, data: {position: position}}
    responses: {pl: "ok", en: "ok"}
  Welcome:
    slots: {name: entity}
    execute: {service: lock.unlock}
    responses: {pl: "ok", en: "ok"}
  Latch:
    slots: {name: entity}
    execute: {service: lock.open}
    responses: {pl: "ok", en: "ok"}
  QuietNight:
    slots: {name: entity}
    execute: {service: alarm_control_panel.alarm_disarm}
    responses: {pl: "ok", en: "ok"}
  FlipIt:
    slots: {name: entity}
    execute: {service: cover.toggle}
    responses: {pl: "ok", en: "ok"}
  LockUp:
    slots: {name: entity}
    execute: {service: lock.lock}
    responses: {pl: "ok", en: "ok"}
  Shut:
    slots: {name: entity}
    execute: {service: cover.close_cover}
    responses: {pl: "ok", en: "ok"}
"""
CATALOGUE = parse_catalogue(
    [(str(BUILTIN), BUILTIN.read_text(encoding="utf-8")), ("user.yaml", USER)]
)


def _rec(intent: str, entity_id: str, **slots: Any) -> Recognition:
    name = HOME.entity_by_id[entity_id].name
    return Recognition(intent, {"name": name, **slots}, 1.0, entity_ids=(entity_id,))


@pytest.mark.parametrize(
    ("intent", "entity_id", "slots", "expected"),
    [
        ("HassTurnOff", "lock.front", {}, Verdict.CONFIRM),
        ("HassToggle", "lock.front", {}, Verdict.CONFIRM),
        ("HassTurnOn", "lock.front", {}, Verdict.OK),
        ("HassTurnOn", "cover.garage", {}, Verdict.CONFIRM),
        ("HassTurnOn", "cover.gate", {}, Verdict.CONFIRM),
        ("HassTurnOn", "cover.patio", {}, Verdict.CONFIRM),
        ("HassTurnOn", "cover.blinds", {}, Verdict.OK),
        ("HassTurnOff", "cover.garage", {}, Verdict.OK),
        ("HassSetPosition", "cover.garage", {"position": 100}, Verdict.CONFIRM),
        ("HassSetPosition", "cover.garage", {"position": 1}, Verdict.CONFIRM),
        ("HassSetPosition", "cover.gate", {"position": 50}, Verdict.CONFIRM),
        ("HassSetPosition", "cover.garage", {"position": 0}, Verdict.OK),
        ("HassSetPosition", "cover.garage", {}, Verdict.CONFIRM),
        ("HassSetPosition", "cover.blinds", {"position": 100}, Verdict.OK),
        ("HassStopMoving", "cover.garage", {}, Verdict.OK),
        ("HassTurnOff", "alarm_control_panel.home", {}, Verdict.REFUSE_ALARM),
        ("HassGetState", "lock.front", {}, Verdict.OK),
        ("HassGetState", "cover.garage", {}, Verdict.OK),
        ("SomeCustomIntent", "lock.front", {}, Verdict.CONFIRM),
        ("SomeCustomIntent", "light.hall", {}, Verdict.OK),
    ],
)
def test_hass_intents_are_judged_by_what_they_do(
    intent: str, entity_id: str, slots: dict[str, Any], expected: Verdict
) -> None:
    """HA's own intents, as its built-in agent or the model names them."""
    rec = _rec(intent, entity_id, **slots)
    assert verdict(builtin_spec(intent), rec, HOME) is expected


@pytest.mark.parametrize(
    ("intent", "entity_id", "slots", "expected"),
    [
        ("HassSetPosition", "cover.garage", {"position": 100}, Verdict.CONFIRM),
        ("HassSetPosition", "cover.garage", {"position": 0}, Verdict.OK),
        ("Ajar", "cover.garage", {"position": 30}, Verdict.CONFIRM),
        ("Ajar", "cover.patio", {"position": 30}, Verdict.CONFIRM),
        ("Ajar", "cover.garage", {"position": 0}, Verdict.OK),
        ("Ajar", "cover.blinds", {"position": 30}, Verdict.OK),
        ("Welcome", "lock.front", {}, Verdict.CONFIRM),
        ("Latch", "lock.front", {}, Verdict.CONFIRM),
        ("QuietNight", "alarm_control_panel.home", {}, Verdict.REFUSE_ALARM),
        ("FlipIt", "cover.garage", {}, Verdict.CONFIRM),
        ("LockUp", "lock.front", {}, Verdict.OK),
        ("Shut", "cover.garage", {}, Verdict.OK),
    ],
)
def test_catalogue_intents_are_judged_by_the_service_they_call(
    intent: str, entity_id: str, slots: dict[str, Any], expected: Verdict
) -> None:
    spec = CATALOGUE.get(intent)
    assert spec is not None
    assert verdict(spec, _rec(intent, entity_id, **slots), HOME) is expected


def test_a_name_is_matched_as_ha_matches_it_case_and_accents_aside() -> None:
    rec = Recognition("HassTurnOff", {"name": "front door"}, 1.0)
    assert verdict(builtin_spec("HassTurnOff"), rec, HOME) is Verdict.CONFIRM


def test_unlocking_every_lock_at_once_is_refused() -> None:
    spec = CATALOGUE.get("Welcome")
    assert spec is not None
    assert verdict(spec, Recognition("Welcome", {}, 1.0), HOME) is Verdict.REFUSE_EVERYWHERE


def test_a_builtin_recognition_acts_only_on_the_targets_ha_resolved() -> None:
    """HA found nothing to act on: the rest of the house is not what it would touch."""
    rec = Recognition("HassStartTimer", {"minutes": 5}, 1.0, extra={RESOLVED_TARGETS: True})
    assert verdict(builtin_spec("HassStartTimer"), rec, HOME) is Verdict.OK
    custom = Recognition("GoodNight", {}, 1.0, extra={RESOLVED_TARGETS: True})
    assert verdict(builtin_spec("GoodNight"), custom, HOME) is Verdict.OK
