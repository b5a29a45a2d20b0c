"""Polish commands understood locally: no model, inflected names, no diacritics."""

from __future__ import annotations

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
import pytest

from .conftest import _MEDIA, HomeCalls

AGENT = "conversation.llm_intent"

LOCAL_COMMANDS = [
    ("włącz światło w kuchni", "light.kuchnia", "on"),
    ("wlacz swiatlo w kuchni", "light.kuchnia", "on"),
    ("zapal światło w salonie", "light.salon_sufit", "on"),
    ("wlacz swiatlo w salonie", "light.salon_sufit", "on"),
    ("włącz światło w sypialni", "light.sypialnia", "on"),
    ("wlacz swiatlo w lazience", "light.lazienka", "on"),
    ("włącz światło w pokoju dziecięcym", "light.pokoj_dzieciecy", "on"),
    ("wlacz swiatlo w pokoju dzieciecym", "light.pokoj_dzieciecy", "on"),
    ("włącz światło w przedpokoju", "light.przedpokoj", "on"),
    ("zapal swiatlo w jadalni", "light.jadalnia", "on"),
    ("włącz światło w garażu", "light.garaz", "on"),
    ("wlacz oswietlenie w ogrodzie", "light.ogrod", "on"),
    ("włącz lampę stojącą", "light.salon_lampa", "on"),
    ("wlacz lampke nocna", "light.lampka_nocna", "on"),
    ("włącz ekspres do kawy", "switch.ekspres", "on"),
    ("wlacz wentylator w sypialni", "fan.sypialnia", "on"),
    ("włącz choinkę", "switch.choinka", "on"),
    ("otwórz rolety w salonie", "cover.salon", "open"),
    ("otworz rolety w sypialni", "cover.sypialnia", "open"),
    ("zamknij drzwi tarasowe", "lock.taras", "locked"),
    ("wlacz wyciag w lazience", "fan.lazienka", "on"),
    ("Włącz światło w gabinecie!", "light.gabinet", "on"),
]


@pytest.mark.parametrize(("text", "entity_id", "state"), LOCAL_COMMANDS)
async def test_polish_command_works_without_a_model(
    hass: HomeAssistant,
    local_entry: object,
    polish_home: HomeCalls,
    text: str,
    entity_id: str,
    state: str,
) -> None:
    if entity_id.startswith("lock."):
        hass.states.async_set(entity_id, "unlocked", {"friendly_name": "Drzwi tarasowe"})
    result = await conversation.async_converse(
        hass, text, None, None, language="pl", agent_id=AGENT
    )
    speech = result.response.speech["plain"]["speech"]
    assert hass.states.get(entity_id).state == state, speech
    assert result.response.response_type.value != "error", speech
    assert speech and "nie zrozumia" not in speech.lower()


async def test_unknown_command_gets_an_answer_saying_why(
    hass: HomeAssistant, local_entry: object
) -> None:
    result = await conversation.async_converse(
        hass, "zamów pizzę z ananasem", None, None, language="pl", agent_id=AGENT
    )
    assert "Nie zrozumiałem" in result.response.speech["plain"]["speech"]


async def test_a_device_named_in_a_room_it_is_not_in_is_not_touched(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    # "Lampka nocna" is in the bedroom: brightening it "in the kitchen" is no such lamp.
    result = await conversation.async_converse(
        hass, "rozjaśnij lampkę nocną w kuchni", None, None, language="pl", agent_id=AGENT
    )
    assert polish_home.for_entity("light.lampka_nocna") == []
    assert result.response.speech["plain"]["speech"]


async def test_ha_sentences_with_inflected_names_work_without_a_model(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    # HA's own template ("<area> przestań grać"); the area said in the locative, which
    # HA's built-in agent alone does not match and the own matcher has no pattern for.
    hass.states.async_set(
        "media_player.glosnik",
        "playing",
        {"friendly_name": "Głośnik kuchnia", "supported_features": _MEDIA},
    )
    result = await conversation.async_converse(
        hass, "w kuchni przestań grać", None, None, language="pl", agent_id=AGENT
    )
    speech = result.response.speech["plain"]["speech"]
    assert result.response.response_type.value != "error", speech
    assert [c.service for c in polish_home.for_entity("media_player.glosnik")] == ["media_pause"]
