"""Builds the held-out split from Home Assistant's own sentence templates.

    python -m benchmarks.heldout_gen > tests/data/eval_heldout.jsonl

The commands come from a process that has nothing to do with the local
matcher's rules: ``hassil`` samples sentences from the ``home-assistant-intents``
Polish and English templates, and this home's names are put in, in the
grammatical case the sentence needs, from forms written here by hand (not
from the project's declension code, which the matcher itself uses). Each
command is labelled with the template's intent and slots, so the label is by
effect. The colloquial commands in ``heldout/colloquial_pl.jsonl`` were
written from scenario descriptions. The output is frozen in ``tests/data``;
nothing is tuned on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import itertools
import json
from pathlib import Path
import random
import re
import sys
from typing import Any

from hassil.errors import MissingListError
from hassil.expression import TextChunk
from hassil.intents import TextSlotList, TextSlotValue
from hassil.parse_expression import parse_sentence
from hassil.sample import sample_expression
from home_assistant_intents import get_intents

from .dataset import load_dataset
from .fixture_home import FixtureHome, load_fixture_home

ROOT = Path(__file__).parents[1]
HOME = ROOT / "tests" / "data" / "eval_home.json"
DEV = ROOT / "tests" / "data" / "eval_pl_en.jsonl"
COLLOQUIAL = Path(__file__).parent / "heldout" / "colloquial_pl.jsonl"

# Polish forms by hand: the area with its own preposition in the locative
# ("w kuchni", "na tarasie") and in the genitive ("z kuchni").
AREA_PL: Mapping[str, tuple[str, str]] = {
    "Salon": ("w salonie", "z salonu"),
    "Kuchnia": ("w kuchni", "z kuchni"),
    "Jadalnia": ("w jadalni", "z jadalni"),
    "Przedpokój": ("w przedpokoju", "z przedpokoju"),
    "Garaż": ("w garażu", "z garażu"),
    "Pralnia": ("w pralni", "z pralni"),
    "Sypialnia": ("w sypialni", "z sypialni"),
    "Łazienka": ("w łazience", "z łazienki"),
    "Pokój dziecięcy": ("w pokoju dziecięcym", "z pokoju dziecięcego"),
    "Gabinet": ("w gabinecie", "z gabinetu"),
    "Ogród": ("w ogrodzie", "z ogrodu"),
    "Taras": ("na tarasie", "z tarasu"),
}
FLOOR_PL: Mapping[str, str] = {"Parter": "na parterze", "Piętro": "na piętrze"}
# The accusative (what a verb acts on) and, for players, the locative ("na telewizorze").
NAME_PL_ACC: Mapping[str, str] = {
    "Światło salon": "światło salon",
    "Lampa stojąca": "lampę stojącą",
    "Taśma LED": "taśmę LED",
    "Światło kuchnia": "światło kuchnia",
    "Listwa nad blatem": "listwę nad blatem",
    "Żyrandol": "żyrandol",
    "Światło przedpokój": "światło przedpokój",
    "Światło schody": "światło schody",
    "Światło garaż": "światło garaż",
    "Światło pralnia": "światło pralnia",
    "Światło sypialnia": "światło sypialnia",
    "Lampka nocna": "lampkę nocną",
    "Światło łazienka": "światło łazienka",
    "Lustro": "lustro",
    "Światło pokój dziecięcy": "światło pokój dziecięcy",
    "Lampka gwiazdki": "lampkę gwiazdki",
    "Lampa biurkowa": "lampę biurkową",
    "Światło gabinet": "światło gabinet",
    "Oświetlenie ogrodu": "oświetlenie ogrodu",
    "Światło taras": "światło taras",
    "Ekspres do kawy": "ekspres do kawy",
    "Czajnik": "czajnik",
    "Choinka": "choinkę",
    "Podlewanie": "podlewanie",
    "Pralka": "pralkę",
    "Suszarka": "suszarkę",
    "Gniazdko biurko": "gniazdko biurko",
    "Wentylator": "wentylator",
    "Wyciąg": "wyciąg",
    "Rolety salon": "rolety salon",
    "Żaluzje kuchnia": "żaluzje kuchnia",
    "Rolety sypialnia": "rolety sypialnia",
    "Rolety gabinet": "rolety gabinet",
    "Brama garażowa": "bramę garażową",
    "Markiza": "markizę",
    "Termostat salon": "termostat salon",
    "Termostat sypialnia": "termostat sypialnia",
    "Grzejnik łazienka": "grzejnik łazienka",
    "Telewizor": "telewizor",
    "Głośnik kuchnia": "głośnik kuchnia",
    "Głośnik sypialnia": "głośnik sypialnia",
    "Odkurzacz": "odkurzacz",
}
NAME_PL_LOC: Mapping[str, str] = {
    "Telewizor": "telewizorze",
    "Głośnik kuchnia": "głośniku kuchnia",
    "Głośnik sypialnia": "głośniku sypialnia",
}
# Values of HA's word lists, as a speaker would say them here.
WORD_LISTS: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    "pl": {
        "cover_classes": {"blind": "rolety", "awning": "markizę"},
        "on_off_states": {"on": "włączone", "off": "wyłączone"},
        "cover_states": {"open": "otwarte", "closed": "zamknięte"},
    },
    "en": {
        "cover_classes": {"blind": "blinds", "awning": "awning"},
        "on_off_states": {"on": "on", "off": "off"},
        "cover_states": {"open": "open", "closed": "closed"},
    },
}
# One value for each number a template asks for, and the label's slot for it.
NUMBERS: Mapping[str, tuple[str, int]] = {
    "brightness": ("brightness", 40),
    "temperature": ("temperature", 22),
    "volume": ("volume_level", 35),
    "position": ("position", 30),
    "timer_hours": ("hours", 2),
    "timer_minutes": ("minutes", 5),
    "timer_seconds": ("seconds", 30),
}
# HA's intents here and the kind of device each acts on when a name is said.
INTENTS: Mapping[str, tuple[str, ...]] = {
    "HassTurnOn": ("light", "switch", "fan", "media_player", "climate"),
    "HassTurnOff": ("light", "switch", "fan", "media_player", "climate"),
    "HassLightSet": ("light",),
    "HassClimateGetTemperature": ("climate",),
    "HassClimateSetTemperature": ("climate",),
    "HassMediaPause": ("media_player",),
    "HassMediaUnpause": ("media_player",),
    "HassMediaNext": ("media_player",),
    "HassSetVolume": ("media_player",),
    "HassGetState": ("light", "switch", "fan"),
    "HassStartTimer": (),
    "HassCancelTimer": (),
    "HassVacuumStart": ("vacuum",),
    "HassVacuumReturnToBase": ("vacuum",),
    "HassSetPosition": ("cover",),
}
# Intents that act on the satellite's room when no place is said.
_AREA_DEFAULT = {
    "HassMediaPause": "media_player",
    "HassMediaUnpause": "media_player",
    "HassMediaNext": "media_player",
    "HassClimateGetTemperature": "climate",
}
MARK = "\u00a7"
_LIST_REF = re.compile(r"\{(\w+)(?::(\w+))?\}")
PER_BLOCK = 3
_STEMS_ALONE = frozenset({"wszys", "każd", "wszyscy", "wszystkich", "każda", "całe", "ilu"})


def _marker(list_name: str, value: str = "") -> str:
    return f"{MARK}{list_name}={value}{MARK}"


def _slot_lists(lang: str) -> dict[str, TextSlotList]:
    lists: dict[str, TextSlotList] = {}
    for name in ("name", "area", "floor", *NUMBERS):
        lists[name] = TextSlotList(name, [TextSlotValue(TextChunk(_marker(name)), name)])
    for name, values in WORD_LISTS[lang].items():
        lists[name] = TextSlotList(
            name, [TextSlotValue(TextChunk(_marker(name, v)), v) for v in values]
        )
    return lists


def _slot_names(data: Mapping[str, Any]) -> dict[str, str]:
    """List name -> slot name, from every template and rule ({list:slot})."""
    found: dict[str, str] = {}
    texts = list(data["expansion_rules"].values())
    for intent in data["intents"].values():
        for block in intent["data"]:
            texts.extend(block["sentences"])
    for text in texts:
        for m in _LIST_REF.finditer(text):
            found.setdefault(m.group(1), m.group(2) or m.group(1))
    return found


def _samples(sentence: str, data: Mapping[str, Any], lang: str, rng: random.Random) -> list[str]:
    rules = {k: parse_sentence(v) for k, v in data["expansion_rules"].items()}
    expanded = sample_expression(
        parse_sentence(sentence).expression, _slot_lists(lang), rules, lang
    )
    try:
        texts = sorted(set(itertools.islice(expanded, 3000)))
    except MissingListError:
        return []
    # An optional ending left out makes a stem no one says ("wszys", "każd").
    texts = [t for t in texts if not set(t.lower().split()) & _STEMS_ALONE]
    rng.shuffle(texts)
    return texts


class _Home:
    def __init__(self, fixtures: FixtureHome) -> None:
        self.entities = fixtures.entities
        self.areas = [a.name for a in fixtures.areas]
        self.floors = [f.name for f in fixtures.floors]
        self.fixtures = fixtures

    def floor_of(self, area: str | None) -> str | None:
        return next((a.floor for a in self.fixtures.areas if a.name == area), None)

    def english(self, aliases: tuple[str, ...]) -> str | None:
        return next((a for a in aliases if a.isascii()), None)

    def areas_with(self, domain: str | None, device_class: str | None = None) -> list[str]:
        return sorted(
            {
                e.area
                for e in self.entities
                if e.area
                and (domain is None or e.domain == domain)
                and (device_class is None or e.device_class == device_class)
            }
        )


def _fill(
    text: str,
    block: Mapping[str, Any],
    intent: str,
    lang: str,
    home: _Home,
    slot_names: Mapping[str, str],
    rng: random.Random,
) -> dict[str, Any] | None:
    """The sample with names put in, and its label; None when no name fits."""
    slots: dict[str, Any] = {
        k: v for k, v in (block.get("slots") or {}).items() if isinstance(v, str | int | float)
    }
    context = block.get("requires_context") or {}
    wanted = context.get("domain") or slots.get("domain") or INTENTS[intent]
    domains = [wanted] if isinstance(wanted, str) else list(wanted)
    record_context: dict[str, Any] = {}
    markers = re.findall(rf"{MARK}(\w+)=(\w*){MARK}", text)
    used = {m[0] for m in markers}
    for list_name, value in markers:
        if list_name in WORD_LISTS[lang]:
            text = text.replace(_marker(list_name, value), WORD_LISTS[lang][list_name][value])
            slots[slot_names.get(list_name, list_name)] = value
        elif list_name in NUMBERS:
            slot, number = NUMBERS[list_name]
            text = text.replace(_marker(list_name), str(number))
            slots[slot] = number
    device_class = slots.get("device_class")
    if "name" in used:
        candidates = [e for e in home.entities if e.domain in domains]
        rng.shuffle(candidates)
        for entity in candidates:
            said = _name_form(text, entity.name, entity.aliases, lang, home)
            if said is not None:
                text = said
                break
        else:
            return None
        slots = {k: v for k, v in slots.items() if k not in ("domain", "device_class")}
        slots["name"] = entity.name
    if "area" in used:
        pool = home.areas_with(
            domains[0] if domains and "name" not in slots else None, device_class
        )
        if "name" in slots:
            # A name with a place is that device's own place.
            pool = [entity.area] if entity.area else []
        if not pool:
            return None
        area = rng.choice(pool)
        said = _area_form(text, area, lang, home)
        if said is None:
            return None
        text = said
        if "name" not in slots:
            slots["area"] = area
    if "floor" in used:
        kind = domains[0] if domains and "name" not in slots else None
        floors = sorted({f for a in home.areas_with(kind, device_class) if (f := home.floor_of(a))})
        if not floors:
            return None
        floor = rng.choice(floors)
        if "name" in slots:
            floor = home.floor_of(entity.area)
            if floor is None:
                return None
        said = _floor_form(text, floor, lang, home)
        if said is None:
            return None
        text, slots["floor"] = said, floor
    if (context.get("area") or {}).get("slot") or (
        intent in _AREA_DEFAULT and not ({"area", "name", "floor"} & set(slots))
    ):
        pool = home.areas_with(domains[0] if domains else _AREA_DEFAULT.get(intent), device_class)
        if not pool:
            return None
        area = rng.choice(pool)
        record_context["area"] = area
        if "name" not in slots:
            slots["area"] = area
    if MARK in text:
        return None
    if intent == "HassCancelTimer":
        # Here a length picks which timer: HA's slot is its starting length.
        slots = {
            (f"start_{k}" if k in ("hours", "minutes", "seconds") else k): v
            for k, v in slots.items()
        }
    if intent in ("HassTurnOn", "HassTurnOff") and slots.get("domain") == "cover":
        # The label says what is done in the catalogue's own words.
        intent = "HassOpenCover" if intent == "HassTurnOn" else "HassCloseCover"
    text = " ".join(text.split())
    out: dict[str, Any] = {"lang": lang, "text": text, "intent": intent, "slots": slots}
    if record_context:
        out["context"] = record_context
    return out


def _name_form(
    text: str, name: str, aliases: tuple[str, ...], lang: str, home: _Home
) -> str | None:
    mark = _marker("name")
    if lang == "en":
        said = home.english(aliases)
        return None if said is None else text.replace(mark, said)
    before = text.split(mark, 1)[0].split()
    previous = before[-1].lower() if before else ""
    if previous in ("w", "na", "przez"):
        loc = NAME_PL_LOC.get(name)
        return None if loc is None else text.replace(mark, loc)
    if previous in ("czy", "") or text.split(mark, 1)[1].strip().startswith(("jest", "są")):
        return text.replace(mark, name.lower())
    if previous in ("stan", "status", "wartość", "temperatura", "temperaturę"):
        return None
    acc = NAME_PL_ACC.get(name)
    return None if acc is None else text.replace(mark, acc)


def _area_form(text: str, area: str, lang: str, home: _Home) -> str | None:
    mark = _marker("area")
    if lang == "en":
        english = next(a for a in home.fixtures.areas if a.name == area)
        said = home.english(english.aliases)
        if said is None:
            return None
        return text.replace(mark, said.lower())
    loc = AREA_PL[area][0]
    if re.search(rf"\b(w|na|we) {mark}", text):
        return re.sub(rf"\b(w|na|we) {mark}", loc, text)
    return None


def _floor_form(text: str, floor: str, lang: str, home: _Home) -> str | None:
    mark = _marker("floor")
    if lang == "en":
        said = home.english(next(f for f in home.fixtures.floors if f.name == floor).aliases)
        if said is None:
            return None
        return text.replace(mark, said.lower())
    return re.sub(rf"(\b(na|w) )?{mark}( piętro)?", FLOOR_PL[floor], text)


def generate(seed: int = 16) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    home = _Home(load_fixture_home(HOME))
    for lang in ("pl", "en"):
        data = get_intents(lang)
        assert data is not None
        slot_names = _slot_names(data)
        seen: set[str] = set()
        for intent in INTENTS:
            for block in data["intents"].get(intent, {}).get("data", []):
                if block.get("excludes_context") or block.get("expansion_rules"):
                    continue
                texts: list[tuple[str, dict[str, str]]] = []
                for sentence in block["sentences"]:
                    # {list:slot} in this template says which slot a list fills here.
                    own = {
                        **slot_names,
                        **{
                            m.group(1): m.group(2)
                            for m in _LIST_REF.finditer(sentence)
                            if m.group(2)
                        },
                    }
                    texts.extend((t, own) for t in _samples(sentence, data, lang, rng)[:PER_BLOCK])
                rng.shuffle(texts)
                made = 0
                for text, names in texts:
                    record = _fill(text, block, intent, lang, home, names, rng)
                    if record is None or record["text"] in seen:
                        continue
                    seen.add(record["text"])
                    yield record
                    made += 1
                    if made >= (1 if intent == "HassGetState" else PER_BLOCK):
                        break


def main() -> int:
    # A command the development split has is not held out.
    dev = {r.text.casefold() for r in load_dataset(DEV)}
    count = 0
    for record in generate():
        if record["text"].casefold() in dev:
            continue
        count += 1
        print(json.dumps({"id": f"tpl-{count:04d}", **record}, ensure_ascii=False))
    for line in COLLOQUIAL.read_text(encoding="utf-8").splitlines():
        if line.strip() and json.loads(line)["text"].casefold() not in dev:
            print(line)
    print(f"{count} template commands", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
