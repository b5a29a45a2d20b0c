"""Scoring by effect: equivalent intents, outcomes, wrong actions ÷ actions."""

from __future__ import annotations

from benchmarks.dataset import OUT_OF_SCOPE, UNCLEAR
from benchmarks.effect import (
    ASKED,
    NOT_UNDERSTOOD,
    RIGHT,
    WRONG,
    Effect,
    action_of,
    outcome_of,
    same_effect,
    summarize_outcomes,
)

BLINDS = frozenset({"cover.salon"})


def test_opening_the_blinds_is_the_same_effect_whichever_intent_says_it() -> None:
    assert action_of("HassOpenCover", BLINDS) == action_of("HassTurnOn", BLINDS) == "open"
    assert action_of("LockLock", {"lock.drzwi"}) == action_of("HassTurnOn", {"lock.drzwi"})
    # On a light "turn on" is itself; on a script it is not "open".
    assert action_of("HassTurnOn", {"light.a"}) == "HassTurnOn"
    assert action_of("HassOpenCover", {"script.rolety"}) == "HassOpenCover"
    assert same_effect(Effect("HassOpenCover", BLINDS, {}), Effect("HassTurnOn", BLINDS, {}))
    assert not same_effect(
        Effect("HassOpenCover", BLINDS, {}), Effect("HassTurnOn", BLINDS | {"cover.k"}, {})
    )
    assert not same_effect(
        Effect("HassLightSet", None, {"brightness": 50}), Effect("HassLightSet", None, {})
    )


def test_outcomes() -> None:
    label = Effect("HassTurnOn", frozenset({"light.a"}), {})
    other = Effect("HassTurnOn", frozenset({"light.b"}), {})
    assert outcome_of("HassTurnOn", label, predicted=label, asked=False, refused=False) == RIGHT
    assert outcome_of("HassTurnOn", label, predicted=other, asked=False, refused=False) == WRONG
    assert outcome_of("HassTurnOn", label, predicted=None, asked=True, refused=False) == ASKED
    assert (
        outcome_of("HassTurnOn", label, predicted=None, asked=False, refused=False)
        == NOT_UNDERSTOOD
    )
    assert outcome_of(UNCLEAR, None, predicted=None, asked=True, refused=False) == RIGHT
    assert outcome_of(UNCLEAR, None, predicted=other, asked=False, refused=False) == WRONG
    assert outcome_of(OUT_OF_SCOPE, None, predicted=None, asked=False, refused=True) == RIGHT
    assert outcome_of(OUT_OF_SCOPE, None, predicted=other, asked=False, refused=False) == WRONG


def test_wrong_actions_are_counted_against_actions_per_path() -> None:
    rows = [
        {"path": "local", "outcome": RIGHT, "acted": True},
        {"path": "local", "outcome": WRONG, "acted": True},
        {"path": "local", "outcome": ASKED, "acted": False},
        {"path": "ha_local", "outcome": RIGHT, "acted": True},
        {"path": "none", "outcome": RIGHT, "acted": False},  # an out-of-scope left alone
    ]
    summary = summarize_outcomes(rows)
    assert summary["by_path"]["local"]["wrong_of_actions"] == 0.5
    assert summary["all"]["actions"] == 3
    assert summary["all"]["right"] == 3
    assert summary["all"]["n"] == 5


def test_the_large_home_keeps_the_fixture_home_and_grows_to_a_thousand() -> None:
    from benchmarks.fixture_home import load_fixture_home
    from benchmarks.local_latency import grown_home, scaling_table

    from .test_eval import HOME

    small = load_fixture_home(HOME).engine_home()
    big = grown_home(small, 1000)
    assert len(big.entities) == 1000
    assert big.entities[: len(small.entities)] == small.entities
    assert all(e.area_id in big.area_by_id for e in big.entities if e.area_id)
    table = scaling_table({"52": {"entities": 52, "n": 3, "p50": 0.2, "p99": 0.5, "cpu_p99": 0.4}})
    assert "own p99 ms" in table and "52" in table
