"""Model text that reaches the user is plain text; a confidence must be a number from 0 to 1."""

from __future__ import annotations

import json
import math
from typing import Any
import unicodedata

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.llm_intent.engine.calling.providers.intent_reply import intent_from_text
from custom_components.llm_intent.engine.errors import InvalidOutputError
from custom_components.llm_intent.engine.language.plain_text import (
    MAX_QUESTION_CHARS,
    plain_text,
)
from custom_components.llm_intent.engine.types import IntentReply
from custom_components.llm_intent.engine.understanding.recognition import Recognition
from custom_components.llm_intent.engine.understanding.validate import Rejection, validate_reply

from ..test_pipeline import harness, reply
from .test_local_match import CATALOGUE, HOME

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT src=//x.example/a.js>",
    "<img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;b&amp;gt;",
    "<style>body{display:none}</style>",
    "<!-- hidden -->",
    "[kliknij](javascript:alert(1))",
    "**pogrubione**",
    "`kod`",
    "# Nagłówek\n",
    "\u202e",  # right-to-left override
    "\u200b",  # zero-width space
    "\x00\x07\x1b[31m",
    "\r\n\t",
    "<iframe src=x>",
    "<a href='x'",
]


def is_plain(text: str) -> bool:
    return (
        "<" not in text
        and ">" not in text
        and "alert" not in text
        and "javascript" not in text.lower()
        and not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)
        and len(text) <= MAX_QUESTION_CHARS
    )


def answer(**fields: Any) -> str:
    return json.dumps({"intent": "unclear", "slots": {}, **fields}, ensure_ascii=False)


def test_a_script_in_the_question_is_not_spoken() -> None:
    parsed = intent_from_text(
        answer(confidence=0.3, clarify_question="<script>alert(1)</script>Który pokój?"),
        provider="p",
    )
    assert parsed.clarify_question == "Który pokój?"


def test_markup_control_characters_and_length_are_removed() -> None:
    assert (
        plain_text("<b>W kuchni</b> czy\u202e w <i>salonie</i>?\x07") == "W kuchni czy w salonie?"
    )
    assert plain_text("&lt;script&gt;alert(1)&lt;/script&gt;Który?") == "Który?"
    assert plain_text("[Tu](javascript:alert(1)) **czy** tam?") == "Tu czy tam?"
    long = plain_text("słowo " * 100 + "?")
    assert len(long) <= MAX_QUESTION_CHARS and long.endswith("…")


def test_a_question_of_markup_only_is_no_question() -> None:
    parsed = intent_from_text(
        answer(confidence=0.3, clarify_question="<script>alert(1)</script>"), provider="p"
    )
    assert parsed.clarify_question is None


@pytest.mark.parametrize("raw", ["1e999", "-1e999", "NaN", "Infinity", "1.5", "-0.2", "100"])
def test_a_confidence_that_is_not_from_0_to_1_is_rejected(raw: str) -> None:
    text = '{"intent": "HassTurnOn", "slots": {"name": "Lampa"}, "confidence": ' + raw + "}"
    with pytest.raises(InvalidOutputError, match="confidence"):
        intent_from_text(text, provider="p")


@pytest.mark.parametrize("confidence", [math.inf, math.nan, 1.5, -0.1])
def test_validation_refuses_a_reply_with_a_confidence_out_of_range(confidence: float) -> None:
    result = validate_reply(
        IntentReply("HassTurnOn", {"name": "Ekspres do kawy"}, confidence), CATALOGUE, HOME, "pl"
    )
    assert isinstance(result, Rejection) and result.reason == "invalid_confidence"


async def test_an_infinite_confidence_runs_nothing() -> None:
    h = harness(reply("HassTurnOn", confidence=math.inf, name="Ekspres do kawy"))
    await h.say("zrób mi kawę")
    assert h.executor.actions == []


async def test_the_models_question_is_spoken_as_plain_text() -> None:
    h = harness(reply("unclear", 0.3, "<b>Które</b> drzwi?<script>alert(1)</script>\u202e"))
    out = await h.say("zabezpiecz dom na noc")
    assert out.speech == "Które drzwi?"


def test_a_free_text_slot_is_plain_text() -> None:
    result = validate_reply(
        IntentReply(
            "HassTurnOn", {"name": "Ekspres do kawy", "device_class": "<i>outlet</i>\x1b"}, 0.9
        ),
        CATALOGUE,
        HOME,
        "pl",
    )
    assert isinstance(result, Recognition)
    assert result.slots["device_class"] == "outlet"


questions = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=40), min_size=0, max_size=8).map(
    "".join
)
confidences = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-(10**30), 10**30)
    | st.sampled_from(["1e999", "-1e999", "NaN", "Infinity", "-Infinity", "1e-999", "0.0", "1"])
)


@settings(max_examples=400, deadline=None)
@given(
    question=questions, confidence=confidences, intent=st.sampled_from(["unclear", "HassTurnOn"])
)
def test_generated_replies_give_plain_questions_and_sane_confidence(
    question: str, confidence: float | str, intent: str
) -> None:
    raw = confidence if isinstance(confidence, str) else json.dumps(confidence)
    text = (
        '{"intent": '
        + json.dumps(intent)
        + ', "slots": {"name": "Ekspres do kawy"}, "confidence": '
        + raw
        + ', "clarify_question": '
        + json.dumps(question)
        + "}"
    )
    try:
        parsed = intent_from_text(text, provider="p")
    except InvalidOutputError:
        value = json.loads(raw)
        assert not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 1)
        return
    assert math.isfinite(parsed.confidence) and 0.0 <= parsed.confidence <= 1.0
    assert parsed.clarify_question is None or (
        parsed.clarify_question and is_plain(parsed.clarify_question)
    )
    result = validate_reply(parsed, CATALOGUE, HOME, "pl")
    if isinstance(result, Rejection):
        assert result.question is None or is_plain(result.question)
    else:
        assert parsed.confidence >= 0.5


@settings(max_examples=300, deadline=None)
@given(question=questions, confidence=st.floats(allow_nan=True, allow_infinity=True))
def test_generated_replies_from_any_source_are_checked_again(
    question: str, confidence: float
) -> None:
    """Cached and bridged replies skip the provider parser; validation holds on its own."""
    result = validate_reply(IntentReply("unclear", {}, confidence, question), CATALOGUE, HOME, "pl")
    assert isinstance(result, Rejection)
    assert result.question is None or is_plain(result.question)
    if not (math.isfinite(confidence) and 0 <= confidence <= 1):
        assert result.reason == "invalid_confidence"
