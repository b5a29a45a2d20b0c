"""A home described in a JSON fixtures file, as the engine and as Home Assistant see it.

Format::

    {"language": "pl",
     "floors": [{"name", "aliases"}],
     "areas": [{"name", "aliases", "floor"}],
     "entities": [{"entity_id", "name", "aliases", "area", "device_class",
                   "state", "attributes"}]}

Areas and floors are referred to by name; their ids are the folded name with
underscores ("Pokój dziecięcy" -> "pokoj_dzieciecy"), which is also what Home
Assistant's registries derive, so engine and HA runs agree on ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Any

from custom_components.llm_intent.engine.home import Area, Entity, Floor, Home
from custom_components.llm_intent.engine.language.normalize import fold

from .dataset import FormatError


def slug(name: str) -> str:
    return "_".join(fold(name).split())


@dataclass(frozen=True, slots=True)
class FixtureFloor:
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def floor_id(self) -> str:
        return slug(self.name)


@dataclass(frozen=True, slots=True)
class FixtureArea:
    name: str
    aliases: tuple[str, ...] = ()
    floor: str | None = None

    @property
    def area_id(self) -> str:
        return slug(self.name)


@dataclass(frozen=True, slots=True)
class FixtureEntity:
    entity_id: str
    name: str
    aliases: tuple[str, ...] = ()
    area: str | None = None
    device_class: str | None = None
    state: str = "unknown"
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return self.entity_id.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class FixtureHome:
    language: str
    floors: tuple[FixtureFloor, ...]
    areas: tuple[FixtureArea, ...]
    entities: tuple[FixtureEntity, ...]

    def area_id(self, name: str) -> str:
        """The id of the area called ``name``; KeyError for an unknown area."""
        for area in self.areas:
            if area.name == name:
                return area.area_id
        raise KeyError(f"no area named {name!r} in the fixtures")

    def engine_home(self) -> Home:
        """The engine's snapshot: every entity in the fixtures is exposed."""
        return Home(
            areas=tuple(
                Area(a.area_id, a.name, a.aliases, slug(a.floor) if a.floor else None)
                for a in self.areas
            ),
            floors=tuple(Floor(f.floor_id, f.name, f.aliases) for f in self.floors),
            entities=tuple(
                Entity(
                    e.entity_id,
                    e.name,
                    e.aliases,
                    area_id=slug(e.area) if e.area else None,
                    device_class=e.device_class,
                    state=e.state,
                    attributes=dict(e.attributes),
                )
                for e in self.entities
            ),
        )


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(f"{what} must be a list of strings")
    return tuple(value)


def parse_fixture_home(data: Any) -> FixtureHome:
    """Raises FormatError naming the first malformed part."""
    if not isinstance(data, dict):
        raise FormatError("fixtures must be a JSON object")
    floors = tuple(
        FixtureFloor(str(f["name"]), _strings(f.get("aliases"), f"floor {f['name']} aliases"))
        for f in data.get("floors", [])
    )
    floor_names = {f.name for f in floors}
    areas: list[FixtureArea] = []
    for raw in data.get("areas", []):
        floor = raw.get("floor")
        if floor is not None and floor not in floor_names:
            raise FormatError(f"area {raw['name']!r} is on unknown floor {floor!r}")
        areas.append(
            FixtureArea(str(raw["name"]), _strings(raw.get("aliases"), "area aliases"), floor)
        )
    area_names = {a.name for a in areas}
    entities: list[FixtureEntity] = []
    for raw in data.get("entities", []):
        entity_id = str(raw["entity_id"])
        if "." not in entity_id:
            raise FormatError(f"entity id {entity_id!r} has no domain")
        area = raw.get("area")
        if area is not None and area not in area_names:
            raise FormatError(f"entity {entity_id} is in unknown area {area!r}")
        attributes = raw.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise FormatError(f"entity {entity_id} attributes must be an object")
        entities.append(
            FixtureEntity(
                entity_id,
                str(raw["name"]),
                _strings(raw.get("aliases"), f"entity {entity_id} aliases"),
                area,
                raw.get("device_class"),
                str(raw.get("state", "unknown")),
                dict(attributes),
            )
        )
    return FixtureHome(str(data.get("language", "pl")), floors, tuple(areas), tuple(entities))


def load_fixture_home(path: str | Path) -> FixtureHome:
    return parse_fixture_home(json.loads(Path(path).read_text(encoding="utf-8")))
