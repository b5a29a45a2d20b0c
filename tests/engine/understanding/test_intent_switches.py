"""An intent switched off is neither offered to the model nor matched locally."""

from __future__ import annotations

from custom_components.llm_intent.engine.understanding.context import Context
from custom_components.llm_intent.engine.understanding.intent_switches import without_intents
from custom_components.llm_intent.engine.understanding.local_match import match_local
from custom_components.llm_intent.engine.understanding.prompt import build_request

from .test_local_match import CATALOGUE, HOME


def test_a_switched_off_intent_is_absent_from_the_prompt_and_from_local_matching() -> None:
    on = match_local("włącz światło w kuchni", "pl", HOME, CATALOGUE, Context())
    assert on is not None and on.intent == "HassTurnOn"
    catalogue = without_intents(CATALOGUE, ["HassTurnOn", "NoSuchIntent"])

    request = build_request("włącz światło w kuchni", "pl", catalogue, HOME, Context())
    assert "HassTurnOn(" not in request.system
    assert "HassTurnOff(" in request.system
    off = match_local("włącz światło w kuchni", "pl", HOME, catalogue, Context())
    assert off is None or off.intent != "HassTurnOn"
    # Other intents still match, and cached recognitions of the full catalogue do not replay.
    other = match_local("wyłącz światło w kuchni", "pl", HOME, catalogue, Context())
    assert other is not None and other.intent == "HassTurnOff"
    assert catalogue.version != CATALOGUE.version
    assert without_intents(CATALOGUE, []) is CATALOGUE
