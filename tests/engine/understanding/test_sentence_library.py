"""HA's sentence templates matched with the home's names in every inflected form.

The examples read like the commands users give; the properties attack the
two promises with generated homes and commands: a name is acted on only when
it was said (in some form), and never by an intent that cannot act on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.home import Area, Entity, Home
from custom_components.llm_intent.engine.language.normalize import fold
from custom_components.llm_intent.engine.language.polish_forms import polish_forms
from custom_components.llm_intent.engine.pipeline import Command, Pipeline
from custom_components.llm_intent.engine.types import Path
from custom_components.llm_intent.engine.understanding.context import ContextStore
from custom_components.llm_intent.engine.understanding.library_match import (
    library_choice,
    library_recognition,
)
from custom_components.llm_intent.engine.understanding.precision import INTENT_KINDS
from custom_components.llm_intent.engine.understanding.recognition import Recognition
from custom_components.llm_intent.engine.understanding.sentence_library import SentenceLibrary

from ..test_pipeline import Homes, Recorder
from .test_local_match import CATALOGUE, HOME

LIBRARY = SentenceLibrary()
LIBRARY.load()


def heard(
    text: str, lang: str = "pl", home: Home = HOME, satellite: str | None = None
) -> Recognition | None:
    found = LIBRARY.matches(text, lang, home, satellite)
    rec = library_choice(found, text, lang, home, CATALOGUE, satellite)
    return None if rec is None else rec[0]


@pytest.mark.parametrize(
    ("text", "intent", "entity_ids"),
    [
        # The area in the locative, as every Polish command has it.
        ("zapal światło w salonie", "HassTurnOn", {"light.salon_sufit", "light.salon_lampa"}),
        ("zgaś wszystkie światła w kuchni", "HassTurnOff", {"light.kuchnia", "light.kuchnia_blat"}),
        # A device in the accusative.
        ("zgaś lampę stojącą", "HassTurnOff", {"light.salon_lampa"}),
        ("włącz ekspres do kawy", "HassTurnOn", {"switch.ekspres"}),
        # Questions and media commands HA's library knows, with the place inflected.
        ("jaka jest temperatura w sypialni", "HassClimateGetTemperature", {"climate.sypialnia"}),
        ("w kuchni przestań grać", "HassMediaPause", {"media_player.glosnik"}),
        # English area aliases and names work the same way.
        ("turn off the lights in the living room", "HassTurnOff", None),
    ],
)
def test_ha_templates_understand_the_homes_names_in_any_case(
    text: str, intent: str, entity_ids: set[str] | None
) -> None:
    lang = "en" if text.startswith("turn") else "pl"
    home = HOME
    if lang == "en":
        home = Home(
            areas=(Area("salon", "Salon", ("Living room",)),),
            entities=(Entity("light.a", "Sufit", area_id="salon"),),
        )
        entity_ids = {"light.a"}
    rec = heard(text, lang, home)
    assert rec is not None, text
    assert rec.intent == intent
    assert set(rec.entity_ids) == entity_ids


def test_a_class_word_targets_the_class_in_the_room_not_a_device_named_like_it() -> None:
    home = Home(
        areas=(Area("gabinet", "Gabinet"),),
        entities=(
            Entity("cover.a", "Okno lewe", area_id="gabinet", device_class="blind"),
            Entity("cover.b", "Okno prawe", area_id="gabinet", device_class="blind"),
            Entity("cover.garaz", "Brama", area_id="gabinet", device_class="garage"),
            Entity("script.rolety", "Rolety", area_id="gabinet"),
        ),
    )
    rec = heard("zasłoń rolety w gabinecie", home=home)
    assert rec is not None
    assert set(rec.entity_ids) == {"cover.a", "cover.b"}


def test_a_name_two_rooms_share_is_the_satellites_or_no_one() -> None:
    home = Home(
        areas=(Area("salon", "Salon"), Area("kuchnia", "Kuchnia")),
        entities=(
            Entity("light.a", "Lampa", area_id="salon"),
            Entity("light.b", "Lampa", area_id="kuchnia"),
        ),
    )
    assert heard("zgaś lampę", home=home) is None
    rec = heard("zgaś lampę", home=home, satellite="kuchnia")
    assert rec is not None
    assert rec.entity_ids == ("light.b",)


def test_a_name_said_in_a_room_it_is_not_in_is_handed_on() -> None:
    assert heard("zgaś lampę stojącą w kuchni") is None


def test_nothing_is_matched_before_the_templates_are_loaded() -> None:
    assert SentenceLibrary().match("zapal światło w salonie", "pl", HOME) is None


def test_the_slot_lists_are_built_once_per_home_version() -> None:
    library = SentenceLibrary()
    library.load(("pl",))
    library.match("zapal światło w salonie", "pl", HOME)
    first = library._slot_lists(HOME, "pl")
    library.match("zgaś światło w kuchni", "pl", HOME)
    assert library._slot_lists(HOME, "pl") is first
    moved = Home(areas=HOME.areas, entities=HOME.entities[1:])
    assert library._slot_lists(moved, "pl") is not first


def test_switched_off_intents_are_not_matched_here_either() -> None:
    library = SentenceLibrary(disabled=frozenset({"HassTurnOn"}))
    library.load(("pl",))
    assert library.match("zapal światło w salonie", "pl", HOME) is None
    assert library.match("zgaś światło w salonie", "pl", HOME) is not None


def _pipeline(executor: Recorder) -> Pipeline:
    clock = ManualClock()
    return Pipeline(CATALOGUE, Homes(), executor, clock, ContextStore(clock), library=LIBRARY)


def test_the_engine_acts_on_an_inflected_template_sentence_without_a_model() -> None:
    executor = Recorder()
    outcome = asyncio.run(_pipeline(executor).handle(Command("zapal światło w salonie", "pl")))
    assert outcome.path is Path.LOCAL
    assert outcome.matched_by == "library"
    assert outcome.executed and outcome.success
    assert executor.actions == [("HassTurnOn", {"area": "Salon", "domain": "light"})]


def test_unlocking_through_a_template_still_waits_for_yes() -> None:
    executor = Recorder()
    pipeline = _pipeline(executor)
    outcome = asyncio.run(pipeline.handle(Command("odblokuj drzwi wejściowe", "pl", "c1")))
    if outcome.matched_by == "library":
        assert outcome.asked
    assert executor.actions == []
    garage = asyncio.run(pipeline.handle(Command("otwórz bramę garażową", "pl", "c2")))
    assert garage.matched_by == "library"
    assert garage.asked and executor.actions == []
    asyncio.run(pipeline.handle(Command("tak", "pl", "c2")))
    assert [a[0] for a in executor.actions] == ["HassOpenCover"]


# --- properties ---

_NOUNS = ("lampa", "listwa", "roleta", "brama", "wentylator", "głośnik", "grzejnik", "kinkiet")
_ADJECTIVES = ("stojąca", "nocna", "górny", "duży", "kuchenna", "tarasowe", "boczny", "zielona")
_PLACES = ("Salon", "Kuchnia", "Sypialnia", "Gabinet", "Łazienka", "Taras")
_DOMAINS = ("light", "switch", "fan", "cover", "media_player", "script", "scene", "lock")
_VERBS = ("włącz", "wyłącz", "zapal", "zgaś", "otwórz", "zamknij", "odsłoń", "zasłoń", "zatrzymaj")


@st.composite
def generated_homes(draw: st.DrawFn) -> Home:
    areas = tuple(Area(fold(p), p) for p in _PLACES)
    count = draw(st.integers(1, 8))
    entities = []
    for n in range(count):
        words = [draw(st.sampled_from(_NOUNS)).capitalize()]
        if draw(st.booleans()):
            words.append(draw(st.sampled_from(_ADJECTIVES)))
        domain = draw(st.sampled_from(_DOMAINS))
        entities.append(
            Entity(
                f"{domain}.e{n}",
                " ".join(words),
                area_id=fold(draw(st.sampled_from(_PLACES))),
                device_class=draw(st.none() | st.sampled_from(("blind", "garage", "shutter"))),
            )
        )
    return Home(areas=areas, entities=tuple(entities))


def _said_in_some_form(name: str, tokens: list[str]) -> bool:
    words = fold(name).split()
    forms = [polish_forms(w) | {w} for w in name.casefold().split()]
    return any(
        all(tokens[i + k] in forms[k] for k in range(len(words)))
        for i in range(len(tokens) - len(words) + 1)
    )


def _form(draw: st.DrawFn, name: str) -> str:
    return " ".join(draw(st.sampled_from(sorted(polish_forms(w)))) for w in name.casefold().split())


@st.composite
def commands(draw: st.DrawFn) -> tuple[Home, str, str | None]:
    home = draw(generated_homes())
    entity = draw(st.sampled_from(home.entities))
    parts = [draw(st.sampled_from(_VERBS)), _form(draw, entity.name)]
    if draw(st.booleans()):
        area = draw(st.sampled_from(home.areas))
        parts.append(draw(st.sampled_from(("w", "na"))) + " " + _form(draw, area.name))
    satellite = draw(st.none() | st.sampled_from([a.area_id for a in home.areas]))
    return home, " ".join(parts), satellite


def _kinds_fit(intent: str, entity_ids: tuple[str, ...]) -> bool:
    allowed = INTENT_KINDS.get(intent)
    return allowed is None or {e.split(".", 1)[0] for e in entity_ids} <= allowed


def _place_said(home: Home, entity_id: str, tokens: list[str], rec: Recognition) -> bool:
    area = home.area_by_id.get(home.entity_by_id[entity_id].area_id or "")
    return area is not None and (
        _said_in_some_form(area.name, tokens) or rec.area_id == area.area_id
    )


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands())
def test_only_a_device_whose_name_or_place_was_said_is_acted_on(
    case: tuple[Home, str, str | None],
) -> None:
    home, text, satellite = case
    rec = heard(text, home=home, satellite=satellite)
    if rec is None:
        return
    tokens = fold(text).split()
    assert _kinds_fit(rec.intent, rec.entity_ids), (text, rec)
    kind = rec.slots.get("domain")
    for entity_id in rec.entity_ids:
        entity = home.entity_by_id[entity_id]
        named = _said_in_some_form(entity.name, tokens)
        if named or _place_said(home, entity_id, tokens, rec):
            continue
        # Else the kind was said ("włącz wentylator") and, with no room, the house
        # has just that one of it.
        assert kind == entity.domain and not rec.slots.get("name"), (text, rec)
        classes = rec.slots.get("device_class")
        same_kind = [
            e
            for e in home.entities
            if e.domain == kind and (not classes or e.device_class == classes)
        ]
        assert rec.entity_ids == (entity_id,) and len(same_kind) == 1, (text, rec)
    if rec.slots.get("name"):
        # A named device: every acted entity carries that name, said in some form.
        assert all(_said_in_some_form(home.entity_by_id[e].name, tokens) for e in rec.entity_ids), (
            text,
            rec,
        )


def _all_forms(words: Mapping[str, Any]) -> list[str]:
    return [" ".join(p) for p in itertools.product(*words.values())]


def test_every_generated_case_of_a_two_word_name_reaches_that_device_only() -> None:
    """Each form the declension code gives of "Lampa stojąca", in "zgaś …", is that lamp."""
    forms = {w: sorted(polish_forms(w)) for w in ("lampa", "stojąca")}
    acted = {
        form: heard(f"zgaś {form}")
        for form in _all_forms(forms)
        if form.split()[0] in ("lampe", "lampa", "lampy", "lampie", "lampa")
    }
    assert acted, forms
    for form, rec in acted.items():
        assert rec is None or rec.entity_ids == ("light.salon_lampa",), form
    assert acted["lampe stojaca"] is not None


def test_the_music_without_a_place_is_the_satellites_room_or_a_question_for_the_model() -> None:
    rec = heard("następny utwór", satellite="kuchnia")
    assert rec is not None
    assert rec.entity_ids == ("media_player.glosnik",)
    # Players in two rooms and no satellite: not every player in the house.
    assert heard("następny utwór") is None


def test_a_media_search_that_swallowed_a_resume_is_left_to_the_model() -> None:
    assert LIBRARY.match("puść dalej muzykę w kuchni", "pl", HOME) is not None
    assert heard("puść dalej muzykę w kuchni") is None


def test_opening_a_gate_answers_as_opening_not_turning_on() -> None:
    found = LIBRARY.match("otwórz bramę garażową", "pl", HOME)
    assert found is not None
    rec = library_recognition(found, "otwórz bramę garażową", "pl", HOME, CATALOGUE)
    assert rec is not None
    assert rec[0].intent == "HassOpenCover"
    assert rec[1].ha_intent == "HassTurnOn"


def test_a_place_said_where_the_template_has_none_narrows_the_rest() -> None:
    # HA's templates close a named cover without a place; the place still counts.
    rec = heard("zamknij w garażu bramę garażową")
    assert rec is not None
    assert rec.entity_ids == ("cover.brama",)
    assert heard("zamknij w kuchni bramę garażową") is None


def test_a_plural_class_word_is_the_class_not_the_device_named_with_it() -> None:
    home = Home(
        areas=(Area("salon", "Salon"),),
        entities=(
            Entity("cover.a", "Zasłona", area_id="salon", device_class="curtain"),
            Entity("cover.b", "Lewa", area_id="salon", device_class="curtain"),
        ),
    )
    rec = heard("zamknij zasłony w salonie", home=home)
    assert rec is not None
    assert set(rec.entity_ids) == {"cover.a", "cover.b"}


def test_one_of_several_blinds_by_a_singular_word_is_not_guessed() -> None:
    home = Home(
        areas=(Area("salon", "Salon"),),
        entities=(
            Entity("cover.a", "Roleta", area_id="salon", device_class="blind"),
            Entity("cover.b", "Roleta drzwi", area_id="salon", device_class="blind"),
        ),
    )
    assert heard("zamknij roletę w salonie", home=home) is None
    rec = heard("zamknij wszystkie rolety w salonie", home=home)
    assert rec is not None and set(rec.entity_ids) == {"cover.a", "cover.b"}


def test_ha_class_phrases_are_heard_in_every_case_too() -> None:
    # HA's list holds "brama garażowa"; commands say "bramę garażową".
    rec = heard("otwórz bramę garażową w garażu")
    assert rec is not None and rec.entity_ids == ("cover.brama",)


def test_a_class_without_a_room_is_the_houses_only_when_that_is_said_or_there_is_one() -> None:
    home = Home(
        areas=(Area("salon", "Salon"), Area("kuchnia", "Kuchnia"), Area("garaz", "Garaż")),
        entities=(
            Entity("cover.a", "Lewa", area_id="salon", device_class="blind"),
            Entity("cover.b", "Prawa", area_id="kuchnia", device_class="blind"),
            Entity("cover.g", "Wrota", area_id="garaz", device_class="garage"),
        ),
    )
    assert heard("zamknij rolety", home=home) is None
    rec = heard("zamknij wszystkie rolety", home=home)
    assert rec is not None and set(rec.entity_ids) == {"cover.a", "cover.b"}
    rec = heard("zamknij bramę garażową", home=home)
    assert rec is not None and rec.entity_ids == ("cover.g",)
    rec = heard("zamknij rolety", home=home, satellite="kuchnia")
    assert rec is not None and rec.entity_ids == ("cover.b",)


def test_here_is_the_satellites_room_and_the_handler_is_told_so() -> None:
    for text in ("zgaś lampy w tym pokoju", "zgaś tu światło", "wyłącz światło"):
        rec = heard(text, satellite="kuchnia")
        assert rec is not None, text
        assert set(rec.entity_ids) == {"light.kuchnia", "light.kuchnia_blat"}, text
        # The executor hands HA's handler the slots: the room must be among them.
        assert rec.slots.get("area") == "Kuchnia", text
    assert heard("zgaś lampy w tym pokoju") is None


def test_a_short_name_that_begins_longer_ones_is_not_a_plural_name_in_disguise() -> None:
    home = Home(
        areas=(Area("salon", "Salon"), Area("sypialnia", "Sypialnia")),
        entities=(
            Entity("light.k", "Kinkiety", area_id="salon"),
            Entity("light.l", "Kinkiet przy łóżku", area_id="sypialnia"),
        ),
    )
    assert heard("zgaś kinkiet", home=home) is None
    rec = heard("zgaś kinkiety", home=home)
    assert rec is not None and rec.entity_ids == ("light.k",)


def test_now_is_when_every_command_means() -> None:
    home = Home(
        areas=(Area("salon", "Salon"),),
        entities=(Entity("person.witold", "Witold"),),
    )
    plain = LIBRARY.match("gdzie jest Witold", "pl", home)
    assert plain is not None
    for text in ("gdzie jest teraz Witold", "gdzie w tej chwili jest Witold"):
        found = LIBRARY.match(text, "pl", home)
        assert found is not None and found.intent == plain.intent, text
        assert found.slots.get("name") == "Witold"
