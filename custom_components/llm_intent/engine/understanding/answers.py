"""Short spoken answers in the command's language, from the catalogue's templates.

A template names what was done ("Włączono {target}.") and the answer fills it
from the recognition and the home: ``target`` is what was acted on in the
accusative with its place ("światło w kuchni", "lampę stojącą"), ``where`` the
place alone ("w kuchni", "na parterze"), numbers are spoken the language's way
("21,5"). Two small additions to Python's format syntax keep one template per
language (docs/intents.md):

* ``[ na {brightness}%]`` — an optional part, left out when a field in it is empty;
* ``{delta:Podniesiono|Obniżono}`` — a choice by sign (positive first), and
  ``{mode:off=Wyłączono|Ustawiono}`` a choice by value (the last option is the
  default); ``{delta:abs}`` is the number without its sign.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import re
import string
from typing import Any

from ..home import Entity, Home
from ..language.normalize import fold
from ..language.polish_phrases import (
    accusative,
    gender_of,
    in_place,
    join_and,
    lower_first,
    on_floor,
    state_word,
)
from .catalogue import IntentSpec
from .recognition import Recognition

_DOMAIN_WORDS = {
    "pl": {
        "light": "światło",
        "switch": "przełączniki",
        "fan": "wentylator",
        "cover": "rolety",
        "climate": "ogrzewanie",
        "media_player": "odtwarzacz",
        "lock": "zamki",
        "vacuum": "odkurzacz",
        "scene": "scenę",
        "script": "skrypt",
        "valve": "zawór",
        "humidifier": "nawilżacz",
        "input_boolean": "przełącznik",
    },
    "en": {
        "light": "the lights",
        "switch": "the switches",
        "fan": "the fan",
        "cover": "the blinds",
        "climate": "the heating",
        "media_player": "the player",
        "lock": "the locks",
        "vacuum": "the vacuum",
        "scene": "the scene",
        "script": "the script",
        "valve": "the valve",
        "humidifier": "the humidifier",
        "input_boolean": "the switch",
    },
}
# What a whole area or house is called when no device kind was named.
_EVERYTHING = {"pl": "wszystko", "en": "everything"}

MESSAGES: Mapping[str, Mapping[str, str]] = {
    "pl": {
        "not_understood": "Nie zrozumiałem polecenia.",
        "not_understood_offline": (
            "Nie zrozumiałem polecenia, a model językowy jest teraz niedostępny."
        ),
        "not_understood_budget": (
            "Budżet na model językowy się wyczerpał, a lokalnie nie rozumiem tego polecenia."
        ),
        "budget_local": "Budżet na model językowy się wyczerpał, więc odpowiadam lokalnie. ",
        "failed": "Nie udało się wykonać polecenia.",
        "unauthorized": "Nie masz uprawnień do sterowania tym urządzeniem.",
        "no_target": "Nie znalazłem takiego urządzenia.",
        # Ends with "?" so Assist keeps listening for the answer.
        "confirm": "Powiedz „tak”, aby potwierdzić. Czy na pewno?",
        "confirm_expired": "Minęło zbyt dużo czasu na potwierdzenie, więc nic nie zrobiłem.",
        "cancelled": "Anulowano.",
        "done": "Gotowe.",
        "empty": "Nie usłyszałem polecenia.",
        "out_of_scope": "Tym się nie zajmuję — mogę sterować domem.",
        "which": "Które urządzenie masz na myśli?",
        "which_area": "W którym pomieszczeniu?",
        "refused_everywhere": "Tego nie zrobię w całym domu naraz. Powiedz, które urządzenie.",
        "refused_alarm": "Alarmu nie wyłączam głosowo. Użyj aplikacji lub klawiatury.",
        "or": " czy ",
    },
    "en": {
        "not_understood": "Sorry, I didn't understand that.",
        "not_understood_offline": (
            "Sorry, I didn't understand that, and the language model is unavailable right now."
        ),
        "not_understood_budget": (
            "The language model budget is used up, and I can't understand that locally."
        ),
        "budget_local": "The language model budget is used up, so I answered locally. ",
        "failed": "Sorry, that didn't work.",
        "unauthorized": "You are not allowed to control that device.",
        "no_target": "I couldn't find that device.",
        "confirm": "Say “yes” to confirm. Are you sure?",
        "confirm_expired": "The time to confirm ran out, so I did nothing.",
        "cancelled": "Cancelled.",
        "done": "Done.",
        "empty": "I didn't hear a command.",
        "out_of_scope": "I can only help with your home.",
        "which": "Which device do you mean?",
        "which_area": "In which room?",
        "refused_everywhere": "I won't do that in the whole house at once. Tell me which device.",
        "refused_alarm": "I don't disarm the alarm by voice. Use the app or the keypad.",
        "or": " or ",
    },
}
_YES_NO = {"pl": ("Tak", "Nie"), "en": ("Yes", "No")}
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")


def lang_of(language: str) -> str:
    return "pl" if language.lower().startswith("pl") else "en"


def message(key: str, language: str) -> str:
    return MESSAGES[lang_of(language)][key]


def number_text(value: float | int, lang: str) -> str:
    """22.0 → "22"; 21.5 → "21,5" in Polish, "21.5" in English."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return text.replace(".", ",") if lang == "pl" else text


