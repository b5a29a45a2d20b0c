"""Daily and monthly budgets as numbers: enforced at once, kept across any restart.

A new limit is on disk before the change is confirmed (see ``entry_state``), so
even after an unclean stop the budget comes back as the user last set it. HA's
restore state is read only when nothing was stored, i.e. the first start after
an upgrade from a version that kept limits nowhere else.
"""

from __future__ import annotations

from homeassistant.components.number import NumberMode, RestoreNumber
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .engine.cost.budget import BudgetPeriod
from .entity import LLMIntentEntity
from .entry_state import BUDGET_OPTIONS
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
        runtime = self.entry.runtime_data
        if runtime.entry_state.budget_limit(self._period) is None:
            last = await self.async_get_last_number_data()
            if last is not None and last.native_value is not None:
                await self._async_apply(last.native_value)
        self.async_on_remove(runtime.accounting.add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> float | None:
        limit = self.entry.runtime_data.budget.limit(self._period)
        return float(limit) if limit is not None else None

    async def async_set_native_value(self, value: float) -> None:
        await self._async_apply(value)
        self.async_write_ha_state()

    async def _async_apply(self, value: float) -> None:
        runtime = self.entry.runtime_data
        limit = str(round(value, 2))
        runtime.budget.set_limit(self._period, limit)
        await runtime.entry_state.async_set_budget_limits({self._period: limit})
        # The options form shows, and saves back, the limit in force.
        key = BUDGET_OPTIONS[self._period]
        if self.entry.options.get(key) != float(limit):
            self.hass.config_entries.async_update_entry(
                self.entry, options={**self.entry.options, key: float(limit)}
            )
        # Totals, remaining budget and the exceeded flag depend on the limit.
        runtime.accounting.notify()
