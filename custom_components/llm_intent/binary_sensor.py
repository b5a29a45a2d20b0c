"""Whether a budget is used up (the language model is then not called)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import LLMIntentEntity
from .runtime import LLMIntentConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LLMIntentConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_add_entities([BudgetExceededSensor(entry)])


class BudgetExceededSensor(LLMIntentEntity, BinarySensorEntity):
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_translation_key = "budget_exceeded"

    def __init__(self, entry: LLMIntentConfigEntry) -> None:
        super().__init__(entry, "budget_exceeded")

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self.entry.runtime_data.accounting.add_listener(self.async_write_ha_state)
        )

    @property
    def is_on(self) -> bool:
        state = self.entry.runtime_data.budget.state()
        return state.day_exceeded or state.month_exceeded

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        state = self.entry.runtime_data.budget.state()
        return {"day": state.day_exceeded, "month": state.month_exceeded}
