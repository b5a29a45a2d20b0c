"""The model's reply is checked against the catalogue and the home before anything runs."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.llm_intent.engine.types import IntentReply
from custom_components.llm_intent.engine.understanding.recognition import Recognition
from custom_components.llm_intent.engine.understanding.validate import Rejection, validate_reply

from .test_local_match import CATALOGUE, HOME


def check(intent: str, confidence: float = 0.9, question: str | None = None, **slots: Any):  # type: ignore[no-untyped-def]
    return validate_reply(IntentReply(intent, slots, confidence, question), CATALOGUE, HOME, "pl")


def test_names_become_canonical_and_resolve_to_exposed_entities() -> None:
    rec = check("HassTurnOn", name="lampę stojącą")
    assert isinstance(rec, Recognition)
    assert rec.slots["name"] == "Lampa stojąca"
    assert rec.entity_ids == ("light.salon_lampa",)
    by_id = check("HassTurnOn", name="light.salon_lampa")
    assert isinstance(by_id, Recognition) and by_id.slots["name"] == "Lampa stojąca"


def test_areas_and_floors_become_canonical() -> None:
    rec = check("HassTurnOff", area="w kuchni", domain="light")
    assert isinstance(rec, Recognition)
    assert (rec.slots["area"], rec.area_id) == ("Kuchnia", "kuchnia")
    floor = check("HassTurnOff", floor="parterze", domain="light")
    assert isinstance(floor, Recognition) and floor.slots["floor"] == "Parter"


def test_numbers_are_cast_and_defaults_filled() -> None:
    rec = check("HassLightSet", area="Salon", brightness="50%")
    assert isinstance(rec, Recognition)
    assert rec.slots["brightness"] == 50
    assert rec.slots["domain"] == "light"
    temp = check("HassClimateSetTemperature", area="Salon", temperature="21,5")
    assert isinstance(temp, Recognition) and temp.slots["temperature"] == 21.5


def test_empty_slots_are_ignored() -> None:
    rec = check("HassTurnOn", name="Lampa stojąca", area=None, floor="", domain=None)
    assert isinstance(rec, Recognition)
    assert "area" not in rec.slots and "floor" not in rec.slots


@pytest.mark.parametrize(
    ("intent", "slots", "reason"),
    [
        ("HassUnlockEverything", {}, "unknown_intent"),
        ("HassTurnOn", {"service": "lock.unlock", "name": "Lampa stojąca"}, "unknown_slot"),
        ("HassTurnOn", {"brightness": 100, "name": "Lampa stojąca"}, "unknown_slot"),
        ("HassTurnOff", {"name": "Sejf"}, "invalid_slot"),
        ("HassTurnOff", {"name": "lock.sejf"}, "invalid_slot"),
        ("HassTurnOn", {"area": "Piwnica"}, "invalid_slot"),
        ("HassTurnOn", {"area": "Kuchnia", "domain": "homeassistant"}, "invalid_slot"),
        ("HassLightSet", {"name": "Żyrandol", "brightness": "bardzo"}, "invalid_slot"),
        ("HassLightSet", {"name": "Żyrandol", "brightness": True}, "invalid_slot"),
        ("HassLightSet", {"name": "Żyrandol", "brightness": float("nan")}, "invalid_slot"),
        ("HassLightSet", {"name": "Żyrandol", "color": "ultraviolet"}, "invalid_slot"),
        ("HassSetPosition", {"name": "Rolety salon", "position": 250}, "invalid_slot"),
        ("HassClimateSetTemperature", {"area": "Salon", "temperature": 95}, "invalid_slot"),
        ("ClimateSetMode", {"area": "Salon", "mode": "turbo"}, "invalid_slot"),
        ("HassGetState", {"name": "Alarm", "state": "zamknięte"}, "invalid_slot"),
        ("HassStartTimer", {"name": "x" * 500}, "invalid_slot"),
    ],
)
def test_bad_replies_are_rejected(intent: str, slots: dict[str, Any], reason: str) -> None:
    result = check(intent, **slots)
    assert isinstance(result, Rejection)
    assert result.reason == reason


def test_unsure_answers_carry_the_models_question() -> None:
    unclear = check("unclear", 0.3, "W salonie czy w kuchni?")
    assert isinstance(unclear, Rejection)
    assert (unclear.reason, unclear.question) == ("unclear", "W salonie czy w kuchni?")
    low = check("HassTurnOn", 0.2, name="Lampa stojąca")
    assert isinstance(low, Rejection) and low.reason == "low_confidence"
    scope = check("out_of_scope")
    assert isinstance(scope, Rejection) and scope.reason == "out_of_scope"


def test_a_model_asking_if_a_lock_is_closed_means_locked() -> None:
    # Bug caught: only the local matcher mapped it; the model's "closed" made
    # HA answer "no" about a locked front door.
    rec = check("HassGetState", name="Drzwi wejściowe", state="closed")
    assert isinstance(rec, Recognition)
    assert rec.slots["state"] == "locked"
    cover = check("HassGetState", name="Rolety salon", state="closed")
    assert isinstance(cover, Recognition)
    assert cover.slots["state"] == "closed"
