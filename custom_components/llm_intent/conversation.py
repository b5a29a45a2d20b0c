"""The Assist conversation agent."""

from __future__ import annotations

from typing import Literal, override

from homeassistant.components import conversation
from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .chat_log import command_from_input, record_outcome
from .conversation_result import result_from_outcome
from .entity import LLMIntentEntity
from .runtime import LLMIntentConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LLMIntentConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_add_entities([LLMIntentConversationEntity(entry)])


class LLMIntentConversationEntity(conversation.ConversationEntity, LLMIntentEntity):
    """Understands a command by the cheapest right path and acts through HA's intents."""

    _attr_name = None
    _attr_supported_features = conversation.ConversationEntityFeature.CONTROL

    def __init__(self, entry: LLMIntentConfigEntry) -> None:
        super().__init__(entry, "conversation")

    @property
    @override
    def supported_languages(self) -> list[str] | Literal["*"]:
        return MATCH_ALL

    @override
    async def _async_handle_message(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
    ) -> conversation.ConversationResult:
        runtime = self.entry.runtime_data
        outcome = await runtime.pipeline.handle(command_from_input(self.hass, user_input, chat_log))
        record_outcome(chat_log, self.entity_id or "", outcome)
        return result_from_outcome(self.hass, user_input, chat_log, outcome)
