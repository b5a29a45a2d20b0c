"""Answers that read naturally: Polish cases from the home's names, templates, state answers."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.llm_intent.engine.home import Area, Entity, Home
from custom_components.llm_intent.engine.language.polish_phrases import (
    accusative,
    gender_of,
    in_place,
    on_floor,
    state_word,
)
from custom_components.llm_intent.engine.understanding.answers import (
    answer_fields,
    clarify_areas,
    fill,
    number_text,
    render,
    state_answer,
)
from custom_components.llm_intent.engine.understanding.catalogue import IntentSpec
from custom_components.llm_intent.engine.understanding.recognition import Recognition


@pytest.mark.parametrize(
    ("area", "phrase"),
    [
        ("Salon", "w salonie"),
        ("Kuchnia", "w kuchni"),
        ("Sypialnia", "w sypialni"),
        ("Łazienka", "w łazience"),
        ("Pokój dziecięcy", "w pokoju dziecięcym"),
        ("Pokój dzienny", "w pokoju dziennym"),
        ("Przedpokój", "w przedpokoju"),
        ("Gabinet", "w gabinecie"),
        ("Jadalnia", "w jadalni"),
        ("Garaż", "w garażu"),
        ("Ogród", "w ogrodzie"),
        ("Korytarz", "w korytarzu"),
        ("Piwnica", "w piwnicy"),
        ("Biuro", "w biurze"),
        ("Strych", "na strychu"),
        ("Taras", "na tarasie"),
        ("Balkon", "na balkonie"),
        ("Poddasze", "na poddaszu"),
        ("Hol", "w holu"),
        ("Pralnia", "w pralni"),
        ("Sypialnia główna", "w sypialni głównej"),
        ("Mała łazienka", "w małej łazience"),
        ("Pokój Ani", "w pokoju Ani"),
        ("Łazienka dla gości", "w łazience dla gości"),
        ("Wiatrołap", "w wiatrołapie"),
        ("Wnęka", "we wnęce"),
        ("Weranda", "na werandzie"),
        ("Schody", "na schodach"),
    ],
)
def test_locative_of_room_names(area: str, phrase: str) -> None:
    assert in_place(area) == phrase


@pytest.mark.parametrize(
    ("floor", "phrase"),
    [("Parter", "na parterze"), ("Piętro", "na piętrze"), ("Piwnica", "w piwnicy")],
)
def test_locative_of_floor_names(floor: str, phrase: str) -> None:
    assert on_floor(floor) == phrase


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("Lampa stojąca", "lampę stojącą"),
        ("Lampka nocna", "lampkę nocną"),
        ("Nocna lampka", "nocną lampkę"),
        ("Lampa biurkowa", "lampę biurkową"),
        ("Brama garażowa", "bramę garażową"),
        ("Choinka", "choinkę"),
        ("Pralka", "pralkę"),
        ("Listwa nad blatem", "listwę nad blatem"),
        ("Ekspres do kawy", "ekspres do kawy"),
        ("Wentylator", "wentylator"),
        ("Telewizor", "telewizor"),
        ("Oświetlenie ogrodu", "oświetlenie ogrodu"),
        ("Drzwi wejściowe", "drzwi wejściowe"),
        ("Rolety", "rolety"),
        ("Żyrandol", "żyrandol"),
        ("TV Samsung", "TV Samsung"),
    ],
)
def test_accusative_of_device_names(name: str, phrase: str) -> None:
    assert accusative(name) == phrase


@pytest.mark.parametrize(
    ("name", "gender"),
    [
        ("Pralka", "f"),
        ("Lampa stojąca", "f"),
        ("Wentylator", "m"),
        ("Światło", "n"),
        ("Oświetlenie ogrodu", "n"),
        ("Drzwi wejściowe", "pl"),
        ("Rolety", "pl"),
        ("Żaluzje", "pl"),
        ("Nocna lampka", "f"),
    ],
)
def test_gender_of_names(name: str, gender: str) -> None:
    assert gender_of(name) == gender


def test_state_words_agree_with_the_subject() -> None:
    assert state_word("on", "f") == "włączona"
    assert state_word("on", "m") == "włączony"
    assert state_word("on", "n") == "włączone"
    assert state_word("locked", "pl") == "zamknięte"
    assert state_word("docked", "m") == "w stacji"
    assert state_word("locked", "m", "en") == "locked"
    assert state_word("not_home", "m", "en") == "away"


HOME = Home(
    areas=(Area("kuchnia", "Kuchnia"), Area("salon", "Salon"), Area("przed", "Przedpokój")),
    entities=(
        Entity("light.kuchnia", "Światło kuchnia", area_id="kuchnia"),
        Entity("light.lampa", "Lampa stojąca", area_id="salon"),
        Entity("cover.salon", "Rolety salon", area_id="salon"),
        Entity("lock.drzwi", "Drzwi wejściowe", area_id="przed"),
        Entity("lock.taras", "Drzwi tarasowe", area_id="salon"),
        Entity("switch.pralka", "Pralka", area_id="kuchnia"),
    ),
)


def _spec(pl: str, en: str = "") -> IntentSpec:
    return IntentSpec(
        name="X",
        description="x",
        slots={},
        responses={"pl": pl, "en": en or pl},
        examples={},
        local={},
    )


@pytest.mark.parametrize(
    ("slots", "entity_ids", "text"),
    [
        ({"area": "Kuchnia", "domain": "light"}, (), "Włączono światło w kuchni."),
        ({"name": "Lampa stojąca"}, ("light.lampa",), "Włączono lampę stojącą."),
        # A name that ends with its room reads as a place.
        ({"name": "Światło kuchnia"}, ("light.kuchnia",), "Włączono światło w kuchni."),
        ({"name": "Rolety salon"}, ("cover.salon",), "Włączono rolety w salonie."),
        ({"area": "Salon"}, (), "Włączono wszystko w salonie."),
    ],
)
def test_polish_target_phrases(
    slots: dict[str, Any], entity_ids: tuple[str, ...], text: str
) -> None:
    rec = Recognition("X", slots, 0.9, entity_ids=entity_ids)
    assert render(_spec("Włączono {target}."), rec, "pl", {}, HOME) == text


def test_english_keeps_the_names_and_says_in() -> None:
    rec = Recognition("X", {"area": "Kuchnia", "domain": "light"}, 0.9)
    assert render(_spec("", "Turned on {target}."), rec, "en", {}, HOME) == (
        "Turned on the lights in Kuchnia."
    )
    named = Recognition("X", {"name": "Lampa stojąca"}, 0.9, entity_ids=("light.lampa",))
    assert render(_spec("", "Turned on {target}."), named, "en", {}, HOME) == (
        "Turned on Lampa stojąca."
    )


def test_where_comes_from_the_named_device_when_no_room_was_said() -> None:
    rec = Recognition("X", {"name": "Lampa stojąca"}, 0.9, entity_ids=("light.lampa",))
    assert answer_fields(rec, "pl", HOME).where == "w salonie"
    assert render(
        _spec("{where} jest {temperature} °C."), rec, "pl", {"temperature": 21.5}, HOME
    ) == ("W salonie jest 21,5 °C.")


def test_optional_parts_and_choices() -> None:
    template = (
        "{step:Rozjaśniono|Przyciemniono} światło[ o {step:abs}%][ na {color:red=czerwono|inny}]."
    )
    assert fill(template, {"step": 20}, "pl") == "Rozjaśniono światło o 20%."
    assert fill(template, {"step": -15, "color": "red"}, "pl") == (
        "Przyciemniono światło o 15% na czerwono."
    )
    assert fill(template, {"step": -15, "color": "blue"}, "pl") == (
        "Przyciemniono światło o 15% na inny."
    )
    # A missing field never leaves braces or double spaces behind.
    assert fill("Ustawiono {nothing} teraz.", {}, "pl") == "Ustawiono teraz."


def test_numbers_are_spoken_the_languages_way() -> None:
    assert number_text(22.0, "pl") == "22"
    assert number_text(21.5, "pl") == "21,5"
    assert number_text(21.5, "en") == "21.5"
    assert fill("{t} °C", {"t": 19.0}, "pl") == "19 °C"


def _states(*items: tuple[str, str, str, bool]) -> list[dict[str, Any]]:
    return [{"entity_id": e, "name": n, "state": s, "matched": m} for e, n, s, m in items]


def test_yes_no_state_answers_in_polish() -> None:
    both = _states(
        ("lock.drzwi", "Drzwi wejściowe", "locked", True),
        ("lock.taras", "Drzwi tarasowe", "locked", True),
    )
    assert state_answer(both, "locked", "pl", HOME) == (
        "Tak, drzwi wejściowe i drzwi tarasowe są zamknięte."
    )
    one_open = _states(
        ("lock.drzwi", "Drzwi wejściowe", "locked", True),
        ("lock.taras", "Drzwi tarasowe", "unlocked", False),
    )
    assert state_answer(one_open, "locked", "pl", HOME) == "Nie, drzwi tarasowe są otwarte."
    washer = _states(("switch.pralka", "Pralka", "on", True))
    assert state_answer(washer, "on", "pl", HOME) == "Tak, pralka jest włączona."
    assert state_answer(washer, None, "pl", HOME) == "Pralka jest włączona."
    light = _states(("light.kuchnia", "Światło kuchnia", "off", True))
    assert state_answer(light, None, "pl", HOME) == "Światło w kuchni jest wyłączone."
    assert state_answer([], "on", "pl", HOME) == "Nie znalazłem takiego urządzenia."


def test_yes_no_state_answers_in_english() -> None:
    door = _states(("lock.drzwi", "Drzwi wejściowe", "unlocked", False))
    assert state_answer(door, "locked", "en", HOME) == "No, Drzwi wejściowe is unlocked."


def test_clarifying_question_names_two_or_three_rooms() -> None:
    assert clarify_areas(["Salon", "Kuchnia"], "pl") == "W salonie czy w kuchni?"
    assert clarify_areas(["Salon", "Sypialnia", "Taras"], "pl") == (
        "W salonie, w sypialni czy na tarasie?"
    )
    assert clarify_areas(["Salon", "Kuchnia"], "en") == "In Salon or in Kuchnia?"
    assert clarify_areas(["A", "B", "C", "D"], "pl") == "W którym pomieszczeniu?"
