"""Command traces: the span tree, the caller's trace continued, OTLP/HTTP export."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
import json
from pathlib import Path as FsPath
import subprocess
import sys
import threading
import time

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
import pytest

from custom_components.llm_intent.engine.calling.breaker import BreakerState
from custom_components.llm_intent.engine.calling.router import Attempt
from custom_components.llm_intent.engine.observability.tracing import (
    begin_command,
    create_tracer,
    current_incoming,
    incoming_command,
    stage,
    take_stages,
    tracer_with_exporter,
    traces_url,
    valid_traceparent,
)
from custom_components.llm_intent.engine.pipeline import Outcome
from custom_components.llm_intent.engine.types import Path, Usage

from .otlp_receiver import OTLPReceiver

REPO = FsPath(__file__).resolve().parents[2]
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
SECRET_TEXT = "zrob tak zeby w kuchni bylo jasno"
MS = 1_000_000


def _failover_command() -> tuple[Outcome, list[Attempt]]:
    outcome = Outcome(
        SECRET_TEXT,
        "pl",
        "Włączono światło w: Kuchnia.",
        Path.LLM,
        intent="HassTurnOn",
        slots={"area": "Kuchnia", "domain": "light"},
        confidence=0.95,
        success=True,
        executed=True,
        provider="secondary",
        model="gpt-4.1-mini",
        usage=Usage(input_tokens=1200, output_tokens=30, cached_input_tokens=200),
        cost_usd=Decimal("0.000488"),
        entity_ids=("light.kuchnia",),
        latency_ms=400.0,
    )
    attempts = [
        Attempt("primary", "gpt-4o-mini", 0, "ServerError", 0.05, BreakerState.CLOSED, sent=True),
        Attempt("primary", "gpt-4o-mini", 1, "BadRequestError", 0.04, BreakerState.CLOSED, True),
        Attempt(
            "secondary",
            "gpt-4.1-mini",
            0,
            None,
            0.2,
            BreakerState.CLOSED,
            sent=True,
            usage=Usage(input_tokens=1200, output_tokens=30, cached_input_tokens=200),
        ),
    ]
    return outcome, attempts


def _cost(attempt: Attempt) -> Decimal | None:
    return Decimal("0.000488") if attempt.usage is not None else None


def _by_name(spans: Sequence[ReadableSpan]) -> dict[str, list[ReadableSpan]]:
    out: dict[str, list[ReadableSpan]] = {}
    for span in spans:
        out.setdefault(span.name, []).append(span)
    return out


def test_span_tree_of_a_failover_continues_the_callers_trace() -> None:
    exporter = InMemorySpanExporter()
    tracer = tracer_with_exporter(exporter, batch=False, instance_id="entry1")
    outcome, attempts = _failover_command()
    end = time.time_ns()
    start = end - 400 * MS
    trace_id = tracer.record_command(
        outcome,
        attempts,
        TRACEPARENT,
        start,
        end,
        received_at_ns=start - 5 * MS,
        attempt_cost=_cost,
    )
    tracer.shutdown()
    assert trace_id == CALLER_TRACE
    spans = exporter.get_finished_spans()
    named = _by_name(spans)
    assert sorted(named) == [
        "llm_intent.action",
        "llm_intent.cache",
        "llm_intent.command",
        "llm_intent.llm_attempt",
        "llm_intent.local_match",
        "llm_intent.receive",
        "llm_intent.validate",
    ]
    (root,) = named["llm_intent.command"]
    assert root.kind is SpanKind.SERVER
    assert format(root.context.trace_id, "032x") == CALLER_TRACE
    assert root.parent is not None and format(root.parent.span_id, "016x") == CALLER_SPAN
    assert root.start_time == start - 5 * MS and root.end_time == end
    assert root.resource.attributes["service.name"] == "llm_intent"
    assert root.resource.attributes["service.instance.id"] == "entry1"
    attrs = root.attributes
    assert attrs["llm_intent.path"] == "llm"
    assert attrs["llm_intent.intent"] == "HassTurnOn"
    assert attrs["llm_intent.outcome"] == "success"
    assert attrs["llm_intent.cost_usd"] == pytest.approx(0.000488)
    assert attrs["llm_intent.tokens.input"] == 1200
    assert tuple(attrs["llm_intent.slots"]) == ("area", "domain")
    for span in spans:
        assert span.context.trace_id == root.context.trace_id
        if span is not root:
            assert span.parent is not None and span.parent.span_id == root.context.span_id
            assert root.start_time <= span.start_time <= span.end_time <= root.end_time
        # Neither the words spoken nor slot values leave Home Assistant in a span.
        dumped = json.dumps(dict(span.attributes), ensure_ascii=False, default=str)
        assert SECRET_TEXT not in dumped and "Kuchnia" not in dumped

    (receive,) = named["llm_intent.receive"]
    assert (receive.start_time, receive.end_time) == (start - 5 * MS, start)
    tries = sorted(named["llm_intent.llm_attempt"], key=lambda s: s.start_time)
    assert [
        (
            s.attributes["llm_intent.provider"],
            s.attributes["llm_intent.retry_no"],
            s.attributes.get("llm_intent.error_type"),
        )
        for s in tries
    ] == [("primary", 0, "ServerError"), ("primary", 1, "BadRequestError"), ("secondary", 0, None)]
    assert [s.end_time - s.start_time for s in tries] == [50 * MS, 40 * MS, 200 * MS]
    assert tries[0].status.status_code is StatusCode.ERROR
    assert tries[2].attributes["llm_intent.breaker_state"] == "closed"
    assert tries[2].attributes["gen_ai.usage.input_tokens"] == 1200
    assert tries[2].attributes["gen_ai.usage.output_tokens"] == 30
    assert tries[2].attributes["llm_intent.tokens.cached_input"] == 200
    assert tries[2].attributes["llm_intent.cost_usd"] == pytest.approx(0.000488)
    assert "llm_intent.cost_usd" not in tries[0].attributes
    # Stages the pipeline did not time are in order and marked as estimated.
    order = sorted(
        (s for s in spans if s is not root and s.name != "llm_intent.receive"),
        key=lambda s: s.start_time,
    )
    assert [s.name.removeprefix("llm_intent.") for s in order] == [
        "local_match",
        "cache",
        "llm_attempt",
        "llm_attempt",
        "llm_attempt",
        "validate",
        "action",
    ]
    assert named["llm_intent.cache"][0].attributes["llm_intent.timing"] == "estimated"


@pytest.mark.parametrize(
    "traceparent",
    [
        None,
        "",
        "garbage",
        f"00-{'0' * 32}-{CALLER_SPAN}-01",
        f"00-{CALLER_TRACE}-{'0' * 16}-01",
        f"00-{CALLER_TRACE}-{CALLER_SPAN}",
    ],
)
def test_without_a_valid_traceparent_a_new_trace_starts(traceparent: str | None) -> None:
    exporter = InMemorySpanExporter()
    tracer = tracer_with_exporter(exporter, batch=False)
    outcome = Outcome("x", "pl", "?", Path.NONE, understood=False, latency_ms=3)
    now = time.time_ns()
    trace_id = tracer.record_command(outcome, (), traceparent, now - 3 * MS, now)
    tracer.shutdown()
    root = _by_name(exporter.get_finished_spans())["llm_intent.command"][0]
    assert root.parent is None
    assert trace_id != CALLER_TRACE and len(trace_id) == 32
    assert valid_traceparent(traceparent) is None


def test_an_ai_task_is_traced_as_its_model_call_only() -> None:
    exporter = InMemorySpanExporter()
    tracer = tracer_with_exporter(exporter, batch=False)
    end = time.time_ns()
    usage = Usage(input_tokens=400, output_tokens=30)
    outcome = Outcome(
        SECRET_TEXT, "pl", "", Path.TASK, success=True, provider="primary", usage=usage
    )
    attempt = Attempt(
        "primary", "gpt-4o-mini", 0, None, 0.2, BreakerState.CLOSED, sent=True, usage=usage
    )
    tracer.record_command(outcome, [attempt], None, end - 300 * MS, end, attempt_cost=_cost)
    tracer.shutdown()
    named = _by_name(exporter.get_finished_spans())
    assert sorted(named) == ["llm_intent.command", "llm_intent.llm_attempt", "llm_intent.receive"]
    assert named["llm_intent.command"][0].attributes["llm_intent.path"] == "ai_task"


def test_a_caller_that_does_not_sample_gets_no_spans() -> None:
    exporter = InMemorySpanExporter()
    tracer = tracer_with_exporter(exporter, batch=False)
    now = time.time_ns()
    outcome = Outcome("x", "pl", "ok", Path.LOCAL, success=True, latency_ms=1)
    tracer.record_command(outcome, (), f"00-{CALLER_TRACE}-{CALLER_SPAN}-00", now - MS, now)
    tracer.shutdown()
    assert exporter.get_finished_spans() == ()


def test_stages_timed_by_the_pipeline_are_used_exactly() -> None:
    exporter = InMemorySpanExporter()
    tracer = tracer_with_exporter(exporter, batch=False)
    start = time.time_ns()
    begin_command()
    with stage("local_match") as attrs:
        attrs["llm_intent.candidates"] = 2
    with stage("cache"):
        pass
    with stage("action"):
        pass
    stages = take_stages()
    assert take_stages() == [], "taking the stages ends the command's collection"
    end = time.time_ns()
    outcome = Outcome("x", "pl", "ok", Path.LOCAL, success=True, executed=True, latency_ms=1)
    tracer.record_command(outcome, (), None, start, end, stages=stages)
    tracer.shutdown()
    named = _by_name(exporter.get_finished_spans())
    for timing in stages:
        (span,) = named[f"llm_intent.{timing.name}"]
        assert (span.start_time, span.end_time) == (timing.start_ns, timing.end_ns)
        assert "llm_intent.timing" not in span.attributes
    assert named["llm_intent.local_match"][0].attributes["llm_intent.candidates"] == 2


def test_stage_outside_a_command_records_nothing() -> None:
    with stage("cache"):
        pass
    assert take_stages() == []


def test_incoming_command_is_seen_inside_and_forgotten_after() -> None:
    assert current_incoming() is None
    with incoming_command(TRACEPARENT.upper(), received_at_ns=42) as incoming:
        assert current_incoming() is incoming
        assert incoming.traceparent == TRACEPARENT
        assert incoming.received_at_ns == 42
        with incoming_command("not a traceparent") as inner:
            assert current_incoming() is inner and inner.traceparent is None
        assert current_incoming() is incoming
    assert current_incoming() is None


def test_traces_url() -> None:
    assert traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
    assert traces_url("http://collector:4318/") == "http://collector:4318/v1/traces"
    assert traces_url("https://c.example/v1/traces") == "https://c.example/v1/traces"
    with pytest.raises(ValueError, match="http"):
        traces_url("collector:4318")
    assert create_tracer(None) is None
    assert create_tracer("   ") is None


def test_tracing_off_never_loads_the_sdk() -> None:
    """With no endpoint, neither the tracing SDK nor the exporter is imported.

    (The Redis client imports OpenTelemetry's metrics SDK by itself when it is
    installed; the integration's own modules add nothing to that.)
    """
    code = """
import sys

def otel():
    return {m for m in sys.modules if m.split(".")[0] == "opentelemetry"}

import custom_components.llm_intent
baseline = otel()
import custom_components.llm_intent.diagnostics
import custom_components.llm_intent.metrics_view
import custom_components.llm_intent.observability
from custom_components.llm_intent.engine.observability.tracing import create_tracer
assert create_tracer(None) is None and create_tracer("") is None
off = otel()
tracer = create_tracer("http://127.0.0.1:9")
on = otel()
tracer.shutdown()
tracing = ("opentelemetry.sdk.trace", "opentelemetry.exporter")
print(len(off - baseline), len([m for m in off if m.startswith(tracing)]))
print(len([m for m in on if m.startswith(tracing)]))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    added, tracing_off = map(int, result.stdout.split("\n")[0].split())
    tracing_on = int(result.stdout.split("\n")[1])
    assert added == 0, "the integration's modules imported OpenTelemetry"
    assert tracing_off == 0, "the tracing SDK was imported with tracing off"
    assert tracing_on > 0, "the check must see the SDK once tracing is on"


class _BlockedExporter(SpanExporter):
    """A collector that does not answer until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.exported = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.release.wait(30)
        self.exported += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.release.set()


def test_a_stuck_collector_drops_spans_not_commands() -> None:
    exporter = _BlockedExporter()
    tracer = tracer_with_exporter(exporter, batch=True, max_queue=4)
    outcome, attempts = _failover_command()
    produced = 0
    for _ in range(10):
        now = time.time_ns()
        # Returns at once although nothing can be exported.
        tracer.record_command(outcome, attempts, TRACEPARENT, now - 400 * MS, now)
        produced += 9
    exporter.release.set()
    tracer.shutdown()
    # At most one batch in flight plus a full queue got through; the rest were dropped.
    assert 0 < exporter.exported <= 8 < produced


async def test_otlp_http_export_reaches_a_collector(otlp_receiver: OTLPReceiver) -> None:
    loop = asyncio.get_running_loop()
    tracer = await loop.run_in_executor(
        None, lambda: create_tracer(otlp_receiver.url, instance_id="entry1")
    )
    assert tracer is not None
    outcome, attempts = _failover_command()
    now = time.time_ns()
    trace_id = tracer.record_command(outcome, attempts, TRACEPARENT, now - 400 * MS, now)
    assert await loop.run_in_executor(None, tracer.force_flush)
    await loop.run_in_executor(None, tracer.shutdown)

    assert otlp_receiver.content_types == ["application/x-protobuf"]
    spans = otlp_receiver.spans
    assert len(spans) == 9
    assert {s.trace_id for s in spans} == {CALLER_TRACE} == {trace_id}
    (root,) = [s for s in spans if s.name == "llm_intent.command"]
    assert root.parent_span_id == CALLER_SPAN
    assert root.service_name == "llm_intent"
    assert all(s.parent_span_id == root.span_id for s in spans if s is not root)
    tries = [s for s in spans if s.name == "llm_intent.llm_attempt"]
    assert sorted(s.attributes["llm_intent.provider"] for s in tries) == [
        "primary",
        "primary",
        "secondary",
    ]
