"""OpenTelemetry traces of commands: one trace per command, exported over OTLP/HTTP.

Spans are built after the command, from its ``Outcome`` and the router's
``Attempt`` list, with explicit start and end times: nothing in the command's
path waits for tracing. The span tree is::

    llm_intent.command            (the whole command; continues the caller's trace)
    ├── llm_intent.receive        (from receipt to the pipeline's start)
    ├── llm_intent.local_match
    ├── llm_intent.cache
    ├── llm_intent.llm_attempt    (one per attempt: provider, model, retry, breaker, tokens, cost)
    ├── llm_intent.validate
    └── llm_intent.action

The command span and each LLM attempt have measured durations. The other
stages are timed exactly when the pipeline records them with ``stage()``;
until then they share the rest of the command's time in their order and carry
``llm_intent.timing = "estimated"``.

A W3C ``traceparent`` that came with the command (``incoming_command`` or the
``traceparent`` argument) makes the command span a child of the caller's span;
the caller's sampling decision is honoured. Spans never carry the command text
or any credential.

This module imports nothing of the engine at load time, so the pipeline can
use ``begin_command``/``stage`` without an import cycle.

OpenTelemetry is imported only when a tracer is created: with tracing off (no
endpoint) the SDK is never loaded. Export runs in the SDK's batch thread with
a bounded queue, so a collector that is down costs dropped spans, never a
command; ``shutdown`` (blocking, for an executor) stops that thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
import re
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span

    from ..calling.router import Attempt
    from ..pipeline import Outcome

SERVICE_NAME: Final = "llm_intent"
TRACES_PATH: Final = "/v1/traces"
DEFAULT_EXPORT_TIMEOUT_S: Final = 3.0
# Spans waiting for export; beyond this the SDK drops new ones.
DEFAULT_MAX_QUEUE: Final = 2048
_BATCH_DELAY_MS: Final = 1000
_TRACEPARENT: Final = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_NS_PER_S: Final = 1_000_000_000

type AttemptCost = Callable[[Attempt], Decimal | None]


def valid_traceparent(value: str | None) -> str | None:
    """``value`` when it is a well-formed W3C traceparent, else None."""
    if not value:
        return None
    value = value.strip().lower()
    if not _TRACEPARENT.match(value):
        return None
    _, trace_id, span_id, _ = value.split("-")
    if set(trace_id) == {"0"} or set(span_id) == {"0"}:
        return None
    return value


# --- what the host knows about the command before the pipeline runs ---------


@dataclass(frozen=True, slots=True)
class IncomingCommand:
    traceparent: str | None
    received_at_ns: int


_INCOMING: ContextVar[IncomingCommand | None] = ContextVar("llm_intent_incoming", default=None)


@contextmanager
def incoming_command(
    traceparent: str | None, received_at_ns: int | None = None
) -> Iterator[IncomingCommand]:
    """Wrap handling one command (HTTP view, bridge) so its trace continues the caller's.

    The pipeline runs in the same task, so the outcome listener that records
    the trace finds this through ``current_incoming``.
    """
    incoming = IncomingCommand(
        valid_traceparent(traceparent),
        time.time_ns() if received_at_ns is None else received_at_ns,
    )
    token = _INCOMING.set(incoming)
    try:
        yield incoming
    finally:
        _INCOMING.reset(token)


def current_incoming() -> IncomingCommand | None:
    return _INCOMING.get()


# --- optional exact stage timings, recorded by the pipeline ------------------


@dataclass(slots=True)
class StageTiming:
    name: str
    start_ns: int
    end_ns: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)


_STAGES: ContextVar[list[StageTiming] | None] = ContextVar("llm_intent_stages", default=None)


def begin_command() -> None:
    """Start collecting ``stage()`` timings for the command handled in this task."""
    _STAGES.set([])


@contextmanager
def stage(name: str) -> Iterator[dict[str, Any]]:
    """Time a pipeline stage (``local_match``, ``cache``, ``llm``, ``validate``,
    ``action``); yields a dict for the span's attributes. A no-op unless
    ``begin_command`` ran in this task."""
    stages = _STAGES.get()
    timing = StageTiming(name, time.time_ns())
    try:
        yield timing.attributes
    finally:
        timing.end_ns = time.time_ns()
        if stages is not None:
            stages.append(timing)


def take_stages() -> list[StageTiming]:
    """The stages recorded since ``begin_command``; collecting stops."""
    stages = _STAGES.get() or []
    _STAGES.set(None)
    return stages


# --- building the spans -------------------------------------------------------


@dataclass(slots=True)
class _Block:
    """One stage on the command's timeline; ``duration_ns`` None means unmeasured."""

    name: str
    duration_ns: int | None
    attributes: dict[str, Any]
    attempts: Sequence[Attempt] = ()
    start_ns: int = 0


