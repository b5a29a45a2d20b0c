"""scripts/eval --product: the built-in agent, then the engine, in HA's harness, by effect."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from homeassistant.core import HomeAssistant

from benchmarks.dataset import Record, load_dataset
from benchmarks.effect import RIGHT
from benchmarks.fixture_home import load_fixture_home
from benchmarks.product_run import run_product

DATA = Path(__file__).parents[1] / "data"
HOME = DATA / "eval_home.json"


def _record(text: str, intent: str, slots: dict[str, object], area: str | None = None) -> Record:
    return Record(f"t-{abs(hash(text))}", "pl", text, intent, slots, area)


async def test_both_agents_are_scored_by_what_they_would_change_and_nothing_runs(
    hass: HomeAssistant,
) -> None:
    records = [
        # HA's own sentence with the area as it is registered: the built-in agent.
        _record("włącz światło w Kuchnia", "HassTurnOn", {"area": "Kuchnia", "domain": "light"}),
        # Inflected: HA's templates with the home's names in every form.
        _record("zapal światło w kuchni", "HassTurnOn", {"area": "Kuchnia", "domain": "light"}),
        # "Turn on" the blinds is opening them: the same effect as the label's intent.
        _record(
            "otwórz rolety w salonie",
            "HassOpenCover",
            {"area": "Salon", "domain": "cover", "device_class": "blind"},
        ),
        # A different room is a wrong action, not a near miss.
        _record("zgaś światło w salonie", "HassTurnOff", {"area": "Kuchnia", "domain": "light"}),
        _record("zrób mi kanapkę z serem", "out_of_scope", {}),
    ]
    fixtures = load_fixture_home(HOME)
    predictions = await run_product(hass, records, fixtures)
    assert [p.path for p in predictions][:2] == ["ha_local", "library"]
    assert predictions[0].entity_ids == ("light.kuchnia", "light.kuchnia_blat")
    assert predictions[1].entity_ids == predictions[0].entity_ids
    assert [p.outcome for p in predictions] == [RIGHT, RIGHT, RIGHT, "wrong_action", RIGHT]
    # Recognised, resolved, never executed: every light is still off.
    assert all(s.state == "off" for s in hass.states.async_all("light"))
    assert all(s.state == "closed" for s in hass.states.async_all("cover"))


async def test_the_held_out_split_runs_on_the_product_path(hass: HomeAssistant) -> None:
    records = load_dataset(DATA / "eval_heldout.jsonl")
    sample = [r for r in records if r.id.startswith("col-")][:20]
    predictions = await run_product(hass, sample, load_fixture_home(HOME))
    assert len(predictions) == len(sample)
    outcomes = Counter(p.outcome for p in predictions)
    assert outcomes[RIGHT] >= 5, outcomes
