"""Daily and monthly budgets as numbers: enforced at once, restored after a restart."""

from __future__ import annotations

from homeassistant.components.number import NumberMode, RestoreNumber
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .engine.cost.budget import BudgetPeriod
from .entity import LLMIntentEntity
from .runtime import LLMIntentConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LLMIntentConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_add_entities(
        [
            BudgetNumber(entry, BudgetPeriod.DAY, "daily_budget", 1000),
            BudgetNumber(entry, BudgetPeriod.MONTH, "monthly_budget", 10000),
        ]
    )


class BudgetNumber(LLMIntentEntity, RestoreNumber):
    _attr_native_min_value = 0
    _attr_native_step = 0.01
    _attr_native_unit_of_measurement = "USD"
    _attr_mode = NumberMode.BOX

    def __init__(
        self, entry: LLMIntentConfigEntry, period: BudgetPeriod, key: str, maximum: float
    ) -> None:
        super().__init__(entry, key)
        self._period = period
        self._attr_translation_key = key
        self._attr_native_max_value = maximum

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            self.entry.runtime_data.budget.set_limit(self._period, last.native_value)
        self.async_on_remove(
            self.entry.runtime_data.accounting.add_listener(self.async_write_ha_state)
        )

    @property
    def native_value(self) -> float | None:
        limit = self.entry.runtime_data.budget.limit(self._period)
        return float(limit) if limit is not None else None

    async def async_set_native_value(self, value: float) -> None:
        self.entry.runtime_data.budget.set_limit(self._period, str(round(value, 2)))
        self.async_write_ha_state()
        # Totals, remaining budget and the exceeded flag depend on the limit.
        self.entry.runtime_data.accounting.notify()