def _path_blocks(outcome: Outcome, attempts: Sequence[Attempt]) -> list[_Block]:
    """The stages this command went through, in order, as far as its outcome tells."""
    path = str(outcome.path)
    if path == "ai_task":
        # An AI task is one model call: no matching, cache, validation or action.
        return [_Block("llm", _attempts_duration(attempts), {}, attempts)] if attempts else []
    blocks = [_Block("local_match", None, {"llm_intent.matched": path == "local"})]
    reached_cache = outcome.cache_hit or (
        path != "local" and outcome.llm_error not in ("local_only",)
    )
    if reached_cache:
        blocks.append(_Block("cache", None, {"llm_intent.cache_hit": outcome.cache_hit}))
    if attempts:
        blocks.append(_Block("llm", _attempts_duration(attempts), {}, attempts))
    if path == "llm":
        blocks.append(_Block("validate", None, {"llm_intent.valid": outcome.understood}))
    if outcome.executed:
        blocks.append(_Block("action", None, {"llm_intent.success": outcome.success}))
    return blocks


def _attempts_duration(attempts: Sequence[Attempt]) -> int:
    sequential = sum(a.latency_s for a in attempts if not a.hedged)
    hedged = max((a.latency_s for a in attempts if a.hedged), default=0.0)
    return int(max(sequential, hedged) * _NS_PER_S)


def _lay_out(blocks: list[_Block], start_ns: int, end_ns: int) -> None:
    """Place blocks back to back in [start, end]; unmeasured ones share what is left."""
    total = max(end_ns - start_ns, 0)
    measured = sum(b.duration_ns for b in blocks if b.duration_ns is not None)
    if measured > total:
        scale = total / measured if measured else 0.0
        for block in blocks:
            if block.duration_ns is not None:
                block.duration_ns = int(block.duration_ns * scale)
        measured = total
    unmeasured = [b for b in blocks if b.duration_ns is None]
    share = (total - measured) // len(unmeasured) if unmeasured else 0
    cursor = start_ns
    for block in blocks:
        block.start_ns = cursor
        if block.duration_ns is None:
            block.duration_ns = share
            block.attributes["llm_intent.timing"] = "estimated"
        cursor += block.duration_ns


def _command_attributes(outcome: Outcome) -> dict[str, Any]:
    from ..cost.accounting import outcome_label

    attrs: dict[str, Any] = {
        "llm_intent.path": str(outcome.path),
        "llm_intent.outcome": outcome_label(outcome),
        "llm_intent.language": outcome.language,
        "llm_intent.success": outcome.success,
        "llm_intent.understood": outcome.understood,
        "llm_intent.executed": outcome.executed,
        "llm_intent.cache_hit": outcome.cache_hit,
        "llm_intent.confidence": float(outcome.confidence),
        "llm_intent.latency_ms": float(outcome.latency_ms),
        "llm_intent.cost_usd": float(outcome.cost_usd),
        "llm_intent.tokens.input": outcome.usage.input_tokens,
        "llm_intent.tokens.cached_input": outcome.usage.cached_input_tokens,
        "llm_intent.tokens.output": outcome.usage.output_tokens,
        # Slot names only: their values can be names from the home.
        "llm_intent.slots": sorted(outcome.slots),
        "llm_intent.entity_ids": list(outcome.entity_ids),
    }
    for key, value in (
        ("llm_intent.intent", outcome.intent),
        ("llm_intent.provider", outcome.provider),
        ("llm_intent.model", outcome.model),
        ("llm_intent.llm_error", outcome.llm_error),
        ("llm_intent.detail", outcome.detail),
    ):
        if value is not None:
            attrs[key] = value
    return attrs


