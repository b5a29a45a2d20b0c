"""The Grafana and Lovelace dashboards: importable, valid PromQL, real metrics and entities.

(``scripts/prometheus-check`` runs every Grafana query against a real
Prometheus scraping a real Home Assistant.)
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import subprocess
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.llm_intent.const import DOMAIN
from custom_components.llm_intent.engine.observability.metrics import METRIC_NAMES

from ..fake_provider import OPENAI_KEY, FakeProviderServer
from .prometheus_check import GRAFANA_VARIABLES, dashboard_queries, substitute

REPO = Path(__file__).resolve().parents[2]
COSTS = REPO / "dashboards" / "llm-costs.json"
INTENTS = REPO / "dashboards" / "intent-analytics.json"
LOVELACE = REPO / "dashboards" / "lovelace.yaml"
DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
BUILT_IN_CARDS = {
    "conditional",
    "entities",
    "gauge",
    "glance",
    "grid",
    "history-graph",
    "horizontal-stack",
    "markdown",
    "statistics-graph",
    "tile",
    "vertical-stack",
}
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def _board(path: Path) -> dict[str, Any]:
    board: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return board


@pytest.mark.parametrize("path", [COSTS, INTENTS], ids=lambda p: p.name)
def test_grafana_dashboard_is_importable(path: Path) -> None:
    board = _board(path)
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    (variable,) = board["templating"]["list"]
    assert variable == {**variable, "name": "DS_PROMETHEUS", "type": "datasource"}
    assert variable["query"] == "prometheus"
    panels = board["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE
            assert target["refId"] and target["expr"]
    # No two panels overlap.
    cells = set()
    for panel in panels:
        grid = panel["gridPos"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, panel["title"]
                cells.add((x, y))


def test_dashboards_show_what_they_promise() -> None:
    titles = {p["title"] for p in _board(COSTS)["panels"]}
    assert {
        "Cost per hour",
        "Cost per day",
        "Spent this month",
        "Month-end projection",
        "Budget used",
        "Tokens by type",
        "Requests by path",
        "Latency p50 / p95 / p99",
        "Model error rate",
        "Circuit breaker",
        "Cache hit ratio",
    } <= titles
    titles = {p["title"] for p in _board(INTENTS)["panels"]}
    assert {
        "Top intents",
        "Success rate",
        "Not-understood rate",
        "Local vs LLM",
        "Most frequent failures",
    } <= titles


def test_queries_use_only_exported_metrics() -> None:
    queries = dashboard_queries()
    assert len(queries) >= 25
    used = set()
    for _, _, expr in queries:
        used |= set(re.findall(r"\bllm_[a-z_]+\b", expr))
    for name in used:
        base = next((name.removesuffix(s) for s in _HISTOGRAM_SUFFIXES if name.endswith(s)), name)
        assert name in METRIC_NAMES or base in METRIC_NAMES, name
    # Every metric is on a dashboard (the histogram through its buckets).
    assert set(METRIC_NAMES) <= {n.removesuffix("_bucket") for n in used}


def test_queries_are_valid_promql(tmp_path: Path) -> None:
    """promtool parses every query (as a recording rule) exactly as Prometheus will."""
    rules = tmp_path / "rules.yml"
    rules.write_text(
        yaml.safe_dump(
            {
                "groups": [
                    {
                        "name": "dashboards",
                        "rules": [
                            {"record": f"dashboard:query{i}", "expr": substitute(expr)}
                            for i, (_, _, expr) in enumerate(dashboard_queries())
                        ],
                    }
                ]
            }
        )
    )
    checked = subprocess.run(
        ["promtool", "check", "rules", str(rules)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # A broken query is caught: the check is not vacuous.
    rules.write_text(
        yaml.safe_dump(
            {"groups": [{"name": "g", "rules": [{"record": "r", "expr": "sum(rate(x[5m])"}]}]}
        )
    )
    broken = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True)
    assert broken.returncode != 0
    assert set(GRAFANA_VARIABLES) >= set(
        re.findall(r"\$__[a-z_]+", " ".join(e for _, _, e in dashboard_queries()))
    )


def _cards(card: dict[str, Any]) -> list[dict[str, Any]]:
    nested = [card]
    for child in card.get("cards", []):
        nested.extend(_cards(child))
    if "card" in card:
        nested.extend(_cards(card["card"]))
    return nested


def _lovelace() -> tuple[list[dict[str, Any]], set[str]]:
    config = yaml.safe_load(LOVELACE.read_text(encoding="utf-8"))
    cards = [c for view in config["views"] for top in view["cards"] for c in _cards(top)]
    ids: set[str] = set()
    for card in cards:
        if "entity" in card:
            ids.add(card["entity"])
        for item in card.get("entities", []):
            ids.add(item["entity"] if isinstance(item, dict) else item)
        for condition in card.get("conditions", []):
            ids.add(condition["entity"])
    return cards, ids


def _polish_ids() -> dict[str, str]:
    pairs = re.findall(
        r"^#\s+([a-z_]+\.llm_intent_\w+) -> ([a-z_]+\.llm_intent_\w+)$",
        LOVELACE.read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    return dict(pairs)


def test_lovelace_uses_only_built_in_cards() -> None:
    cards, ids = _lovelace()
    assert {card["type"] for card in cards} <= BUILT_IN_CARDS
    assert ids <= set(_polish_ids()), "every entity has its Polish id documented"


@pytest.mark.usefixtures("enable_custom_integrations")
@pytest.mark.parametrize("language", ["en", "pl"])
async def test_lovelace_entities_exist(
    hass: HomeAssistant, fake_provider: FakeProviderServer, language: str
) -> None:
    """In an English install the file's ids exist; in a Polish one, the documented ones."""
    hass.config.language = language
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "provider": "openai",
            "api_key": OPENAI_KEY,
            "base_url": fake_provider.openai_base_url,
            "model": "gpt-4o-mini",
        },
        title="OpenAI",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    _, ids = _lovelace()
    if language == "pl":
        ids = {_polish_ids()[entity_id] for entity_id in ids}
    missing = sorted(entity_id for entity_id in ids if hass.states.get(entity_id) is None)
    assert not missing, f"{missing}; have {sorted(hass.states.async_entity_ids())}"
    assert await hass.config_entries.async_unload(entry.entry_id)
