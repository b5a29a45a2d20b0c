"""The held-out split: frozen, built apart from the matcher, every label in the home."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from benchmarks.dataset import OUT_OF_SCOPE, UNCLEAR, load_dataset
from benchmarks.eval_run import CATALOGUE
from benchmarks.fixture_home import load_fixture_home
from custom_components.llm_intent.engine.understanding.catalogue import load_catalogue

DATA = Path(__file__).parents[1] / "data"


def test_held_out_split_has_both_sources_and_names_only_what_the_home_has() -> None:
    records = load_dataset(DATA / "eval_heldout.jsonl")
    sources = Counter(r.id.split("-", 1)[0] for r in records)
    assert sources["tpl"] >= 400 and sources["col"] >= 60
    langs = Counter(r.lang for r in records)
    assert langs["pl"] > langs["en"]
    fixtures = load_fixture_home(DATA / "eval_home.json")
    home = fixtures.engine_home()
    entities = {e.name for e in home.entities}
    areas = {a.name for a in home.areas}
    floors = {f.name for f in home.floors}
    catalogue = load_catalogue(CATALOGUE)
    for r in records:
        assert r.intent in {*catalogue.intents, UNCLEAR, OUT_OF_SCOPE}, r.id
        assert r.slots.get("name", next(iter(entities))) in entities, r.id
        assert r.slots.get("area", next(iter(areas))) in areas, r.id
        assert r.slots.get("floor", next(iter(floors))) in floors, r.id
        if r.area is not None:
            fixtures.area_id(r.area)


def test_development_and_held_out_commands_do_not_overlap() -> None:
    dev = {r.text.casefold() for r in load_dataset(DATA / "eval_pl_en.jsonl")}
    held = {r.text.casefold() for r in load_dataset(DATA / "eval_heldout.jsonl")}
    assert not dev & held
