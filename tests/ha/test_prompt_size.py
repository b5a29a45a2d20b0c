"""What one recognition request costs in input tokens for the 30-entity Polish home.

Counted the way the budget counts it before sending (tiktoken o200k_base with
the chat framing and the JSON schema), from the request the agent really
sent to the provider. The figure is in docs/prompts/intent-recognition.md.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from custom_components.llm_intent.engine.cost.tokens import TokenCounter
from custom_components.llm_intent.engine.understanding.context import Context
from custom_components.llm_intent.engine.understanding.prompt import (
    STATIC_INSTRUCTIONS,
    build_request,
)

from ..fake_provider import FakeProviderServer
from .conftest import CorrectModel, HomeCalls, recognize

# docs/prompts/intent-recognition.md gives the measured figures; this bound
# catches a prompt that grows by accident (a new rule, states, history).
MAX_REQUEST_TOKENS = 800


async def test_full_request_size_for_the_30_entity_home(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    correct_model: CorrectModel,
) -> None:
    runtime = openai_entry.runtime_data  # type: ignore[attr-defined]
    home = runtime.homes.home()
    assert len(home.entities) >= 30
    assert len(home.areas) >= 8
    correct_model.teach("zrób mi kawę", "HassTurnOn", name="Ekspres do kawy")

    await recognize(hass, "zrób mi kawę")

    sent = fake_provider.requests[-1].body
    system, user = sent["messages"][0]["content"], sent["messages"][1]["content"]
    counter = TokenCounter()
    assert counter.prepare()
    request = build_request("zrób mi kawę", "pl", runtime.catalogue, home, Context())
    assert system == request.system
    assert user.split("\nCONTEXT:")[0] == request.user.split("\nCONTEXT:")[0]
    assert sent["response_format"]["json_schema"]["schema"] == request.schema
    total = counter.count_chat_request(
        "gpt-4o-mini", sent["messages"], None, sent["response_format"]["json_schema"]["schema"]
    )
    static = counter.count_text(STATIC_INSTRUCTIONS).tokens
    system_tokens = counter.count_text(system).tokens
    print(
        f"\nrequest for {len(home.entities)} entities in {len(home.areas)} areas: "
        f"{total.tokens} input tokens (static rules {static}, system {system_tokens}, "
        f"user {counter.count_text(user).tokens}, schema and framing "
        f"{total.tokens - system_tokens - counter.count_text(user).tokens})"
    )
    assert total.exact
    assert total.tokens <= MAX_REQUEST_TOKENS
    # What is not exposed does not exist for the model; states are never sent.
    assert "Sejf" not in system + user
    assert "armed_away" not in system + user
    # Only the devices that fit the command: the coffee machine, not the TV.
    assert "switch: Ekspres do kawy" in user
    assert "Telewizor" not in system + user


async def test_the_prompt_prefix_is_stable_between_commands(
    hass: HomeAssistant,
    openai_entry: object,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
) -> None:
    """Providers discount a repeated prefix: only the user message may change."""
    await recognize(hass, "zrób mi kawę")
    hass.states.async_set("light.kuchnia", "on", {"friendly_name": "Światło kuchnia"})
    await recognize(hass, "puść coś spokojnego w salonie")

    first, second = (r.body["messages"] for r in fake_provider.requests[-2:])
    assert first[0] == second[0]
    assert first[1] != second[1]
