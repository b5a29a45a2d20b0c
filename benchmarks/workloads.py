"""The commands the benchmarks send, with what a correct model answers to each.

Everything is generated from fixed lists and a seed, so two agents and two
runs get the same commands in the same order. Targets are names of
``tests/data/eval_home.json``.

* ``LOCAL``: everyday phrasings Home Assistant's or LLM Intent's local
  matching understands.
* ``llm_pool()``: colloquial phrasings no local matcher understands ("zrób
  tak, żeby w kuchni było jasno"), each a different text, so every first use
  needs the model and every later use can come from the cache.

Only intents Home Assistant's Assist API has tools for are used, so
``openai_conversation`` can do every command in its usual two round trips.
"""

from __future__ import annotations

from dataclasses import dataclass
import random
from typing import Any

from .brain import Label

# (name, Polish locative, English name) of every area of the fixture home.
AREAS = (
    ("Salon", "salonie", "living room"),
    ("Kuchnia", "kuchni", "kitchen"),
    ("Jadalnia", "jadalni", "dining room"),
    ("Przedpokój", "przedpokoju", "hallway"),
    ("Garaż", "garażu", "garage"),
    ("Pralnia", "pralni", "laundry"),
    ("Sypialnia", "sypialni", "bedroom"),
    ("Łazienka", "łazience", "bathroom"),
    ("Pokój dziecięcy", "pokoju dziecięcym", "kids room"),
    ("Gabinet", "gabinecie", "office"),
    ("Ogród", "ogrodzie", "garden"),
    ("Taras", "tarasie", "terrace"),
)
CLIMATE_AREAS = (("Salon", "salonie"), ("Sypialnia", "sypialni"), ("Łazienka", "łazience"))
COVER_AREAS = (("Salon", "salonie"), ("Kuchnia", "kuchni"), ("Sypialnia", "sypialni"))


@dataclass(frozen=True, slots=True)
class BenchCommand:
    text: str
    language: str
    label: Label
    # "local": local matching understands it; "llm": needs the model.
    kind: str


def _on(area: str) -> Label:
    return Label("HassTurnOn", {"area": area, "domain": "light"})


def _off(area: str) -> Label:
    return Label("HassTurnOff", {"area": area, "domain": "light"})


def _cmd(text: str, label: Label, kind: str, language: str = "pl") -> BenchCommand:
    return BenchCommand(text, language, label, kind)


LOCAL: tuple[BenchCommand, ...] = tuple(
    _cmd(text, label, "local")
    for text, label in (
        ("włącz światło w kuchni", _on("Kuchnia")),
        ("zgaś światło w salonie", _off("Salon")),
        ("wlacz swiatlo w lazience", _on("Łazienka")),
        ("włącz światło w gabinecie", _on("Gabinet")),
        ("zgaś światło w łazience", _off("Łazienka")),
        ("włącz światło w jadalni", _on("Jadalnia")),
        ("wyłącz światło w garażu", _off("Garaż")),
        ("zgaś światło w przedpokoju", _off("Przedpokój")),
        ("włącz światło na korytarzu", _on("Przedpokój")),
        ("zapal lampę stojącą", Label("HassTurnOn", {"name": "Lampa stojąca"})),
        ("wyłącz lampkę nocną", Label("HassTurnOff", {"name": "Lampka nocna"})),
        ("włącz ekspres do kawy", Label("HassTurnOn", {"name": "Ekspres do kawy"})),
        ("wylacz czajnik", Label("HassTurnOff", {"name": "Czajnik"})),
        ("włącz wentylator w sypialni", Label("HassTurnOn", {"name": "Wentylator"})),
        ("zgaś żyrandol", Label("HassTurnOff", {"name": "Żyrandol"})),
        ("włącz oświetlenie ogrodu", Label("HassTurnOn", {"name": "Oświetlenie ogrodu"})),
        ("włącz choinkę", Label("HassTurnOn", {"name": "Choinka"})),
        ("wyłącz pralkę", Label("HassTurnOff", {"name": "Pralka"})),
        ("włącz podlewanie", Label("HassTurnOn", {"name": "Podlewanie"})),
        ("wyłącz telewizor", Label("HassTurnOff", {"name": "Telewizor"})),
        ("otwórz rolety w salonie", Label("HassOpenCover", {"area": "Salon"})),
        ("zamknij żaluzje w kuchni", Label("HassCloseCover", {"area": "Kuchnia"})),
        ("opusc rolety w sypialni", Label("HassCloseCover", {"area": "Sypialnia"})),
        (
            "ustaw rolety w gabinecie na 40 procent",
            Label("HassSetPosition", {"area": "Gabinet", "position": 40}),
        ),
        ("zatrzymaj muzykę w kuchni", Label("HassMediaPause", {"area": "Kuchnia"})),
        ("wznów telewizor", Label("HassMediaUnpause", {"name": "Telewizor"})),
        ("zapal światło w pokoju dziecięcym", _on("Pokój dziecięcy")),
        (
            "głośność 50 w kuchni",
            Label("HassSetVolume", {"area": "Kuchnia", "volume_level": 50}),
        ),
        ("zgaś światło w gabinecie", _off("Gabinet")),
        ("zgaś światło w sypialni", _off("Sypialnia")),
    )
)


