"""scripts/eval: the shipped dataset and home, scoring, and both recognition paths."""

from __future__ import annotations

from collections import Counter
from datetime import date
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.brain import Label, LabelBrain
from benchmarks.dataset import (
    OUT_OF_SCOPE,
    UNCLEAR,
    FormatError,
    Record,
    load_dataset,
    parse_record,
)
from benchmarks.eval import UsageError, evaluate, main, parse_args, provider_config
from benchmarks.eval_run import CATALOGUE
from benchmarks.fixture_home import load_fixture_home, parse_fixture_home
from benchmarks.providers_doc import END, START, update_row
from benchmarks.scoring import intent_right, slots_match
from custom_components.llm_intent.engine.understanding.catalogue import load_catalogue

from ..fake_provider import OPENAI_KEY, FakeProviderServer

DATA = Path(__file__).parents[1] / "data"
DATASET = DATA / "eval_pl_en.jsonl"
HOME = DATA / "eval_home.json"


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return load_dataset(DATASET)


def test_dataset_is_mostly_polish_and_covers_the_catalogue(records: list[Record]) -> None:
    langs = Counter(r.lang for r in records)
    assert len(records) >= 100
    assert 0.65 <= langs["pl"] / len(records) <= 0.75
    catalogue = load_catalogue(CATALOGUE)
    intents = {r.intent for r in records}
    assert intents <= {*catalogue.intents, UNCLEAR, OUT_OF_SCOPE}
    # Every kind of hard case the eval is for is there.
    assert {UNCLEAR, OUT_OF_SCOPE} <= intents
    assert sum(1 for r in records if r.previous is not None) >= 5
    assert sum(1 for r in records if r.area is not None) >= 5
    assert len(intents - {UNCLEAR, OUT_OF_SCOPE}) >= 20


def test_every_labelled_name_exists_in_the_fixture_home(records: list[Record]) -> None:
    """A label naming a device the home lacks could never be predicted."""
    fixtures = load_fixture_home(HOME)
    home = fixtures.engine_home()
    assert len(home.entities) >= 30
    entities = {e.name for e in home.entities}
    areas = {a.name for a in home.areas}
    floors = {f.name for f in home.floors}
    for r in records:
        assert r.slots.get("name", next(iter(entities))) in entities, r.id
        assert r.slots.get("area", next(iter(areas))) in areas, r.id
        assert r.slots.get("floor", next(iter(floors))) in floors, r.id
        if r.area is not None:
            fixtures.area_id(r.area)


def test_malformed_records_and_fixtures_are_refused_with_where() -> None:
    with pytest.raises(FormatError, match="line 3"):
        parse_record({"id": "x", "lang": "pl", "text": "t"}, "line 3")
    with pytest.raises(FormatError, match="unknown area"):
        parse_fixture_home(
            {"areas": [], "entities": [{"entity_id": "light.a", "name": "A", "area": "Nowhere"}]}
        )


