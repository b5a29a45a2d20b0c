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