def llm_pool() -> list[BenchCommand]:
    """Every colloquial phrasing, in a fixed order (264 commands)."""
    pool: list[BenchCommand] = []
    for area, loc, _ in AREAS:
        pool += [
            _cmd(f"zrób tak żeby w {loc} było jasno", _on(area), "llm"),
            _cmd(f"niech w {loc} będzie ciemno", _off(area), "llm"),
            _cmd(f"w {loc} jest za ciemno", _on(area), "llm"),
            _cmd(f"przydałoby się trochę światła w {loc}", _on(area), "llm"),
            _cmd(f"nie potrzebuję już światła w {loc}", _off(area), "llm"),
        ]
    for area, _, english in AREAS:
        pool += [
            _cmd(f"make it bright in the {english}", _on(area), "llm", "en"),
            _cmd(f"i need some light in the {english}", _on(area), "llm", "en"),
            _cmd(f"it's too dark in the {english}", _on(area), "llm", "en"),
            _cmd(f"i don't need the lights in the {english} anymore", _off(area), "llm", "en"),
        ]
    for area, loc in CLIMATE_AREAS:
        for degrees in range(17, 28):
            label = Label("HassClimateSetTemperature", {"area": area, "temperature": degrees})
            pool.append(_cmd(f"niech w {loc} będzie {degrees} stopni", label, "llm"))
    for area, loc in COVER_AREAS:
        label = Label("HassCloseCover", {"area": area})
        pool.append(_cmd(f"nie chcę słońca w {loc}", label, "llm"))
    for area, loc, _ in AREAS:
        for level in range(10, 110, 10):
            label = Label("HassLightSet", {"area": area, "brightness": level})
            pool.append(_cmd(f"przydałoby się {level} procent światła w {loc}", label, "llm"))
    return pool


def labels_of(commands: list[BenchCommand]) -> dict[str, Label]:
    return {c.text: c.label for c in commands}


def all_labels() -> dict[str, Label]:
    return labels_of([*LOCAL, *llm_pool()])


def cost_commands_llm(n: int = 50, seed: int = 7) -> list[BenchCommand]:
    """``n`` different commands that all need the model."""
    pool = llm_pool()
    random.Random(seed).shuffle(pool)
    return pool[:n]


def command_mix(
    n: int,
    seed: int,
    *,
    local_share: float,
    repeat_share: float,
    min_repeat_gap: int = 100,
) -> list[BenchCommand]:
    """A stream of ``n`` commands: locally understood ones, first uses of colloquial
    phrasings (the model's work) and repeats of a phrasing used at least
    ``min_repeat_gap`` commands earlier (the cache's work)."""
    rng = random.Random(seed)
    fresh = llm_pool()
    rng.shuffle(fresh)
    used: list[tuple[int, BenchCommand]] = []
    out: list[BenchCommand] = []
    for i in range(n):
        roll = rng.random()
        earlier = [c for at, c in used if i - at >= min_repeat_gap]
        if roll < local_share:
            out.append(LOCAL[rng.randrange(len(LOCAL))])
            continue
        if (roll < local_share + repeat_share and earlier) or not fresh:
            out.append(earlier[rng.randrange(len(earlier))] if earlier else used[0][1])
            continue
        command = fresh.pop()
        used.append((i, command))
        out.append(command)
    return out


def describe(commands: list[BenchCommand]) -> dict[str, Any]:
    seen: set[str] = set()
    kinds = {"local": 0, "llm_first": 0, "llm_repeat": 0}
    for c in commands:
        if c.kind == "local":
            kinds["local"] += 1
        elif c.text in seen:
            kinds["llm_repeat"] += 1
        else:
            kinds["llm_first"] += 1
        seen.add(c.text)
    return {"commands": len(commands), **kinds}
