"""The devices a request shows the model: what the command is about, at a size that
does not grow with the home, without losing the labelled targets."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hypothesis import given, settings, strategies as st

from benchmarks.dataset import load_dataset
from benchmarks.fixture_home import FixtureHome, load_fixture_home
from benchmarks.generated_home import grow_home
from benchmarks.recall import measure
from custom_components.llm_intent.engine.cost.tokens import TokenCounter
from custom_components.llm_intent.engine.home import Home
from custom_components.llm_intent.engine.understanding.context import Context, OpenQuestion, Turn
from custom_components.llm_intent.engine.understanding.home_selection import (
    BROAD_ENTITIES,
    MAX_ENTITIES,
    select_home,
)
from custom_components.llm_intent.engine.understanding.prompt import build_request

from .test_local_match import CATALOGUE, HOME

DATA = Path(__file__).parents[2] / "data"


@cache
def fixtures(size: int) -> FixtureHome:
    return grow_home(load_fixture_home(DATA / "eval_home.json"), size)


@cache
def home_of(size: int) -> Home:
    return fixtures(size).engine_home()


@cache
def counter() -> TokenCounter:
    tokens = TokenCounter()
    assert tokens.prepare()
    return tokens


def request_tokens(text: str, home: Home, context: Context | None = None) -> int:
    request = build_request(text, "pl", CATALOGUE, home, context or Context())
    messages = [
        {"role": "system", "content": request.system},
        {"role": "user", "content": request.user},
    ]
    return counter().count_chat_request("gpt-4o-mini", messages, None, request.schema).tokens


def chosen(
    text: str, home: Home = HOME, context: Context | None = None, lang: str = "pl"
) -> set[str]:
    return {
        e.entity_id for e in select_home(text, lang, home, CATALOGUE, context or Context()).entities
    }


def test_a_request_does_not_grow_with_the_home() -> None:
    # Bug caught: every exposed entity was in every request, 1,119 tokens at 52
    # entities and 7,971 at 1,000.
    assert len(home_of(1000).entities) == 1000
    for text in ("zrób mi kawę", "w salonie jest za ciemno", "zamknij drzwi", "otwórz"):
        small, big = request_tokens(text, home_of(52)), request_tokens(text, home_of(1000))
        assert small <= 900, text
        # Only the names of the added areas and what of them fits the command are added.
        assert big <= 1500, text
        assert big - small <= 600, text


def test_target_recall_on_the_evaluation_set_at_every_home_size() -> None:
    records = load_dataset(DATA / "eval_pl_en.jsonl")
    for size in (52, 250, 1000):
        result = measure(records, fixtures(size))
        assert result.with_targets >= 90
        assert result.recall >= 0.995, (size, result.misses)


def test_a_name_said_in_any_form_is_chosen() -> None:
    assert chosen("zrób mi kawę") == {"switch.ekspres"}
    assert chosen("zapal lampę stojącą") == {"light.salon_lampa"}
    assert "media_player.telewizor" in chosen("ścisz telewizor")


def test_an_area_named_brings_its_devices_of_the_kind_named() -> None:
    assert chosen("zgaś lampkę w sypialni") == {"light.sypialnia", "light.lampka_nocna"}
    # No kind named: everything in the room, since "za ciemno" may mean lights or blinds.
    in_salon = chosen("w salonie jest za ciemno")
    assert {"light.salon_sufit", "cover.salon", "media_player.telewizor"} <= in_salon
    assert all(HOME.entity_by_id[e].area_id == "salon" for e in in_salon)


def test_the_context_brings_the_previous_turn_the_satellite_and_the_question() -> None:
    last = Turn("HassTurnOn", {"name": "Telewizor"}, "salon", ("media_player.telewizor",))
    assert "media_player.telewizor" in chosen("a teraz wyłącz", context=Context(last=last))
    here = chosen("zgaś światło", context=Context(satellite_area_id="kuchnia"))
    assert {"light.kuchnia", "light.kuchnia_blat"} <= here
    asked = Context(open_question=OpenQuestion("Lampa stojąca czy Lampka nocna?", "zapal lampę"))
    assert {"light.salon_lampa", "light.lampka_nocna"} <= chosen("tę drugą", context=asked)


def test_nothing_named_falls_back_to_the_kinds_the_words_or_verb_allow() -> None:
    assert chosen("zamknij drzwi") == {"lock.drzwi", "lock.taras"}
    # "otwórz" alone: covers, and only a few of a big home's many.
    opened = select_home("otwórz", "pl", home_of(1000), CATALOGUE, Context())
    assert opened.fallback
    assert 0 < len(opened.entities) <= BROAD_ENTITIES
    assert {e.domain for e in opened.entities} == {"cover"}
    # Nothing relates at all: no device is shown rather than all of them.
    assert chosen("opowiedz mi bajkę") == set()


@settings(max_examples=60, deadline=None)
@given(index=st.integers(min_value=0, max_value=999), verb=st.sampled_from(["włącz", "wyłącz"]))
def test_any_device_named_in_a_big_home_is_chosen(index: int, verb: str) -> None:
    home = home_of(1000)
    entity = home.entities[index]
    picked = select_home(f"{verb} {entity.name}", "pl", home, CATALOGUE, Context())
    assert entity.entity_id in {e.entity_id for e in picked.entities}
    assert len(picked.entities) <= MAX_ENTITIES


@settings(max_examples=80, deadline=None)
@given(text=st.text(max_size=120))
def test_any_text_chooses_at_most_the_limit_of_existing_devices(text: str) -> None:
    home = home_of(1000)
    picked = select_home(text, "pl", home, CATALOGUE, Context(satellite_area_id="salon"))
    assert len(picked.entities) <= MAX_ENTITIES
    assert all(e.entity_id in home.entity_by_id for e in picked.entities)
