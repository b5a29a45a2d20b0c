"""Follow-ups use the previous turn while the context is fresh, and not after its lifetime.

Time is moved with the harness's clock (``freezer``); nothing sleeps. The
context lifetime is the default five minutes.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import conversation
from homeassistant.core import HomeAssistant

from .conftest import CorrectModel, HomeCalls, recognize

AGENT = "conversation.llm_intent"
TTL_S = 300


async def _say(hass: HomeAssistant, text: str, conversation_id: str = "rozmowa-1") -> str:
    result = await conversation.async_converse(
        hass, text, conversation_id, None, language="pl", agent_id=AGENT
    )
    return str(result.response.speech["plain"]["speech"])


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_a_teraz_wylacz_acts_on_the_previous_target_inside_the_ttl(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls, freezer: FrozenDateTimeFactory
) -> None:
    await _say(hass, "włącz światło w kuchni")
    assert _state(hass, "light.kuchnia") == "on"

    freezer.tick(TTL_S - 10)
    speech = await _say(hass, "a teraz wyłącz")

    assert _state(hass, "light.kuchnia") == "off", speech
    assert speech == "Wyłączono światło w kuchni."


async def test_a_teraz_wylacz_does_nothing_after_the_ttl(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls, freezer: FrozenDateTimeFactory
) -> None:
    await _say(hass, "włącz światło w kuchni")
    assert _state(hass, "light.kuchnia") == "on"
    polish_home.clear()

    freezer.tick(TTL_S + 1)
    speech = await _say(hass, "a teraz wyłącz")

    assert _state(hass, "light.kuchnia") == "on", speech
    assert polish_home.calls == []
    assert speech  # still answered


async def test_i_w_kuchni_tez_repeats_the_action_elsewhere_inside_the_ttl(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls, freezer: FrozenDateTimeFactory
) -> None:
    await _say(hass, "zapal światło w salonie")
    assert _state(hass, "light.salon_sufit") == "on"

    freezer.tick(60)
    speech = await _say(hass, "i w kuchni też")

    assert _state(hass, "light.kuchnia") == "on", speech
    assert speech == "Włączono światło w kuchni."


async def test_i_w_kuchni_tez_is_not_understood_after_the_ttl(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls, freezer: FrozenDateTimeFactory
) -> None:
    await _say(hass, "zapal światło w salonie")
    polish_home.clear()

    freezer.tick(TTL_S + 1)
    speech = await _say(hass, "i w kuchni też")

    assert _state(hass, "light.kuchnia") == "off"
    assert polish_home.calls == []
    assert speech.startswith("Nie zrozumiałem")


async def test_jasniej_brightens_what_was_just_turned_on(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls, freezer: FrozenDateTimeFactory
) -> None:
    await _say(hass, "włącz lampę stojącą")
    hass.states.async_set(
        "light.salon_lampa", "on", {"friendly_name": "Lampa stojąca", "brightness_pct": 40}
    )

    freezer.tick(30)
    speech = await _say(hass, "jaśniej")

    state = hass.states.get("light.salon_lampa")
    assert state is not None
    assert state.attributes["brightness_pct"] == 60, speech
    assert speech == "Rozjaśniono lampę stojącą."
    # Only the lamp the user meant, not every light in the living room.
    assert _state(hass, "light.salon_sufit") == "off"

    freezer.tick(TTL_S + 1)
    polish_home.clear()
    await _say(hass, "jaśniej")
    assert polish_home.calls == []


async def test_follow_ups_are_per_conversation(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    await _say(hass, "włącz światło w kuchni", "rozmowa-1")
    polish_home.clear()

    await _say(hass, "a teraz wyłącz", "rozmowa-2")

    assert _state(hass, "light.kuchnia") == "on"
    assert polish_home.calls == []


async def test_the_model_gets_the_previous_turn_only_inside_the_ttl(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    correct_model: CorrectModel,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A follow-up only the model understands: it needs the previous turn in CONTEXT."""
    correct_model.teach("zrób mi kawę", "HassTurnOn", name="Ekspres do kawy")
    correct_model.teach(
        "dobra, jednak nie chcę, wyłącz to z powrotem",
        "HassTurnOff",
        given="previous: HassTurnOn",
        name="Ekspres do kawy",
    )
    first = await recognize(hass, "zrób mi kawę", conversation_id="k")
    assert first["path"] == "llm" and _state(hass, "switch.ekspres") == "on"

    freezer.tick(TTL_S - 1)
    second = await recognize(
        hass, "dobra, jednak nie chcę, wyłącz to z powrotem", conversation_id="k"
    )
    assert second["path"] == "llm", second
    assert _state(hass, "switch.ekspres") == "off"
    assert second["speech"] == "Wyłączono ekspres do kawy."

    hass.states.async_set("switch.ekspres", "on", {"friendly_name": "Ekspres do kawy"})
    freezer.tick(TTL_S + 1)
    polish_home.clear()
    third = await recognize(
        hass, "dobra, jednak nie chcę, wyłącz to z powrotem", conversation_id="k"
    )
    assert "previous:" not in correct_model.contexts[-1]
    assert _state(hass, "switch.ekspres") == "on"
    assert polish_home.calls == []
    assert third["speech"]
