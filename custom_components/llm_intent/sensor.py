"""Sensors for what the agent costs and how it answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bridge import Bridge
from .engine.bridge.stream_bridge import BridgeStatus
from .engine.calling.breaker import BreakerState, CircuitBreaker
from .entity import LLMIntentEntity
from .runtime import LLMIntentConfigEntry, LLMIntentRuntime

PARALLEL_UPDATES = 0
USD = "USD"


@dataclass(frozen=True, kw_only=True)
class CostSensorDescription(SensorEntityDescription):
    value_fn: Callable[[LLMIntentRuntime], Decimal | float | int | None]
    attrs_fn: Callable[[LLMIntentRuntime], dict[str, Any]] | None = None


def _money(
    key: str,
    fn: Callable[[LLMIntentRuntime], Decimal | None],
    attrs: Callable[[LLMIntentRuntime], dict[str, Any]] | None = None,
) -> CostSensorDescription:
    return CostSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=USD,
        suggested_display_precision=4,
        value_fn=fn,
        attrs_fn=attrs,
    )


def _degrade_attrs(runtime: LLMIntentRuntime) -> dict[str, Any]:
    """Which model answers now, whether the cheaper one took over, which intents are off."""
    attrs: dict[str, Any] = {"disabled_intents": list(runtime.disabled_intents)}
    degrading = runtime.degrading
    if degrading is not None:
        attrs["model"] = degrading.active_model
        attrs["degraded"] = degrading.degraded
        if degrading.cheaper is not None:
            attrs["cheaper_model"] = degrading.cheaper.router.routes[0].provider.model
    return attrs


SENSORS: tuple[CostSensorDescription, ...] = (
    _money("cost_today", lambda r: r.accounting.today.cost_usd, _degrade_attrs),
    _money("cost_month", lambda r: r.accounting.month_cost),
    _money("cost_projected_month", lambda r: r.budget.state().projected_month),
    _money("average_llm_cost", lambda r: r.accounting.today.average_llm_cost),
    _money("budget_remaining_today", lambda r: r.budget.state().remaining_day),
    CostSensorDescription(
        key="requests_today",
        translation_key="requests_today",
        state_class=SensorStateClass.TOTAL,
        value_fn=lambda r: r.accounting.today.commands,
        attrs_fn=lambda r: dict(r.accounting.today.requests_by_path),
    ),
    CostSensorDescription(
        key="tokens_today",
        translation_key="tokens_today",
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement="tokens",
        value_fn=lambda r: r.accounting.today.tokens,
        attrs_fn=lambda r: {
            "input": r.accounting.today.input_tokens,
            "cached_input": r.accounting.today.cached_input_tokens,
            "output": r.accounting.today.output_tokens,
        },
    ),
    CostSensorDescription(
        key="cache_hit_ratio",
        translation_key="cache_hit_ratio",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        value_fn=lambda r: round(r.accounting.today.cache_hit_ratio * 100, 2),
    ),
    CostSensorDescription(
        key="not_understood_today",
        translation_key="not_understood_today",
        state_class=SensorStateClass.TOTAL,
        value_fn=lambda r: r.accounting.today.not_understood,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LLMIntentConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    entities: list[SensorEntity] = [CostSensor(entry, d) for d in SENSORS]
    if entry.runtime_data.llm is not None:
        entities.extend(
            BreakerSensor(entry, route.breaker) for route in entry.runtime_data.llm.router.routes
        )
    if (bridge := entry.runtime_data.extras.get("bridge")) is not None:
        entities.append(BridgeSensor(entry, bridge))
    async_add_entities(entities)


class BridgeSensor(LLMIntentEntity, SensorEntity):
    """Redis voice bridge: connected or not, with its backlog as attributes."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_translation_key = "bridge_status"
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: LLMIntentConfigEntry, bridge: Bridge) -> None:
        super().__init__(entry, "bridge_status")
        self._bridge = bridge
        self._attr_options = ["connected", "disconnected"]

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()

        @callback
        def changed(_status: BridgeStatus) -> None:
            self.async_write_ha_state()

        self.async_on_remove(self._bridge.add_listener(changed))

    @property
    def native_value(self) -> str:
        return "connected" if self._bridge.status.connected else "disconnected"

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        status = self._bridge.status
        return {
            "pending": status.pending,
            "processed_total": status.processed_total,
            "replayed_total": status.replayed_total,
            "dead_lettered_total": status.dead_lettered_total,
            "consumer": status.consumer,
        }


class CostSensor(LLMIntentEntity, SensorEntity):
    entity_description: CostSensorDescription

    def __init__(self, entry: LLMIntentConfigEntry, description: CostSensorDescription) -> None:
        super().__init__(entry, description.key)
        self.entity_description = description

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self.entry.runtime_data.accounting.add_listener(self.async_write_ha_state)
        )

    @property
    def native_value(self) -> Decimal | float | int | None:
        return self.entity_description.value_fn(self.entry.runtime_data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        fn = self.entity_description.attrs_fn
        return fn(self.entry.runtime_data) if fn else None


class BreakerSensor(LLMIntentEntity, SensorEntity):
    """closed / open / half_open for one provider."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_translation_key = "circuit_breaker"
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, entry: LLMIntentConfigEntry, breaker: CircuitBreaker) -> None:
        super().__init__(entry, f"breaker_{breaker.name}")
        self._breaker = breaker
        self._attr_options = [s.value for s in BreakerState]
        self._attr_translation_placeholders = {"provider": breaker.name}

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()

        @callback
        def changed(_old: BreakerState, _new: BreakerState) -> None:
            self.async_write_ha_state()

        self.async_on_remove(self._breaker.add_listener(changed))

    @property
    def native_value(self) -> str:
        return self._breaker.state.value
