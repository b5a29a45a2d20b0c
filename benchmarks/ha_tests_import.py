"""A development split from Home Assistant's own Polish intent tests.

``python -m benchmarks.ha_tests_import > tests/data/eval_ha_tests_pl.jsonl`` reads
the test files saved verbatim in ``benchmarks/ha_tests_pl/`` (from
home-assistant/intents, CC BY 4.0) and writes one dataset line per test
sentence, its labels in this dataset's convention: areas and devices by the
canonical nominative names of ``tests/data/eval_ha_tests_home.json`` (the
tests name them in whatever case the sentence used, or by fixture id), one
value per slot. Tests whose effect the product eval cannot score are left
out and counted on stderr.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
import json
from pathlib import Path
import sys
from typing import Any

import yaml

from custom_components.llm_intent.engine.understanding.catalogue import load_catalogue
from custom_components.llm_intent.engine.understanding.effects import TIMER_INTENTS

from .eval_run import CATALOGUE
from .fixture_home import FixtureHome, load_fixture_home

ROOT = Path(__file__).parents[1]
TESTS_DIR = Path(__file__).parent / "ha_tests_pl"
HOME_PATH = ROOT / "tests" / "data" / "eval_ha_tests_home.json"

# Ids the fixture file gives twice, or in a form Home Assistant rejects, and what the home uses.
_RENAMED_IDS: Mapping[tuple[str, str], str] = {
    ("Osłon(a|ę)", "cover.zaluzja"): "cover.oslona",
    ("Cena za kW", "sensor.price_per_kW"): "sensor.price_per_kw",
}
_TARGET_SLOTS = ("name", "area", "floor", "domain", "device_class")
# Intents whose "name" is a timer's name, not a device's.
_TIMER_INTENTS = TIMER_INTENTS
# Outside the catalogue the label has no targets while Home Assistant's agent
# resolves some, so a right answer would score wrong: these act on media players
# even when nothing is named.
_IMPLIED_TARGETS = frozenset({"HassMediaPrevious"})


class ConversionError(ValueError):
    """A test names an area or device the home does not have."""


def expand(template: str) -> set[str]:
    """Every spelling a fixture name template allows: ``Salon[ie|u]``, ``(a|b)``, ``a|b``."""
    forms, rest = _alternatives(template, 0)
    if rest != len(template):
        raise ValueError(f"unbalanced template {template!r}")
    return {" ".join(f.split()) for f in forms if f.strip()}


def _alternatives(text: str, at: int) -> tuple[list[str], int]:
    options: list[str] = []
    while True:
        forms, at = _sequence(text, at)
        options.extend(forms)
        if at < len(text) and text[at] == "|":
            at += 1
            continue
        return options, at


def _sequence(text: str, at: int) -> tuple[list[str], int]:
    forms = [""]
    while at < len(text) and text[at] not in "|)]":
        char = text[at]
        if char in "([":
            inner, end = _alternatives(text, at + 1)
            closing = ")" if char == "(" else "]"
            if end >= len(text) or text[end] != closing:
                raise ValueError(f"unbalanced template {text!r}")
            choices = inner + ([""] if char == "[" else [])
            forms = [f + c for f in forms for c in choices]
            at = end + 1
        else:
            forms = [f + char for f in forms]
            at += 1
    return forms, at


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class Names:
    """Canonical names of the home, reachable from every form and id the tests use."""

    areas: Mapping[str, str]
    entities: Mapping[str, str]

    def area(self, value: Any) -> str:
        return self._pick(self.areas, value, "area")

    def entity(self, value: Any) -> str:
        return self._pick(self.entities, value, "device")

    @staticmethod
    def _pick(table: Mapping[str, str], value: Any, what: str) -> str:
        found = {table[_key(v)] for v in _values(value) if _key(v) in table}
        if len(found) != 1:
            raise ConversionError(f"{what} {value!r} is {sorted(found) or 'not in the home'}")
        return found.pop()


def build_names(fixtures: Mapping[str, Any], home: FixtureHome) -> Names:
    """Forms and ids from the saved fixtures file, mapped to the home's names."""
    area_names = [a.name for a in home.areas]
    if len(area_names) != len(fixtures["areas"]):
        raise ConversionError("the home and the fixtures list different areas")
    areas: dict[str, str] = {}
    for raw, name in zip(fixtures["areas"], area_names, strict=True):
        area_id = str(raw["id"])
        # Older test files name areas by the fixture id without its "_id" suffix.
        keys = {area_id, area_id.removesuffix("_id"), *expand(str(raw["name"]))}
        areas.update((_key(k), name) for k in keys)
    for area in home.areas:
        areas.update((_key(k), area.name) for k in (area.name, *area.aliases))
    by_id = {e.entity_id: e.name for e in home.entities}
    forms: dict[str, set[str]] = {}
    for raw in fixtures["entities"]:
        template, entity_id = str(raw["name"]), str(raw["id"])
        entity_id = _RENAMED_IDS.get((template, entity_id), entity_id)
        if entity_id not in by_id:
            continue
        for form in {entity_id, *expand(template)}:
            forms.setdefault(_key(form), set()).add(by_id[entity_id])
    for entity in home.entities:
        for form in (entity.entity_id, entity.name, *entity.aliases):
            forms.setdefault(_key(form), set()).add(entity.name)
    # A form two devices share ("Telefon") names neither: a test using it is an error.
    entities = {k: next(iter(v)) for k, v in forms.items() if len(v) == 1}
    return Names(areas, entities)


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _first(value: Any) -> Any:
    first = _values(value)[0]
    return first.strip() if isinstance(first, str) else first


