"""The home as the agent may see it, read from HA's registries and exposure settings."""

from __future__ import annotations

from typing import Any

from homeassistant.components.conversation import DOMAIN as CONVERSATION_DOMAIN
from homeassistant.components.homeassistant.exposed_entities import (
    async_listen_entity_updates,
    async_should_expose,
)
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
)

from .engine.home import Area, Entity, Floor, Home

_ATTRS = ("current_temperature", "temperature", "brightness", "current_position", "volume_level")


class HomeSnapshots:
    """Builds a Home on demand and rebuilds it when names, areas or exposure change."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self._home: Home | None = None
        self._unsubs: list[CALLBACK_TYPE] = []
        # Entity count at the last build: states appear without registry events.
        self._count = -1

    @callback
    def async_start(self) -> None:
        for event in (
            ar.EVENT_AREA_REGISTRY_UPDATED,
            fr.EVENT_FLOOR_REGISTRY_UPDATED,
            er.EVENT_ENTITY_REGISTRY_UPDATED,
            dr.EVENT_DEVICE_REGISTRY_UPDATED,
        ):
            self._unsubs.append(self.hass.bus.async_listen(event, self._invalidate))
        # Exposing an entity that has no registry entry fires none of the above.
        self._unsubs.append(
            async_listen_entity_updates(self.hass, CONVERSATION_DOMAIN, self._invalidate)
        )

    @callback
    def async_stop(self) -> None:
        while self._unsubs:
            self._unsubs.pop()()

    @callback
    def _invalidate(self, _event: Event[Any] | None = None) -> None:
        self._home = None

    def home(self) -> Home:
        # States come and go without registry events; a snapshot is cheap (one
        # pass over the states), so it is rebuilt when the entity count moves.
        if self._home is None or self._count != self.hass.states.async_entity_ids_count():
            self._home = self._build()
        return self._home

    def _build(self) -> Home:
        hass = self.hass
        areas = ar.async_get(hass)
        floors = fr.async_get(hass)
        entities = er.async_get(hass)
        devices = dr.async_get(hass)
        found: list[Entity] = []
        self._count = hass.states.async_entity_ids_count()
        for state in hass.states.async_all():
            if not async_should_expose(hass, CONVERSATION_DOMAIN, state.entity_id):
                continue
            entry = entities.async_get(state.entity_id)
            area_id = None
            aliases: tuple[str, ...] = ()
            if entry is not None:
                aliases = tuple(a for a in entry.aliases if isinstance(a, str))
                area_id = entry.area_id
                if (
                    area_id is None
                    and entry.device_id
                    and (device := devices.async_get(entry.device_id))
                ):
                    area_id = device.area_id
            found.append(
                Entity(
                    entity_id=state.entity_id,
                    name=state.name,
                    aliases=aliases,
                    area_id=area_id,
                    device_class=state.attributes.get("device_class"),
                    state=state.state,
                    attributes={k: state.attributes[k] for k in _ATTRS if k in state.attributes},
                )
            )
        return Home(
            areas=tuple(
                Area(a.id, a.name, tuple(sorted(a.aliases)), a.floor_id)
                for a in areas.async_list_areas()
            ),
            floors=tuple(
                Floor(f.floor_id, f.name, tuple(sorted(f.aliases)))
                for f in floors.async_list_floors()
            ),
            entities=tuple(found),
        )
