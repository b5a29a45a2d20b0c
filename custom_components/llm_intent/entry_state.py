"""What one entry must keep across an unclean stop, written the moment it changes.

Budget limits set on the number entities and the circuit breakers' states live
here. HA's restore-state dump runs only every 15 minutes and at a clean stop, and
config entries are saved a second after a change, so after ``kill -9`` either can
hand back an older value; this store is written at once and wins at start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import CONF_DAILY_BUDGET, CONF_MONTHLY_BUDGET, DOMAIN
from .engine.calling.breaker import BreakerSnapshot
from .engine.cost.budget import BudgetPeriod

STORAGE_VERSION: Final = 1
BUDGET_OPTIONS: Final = {
    BudgetPeriod.DAY: CONF_DAILY_BUDGET,
    BudgetPeriod.MONTH: CONF_MONTHLY_BUDGET,
}


def storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.{entry_id}"


class EntryState:
    """Budget limits and breaker states of one config entry, in HA's ``.storage``."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry_id))
        self._data: dict[str, Any] = {"budgets": {}, "breakers": {}}
        self._pending: set[asyncio.Task[None]] = set()

    async def async_load(self) -> None:
        stored = await self._store.async_load()
        if isinstance(stored, dict):
            self._data["budgets"] = dict(stored.get("budgets") or {})
            self._data["breakers"] = dict(stored.get("breakers") or {})

    def budget_limit(self, period: BudgetPeriod) -> str | None:
        """The limit last set for ``period``, or None if none was ever stored."""
        value = self._data["budgets"].get(str(period))
        return value if isinstance(value, str) else None

    async def async_set_budget_limits(self, limits: Mapping[BudgetPeriod, Decimal | str]) -> None:
        """Store limits and return once they are on disk."""
        for period, value in limits.items():
            self._data["budgets"][str(period)] = str(value)
        await self._async_save()

    def breaker(self, name: str) -> BreakerSnapshot | None:
        raw = self._data["breakers"].get(name)
        if not isinstance(raw, dict):
            return None
        try:
            return BreakerSnapshot.from_dict(raw)
        except KeyError, TypeError, ValueError:
            return None  # written by an incompatible version: start closed

    def save_breaker(self, name: str, snapshot: BreakerSnapshot) -> None:
        """Store a breaker's state; called from a state-change callback, so it does not wait."""
        self._data["breakers"][name] = snapshot.as_dict()
        task = self._hass.async_create_task(self._async_save(), eager_start=True)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def async_flush(self) -> None:
        """Wait for breaker writes still in progress (at unload)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def async_remove(self) -> None:
        await self._store.async_remove()

    async def _async_save(self) -> None:
        # A copy: the data may change again while the write waits for the executor.
        await self._store.async_save(
            {"budgets": dict(self._data["budgets"]), "breakers": dict(self._data["breakers"])}
        )


async def async_save_budget_options(state: EntryState, options: Mapping[str, Any]) -> None:
    """The options form set the budgets: they replace what the number entities stored."""
    limits = {
        period: str(round(float(options[key]), 2))
        for period, key in BUDGET_OPTIONS.items()
        if options.get(key) is not None
    }
    await state.async_set_budget_limits(limits)