def convert_slots(intent: str, slots: Mapping[str, Any], names: Names) -> dict[str, Any]:
    """The test's slots as this dataset labels them."""
    out: dict[str, Any] = {}
    for slot, value in slots.items():
        if slot == "area":
            out[slot] = names.area(value)
        elif slot == "name" and intent not in _TIMER_INTENTS:
            out[slot] = names.entity(value)
        else:
            # The tests list every form they accept; one value is the label.
            out[slot] = _first(value)
    return out


def judged(intent: str, slots: Mapping[str, Any], catalogue_intents: Iterable[str]) -> bool:
    """Whether the product eval can score this label by its effect."""
    if intent in catalogue_intents:
        return True
    return intent not in _IMPLIED_TARGETS and not any(s in slots for s in _TARGET_SLOTS)


@dataclass(frozen=True, slots=True)
class Conversion:
    records: list[dict[str, Any]]
    skipped: Counter[str]


def convert(tests_dir: Path = TESTS_DIR, home_path: Path = HOME_PATH) -> Conversion:
    """Every test sentence, in file and test order, labelled against the home."""
    fixtures = _load(tests_dir / "_fixtures.yaml")
    names = build_names(fixtures, load_fixture_home(home_path))
    intents = set(load_catalogue(CATALOGUE).intents)
    records: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    for path in sorted(tests_dir.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        for test in _load(path).get("tests") or []:
            intent = str(test["intent"]["name"])
            raw_slots = test["intent"].get("slots") or {}
            if not judged(intent, raw_slots, intents):
                skipped[intent] += len(test["sentences"])
                continue
            slots = convert_slots(intent, raw_slots, names)
            context = test["intent"].get("context") or {}
            area = names.area(context["area"]) if "area" in context else None
            for sentence in test["sentences"]:
                record: dict[str, Any] = {
                    "id": f"hat-{len(records) + 1:04d}",
                    "lang": "pl",
                    "text": str(sentence),
                    "intent": intent,
                    "slots": dict(slots),
                }
                if area is not None:
                    record["context"] = {"area": area}
                records.append(record)
    return Conversion(records, skipped)


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ConversionError(f"{path.name} is not a YAML mapping")
    return data


def lines(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False)


def main() -> None:
    result = convert()
    for line in lines(result.records):
        sys.stdout.write(line + "\n")
    for intent, count in sorted(result.skipped.items()):
        sys.stderr.write(f"skipped {count} sentences of {intent}: the eval cannot score them\n")


if __name__ == "__main__":
    main()
