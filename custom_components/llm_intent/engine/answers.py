"""Short spoken answers in the command's language, from the catalogue's templates."""

from __future__ import annotations

from collections.abc import Mapping
import string
from typing import Any

from .catalogue import IntentSpec
from .recognition import Recognition

_DOMAIN_WORDS = {
    "pl": {
        "light": "światło",
        "switch": "przełącznik",
        "fan": "wentylator",
        "cover": "rolety",
        "climate": "ogrzewanie",
        "media_player": "odtwarzacz",
        "lock": "zamek",
        "vacuum": "odkurzacz",
        "scene": "scenę",
        "script": "skrypt",
    },
    "en": {
        "light": "the lights",
        "switch": "the switch",
        "fan": "the fan",
        "cover": "the blinds",
        "climate": "the heating",
        "media_player": "the player",
        "lock": "the lock",
        "vacuum": "the vacuum",
        "scene": "the scene",
        "script": "the script",
    },
}

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
        "no_target": "Nie znalazłem takiego urządzenia.",
        "confirm": "Czy na pewno? Powiedz „tak”, aby potwierdzić.",
        "cancelled": "Anulowano.",
        "empty": "Nie usłyszałem polecenia.",
        "out_of_scope": "Tym się nie zajmuję — mogę sterować domem.",
        "which": "Które urządzenie masz na myśli?",
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
        "no_target": "I couldn't find that device.",
        "confirm": "Are you sure? Say “yes” to confirm.",
        "cancelled": "Cancelled.",
        "empty": "I didn't hear a command.",
        "out_of_scope": "I can only help with your home.",
        "which": "Which device do you mean?",
        "or": " or ",
    },
}


def lang_of(language: str) -> str:
    return "pl" if language.lower().startswith("pl") else "en"


def message(key: str, language: str) -> str:
    return MESSAGES[lang_of(language)][key]


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(spec: IntentSpec, rec: Recognition, language: str, values: Mapping[str, Any]) -> str:
    """Fill the intent's template; missing values leave no braces behind."""
    lang = lang_of(language)
    template = spec.responses.get(lang) or spec.responses.get("en", "")
    where = rec.where_words or (
        (("w: " if lang == "pl" else "in ") + rec.slots["area"]) if rec.slots.get("area") else ""
    )
    target = rec.target_words or rec.slots.get("name")
    if not target:
        domain = rec.slots.get("domain")
        target = _DOMAIN_WORDS[lang].get(str(domain), "") if domain else ""
        if not target:
            target = "wszystko" if lang == "pl" else "everything"
    if where and where not in target:
        target = f"{target} {where}"
    fields = _Blank({**rec.slots, **values})
    fields.update(target=target, where=where, where_cap=where[:1].upper() + where[1:])
    text = string.Formatter().vformat(template, (), fields)
    return " ".join(text.split()).replace(" .", ".")
