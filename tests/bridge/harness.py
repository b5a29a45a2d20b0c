"""What the bridge tests share: a counting command handler, a bridge runner, bounded waits.

The handler stands in for the pipeline (the bridge's dependency, not the code
under test) and counts every real call, so a test sees how often a command
would have acted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field, replace
from decimal import Decimal
import json
import time
from typing import Any

from redis.asyncio import Redis

from custom_components.llm_intent.engine.bridge.messages import BridgeResult, Transcript
from custom_components.llm_intent.engine.bridge.stream_bridge import BridgeConfig, StreamBridge
from custom_components.llm_intent.engine.clock import SystemClock

WAIT = 20.0  # upper bound for any awaited condition; conditions normally hold in ms

INTENTS = {
    "włącz światło w kuchni": ("HassTurnOn", {"area": "Kuchnia", "domain": "light"}),
    "wyłącz światło w salonie": ("HassTurnOff", {"area": "Salon", "domain": "light"}),
}


@dataclass
class CountingHandler:
    """Answers like the pipeline would and counts executions per frame.

    ``gate``, when set, holds every call after the first ``pass_before_gate``
    until opened, so a test can act while commands are in hand.
    """

    started: list[Transcript] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    recognised_only: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None
    pass_before_gate: int = 0
    fail_first: set[str] = field(default_factory=set)
    held: asyncio.Event = field(default_factory=asyncio.Event)
    on_start: Callable[[Transcript], None] | None = None

    async def __call__(self, transcript: Transcript) -> BridgeResult:
        self.started.append(transcript)
        if self.on_start is not None:
            self.on_start(transcript)
        if transcript.frame_id in self.fail_first:
            self.fail_first.discard(transcript.frame_id)
            raise RuntimeError("handler failed once")
        if self.gate is not None and len(self.started) > self.pass_before_gate:
            self.held.set()
            await self.gate.wait()
        intent, slots = INTENTS.get(transcript.transcript, ("HassTurnOn", {"name": "x"}))
        if transcript.execute:
            self.executed.append(transcript.frame_id)
        else:
            self.recognised_only.append(transcript.frame_id)
        return BridgeResult(
            intent=intent,
            slots=slots,
            confidence=1.0,
            path="local",
            provider=None,
            cost_usd=Decimal("0.000012"),
            latency_ms=3.25,
            speech="OK",
            success=True,
            executed=transcript.execute,
        )


def fast_config(url: str, consumer: str = "test-a", **overrides: Any) -> BridgeConfig:
    """Timings scaled down so recovery paths run in milliseconds."""
    config = BridgeConfig(
        url=url,
        consumer=consumer,
        read_block=0.05,
        call_timeout=2.0,
        backoff_initial=0.02,
        backoff_max=0.2,
        status_interval=0.0,
    )
    return replace(config, **overrides)


async def wait_until(
    condition: Callable[[], Awaitable[bool]] | Callable[[], bool], what: str, timeout: float = WAIT
) -> None:
    """Polls ``condition`` until true; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)  # poll interval, not a timing assumption


@contextlib.asynccontextmanager
async def running(
    bridge: StreamBridge, *, stop_timeout: float = 2.0
) -> AsyncIterator[StreamBridge]:
    """Runs the bridge until the block ends; waits until it is connected."""
    task = asyncio.create_task(bridge.run())
    try:
        await wait_until(lambda: bridge.status.connected or task.done(), "bridge connected")
        yield bridge
    finally:
        await bridge.stop(timeout=stop_timeout)
        if not task.done():
            task.cancel()
        await asyncio.wait([task], timeout=5.0)
        assert task.done(), "bridge.run() did not end after stop()"


def make_bridge(url: str, handler: CountingHandler, **overrides: Any) -> StreamBridge:
    return StreamBridge(fast_config(url, **overrides), handler, SystemClock())


async def add_transcript(client: Redis, frame_id: str, text: str, **extra: str) -> str:
    fields = {"frame_id": frame_id, "transcript": text, "language": "pl", **extra}
    message_id = await client.xadd("voice:transcribed", fields)  # type: ignore[arg-type]
    return message_id.decode()


async def results(client: Redis, stream: str = "intents:recognized") -> list[dict[str, str]]:
    entries = await client.xrange(stream)
    return [{k.decode(): v.decode() for k, v in fields.items()} for _id, fields in entries]


async def pending(client: Redis, group: str = "llm-intent") -> int:
    summary = await client.xpending("voice:transcribed", group)
    return int(summary["pending"])


def entities(result: dict[str, str]) -> Any:
    return json.loads(result["entities"])