def _text(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return number_text(value, lang)
    if isinstance(value, list | tuple):
        return ", ".join(_text(v, lang) for v in value)
    return str(value)


class _Formatter(string.Formatter):
    """str.format with missing fields left empty, spoken numbers, and choices."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        return kwargs.get(str(key))

    def format_field(self, value: Any, format_spec: str) -> str:
        if not format_spec:
            return _text(value, self.lang)
        if format_spec == "abs":
            return _text(abs(value), self.lang) if isinstance(value, int | float) else ""
        options = format_spec.split("|")
        keyed = [o.split("=", 1) for o in options if "=" in o]
        if keyed:
            for key, text in keyed:
                if key == _text(value, "en"):
                    return text
            plain = [o for o in options if "=" not in o]
            return plain[-1] if plain else _text(value, self.lang)
        if len(options) == 2:
            number = value if isinstance(value, int | float) else 0
            return options[0] if number >= 0 else options[1]
        return _text(value, self.lang)


def fill(template: str, fields: Mapping[str, Any], lang: str) -> str:
    """Fill a template: optional ``[...]`` parts, choices, spoken numbers, no stray spaces."""
    formatter = _Formatter(lang)

    def optional(match: re.Match[str]) -> str:
        part = match.group(1)
        for _literal, name, _spec, _conv in formatter.parse(part):
            if name is not None and _text(fields.get(name), lang) == "":
                return ""
        return part

    text = formatter.vformat(_OPTIONAL.sub(optional, template), (), dict(fields))
    text = re.sub(r" ([.,!?;:])", r"\1", " ".join(text.split()))
    # A sentence starts with a capital even when it starts with a field ("w sypialni jest…").
    return text[:1].upper() + text[1:]


def place(area_name: str, lang: str) -> str:
    """ "w kuchni" / "in Kuchnia"."""
    return in_place(area_name) if lang == "pl" else f"in {area_name}"


def floor_place(floor_name: str, lang: str) -> str:
    return on_floor(floor_name) if lang == "pl" else f"on {floor_name}"


def entity_phrase(entity: Entity, home: Home | None, lang: str, *, object_case: bool) -> str:
    """How an answer names one device.

    Polish names that end with their room's name ("Światło kuchnia", "Rolety
    salon") read as "światło w kuchni", "rolety w salonie"; others are
    inflected as the object of the verb ("lampę stojącą") or kept as the
    subject ("lampa stojąca").
    """
    name = entity.name
    if lang != "pl":
        return name
    area = home.area_by_id.get(entity.area_id or "") if home is not None else None
    if area is not None:
        words = name.split()
        for area_name in (area.name, *area.aliases):
            size = len(area_name.split())
            if len(words) > size and fold(" ".join(words[-size:])) == fold(area_name):
                rest = " ".join(words[:-size])
                head = accusative(rest) if object_case else lower_first(rest)
                return f"{head} {in_place(area_name)}"
    return accusative(name) if object_case else lower_first(name)


def _entity(home: Home | None, entity_id: str | None, name: str | None) -> Entity | None:
    if home is None:
        return None
    if entity_id and entity_id in home.entity_by_id:
        return home.entity_by_id[entity_id]
    if name:
        return next((e for e in home.entities if e.name == name), None)
    return None


def _where(
    rec: Recognition, home: Home | None, lang: str, acted_on: Sequence[str]
) -> tuple[str, bool]:
    """The place of the command, and whether the words (slots) named it."""
    area = rec.slots.get("area")
    if isinstance(area, str) and area:
        return place(area, lang), True
    floor = rec.slots.get("floor")
    if isinstance(floor, str) and floor:
        return floor_place(floor, lang), True
    if home is None:
        return "", False
    ids = list(rec.entity_ids) or list(acted_on)
    if not ids and rec.area_id:
        found = home.area_by_id.get(rec.area_id)
        return (place(found.name, lang), False) if found else ("", False)
    areas = {home.entity_by_id[i].area_id for i in ids if i in home.entity_by_id}
    if len(areas) == 1 and (only := areas.pop()) and only in home.area_by_id:
        return place(home.area_by_id[only].name, lang), False
    return "", False


def _target(
    rec: Recognition, home: Home | None, lang: str, where: str, where_named: bool
) -> tuple[str, str]:
    """(what was acted on with its place, what was acted on alone)."""
    name = rec.slots.get("name")
    if isinstance(name, str) and name:
        entity = _entity(home, rec.entity_ids[0] if rec.entity_ids else None, name)
        if entity is not None:
            phrase = entity_phrase(entity, home, lang, object_case=True)
        else:
            phrase = accusative(name) if lang == "pl" else name
        return phrase, phrase
    domain = rec.slots.get("domain")
    thing = _DOMAIN_WORDS[lang].get(domain, "") if isinstance(domain, str) else ""
    thing = thing or _EVERYTHING[lang]
    if where and where_named:
        return f"{thing} {where}", thing
    return thing, thing


def state_answer(
    states: Sequence[Mapping[str, Any]],
    asked_state: str | None,
    lang: str,
    home: Home | None,
) -> str:
    """A spoken answer to a state question.

    "Tak, drzwi wejściowe są zamknięte." / "Nie, drzwi tarasowe są otwarte." /
    "Pralka jest włączona." ``states`` are the devices asked about: entity_id, name, state and
    whether it is in the asked-for state (``matched``).
    """
    if not states:
        return message("no_target", lang)

    def subject(item: Mapping[str, Any]) -> str:
        entity = _entity(home, item.get("entity_id"), item.get("name"))
        if entity is not None:
            return entity_phrase(entity, home, lang, object_case=False)
        name = str(item.get("name", ""))
        return lower_first(name) if lang == "pl" else name

    def clause(group: list[Mapping[str, Any]], state: str) -> str:
        names = [subject(item) for item in group]
        plural = len(group) > 1
        if lang == "pl":
            gender = "pl" if plural else gender_of(str(group[0].get("name", "")))
            verb = "są" if gender == "pl" else "jest"
            return f"{join_and(names, lang)} {verb} {state_word(state, gender, lang)}"
        verb = "are" if plural else "is"
        return f"{join_and(names, lang)} {verb} {state_word(state, 'm', lang)}"

    def clauses(items: Iterable[Mapping[str, Any]]) -> str:
        by_state: dict[str, list[Mapping[str, Any]]] = {}
        for item in items:
            by_state.setdefault(str(item.get("state")), []).append(item)
        return ", ".join(clause(group, state) for state, group in by_state.items())

    yes, no = _YES_NO[lang]
    if asked_state:
        unmatched = [s for s in states if not s.get("matched")]
        if not unmatched:
            return f"{yes}, {clauses(states)}."
        return f"{no}, {clauses(unmatched)}."
    text = clauses(states)
    return text[:1].upper() + text[1:] + "."


@dataclass(frozen=True, slots=True)
class AnswerFields:
    target: str
    thing: str
    where: str


def answer_fields(
    rec: Recognition, language: str, home: Home | None = None, acted_on: Sequence[str] = ()
) -> AnswerFields:
    lang = lang_of(language)
    where, named = _where(rec, home, lang, acted_on)
    target, thing = _target(rec, home, lang, where, named)
    return AnswerFields(target, thing, where)


def render(
    spec: IntentSpec,
    rec: Recognition,
    language: str,
    values: Mapping[str, Any],
    home: Home | None = None,
    acted_on: Sequence[str] = (),
) -> str:
    """Fill the intent's template for this recognition and what the action reported."""
    lang = lang_of(language)
    template = spec.responses.get(lang) or spec.responses.get("en", "")
    parts = answer_fields(rec, language, home, acted_on)
    fields: dict[str, Any] = {**rec.slots, **values}
    states = values.get("states")
    if isinstance(states, list):
        asked = rec.slots.get("state")
        fields["state_answer"] = state_answer(states, str(asked) if asked else None, lang, home)
    fields.update(
        target=parts.target,
        thing=parts.thing,
        where=parts.where,
        where_cap=parts.where[:1].upper() + parts.where[1:],
    )
    return fill(template, fields, lang)


def clarify_areas(area_names: Sequence[str], language: str) -> str:
    """ "W salonie czy w kuchni?" for two or three rooms; "W którym pomieszczeniu?" otherwise."""
    lang = lang_of(language)
    if not 2 <= len(area_names) <= 3:
        return message("which_area", lang)
    places = [place(name, lang) for name in area_names]
    sep = message("or", lang)
    text = ", ".join(places[:-1]) + sep + places[-1] + "?"
    return text[:1].upper() + text[1:]
