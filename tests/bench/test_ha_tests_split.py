"""The split from Home Assistant's Polish intent tests: regenerated as frozen, named from the home."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.dataset import load_dataset
from benchmarks.eval_run import CATALOGUE
from benchmarks.fixture_home import load_fixture_home
from benchmarks.ha_tests_import import ConversionError, Names, convert, expand, lines
from custom_components.llm_intent.engine.understanding.catalogue import load_catalogue

DATA = Path(__file__).parents[1] / "data"
SPLIT = DATA / "eval_ha_tests_pl.jsonl"
HOME = DATA / "eval_ha_tests_home.json"


def test_the_frozen_split_is_what_the_converter_makes_of_the_saved_tests() -> None:
    result = convert()
    frozen = SPLIT.read_text(encoding="utf-8").splitlines()
    assert list(lines(result.records)) == frozen
    # What is left out is the part the eval cannot score, never a whole kind of command.
    assert set(result.skipped) <= {
        "HassMediaPrevious",
        "HassGetWeather",
        "HassListAddItem",
        "HassCancelAllTimers",
        "HassIncreaseTimer",
        "HassDecreaseTimer",
        "HassPauseTimer",
        "HassUnpauseTimer",
        "HassTimerStatus",
    }


def test_every_label_names_only_what_the_home_has() -> None:
    records = load_dataset(SPLIT)
    assert len(records) > 1000
    fixtures = load_fixture_home(HOME)
    home = fixtures.engine_home()
    entities = {e.name for e in home.entities}
    areas = {a.name for a in home.areas}
    intents = set(load_catalogue(CATALOGUE).intents)
    timers = {"HassStartTimer", "HassCancelTimer"}
    for r in records:
        assert r.lang == "pl" and r.text.strip(), r.id
        if r.intent not in intents:
            assert not {"name", "area", "floor", "domain", "device_class"} & r.slots.keys(), r.id
        if "name" in r.slots and r.intent not in timers:
            assert r.slots["name"] in entities, r.id
        if "area" in r.slots:
            assert r.slots["area"] in areas, r.id
        if r.area is not None:
            fixtures.area_id(r.area)
        assert all(not isinstance(v, list) for v in r.slots.values()), r.id


def test_fixture_name_templates_expand_to_every_case_the_tests_use() -> None:
    assert expand("Salon[ie|u]") == {"Salon", "Salonie", "Salonu"}
    assert expand("Korytarz[u|a]|Hol[u]") == {"Korytarz", "Korytarzu", "Korytarza", "Hol", "Holu"}
    assert expand("Ekspres[u] [do kawy]") == {
        "Ekspres",
        "Ekspresu",
        "Ekspres do kawy",
        "Ekspresu do kawy",
    }
    assert expand("(Klapa|Klapę) bagażnika") == {"Klapa bagażnika", "Klapę bagażnika"}
    with pytest.raises(ValueError, match="unbalanced"):
        expand("Salon[ie")


def test_a_form_no_device_or_two_devices_share_is_an_error_not_a_guess() -> None:
    names = Names(areas={"salonie": "Salon"}, entities={"lampkę nocną": "Lampka nocna"})
    assert names.entity(["Lampę", "Lampkę nocną"]) == "Lampka nocna"
    assert names.area("Salonie") == "Salon"
    with pytest.raises(ConversionError):
        names.entity("Telefon")
    with pytest.raises(ConversionError):
        names.area("Piwnica")
