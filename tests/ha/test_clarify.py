"""Unclear commands get one short question naming the candidates; the answer is understood.

The candidates are the rooms that have what the command is about, named the
Polish way ("W salonie czy w kuchni?"), and the answer ("w kuchni") completes
the command without another model call. A question the model asks itself is
passed back to it with the answer.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import conversation
from homeassistant.core import HomeAssistant

from ..fake_provider import FakeProviderServer
from .conftest import CorrectModel, HomeCalls, recognize


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def test_music_without_a_room_asks_which_room_and_the_answer_completes_it(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    question = await recognize(hass, "włącz muzykę", conversation_id="c")

    assert question["speech"] == "W salonie czy w kuchni?"
    assert question["asked"] is True
    assert polish_home.calls == []

    answer = await recognize(hass, "w kuchni", conversation_id="c")

    assert answer["success"] is True, answer
    assert _state(hass, "media_player.glosnik") == "on"
    assert _state(hass, "media_player.telewizor") == "paused"
    assert answer["speech"] == "Włączono odtwarzacz w kuchni."


async def test_through_assist_the_question_keeps_the_conversation_open(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    asked = await conversation.async_converse(
        hass, "włącz muzykę", None, None, language="pl", agent_id="conversation.llm_intent"
    )
    assert asked.response.speech["plain"]["speech"] == "W salonie czy w kuchni?"
    assert asked.continue_conversation is True

    done = await conversation.async_converse(
        hass,
        "w salonie",
        asked.conversation_id,
        None,
        language="pl",
        agent_id="conversation.llm_intent",
    )
    assert done.response.speech["plain"]["speech"] == "Włączono odtwarzacz w salonie."
    assert _state(hass, "media_player.telewizor") == "on"


async def test_the_model_finds_it_unclear_and_our_question_names_the_rooms(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    correct_model: CorrectModel,
) -> None:
    """Not sure enough locally, so the model is asked; it says "unclear"."""
    correct_model.teach_question("ustaw ogrzewanie na 21 stopni bo jest zimno", "W którym pokoju?")

    question = await recognize(
        hass, "ustaw ogrzewanie na 21 stopni bo jest zimno", conversation_id="c"
    )

    assert len(fake_provider.requests_for("/v1/chat/completions")) == 1
    assert question["speech"] == "W salonie czy w sypialni?"
    answer = await recognize(hass, "w sypialni", conversation_id="c")

    assert len(fake_provider.requests_for("/v1/chat/completions")) == 1, (
        "the answer needed no second model call"
    )
    state = hass.states.get("climate.sypialnia")
    assert state is not None and state.attributes["temperature"] == 21
    assert hass.states.get("climate.salon").attributes["temperature"] == 20
    assert answer["speech"] == "Ustawiono 21 °C w sypialni."


async def test_three_rooms_are_named_and_an_inflected_answer_without_diacritics_works(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    question = await recognize(hass, "zamknij rolety", conversation_id="c")

    assert question["speech"] == "W salonie, w sypialni czy w garażu?"
    hass.states.async_set("cover.sypialnia", "open", {"supported_features": 7})
    answer = await recognize(hass, "w sypialni prosze", conversation_id="c")

    assert _state(hass, "cover.sypialnia") == "closed", answer
    assert answer["speech"] == "Zamknięto rolety w sypialni."


async def test_many_rooms_get_a_short_question(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    question = await recognize(hass, "włącz światło", conversation_id="c")

    assert question["speech"] == "W którym pomieszczeniu?"
    assert polish_home.calls == []
    answer = await recognize(hass, "w łazience", conversation_id="c")
    assert _state(hass, "light.lazienka") == "on", answer
    assert answer["speech"] == "Włączono światło w łazience."


async def test_a_new_command_instead_of_an_answer_is_just_a_new_command(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    await recognize(hass, "włącz muzykę", conversation_id="c")
    other = await recognize(hass, "włącz światło w garażu", conversation_id="c")
    assert _state(hass, "light.garaz") == "on", other
    polish_home.clear()

    late = await recognize(hass, "w kuchni", conversation_id="c")

    assert _state(hass, "media_player.glosnik") == "paused", late
    assert all(c.domain != "media_player" for c in polish_home.calls)


async def test_an_answer_after_the_window_does_not_act(
    hass: HomeAssistant,
    local_entry: object,
    polish_home: HomeCalls,
    freezer: FrozenDateTimeFactory,
) -> None:
    await recognize(hass, "włącz muzykę", conversation_id="c")
    freezer.tick(31)

    await recognize(hass, "w kuchni", conversation_id="c")

    assert _state(hass, "media_player.glosnik") == "paused"
    assert polish_home.calls == []


async def test_the_models_own_question_and_the_answer_go_back_to_it(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    correct_model: CorrectModel,
) -> None:
    correct_model.teach_question(
        "zrób tu przyjemnie", "Mam przygasić światło czy podkręcić ogrzewanie?"
    )
    # A correct model completes the earlier command only when it sees the question.
    correct_model.teach(
        "przygaś światło",
        "HassLightSet",
        given="Mam przygasić światło czy podkręcić ogrzewanie?",
        area="Salon",
        brightness=30,
    )

    question = await recognize(hass, "zrób tu przyjemnie", conversation_id="c", area_id="salon")
    assert question["speech"] == "Mam przygasić światło czy podkręcić ogrzewanie?"

    answer = await recognize(hass, "przygaś światło", conversation_id="c", area_id="salon")

    assert 'about: "zrób tu przyjemnie"' in correct_model.contexts[-1]
    assert answer["path"] == "llm", answer
    state = hass.states.get("light.salon_sufit")
    assert state is not None and state.attributes["brightness_pct"] == 30
    assert answer["speech"] == "Ustawiono światło w salonie na 30%."

    # The question is context for one turn only.
    await recognize(hass, "przygaś światło", conversation_id="c", area_id="salon")
    assert "you asked" not in correct_model.contexts[-1]
