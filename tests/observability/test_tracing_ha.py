"""Tracing in a real HA: an entry with an OTLP endpoint exports one trace per command."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest

from custom_components.llm_intent.engine.observability.tracing import incoming_command

from ..fake_provider import ANTHROPIC_KEY, OPENAI_KEY, FakeProviderServer
from ..ha.conftest import HomeCalls
from .helpers import (
    FAILOVER,
    LOCAL,
    PRIMARY,
    SECONDARY,
    SECONDARY_MODEL,
    failover_entry,
    free_port,
    say,
    setup_entry,
    taught_model,
)
from .otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.usefixtures("enable_custom_integrations")

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"


async def test_each_command_is_a_trace_and_the_callers_trace_continues(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    otlp_receiver: OTLPReceiver,
) -> None:
    fake_provider.default_handler = taught_model()
    entry = failover_entry(fake_provider, prefer_local=True, otlp_endpoint=otlp_receiver.url)
    await setup_entry(hass, entry)

    # The bridge and the HTTP view wrap a command this way when a traceparent came with it.
    with incoming_command(f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"):
        failover = await say(hass, FAILOVER)
    local = await say(hass, LOCAL)
    assert failover["path"] == "llm" and local["path"] == "local"
    # Unloading flushes the export queue and stops the export thread.
    assert await hass.config_entries.async_unload(entry.entry_id)

    traces: dict[str, list] = {}
    for span in otlp_receiver.spans:
        traces.setdefault(span.trace_id, []).append(span)
    assert len(traces) == 2
    continued = traces.pop(CALLER_TRACE)
    (root,) = [s for s in continued if s.name == "llm_intent.command"]
    assert root.parent_span_id == CALLER_SPAN
    assert root.service_name == "llm_intent"
    assert root.attributes["llm_intent.path"] == "llm"
    assert root.attributes["llm_intent.provider"] == SECONDARY
    assert root.attributes["llm_intent.cost_usd"] > 0
    tries = sorted(
        (s for s in continued if s.name == "llm_intent.llm_attempt"), key=lambda s: s.start_ns
    )
    assert [
        (s.attributes["llm_intent.provider"], s.attributes.get("llm_intent.error_type"))
        for s in tries
    ] == [(PRIMARY, "BadRequestError"), (SECONDARY, None)]
    assert tries[1].attributes["gen_ai.request.model"] == SECONDARY_MODEL
    assert tries[1].attributes["gen_ai.usage.input_tokens"] > 0
    assert tries[1].attributes["llm_intent.cost_usd"] == pytest.approx(
        root.attributes["llm_intent.cost_usd"]
    )
    assert tries[1].attributes["llm_intent.breaker_state"] == "closed"
    names = {s.name for s in continued}
    assert {"llm_intent.receive", "llm_intent.validate", "llm_intent.action"} <= names
    assert all(s.parent_span_id == root.span_id for s in continued if s is not root)

    (local_trace,) = traces.values()
    (local_root,) = [s for s in local_trace if s.name == "llm_intent.command"]
    assert local_root.parent_span_id == ""
    assert local_root.attributes["llm_intent.path"] == "local"
    assert not [s for s in local_trace if s.name == "llm_intent.llm_attempt"]

    dumped = repr([s.attributes for s in otlp_receiver.spans])
    for secret in (OPENAI_KEY, ANTHROPIC_KEY, FAILOVER, LOCAL):
        assert secret not in dumped


async def test_a_collector_that_is_down_costs_spans_not_commands(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    socket_enabled: None,
) -> None:
    fake_provider.default_handler = taught_model()
    dead = f"http://127.0.0.1:{free_port()}"
    entry = failover_entry(fake_provider, prefer_local=True, otlp_endpoint=dead)
    await setup_entry(hass, entry)
    for _ in range(3):
        assert (await say(hass, LOCAL))["success"]
    # Unload completes (the export thread gives up and stops); the harness
    # fails the test if the thread outlived it.
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_bad_endpoint_turns_tracing_off_not_the_agent(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_provider.default_handler = taught_model()
    entry = failover_entry(fake_provider, otlp_endpoint="collector:4318?token=otlp-secret")
    await setup_entry(hass, entry)
    assert (await say(hass, LOCAL))["path"] == "local"
    assert "Tracing is off" in caplog.text
    assert "otlp-secret" not in caplog.text
    assert await hass.config_entries.async_unload(entry.entry_id)
