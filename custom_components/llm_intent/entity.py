"""Base entity: every entity of an entry belongs to one "LLM Intent" device."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .runtime import LLMIntentConfigEntry


class LLMIntentEntity(Entity):
    _attr_has_entity_name = True

    def __init__(self, entry: LLMIntentConfigEntry, key: str) -> None:
        self.entry = entry
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name="LLM Intent",
            manufacturer="LLM Intent",
            model=entry.title,
            entry_type=DeviceEntryType.SERVICE,
        )
