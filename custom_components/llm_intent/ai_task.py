"""AI Task entity: data generation for automations, on the same budget as voice commands.

Every task is one paid call through the entry's ``PaidLLM`` (price, reservation,
router, breakers, settlement) and is recorded like a command, so its cost is in
the ledger, the cost sensors and the metrics. Over budget it fails with a
translated error instead of spending.
"""

from __future__ import annotations

import json
from typing import Any, override

from homeassistant.components import ai_task, conversation
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import llm
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
import probatio

from .const import DOMAIN, LOGGER
from .engine.calling.generation import (
    DEFAULT_SYSTEM,
    GenerationError,
    GenerationTask,
    PaidGeneration,
)
from .entity import LLMIntentEntity
from .runtime import LLMIntentConfigEntry

PARALLEL_UPDATES = 0

# Why a task got no data -> the translation key of the error the user sees.
_ERROR_KEYS = {
    "budget": "ai_task_over_budget",
    "auth": "ai_task_auth",
    "timeout": "ai_task_timeout",
    "circuit_open": "ai_task_unavailable",
    "queue_full": "ai_task_unavailable",
    "rate_limited": "ai_task_unavailable",
    "invalid_output": "ai_task_invalid_output",
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LLMIntentConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    generation = entry.runtime_data.generation
    if generation is not None:  # a local-only entry has no model to run tasks on
        async_add_entities([LLMIntentTaskEntity(entry, generation)])


def structure_schema(structure: probatio.Schema, api: llm.APIInstance | None) -> dict[str, Any]:
    """The JSON schema a provider is asked to fill in for ``structure``."""
    schema: dict[str, Any] = probatio.to_openapi(
        structure,
        custom_serializer=api.custom_serializer if api else llm.selector_serializer,
        openapi_version="3.1.0",
    )
    return schema


def system_prompt(chat_log: conversation.ChatLog) -> str:
    for content in chat_log.content:
        if isinstance(content, conversation.SystemContent) and content.content:
            return content.content
    return DEFAULT_SYSTEM


class LLMIntentTaskEntity(ai_task.AITaskEntity, LLMIntentEntity):
    """Generates text, or data in the requested structure."""

    _attr_translation_key = "ai_task"
    _attr_supported_features = ai_task.AITaskEntityFeature.GENERATE_DATA

    def __init__(self, entry: LLMIntentConfigEntry, generation: PaidGeneration) -> None:
        super().__init__(entry, "ai_task")
        self._generation = generation

    @override
    async def _async_generate_data(
        self,
        task: ai_task.GenDataTask,
        chat_log: conversation.ChatLog,
    ) -> ai_task.GenDataTaskResult:
        schema = (
            structure_schema(task.structure, chat_log.llm_api)
            if task.structure is not None
            else None
        )
        runtime = self.entry.runtime_data
        try:
            generated = await self._generation.generate(
                GenerationTask(
                    name=task.name,
                    instructions=task.instructions,
                    schema=schema,
                    system=system_prompt(chat_log),
                    language=self.hass.config.language,
                )
            )
        except GenerationError as err:
            runtime.record(err.outcome)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=_ERROR_KEYS.get(err.reason, "ai_task_failed"),
                translation_placeholders={"reason": err.reason},
            ) from err
        data: Any = generated.data
        outcome = generated.outcome
        if task.structure is not None:
            try:
                data = task.structure(data)
            except probatio.Invalid as err:
                # Paid for, so recorded, but the caller gets no data it did not ask for.
                outcome.success = False
                outcome.detail = "invalid_structure"
                runtime.record(outcome)
                LOGGER.warning(
                    "AI task %r: the answer does not fit the structure: %s", task.name, err
                )
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="ai_task_invalid_output",
                    translation_placeholders={"reason": str(err)},
                ) from err
        runtime.record(outcome)
        chat_log.async_add_assistant_content_without_tools(
            conversation.AssistantContent(
                agent_id=self.entity_id or "",
                content=data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
            )
        )
        return ai_task.GenDataTaskResult(conversation_id=chat_log.conversation_id, data=data)
