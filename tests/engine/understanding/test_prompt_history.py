"""Earlier messages in the prompt: the last few, each short, quoted, in the user message only."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from custom_components.llm_intent.engine.understanding.context import Context
from custom_components.llm_intent.engine.understanding.prompt import (
    HISTORY_CHARS,
    HISTORY_MESSAGES,
    build_request,
    render_history,
)

from .test_local_match import CATALOGUE, HOME


def test_earlier_messages_are_in_the_context_oldest_first() -> None:
    history = (("user", "włącz światło w Kuchnia"), ("assistant", "Włączono światła w kuchnia"))
    request = build_request("wyłącz to", "pl", CATALOGUE, HOME, Context(), history=history)

    contexts = [line for line in request.user.split("\n") if line.startswith("CONTEXT: ")]
    assert len(contexts) == 1
    context = contexts[0]
    assert (
        'earlier: user: "włącz światło w Kuchnia" | assistant: "Włączono światła w kuchnia"'
        in context
    )
    assert "włącz światło" not in request.system, "the system prompt stays cacheable"


def test_no_history_adds_nothing() -> None:
    request = build_request("wyłącz to", "pl", CATALOGUE, HOME, Context())
    assert "earlier" not in request.user


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["user", "assistant"]), st.text(max_size=400)), max_size=12)
)
def test_history_is_bounded_and_cannot_break_out_of_its_line(
    history: list[tuple[str, str]],
) -> None:
    rendered = render_history(history)
    shown = [(role, text) for role, text in history[-HISTORY_MESSAGES:] if text.strip()]
    if not shown:
        assert rendered is None
        return
    assert rendered is not None
    assert "\n" not in rendered and "\r" not in rendered
    for role, text in shown:
        assert f"{role}: {json.dumps(text[:HISTORY_CHARS], ensure_ascii=False)}" in rendered
    # Each message is at most HISTORY_CHARS characters, JSON-escaped at most 6x.
    assert len(rendered) <= len("earlier: ") + HISTORY_MESSAGES * (HISTORY_CHARS * 6 + 20)
