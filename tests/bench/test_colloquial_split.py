"""The colloquial development split: written apart from the matcher, every label in its home."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from benchmarks.dataset import OUT_OF_SCOPE, UNCLEAR, load_dataset
from benchmarks.eval_run import CATALOGUE
from benchmarks.fixture_home import load_fixture_home
from custom_components.llm_intent.engine.understanding.catalogue import load_catalogue

DATA = Path(__file__).parents[1] / "data"
HELDOUT = Path(__file__).parents[2] / "benchmarks" / "heldout"
SPLIT = DATA / "eval_colloquial_pl.jsonl"
HOME = DATA / "eval_colloquial_home.json"


def test_every_label_names_only_what_the_colloquial_home_has() -> None:
    records = load_dataset(SPLIT)
    assert len(records) >= 150
    assert {r.lang for r in records} == {"pl"}
    fixtures = load_fixture_home(HOME)
    home = fixtures.engine_home()
    area_of = {a.area_id: a.name for a in home.areas}
    floors = {f.name for f in home.floors}
    catalogue = load_catalogue(CATALOGUE)
    for r in records:
        assert r.id.startswith("cd-"), r.id
        assert r.intent in {*catalogue.intents, UNCLEAR, OUT_OF_SCOPE}, r.id
        if r.intent in (UNCLEAR, OUT_OF_SCOPE):
            assert r.slots == {}, r.id
        if r.area is not None:
            fixtures.area_id(r.area)
        if (area := r.slots.get("area")) is not None:
            fixtures.area_id(area)
        if (floor := r.slots.get("floor")) is not None:
            assert floor in floors, r.id
        if (name := r.slots.get("name")) is not None:
            # A named label is one device: the room said (or the satellite's) picks among namesakes.
            named = [e for e in home.entities if e.name == name]
            if "area" in r.slots:
                named = [e for e in named if area_of.get(e.area_id or "") == r.slots["area"]]
            assert len(named) == 1, (r.id, name, len(named))


def test_the_split_asks_back_and_refuses_in_fair_shares() -> None:
    intents = Counter(r.intent for r in load_dataset(SPLIT))
    total = sum(intents.values())
    assert 0.10 <= intents[UNCLEAR] / total <= 0.20
    assert 0.02 <= intents[OUT_OF_SCOPE] / total <= 0.08


def test_the_colloquial_commands_are_not_copies_of_other_splits() -> None:
    mine = [r.text.casefold() for r in load_dataset(SPLIT)]
    others: set[str] = set()
    for path in [*DATA.glob("*.jsonl"), *HELDOUT.glob("*.jsonl")]:
        if path != SPLIT:
            others |= {r.text.casefold() for r in load_dataset(path)}
    assert not set(mine) & others
