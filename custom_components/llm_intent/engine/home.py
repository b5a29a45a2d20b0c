"""A snapshot of the home as the agent may see it: exposed entities, areas, floors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
import hashlib
import json
from typing import Any

from .language.names import NameEntry, NameIndex


@dataclass(frozen=True, slots=True)
class Floor:
    floor_id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Area:
    area_id: str
    name: str
    aliases: tuple[str, ...] = ()
    floor_id: str | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    entity_id: str
    name: str
    aliases: tuple[str, ...] = ()
    area_id: str | None = None
    device_class: str | None = None
    state: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return self.entity_id.split(".", 1)[0]


@dataclass(frozen=True)
class Home:
    """Only exposed entities are here: what is not exposed does not exist for the agent."""

    areas: tuple[Area, ...] = ()
    floors: tuple[Floor, ...] = ()
    entities: tuple[Entity, ...] = ()

    @cached_property
    def version(self) -> str:
        """Changes whenever names, aliases, areas or exposure change (not states)."""
        # Sorted: the order states or registries list things in may differ
        # between restarts, and a shared cache must survive a restart.
        shape = {
            "a": sorted((a.area_id, a.name, a.aliases, a.floor_id or "") for a in self.areas),
            "f": sorted((f.floor_id, f.name, f.aliases) for f in self.floors),
            "e": sorted(
                (e.entity_id, e.name, e.aliases, e.area_id or "", e.device_class or "")
                for e in self.entities
            ),
        }
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]

    @cached_property
    def area_by_id(self) -> dict[str, Area]:
        return {a.area_id: a for a in self.areas}

    @cached_property
    def floor_by_id(self) -> dict[str, Floor]:
        return {f.floor_id: f for f in self.floors}

    @cached_property
    def entity_by_id(self) -> dict[str, Entity]:
        return {e.entity_id: e for e in self.entities}

    @cached_property
    def _indexes(self) -> dict[tuple[str, str], NameIndex]:
        return {}

    def index(self, kind: str, lang: str) -> NameIndex:
        """Name index of "area", "floor" or "entity" names for a language (built once)."""
        key = (kind, lang)
        if key not in self._indexes:
            if kind == "area":
                entries = [NameEntry(a.area_id, (a.name, *a.aliases)) for a in self.areas]
            elif kind == "floor":
                entries = [NameEntry(f.floor_id, (f.name, *f.aliases)) for f in self.floors]
            else:
                entries = [NameEntry(e.entity_id, (e.name, *e.aliases)) for e in self.entities]
            self._indexes[key] = NameIndex(entries, lang)
        return self._indexes[key]

    def entities_in(self, area_id: str, domain: str | None = None) -> list[Entity]:
        return [
            e
            for e in self.entities
            if e.area_id == area_id and (domain is None or e.domain == domain)
        ]