def test_the_same_devices_named_differently_score_as_the_same_slots() -> None:
    home = load_fixture_home(HOME).engine_home()
    catalogue = load_catalogue(CATALOGUE)

    def same(intent: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
        return slots_match(intent, a, b, home, catalogue, "pl")

    # The bedroom's only fan, by name or by room and kind.
    assert same("HassTurnOn", {"name": "Wentylator"}, {"area": "Sypialnia", "domain": "fan"})
    # All kitchen lights is not the one kitchen light.
    assert not same(
        "HassTurnOn", {"area": "Kuchnia", "domain": "light"}, {"name": "Światło kuchnia"}
    )
    # A value slot must agree; an intent's default counts when left out.
    assert not same("HassLightSet", {"area": "Salon", "brightness": 50}, {"area": "Salon"})
    assert same("ClimateAdjustTemperature", {"area": "Salon", "delta": 1}, {"area": "Salon"})
    # "pół godziny" is 30 minutes with or without "hours: 0".
    assert same("HassStartTimer", {"minutes": 30}, {"hours": 0, "minutes": 30})
    assert not same("HassStartTimer", {"minutes": 30}, {"hours": 30})
    # Media intents mean the players of a room, not everything in it.
    assert same("HassMediaPause", {"area": "Salon"}, {"name": "Telewizor"})


def test_out_of_scope_is_right_when_refused_or_left_alone() -> None:
    assert intent_right(OUT_OF_SCOPE, OUT_OF_SCOPE)
    assert intent_right(OUT_OF_SCOPE, None)
    assert not intent_right(OUT_OF_SCOPE, "HassTurnOn")
    assert not intent_right(UNCLEAR, None)


def test_local_only_slice_writes_one_prediction_per_record(tmp_path: Path) -> None:
    predictions = tmp_path / "predictions.jsonl"
    summary_path = tmp_path / "summary.json"
    code = main(
        [
            "--dataset",
            str(DATASET),
            "--fixtures",
            str(HOME),
            "--local-only",
            "--limit",
            "12",
            "--predictions",
            str(predictions),
            "--json",
            str(summary_path),
        ]
    )
    assert code == 0
    lines = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert len(lines) == 12
    assert all(set(p) == {"id", "intent", "slots", "path", "cost_usd", "latency_ms"} for p in lines)
    first = lines[0]
    assert first["id"] == "pl-001"
    assert (first["intent"], first["slots"]["area"], first["path"]) == (
        "HassTurnOn",
        "Kuchnia",
        "local",
    )
    assert all(p["cost_usd"] == "0" for p in lines), "local-only never pays"
    summary = json.loads(summary_path.read_text())
    assert summary["records"] == 12
    assert summary["llm_calls"] == 0
    assert 0.5 < summary["accuracy"] <= 1.0


def test_a_provider_without_its_key_is_a_usage_error_not_a_silent_local_run() -> None:
    with pytest.raises(UsageError, match="OPENAI_API_KEY"):
        provider_config("openai", None, None, {})
    with pytest.raises(UsageError, match="ANTHROPIC_API_KEY"):
        provider_config("anthropic", None, None, {})
    config = provider_config("ollama", None, None, {})
    assert config.kind == "openai_compatible" and config.api_key is None


async def test_provider_run_goes_through_the_paid_path(
    fake_provider: FakeProviderServer, records: list[Record], tmp_path: Path
) -> None:
    """--provider openai against a server that answers with the labels."""
    fake_provider.default_handler = LabelBrain({r.text: Label(r.intent, r.slots) for r in records})
    env = {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": fake_provider.openai_base_url}
    predictions = tmp_path / "p.jsonl"
    args = parse_args(
        ["--provider", "openai", "--predictions", str(predictions), "--dataset", str(DATASET)]
    )
    summary = await evaluate(args, env)
    lines = [json.loads(line) for line in predictions.read_text().splitlines()]
    by_path = Counter(p["path"] for p in lines)
    assert summary["model"] == "gpt-4o-mini"
    assert by_path["llm"] >= 15, by_path
    asked = fake_provider.requests_for("/v1/chat/completions")
    assert len(asked) == summary["llm_calls"] == by_path["llm"]
    llm_lines = [p for p in lines if p["path"] == "llm"]
    assert all(float(p["cost_usd"]) > 0 for p in llm_lines), "every model call is priced"
    # A model answering with the labels is right on what it was asked.
    wrong = [p for p in llm_lines if p["intent"] is None]
    assert not wrong
    assert summary["accuracy"] > 0.9
    # Rules and catalogue at least (the home section is chosen per command).
    assert summary["input_tokens"] > 500 * summary["llm_calls"]


def test_write_docs_replaces_one_models_row() -> None:
    text = "\n".join(
        [
            "intro",
            START,
            "| Model | Price | Accuracy (intent + slots / intent only) | Polish accuracy"
            " | Latency p50 / p95 | Measured |",
            "|---|---|---|---|---|---|",
            "| `gpt-4o-mini` | $0.15 | not measured yet | not measured yet | not measured yet | – |",
            "| `claude-haiku-4-5` | $1 | not measured yet | not measured yet | not measured yet | – |",
            END,
            "outro",
        ]
    )
    summary = {
        "accuracy": 0.9,
        "intent_accuracy": 0.95,
        "records": 116,
        "latency_ms": {"p50": 1.0, "p95": 2.0, "llm_p50": 640.0, "llm_p95": 1400.0},
        "by_language": [{"name": "pl", "n": 81, "accuracy": 0.875}],
    }
    out = update_row(text, "gpt-4o-mini", summary, date(2026, 11, 27))
    assert (
        "| `gpt-4o-mini` | $0.15 | 90.0% / 95.0% (n=116) | 87.5% (n=81) | 640 / 1400 ms"
        " | 2026-11-27 |" in out
    )
    assert "| `claude-haiku-4-5` | $1 | not measured yet |" in out
    assert out.startswith("intro") and out.endswith("outro")
