"""Bigger Polish homes for the benchmarks: the fixture home grown to a given size.

The fixture home (``tests/data/eval_home.json``, 52 entities) stays as it is,
so every labelled command keeps its meaning; what is added is what big homes
have: more rooms with lights, sockets, blinds, radiator heads and speakers,
and sensors everywhere (temperature, humidity, motion, windows, batteries,
power), named the way Polish users name them ("Kinkiet Strych", "Temperatura
Salon", "Gniazdko Garderoba 2"). The same size and seed give the same home,
so both agents of ``scripts/bench`` see the same one.
"""

from __future__ import annotations

from dataclasses import replace
import random

from custom_components.llm_intent.engine.language.normalize import fold

from .fixture_home import FixtureArea, FixtureEntity, FixtureFloor, FixtureHome, slug

_ROOMS = (
    "Strych",
    "Piwnica",
    "Kotłownia",
    "Spiżarnia",
    "Garderoba",
    "Pokój gościnny",
    "Pokój Janka",
    "Pokój Oli",
    "Wiatrołap",
    "Schowek",
    "Warsztat",
    "Siłownia",
    "Biblioteka",
    "Oranżeria",
    "Weranda",
    "Balkon",
    "Antresola",
    "Poddasze",
    "Sauna",
    "Łazienka dolna",
    "Toaleta",
    "Hol",
    "Klatka schodowa",
    "Pracownia",
    "Pokój gier",
    "Kino domowe",
    "Altana",
    "Szopa",
    "Wozownia",
    "Kuchnia letnia",
    "Pokój Kuby",
    "Pokój Ani",
    "Garderoba główna",
    "Pralnia dolna",
    "Suszarnia",
    "Składzik",
    "Pokój muzyczny",
    "Sypialnia gościnna",
    "Gabinet Marka",
    "Pokój kominkowy",
)
# (domain, device class, name) per device a generated room gets; {room} is its name.
_ROOM_DEVICES = (
    ("light", None, "Lampa sufitowa {room}"),
    ("light", None, "Kinkiet {room}"),
    ("light", None, "Listwa LED {room}"),
    ("switch", "outlet", "Gniazdko {room}"),
    ("switch", "outlet", "Gniazdko {room} 2"),
    ("cover", "blind", "Roleta {room}"),
    ("climate", None, "Głowica {room}"),
    ("media_player", "speaker", "Głośnik {room}"),
    ("fan", None, "Wentylator {room}"),
)
_SENSORS = (
    ("sensor", "temperature", "Temperatura {room}"),
    ("sensor", "humidity", "Wilgotność {room}"),
    ("sensor", "illuminance", "Natężenie światła {room}"),
    ("sensor", "battery", "Bateria czujnika {room}"),
    ("sensor", "power", "Moc gniazdka {room}"),
    ("sensor", "energy", "Energia gniazdka {room}"),
    ("binary_sensor", "motion", "Ruch {room}"),
    ("binary_sensor", "window", "Okno {room}"),
    ("binary_sensor", "window", "Okno {room} 2"),
    ("binary_sensor", "door", "Czujnik drzwi {room}"),
    ("sensor", "signal_strength", "Sygnał czujnika {room}"),
    ("sensor", "voltage", "Napięcie {room}"),
)
_NEW_FLOOR = FixtureFloor("Poddasze użytkowe", ("Strych użytkowy",))


def grow_home(base: FixtureHome, size: int, seed: int = 0) -> FixtureHome:
    """``base`` with entities added until it has ``size`` (at least its own count)."""
    if size <= len(base.entities):
        return base
    rng = random.Random(seed)
    floors = [f.name for f in base.floors] + [_NEW_FLOOR.name]
    areas = list(base.areas)
    entities = list(base.entities)
    taken = {fold(e.name) for e in entities}
    # Sensors first in the rooms that exist, then new rooms with everything.
    plan: list[tuple[str, tuple[tuple[str, str | None, str], ...]]] = [
        (a.name, _SENSORS) for a in base.areas
    ]
    for room in _ROOMS:
        plan.append((room, _ROOM_DEVICES + _SENSORS))
    for round_ in range(1, 100):
        for room, devices in plan:
            if len(entities) >= size:
                break
            if room not in {a.name for a in areas}:
                areas.append(FixtureArea(room, (), rng.choice(floors)))
            for domain, device_class, pattern in devices:
                if len(entities) >= size:
                    break
                name = pattern.format(room=room)
                if round_ > 1:
                    name = f"{name} {round_ + 1}"
                if fold(name) in taken:
                    continue
                taken.add(fold(name))
                entities.append(
                    FixtureEntity(
                        f"{domain}.gen_{slug(name)}",
                        name,
                        (),
                        room,
                        device_class,
                        _state(domain),
                        {"supported_color_modes": ["brightness"]} if domain == "light" else {},
                    )
                )
        if len(entities) >= size:
            break
    return replace(
        base,
        floors=(*base.floors, _NEW_FLOOR),
        areas=tuple(areas),
        entities=tuple(entities),
    )


def _state(domain: str) -> str:
    return {
        "light": "off",
        "switch": "off",
        "cover": "open",
        "climate": "heat",
        "media_player": "idle",
        "fan": "off",
        "sensor": "21",
        "binary_sensor": "off",
    }.get(domain, "unknown")
