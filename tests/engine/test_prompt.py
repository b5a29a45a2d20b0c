"""The recognition prompt: its size, what it contains, and what it never contains."""

from __future__ import annotations

from datetime import datetime

import tiktoken

from custom_components.llm_intent.engine.context import Context, OpenQuestion, Turn
from custom_components.llm_intent.engine.prompt import (
    STATIC_INSTRUCTIONS,
    build_request,
    render_catalogue,
    render_context,
    reply_schema,
)

from .test_local_match import CATALOGUE, HOME

STATIC_BUDGET = 500


def test_static_rules_fit_in_500_tokens() -> None:
    tokens = len(tiktoken.get_encoding("o200k_base").encode(STATIC_INSTRUCTIONS))
    print(f"\nstatic instructions: {tokens} tokens (o200k_base)")
    assert tokens <= STATIC_BUDGET


def test_the_system_prompt_is_rules_catalogue_and_home_only() -> None:
    request = build_request("zrób mi kawę", "pl", CATALOGUE, HOME, Context())
    assert request.system.startswith(STATIC_INSTRUCTIONS)
    assert "- HassTurnOn(name,area,floor,domain,device_class):" in request.system
    assert "- Salon (Pokój dzienny) @Parter: Światło sufitowe salon [light]" in request.system
    assert "Brama garażowa [cover/garage]" in request.system
    # The command, the context and the time stay out of the cacheable prefix.
    assert "zrób mi kawę" not in request.system
    assert request.user.endswith("LANGUAGE: pl\nCOMMAND: zrób mi kawę")
    assert request.temperature == 0.0


def test_enum_slots_list_their_values() -> None:
    text = render_catalogue(CATALOGUE)
    assert "ClimateSetMode(name,area,mode=off|heat|cool|auto|heat_cool|dry|fan_only)" in text
    assert "state=on|off|open|closed|locked|unlocked" in text


def test_the_context_says_where_what_before_what_was_asked_and_when() -> None:
    ctx = Context(
        satellite_area_id="kuchnia",
        last=Turn("HassTurnOn", {"area": "Salon", "domain": "light"}, "salon", ()),
        open_question=OpenQuestion("Które światło?", "włącz światło"),
    )
    text = render_context(ctx, HOME, datetime(2026, 1, 2, 7, 30))
    assert text == (
        "CONTEXT: satellite area: Kuchnia; "
        'previous: HassTurnOn {"area": "Salon", "domain": "light"}; '
        'you asked: "Które światło?" about: "włącz światło"; '
        "local time: 2026-01-02 07:30"
    )
    assert render_context(Context(), HOME, None) == "CONTEXT: none"


def test_the_reply_schema_is_strict() -> None:
    schema = reply_schema(CATALOGUE)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"intent", "slots", "confidence", "clarify_question"}
    intents = schema["properties"]["intent"]["enum"]
    assert {"unclear", "out_of_scope", "HassTurnOn"} <= set(intents)
    slots = schema["properties"]["slots"]
    assert slots["additionalProperties"] is False
    assert set(slots["required"]) == set(slots["properties"])
    assert "service" not in slots["properties"]
