"""Each Home Assistant benchmark mode, tiny, on the harness: both agents really answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.core import HomeAssistant
import pytest

from benchmarks.bench_report import burst_table, latency_table
from benchmarks.brain import LabelBrain
from benchmarks.ha_jobs import CORE, LLM_INTENT, Job, run_burst, run_cost, run_latency
from benchmarks.link import InlineLink
from benchmarks.provider import BenchProvider


@pytest.fixture
async def link(socket_enabled: None, enable_custom_integrations: None) -> AsyncIterator[InlineLink]:
    provider = BenchProvider(LabelBrain({}))
    await provider.start()
    try:
        yield InlineLink(provider)
    finally:
        await provider.stop()


async def test_cost_llm_intent_one_round_trip_per_llm_command(
    hass: HomeAssistant, link: InlineLink
) -> None:
    result = await run_cost(hass, link, Job("cost", LLM_INTENT, "llm", commands=3))
    summary = result["summary"]
    assert summary["paths"] == {"llm": 3}
    assert summary["round_trips_per_command"] == 1.0
    assert summary["acted"] == 3
    # Rules and catalogue at least; the home section is chosen per command, so it varies.
    assert 500 < summary["input_tokens_per_command"] < 4000
    assert summary["output_tokens_per_command"] > 10
    assert (
        summary["usd_per_1000_commands_claude-haiku-4-5"]
        > summary["usd_per_1000_commands_gpt-4o-mini"]
    )


async def test_cost_openai_conversation_calls_a_tool_then_answers(
    hass: HomeAssistant, link: InlineLink
) -> None:
    result = await run_cost(hass, link, Job("cost", CORE, "llm", commands=3))
    summary = result["summary"]
    assert summary["round_trips_per_command"] == 2.0
    assert summary["acted"] == 3, "the tool call ran HA's intent"
    # The Assist API's prompt: instructions, every exposed entity, the tools.
    assert summary["input_tokens_per_request"] > 2000
    first = result["rows"][0]
    assert len(first["per_request_input"]) == 2


async def test_cost_blended_lets_local_matching_answer_for_free(
    hass: HomeAssistant, link: InlineLink
) -> None:
    result = await run_cost(hass, link, Job("cost", LLM_INTENT, "blended", commands=10))
    summary = result["summary"]
    assert summary["paths"].get("local", 0) >= 3
    assert summary["round_trips_per_command"] < 1.0


async def test_latency_separates_own_time_from_the_providers(
    hass: HomeAssistant, link: InlineLink
) -> None:
    job = Job("latency", LLM_INTENT, "normal", commands=8, concurrency=4, provider_scale=0.0)
    result = await run_latency(hass, link, job)
    assert result["answered"] == 8
    assert sum(result["paths"].values()) == 8
    assert result["solo"]["paths"].get("llm", 0) >= 1
    own = result["solo"]["overhead_ms"]["llm"]
    assert 0 < own["p50"] < result["solo"]["e2e_ms"]["llm"]["p50"] + 1e-6
    assert len(result["rows"]) == 8
    text = latency_table({LLM_INTENT: [result]}, "Latency", own=True)
    assert "own p99 ms" in text


async def test_latency_openai_conversation_same_commands(
    hass: HomeAssistant, link: InlineLink
) -> None:
    job = Job("latency", CORE, "normal", commands=4, concurrency=2, provider_scale=0.0)
    result = await run_latency(hass, link, job)
    assert result["paths"] == {"llm": 4}
    assert result["round_trips_per_llm_command"] == 2.0


async def test_burst_reports_queue_and_losses(hass: HomeAssistant, link: InlineLink) -> None:
    job = Job("burst", LLM_INTENT, commands=12, provider_scale=0.0)
    result = await run_burst(hass, link, job)
    assert result["answered"] + result["lost"] == 12
    assert result["lost"] == 0
    assert result["max_queue_depth"] is not None
    assert "max queue" in burst_table({LLM_INTENT: [result]}, "Burst")