def _attempt_attributes(attempt: Attempt, cost: Decimal | None) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "llm_intent.provider": attempt.provider,
        "llm_intent.model": attempt.model,
        "gen_ai.request.model": attempt.model,
        "llm_intent.retry_no": attempt.retry_no,
        "llm_intent.breaker_state": str(attempt.breaker_state),
        "llm_intent.sent": attempt.sent,
        "llm_intent.hedged": attempt.hedged,
        "llm_intent.latency_ms": attempt.latency_s * 1000,
    }
    if attempt.error_type is not None:
        attrs["llm_intent.error_type"] = attempt.error_type
    if attempt.status is not None:
        attrs["llm_intent.http_status"] = attempt.status
    if attempt.usage is not None:
        attrs["gen_ai.usage.input_tokens"] = attempt.usage.input_tokens
        attrs["gen_ai.usage.output_tokens"] = attempt.usage.output_tokens
        attrs["llm_intent.tokens.cached_input"] = attempt.usage.cached_input_tokens
    if cost is not None:
        attrs["llm_intent.cost_usd"] = float(cost)
    return attrs


class CommandTracer:
    """Turns recorded commands into spans of one ``TracerProvider``."""

    def __init__(self, provider: TracerProvider) -> None:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self._provider = provider
        self._tracer = provider.get_tracer("custom_components.llm_intent")
        self._propagator = TraceContextTextMapPropagator()

    def record_command(
        self,
        outcome: Outcome,
        attempts: Sequence[Attempt],
        traceparent: str | None,
        started_at_ns: int,
        ended_at_ns: int,
        *,
        received_at_ns: int | None = None,
        stages: Sequence[StageTiming] = (),
        attempt_cost: AttemptCost | None = None,
    ) -> str:
        """Emit the spans of one finished command; returns its trace id (32 hex digits).

        Times are nanoseconds since the epoch (``time.time_ns()``). Only enqueues
        spans for export: safe to call on the event loop.
        """
        from opentelemetry import trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        parent = None
        if (checked := valid_traceparent(traceparent)) is not None:
            parent = self._propagator.extract({"traceparent": checked})
        root = self._tracer.start_span(
            "llm_intent.command",
            context=parent,
            kind=SpanKind.SERVER,
            start_time=min(received_at_ns or started_at_ns, started_at_ns),
            attributes=_command_attributes(outcome),
        )
        if outcome.detail == "internal_error" or (outcome.executed and not outcome.success):
            root.set_status(Status(StatusCode.ERROR, outcome.detail or "action failed"))
        inside = trace.set_span_in_context(root)

        def child(name: str, start: int, end: int, attrs: Mapping[str, Any]) -> Span:
            span = self._tracer.start_span(
                f"llm_intent.{name}", context=inside, start_time=start, attributes=attrs
            )
            span.end(end_time=max(end, start))
            return span

        receive_start = received_at_ns if received_at_ns is not None else started_at_ns
        receive = {"llm_intent.language": outcome.language}
        if received_at_ns is None:
            receive["llm_intent.timing"] = "estimated"
        child("receive", receive_start, max(started_at_ns, receive_start), receive)

        measured = {s.name: s for s in stages}
        for block in self._timeline(outcome, attempts, started_at_ns, ended_at_ns, measured):
            assert block.duration_ns is not None
            if block.name == "llm":
                self._attempt_spans(block, inside, attempt_cost, measured.get("llm"))
                continue
            child(block.name, block.start_ns, block.start_ns + block.duration_ns, block.attributes)
        root.end(end_time=max(ended_at_ns, started_at_ns))
        return format(root.get_span_context().trace_id, "032x")

    @staticmethod
    def _timeline(
        outcome: Outcome,
        attempts: Sequence[Attempt],
        start_ns: int,
        end_ns: int,
        measured: Mapping[str, StageTiming],
    ) -> list[_Block]:
        if measured:
            # The pipeline timed its stages: use exactly those (and their attributes).
            exact = [
                _Block(s.name, s.end_ns - s.start_ns, dict(s.attributes), start_ns=s.start_ns)
                for s in measured.values()
                if s.name != "llm"
            ]
            if attempts:
                llm = measured.get("llm")
                exact.append(
                    _Block(
                        "llm",
                        _attempts_duration(attempts),
                        {},
                        attempts,
                        start_ns=llm.start_ns if llm else start_ns,
                    )
                )
            return sorted(exact, key=lambda b: b.start_ns)
        blocks = _path_blocks(outcome, attempts)
        _lay_out(blocks, start_ns, end_ns)
        return blocks

    def _attempt_spans(
        self,
        block: _Block,
        parent: Any,
        attempt_cost: AttemptCost | None,
        llm_stage: StageTiming | None,
    ) -> None:
        from opentelemetry.trace import Status, StatusCode

        cursor = block.start_ns
        window_end = block.start_ns + (block.duration_ns or 0)
        for attempt in block.attempts:
            duration = int(attempt.latency_s * _NS_PER_S)
            # A hedged attempt ran beside the primary: it ends with the LLM stage.
            start = max(window_end - duration, block.start_ns) if attempt.hedged else cursor
            cost = attempt_cost(attempt) if attempt_cost is not None else None
            attrs = _attempt_attributes(attempt, cost)
            if llm_stage is None:
                # Retry waits between attempts are not measured: placed back to back.
                attrs["llm_intent.timing"] = "measured_duration"
            span = self._tracer.start_span(
                "llm_intent.llm_attempt", context=parent, start_time=start, attributes=attrs
            )
            if attempt.error_type is not None:
                span.set_status(Status(StatusCode.ERROR, attempt.error_type))
            span.end(end_time=start + duration)
            if not attempt.hedged:
                cursor += duration

    def force_flush(self, timeout_s: float = DEFAULT_EXPORT_TIMEOUT_S) -> bool:
        """Export what is queued now (blocking); False if it did not finish in time."""
        return bool(self._provider.force_flush(int(timeout_s * 1000)))

    def shutdown(self) -> None:
        """Flush, then stop the export thread (blocking; run it in an executor)."""
        self._provider.shutdown()


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL for a collector base URL or a full traces URL."""
    endpoint = endpoint.strip()
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the OTLP endpoint must be an http:// or https:// URL")
    if parts.path.rstrip("/").endswith(TRACES_PATH):
        return endpoint
    return endpoint.rstrip("/") + TRACES_PATH


def tracer_with_exporter(
    exporter: SpanExporter,
    *,
    batch: bool = True,
    instance_id: str = "",
    max_queue: int = DEFAULT_MAX_QUEUE,
    export_timeout_s: float = DEFAULT_EXPORT_TIMEOUT_S,
) -> CommandTracer:
    """A tracer exporting through ``exporter``: batched in a background thread, or
    synchronously in ``on_end`` (``batch=False``, for in-memory exporters)."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    attributes = {"service.name": SERVICE_NAME}
    if instance_id:
        attributes["service.instance.id"] = instance_id
    provider = TracerProvider(resource=Resource.create(attributes), shutdown_on_exit=False)
    if batch:
        provider.add_span_processor(
            BatchSpanProcessor(
                exporter,
                max_queue_size=max_queue,
                schedule_delay_millis=_BATCH_DELAY_MS,
                max_export_batch_size=min(512, max_queue),
                export_timeout_millis=export_timeout_s * 1000,
            )
        )
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return CommandTracer(provider)


def create_tracer(
    endpoint: str | None,
    *,
    instance_id: str = "",
    headers: Mapping[str, str] | None = None,
    export_timeout_s: float = DEFAULT_EXPORT_TIMEOUT_S,
    max_queue: int = DEFAULT_MAX_QUEUE,
) -> CommandTracer | None:
    """An OTLP/HTTP tracer for ``endpoint``, or None when tracing is off (no endpoint).

    Blocking (imports the SDK): call it from an executor. Raises ValueError
    for an endpoint that is not an http(s) URL.
    """
    if not endpoint or not endpoint.strip():
        return None
    url = traces_url(endpoint)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exporter = OTLPSpanExporter(endpoint=url, headers=dict(headers or {}), timeout=export_timeout_s)
    return tracer_with_exporter(
        exporter,
        instance_id=instance_id,
        max_queue=max_queue,
        export_timeout_s=export_timeout_s,
    )
