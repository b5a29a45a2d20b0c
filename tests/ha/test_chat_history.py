"""Turns answered locally are in HA's chat log, and a follow-up brings them to the model.

HA's assist pipeline, when it prefers local intents, answers a command with its
own agent before this one is asked and writes that turn to the chat log; the
follow-up that needs the model must reach it with that turn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.chat_session import async_get_chat_session
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import CONF_PROVIDER, DOMAIN

from ..fake_provider import OPENAI_KEY, FakeProviderServer
from .conftest import CorrectModel, HomeCalls

AGENT = "conversation.llm_intent"
# Nominative: the inflected "w kuchni" is beyond HA's own matching.
FIRST = "włącz światło w Kuchnia"
FOLLOW_UP = "dobra, jednak nie chcę, wyłącz to z powrotem"


@pytest.fixture
async def local_first_entry(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    correct_model: CorrectModel,
) -> AsyncIterator[MockConfigEntry]:
    """The model behind local matching (the default), as most homes run it."""
    fake_provider.default_handler = correct_model
    correct_model.teach(
        FOLLOW_UP, "HassTurnOff", given=f'user: "{FIRST}"', area="Kuchnia", domain="light"
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_PROVIDER: "openai_compatible",
            "base_url": fake_provider.openai_base_url,
            "api_key": OPENAI_KEY,
            "model": "gpt-4o-mini",
        },
        # A loaded test machine must not turn the model's answer into a timeout.
        options={"request_timeout": 15},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def answer_like_the_assist_pipeline(hass: HomeAssistant, text: str) -> tuple[str, str]:
    """What HA's pipeline does with prefer_local_intents: its own agent answers, the
    turn goes to the chat log, this agent is never called. (conversation id, speech)"""
    with async_get_chat_session(hass, None) as session:
        user_input = conversation.ConversationInput(
            text=text,
            context=Context(),
            conversation_id=session.conversation_id,
            device_id=None,
            satellite_id=None,
            language="pl",
            agent_id=AGENT,
        )
        with conversation.async_get_chat_log(hass, session, user_input) as chat_log:
            response = await conversation.async_handle_intents(hass, user_input, chat_log)
            assert response is not None, "HA's own intents should handle this"
            speech = str(response.speech["plain"]["speech"])
            chat_log.async_add_assistant_content_without_tools(
                conversation.AssistantContent(
                    agent_id=conversation.HOME_ASSISTANT_AGENT, content=speech
                )
            )
        return session.conversation_id, speech


async def converse(hass: HomeAssistant, text: str, conversation_id: str | None) -> str:
    result = await conversation.async_converse(
        hass, text, conversation_id, None, language="pl", agent_id=AGENT
    )
    return str(result.conversation_id)


def commands(model: CorrectModel) -> list[str]:
    """What the model was asked to recognise (setup's key check asks nothing)."""
    return [text for text in model.asked if text]


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None
    return found.state


async def test_a_turn_the_assist_pipeline_answered_reaches_the_model_in_the_follow_up(
    hass: HomeAssistant,
    local_first_entry: MockConfigEntry,
    correct_model: CorrectModel,
    fake_provider: FakeProviderServer,
) -> None:
    conversation_id, speech = await answer_like_the_assist_pipeline(hass, FIRST)
    assert state(hass, "light.kuchnia") == "on"
    assert fake_provider.chat_calls() == 0

    await converse(hass, FOLLOW_UP, conversation_id)

    assert commands(correct_model) == [FOLLOW_UP]
    context = correct_model.contexts[-1]
    assert f'user: "{FIRST}"' in context
    assert f'assistant: "{speech}"' in context
    assert state(hass, "light.kuchnia") == "off"


async def test_a_turn_this_agent_answered_locally_reaches_the_model_in_the_follow_up(
    hass: HomeAssistant,
    local_first_entry: MockConfigEntry,
    correct_model: CorrectModel,
    fake_provider: FakeProviderServer,
) -> None:
    conversation_id = await converse(hass, FIRST, None)
    assert state(hass, "light.kuchnia") == "on"
    assert fake_provider.chat_calls() == 0, "the first command is handled locally"

    await converse(hass, FOLLOW_UP, conversation_id)

    assert commands(correct_model) == [FOLLOW_UP]
    assert f'user: "{FIRST}"' in correct_model.contexts[-1]
    assert state(hass, "light.kuchnia") == "off"


async def test_a_follow_up_understood_from_earlier_messages_is_not_replayed_elsewhere(
    hass: HomeAssistant,
    local_first_entry: MockConfigEntry,
    correct_model: CorrectModel,
    polish_home: HomeCalls,
) -> None:
    conversation_id, _ = await answer_like_the_assist_pipeline(hass, FIRST)
    await converse(hass, FOLLOW_UP, conversation_id)
    assert state(hass, "light.kuchnia") == "off"
    hass.states.async_set("light.kuchnia", "on", {"friendly_name": "Kuchnia"})
    polish_home.clear()

    # A new conversation with no earlier messages: "to" means nothing here.
    await converse(hass, FOLLOW_UP, None)

    assert polish_home.for_entity("light.kuchnia") == []
    assert commands(correct_model) == [FOLLOW_UP, FOLLOW_UP], "asked again, not replayed"
