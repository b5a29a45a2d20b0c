"""The intent catalogue: the built-in one is consistent, the user's file overrides it, errors point at file:line."""

from __future__ import annotations

from pathlib import Path
import string

import pytest

from custom_components.llm_intent.engine.errors import CatalogueError
from custom_components.llm_intent.engine.understanding.answers import render
from custom_components.llm_intent.engine.understanding.catalogue import (
    load_catalogue,
    parse_catalogue,
)
from custom_components.llm_intent.engine.understanding.context import Context
from custom_components.llm_intent.engine.understanding.local_match import match_local
from custom_components.llm_intent.engine.understanding.recognition import Recognition
from custom_components.llm_intent.engine.understanding.validate import COLORS, KNOWN_DOMAINS

from .test_local_match import BUILTIN, CATALOGUE, HOME, match

USER_EXAMPLE = Path(__file__).parents[3] / "config" / "intents.yaml"
# Slot values that make every template's fields non-empty.
SAMPLE = {
    "name": "Lampa stojąca",
    "area": "Salon",
    "brightness": 40,
    "color": "red",
    "step": -20,
    "position": 30,
    "temperature": 21.5,
    "delta": 2,
    "mode": "cool",
    "volume_level": 25,
    "state": "on",
    "minutes": 10,
}


def test_every_intent_answers_in_both_languages() -> None:
    for spec in CATALOGUE.intents.values():
        for lang in ("pl", "en"):
            rec = Recognition(
                spec.name,
                {k: v for k, v in SAMPLE.items() if k in spec.slots},
                0.9,
                entity_ids=("light.salon_lampa",),
            )
            text = render(spec, rec, lang, {"temperature": 21.5, "states": []}, HOME)
            assert text, spec.name
            assert "{" not in text and "}" not in text and "[" not in text, (spec.name, text)


def test_template_fields_are_known() -> None:
    """A typo in a template field renders as nothing; catch it here instead."""
    known = {"target", "thing", "where", "where_cap", "state_answer", "temperature"}
    for spec in CATALOGUE.intents.values():
        for lang, template in spec.responses.items():
            for _lit, field, _spec, _conv in string.Formatter().parse(template):
                if field:
                    assert field in known or field in spec.slots, (spec.name, lang, field)


def test_slot_values_the_prompt_promises_are_accepted() -> None:
    for spec in CATALOGUE.intents.values():
        for slot in spec.slots.values():
            if slot.type == "domain":
                assert {"light", "switch", "cover"} <= KNOWN_DOMAINS
            if slot.type == "color":
                assert "red" in COLORS
            assert slot.type != "enum" or slot.values, spec.name


def test_every_example_is_recognised_as_its_own_intent_or_left_to_the_model() -> None:
    """The local matcher may not know an example, but must never take it for another intent."""
    for spec in CATALOGUE.intents.values():
        for lang, examples in spec.examples.items():
            for example in examples:
                rec = match(example, lang)
                assert rec is None or rec.intent == spec.name, (example, rec)


def test_the_example_user_file_adds_an_intent() -> None:
    catalogue = load_catalogue(BUILTIN, USER_EXAMPLE)
    assert "CinemaMode" in catalogue.intents
    assert set(CATALOGUE.intents) < set(catalogue.intents)
    assert catalogue.version != CATALOGUE.version
    assert catalogue.intents["CinemaMode"].source == str(USER_EXAMPLE)


def test_the_example_user_intent_is_understood_and_answered() -> None:
    catalogue = load_catalogue(BUILTIN, USER_EXAMPLE)
    rec = match_local("nocne światło w sypialni", "pl", HOME, catalogue, Context())
    assert rec is not None and rec.confidence >= 0.9
    assert (rec.intent, rec.slots["area"], rec.slots["brightness"]) == (
        "NightLight",
        "Sypialnia",
        10,
    )
    spec = catalogue.intents["NightLight"]
    assert render(spec, rec, "pl", {}, HOME) == "Ustawiono nocne światło w sypialni na 10%."
    assert render(spec, rec, "en", {}, HOME) == "Night light in Sypialnia at 10%."


def test_a_user_file_overrides_a_built_in_intent() -> None:
    user = """
intents:
  HassTurnOn:
    description: Turn things on, my way.
    slots: {name: entity}
    execute: {intent: HassTurnOn}
    responses: {pl: "Zrobione.", en: "Done."}
"""
    catalogue = parse_catalogue(
        [(str(BUILTIN), BUILTIN.read_text()), ("/config/intents.yaml", user)]
    )
    spec = catalogue.intents["HassTurnOn"]
    assert spec.responses["pl"] == "Zrobione."
    assert (spec.source, spec.line) == ("/config/intents.yaml", 3)


def test_a_missing_user_file_is_fine(tmp_path: Path) -> None:
    assert (
        load_catalogue(BUILTIN, tmp_path / "intents.yaml").intents.keys()
        == CATALOGUE.intents.keys()
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("intents:\n  X:\n    description: x\n    slots: {a: wrong}\n", 4, "unknown type"),
        (
            "intents:\n  X:\n    description: x\n    execute: {service: not-a-service}\n"
            "    responses: {pl: a, en: b}\n",
            4,
            "is not domain.service",
        ),
        ("intents:\n  X:\n    description: x\n    colour: red\n", 4, "unknown key"),
        ("intents:\n  unclear:\n    description: x\n", 2, "reserved"),
        ("intents:\n  X: [\n", 3, "invalid YAML"),
        (
            "intents:\n  X:\n    description: x\n    execute: {intent: HassTurnOn}\n"
            "    responses: {pl: a, en: b}\n    local: {pl: ['(unclosed']}\n",
            6,
            "bad pattern",
        ),
        ("intents:\n  X:\n    description: x\n    execute: {intent: HassTurnOn}\n", 3, "responses"),
    ],
)
def test_errors_name_the_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue([("/config/intents.yaml", text)])
    assert caught.value.path == "/config/intents.yaml"
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)
    assert f"/config/intents.yaml:{line}" in str(caught.value)
