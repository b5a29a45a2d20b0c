"""quality_scale.yaml: every rule listed, bronze complete, and no tier claimed that is not reached.

The tiers and their rules are Home Assistant's integration quality scale
(developers.home-assistant.io, "Integration Quality Scale"; hassfest's
``script/hassfest/quality_scale.py`` lists the same rules).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

QUALITY_SCALE = (
    Path(__file__).resolve().parents[2] / "custom_components" / "llm_intent" / "quality_scale.yaml"
)

TIERS: dict[str, set[str]] = {
    "bronze": {
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow-test-coverage",
        "config-flow",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    },
    "silver": {
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    },
    "gold": {
        "devices",
        "diagnostics",
        "discovery-update-info",
        "discovery",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    },
    "platinum": {"async-dependency", "inject-websession", "strict-typing"},
}


def _statuses() -> dict[str, str]:
    rules = yaml.safe_load(QUALITY_SCALE.read_text())["rules"]
    return {name: v if isinstance(v, str) else v["status"] for name, v in rules.items()}


def test_every_rule_is_listed_once_with_a_known_status() -> None:
    statuses = _statuses()
    assert set(statuses) == set().union(*TIERS.values())
    assert set(statuses.values()) <= {"done", "todo", "exempt"}


def test_exemptions_say_why() -> None:
    rules = yaml.safe_load(QUALITY_SCALE.read_text())["rules"]
    for name, value in rules.items():
        if isinstance(value, dict) and value["status"] == "exempt":
            assert value.get("comment"), name
        assert value != "exempt", f"{name}: an exemption needs a comment"


def reached_tier(statuses: dict[str, str]) -> str | None:
    """The highest tier whose rules, and every lower tier's, are done or exempt."""
    reached = None
    for tier, rules in TIERS.items():
        if any(statuses[r] == "todo" for r in rules):
            break
        reached = tier
    return reached


def test_bronze_is_complete() -> None:
    statuses = _statuses()
    assert [r for r in sorted(TIERS["bronze"]) if statuses[r] == "todo"] == []


def test_the_manifest_claims_no_tier_above_what_is_reached() -> None:
    manifest = json.loads((QUALITY_SCALE.parent / "manifest.json").read_text())
    claimed = manifest.get("quality_scale")
    reached = reached_tier(_statuses())
    order = [None, *TIERS]
    assert order.index(claimed) <= order.index(reached), (claimed, reached)


def test_todo_rules_say_what_is_missing() -> None:
    rules = yaml.safe_load(QUALITY_SCALE.read_text())["rules"]
    for name, value in rules.items():
        if (value if isinstance(value, str) else value["status"]) == "todo":
            assert isinstance(value, dict) and value.get("comment"), name
