"""Scoring by effect: what a command would do in the home, not how it was spelled.

A prediction is the action it would take and the set of entities it would
change (or read); two predictions with the same effect are equally right, so
``HassOpenCover`` on the blinds is the same as ``HassTurnOn`` on them. Each
command falls in one of four outcomes: right, a wrong action (it would act,
or answer, on something other than what was meant), asked (a question back),
or not understood (nothing done). A command labelled ``unclear`` is right
when asked; one labelled ``out_of_scope`` is right when nothing is done.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .dataset import OUT_OF_SCOPE, UNCLEAR
from .scoring import TARGET_SLOTS, _same_value, _values

RIGHT = "right"
WRONG = "wrong_action"
ASKED = "asked"
NOT_UNDERSTOOD = "not_understood"
OUTCOMES = (RIGHT, WRONG, ASKED, NOT_UNDERSTOOD)

# Intents that are one action on a kind of device: on covers "turn on" opens.
_EQUIVALENT: Mapping[frozenset[str], Mapping[str, str]] = {
    frozenset({"cover", "valve"}): {
        "HassTurnOn": "open",
        "HassOpenCover": "open",
        "HassOpenValve": "open",
        "HassTurnOff": "close",
        "HassCloseCover": "close",
        "HassCloseValve": "close",
    },
    frozenset({"lock"}): {
        "HassTurnOn": "lock",
        "LockLock": "lock",
        "HassLock": "lock",
        "HassTurnOff": "unlock",
        "LockUnlock": "unlock",
        "HassUnlock": "unlock",
    },
    frozenset({"scene", "script"}): {"HassTurnOn": "activate", "SceneActivate": "activate"},
}
# Slots that steer resolution or speech, not what is done.
_NOT_EFFECT = frozenset({"preferred_area_id", "preferred_floor_id", "response", "missing"})
# Which timer ("the 5 minute one") picks a target; with one timer running it is that one.
_TIMER_PICKERS = frozenset({"start_hours", "start_minutes", "start_seconds", "timer_name"})
# A window or a door reported "on" is open.
_STATE_SYNONYMS = {"on": "on", "open": "on", "off": "off", "closed": "off"}


def action_of(intent: str, targets: Iterable[str]) -> str:
    """The intent's action on these targets, with equivalent intents folded together."""
    domains = {t.split(".", 1)[0] for t in targets}
    if domains:
        for kinds, actions in _EQUIVALENT.items():
            if domains <= kinds and intent in actions:
                return actions[intent]
    return intent


@dataclass(frozen=True, slots=True)
class Effect:
    """What one recognition would do; ``targets`` None when the intent names none."""

    intent: str
    targets: frozenset[str] | None
    values: Mapping[str, Any]

    @property
    def action(self) -> str:
        return action_of(self.intent, self.targets or ())


def effect_values(
    slots: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The non-target values of a recognition (brightness, minutes, state...)."""
    values = _values({k: v for k, v in slots.items() if k not in _NOT_EFFECT}, dict(defaults or {}))
    if isinstance(state := values.get("state"), str):
        values["state"] = _STATE_SYNONYMS.get(state, state)
    return {
        k: v
        for k, v in values.items()
        if k not in TARGET_SLOTS and k not in _NOT_EFFECT and k not in _TIMER_PICKERS
    }


def same_effect(label: Effect, predicted: Effect) -> bool:
    if label.action != predicted.action:
        return False
    if (label.targets or frozenset()) != (predicted.targets or frozenset()):
        return False
    a, b = label.values, predicted.values
    return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)


def outcome_of(
    label_intent: str,
    label: Effect | None,
    *,
    predicted: Effect | None,
    asked: bool,
    refused: bool,
) -> str:
    """Right, wrong action, asked or not understood, for one command."""
    if label_intent == OUT_OF_SCOPE:
        if predicted is not None and not refused:
            return WRONG
        return RIGHT if refused or (predicted is None and not asked) else ASKED
    if label_intent == UNCLEAR:
        if asked:
            return RIGHT
        return WRONG if predicted is not None and not refused else NOT_UNDERSTOOD
    if asked:
        return ASKED
    if predicted is None or refused:
        return NOT_UNDERSTOOD
    assert label is not None
    return RIGHT if same_effect(label, predicted) else WRONG


def summarize_outcomes(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per path and overall: counts of each outcome and wrong actions ÷ actions.

    ``rows`` carry ``path``, ``outcome`` and ``acted`` (the command was acted
    on or answered: not asked back, refused or left alone).
    """
    by_path: dict[str, Counter[str]] = defaultdict(Counter)
    total: Counter[str] = Counter()
    for row in rows:
        keys = [str(row["outcome"])] + (["acted"] if row.get("acted") else [])
        for key in keys:
            by_path[str(row["path"])][key] += 1
            total[key] += 1

    def figures(counts: Counter[str]) -> dict[str, Any]:
        n = sum(counts[k] for k in OUTCOMES)
        actions = counts["acted"]
        return {
            "n": n,
            **{k: counts[k] for k in OUTCOMES},
            "actions": actions,
            "right_rate": counts[RIGHT] / n if n else 0.0,
            "wrong_of_actions": counts[WRONG] / actions if actions else 0.0,
        }

    return {
        "all": figures(total),
        "by_path": {path: figures(c) for path, c in sorted(by_path.items())},
    }
