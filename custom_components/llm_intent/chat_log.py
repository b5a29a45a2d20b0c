"""Translate between HA's conversation objects and the engine's Command/Outcome."""

from __future__ import annotations

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util

from .engine.pipeline import Command, Outcome
from .engine.understanding.prompt import HISTORY_MESSAGES
from .ha_identity import registered_device


def satellite_area(
    hass: HomeAssistant, device_id: str | None, satellite_id: str | None
) -> str | None:
    """The area of the device or satellite that heard the command."""
    if satellite_id and (entry := er.async_get(hass).async_get(satellite_id)):
        if entry.area_id:
            return entry.area_id
        device_id = device_id or entry.device_id
    if device_id and (device := dr.async_get(hass).async_get(device_id)):
        return device.area_id
    return None


def earlier_messages(
    chat_log: conversation.ChatLog | None, limit: int = HISTORY_MESSAGES
) -> tuple[tuple[str, str], ...]:
    """The conversation before this command, as (role, text), oldest first.

    HA writes every turn to the chat log, also those its own agent answered
    before this one was asked (a pipeline preferring local intents), so this is
    where the model learns about them. The last user message is the command itself.
    """
    if chat_log is None:
        return ()
    content = list(chat_log.content)
    if content and isinstance(content[-1], conversation.UserContent):
        content.pop()
    messages = [
        (item.role, item.content)
        for item in content
        if isinstance(item, conversation.UserContent | conversation.AssistantContent)
        and item.content
    ]
    return tuple(messages[-limit:])


def command_from_input(
    hass: HomeAssistant,
    user_input: conversation.ConversationInput,
    chat_log: conversation.ChatLog | None,
) -> Command:
    # HA gives a new conversation its id in the chat log; the next turn comes back with
    # that id, so context (follow-ups, questions, confirmations) is kept under it.
    conversation_id = chat_log.conversation_id if chat_log is not None else None
    return Command(
        text=user_input.text,
        language=user_input.language or hass.config.language,
        conversation_id=conversation_id or user_input.conversation_id,
        device_id=registered_device(hass, user_input.device_id),
        satellite_area_id=satellite_area(hass, user_input.device_id, user_input.satellite_id),
        user_id=user_input.context.user_id if user_input.context else None,
        now=dt_util.now(),
        history=earlier_messages(chat_log),
        raw=(user_input, chat_log) if chat_log is not None else None,
    )


def record_outcome(chat_log: conversation.ChatLog, agent_id: str, outcome: Outcome) -> None:
    """Answer in the chat log and show how it was reached in Assist's debug view."""
    conversation.async_conversation_trace_append(
        conversation.ConversationTraceEventType.AGENT_DETAIL,
        {"llm_intent": outcome.as_dict()},
    )
    if (
        outcome.path.value == "local"
        and outcome.intent
        and outcome.provider is None
        and (chat_log.content and isinstance(chat_log.content[-1], conversation.AssistantContent))
    ):
        # HA's own agent already wrote its answer.
        return
    chat_log.async_add_assistant_content_without_tools(
        conversation.AssistantContent(agent_id=agent_id, content=outcome.speech)
    )
