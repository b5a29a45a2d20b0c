"""The fake provider as a benchmark instrument.

``BenchProvider`` is ``tests.fake_provider.FakeProviderServer`` with three
additions: each request is attributed to the benchmark command that sent it
(the ``x-bench-command`` header the harness adds on Home Assistant's HTTP
client), its behaviour follows a seeded ``Plan`` (log-normal latency,
failures, hangs) drawn per command and round trip so two agents see the same
draws, and the time the server spent on it is recorded for overhead maths.

Run on its own (``python -m benchmarks.provider``) it serves in a separate
process, so the provider's own work never competes with Home Assistant's
event loop; a small control API configures it and hands back the log.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
import contextlib
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field, replace
import json
import math
import random
import sys
import time
from typing import Any

from aiohttp import web

from tests.fake_provider import (
    Behaviour,
    ErrorReply,
    FakeProviderServer,
    Hang,
    RecordedRequest,
    Reply,
)

from .brain import Label, LabelBrain

COMMAND_HEADER = "x-bench-command"
_FAILURE_STATUSES = (500, 503, 429)


@dataclass(frozen=True, slots=True)
class Plan:
    """How the provider behaves: latency log-normal with the given median and p99
    (0 = answer at once), a share of requests failing with an HTTP error and a
    share that never answer. Draws depend only on (seed, command, round trip)."""

    seed: int = 1
    median_s: float = 0.0
    p99_s: float = 0.0
    failure_rate: float = 0.0
    hang_rate: float = 0.0

    @property
    def sigma(self) -> float:
        if self.median_s <= 0 or self.p99_s <= self.median_s:
            return 0.0
        return math.log(self.p99_s / self.median_s) / 2.3263478740408408  # z(0.99)

    def draw(self, command: int | None, round_trip: int) -> tuple[str, float, int]:
        """(kind, latency_s, status): kind is "ok", "error" or "hang"."""
        rng = random.Random(f"{self.seed}:{command}:{round_trip}")
        fate = rng.random()
        latency = (
            self.median_s * math.exp(self.sigma * rng.gauss(0.0, 1.0)) if self.median_s else 0.0
        )
        if fate < self.hang_rate:
            return "hang", 0.0, 0
        if fate < self.hang_rate + self.failure_rate:
            return "error", min(latency, 0.2), _FAILURE_STATUSES[rng.randrange(3)]
        return "ok", latency, 200


@dataclass(slots=True)
class Served:
    """One request as the server handled it; times on the shared monotonic clock."""

    command: int | None
    round_trip: int
    path: str
    kind: str = "ok"
    status: int = 200
    latency_s: float = 0.0
    started: float = 0.0
    ended: float = 0.0
    reply: str = ""
    tool: str | None = None
    body: Any = None


_CURRENT: ContextVar[Served | None] = ContextVar("bench_served", default=None)


@dataclass
class ProviderState:
    plan: Plan = field(default_factory=Plan)
    served: list[Served] = field(default_factory=list)
    rounds: Counter[int | None] = field(default_factory=Counter)


class BenchProvider(FakeProviderServer):
    """Accepts any key; answers with ``brain`` shaped by ``state.plan``."""

    def __init__(self, brain: LabelBrain | None = None, *, port: int = 0) -> None:
        self.brain = brain or LabelBrain({})
        self.state = ProviderState()
        super().__init__(None, default_handler=self.brain, port=port)

    def configure(self, plan: Plan, labels: Mapping[str, Label] | None = None) -> None:
        self.state = ProviderState(plan=plan)
        if labels is not None:
            self.brain.labels = dict(labels)

    async def _serve(
        self,
        request: web.Request,
        api: Any,
        render: Callable[[web.Request, RecordedRequest, Reply], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        started = time.monotonic()
        raw = request.headers.get(COMMAND_HEADER)
        command = int(raw) if raw and raw.lstrip("-").isdigit() else None
        round_trip = self.state.rounds[command]
        self.state.rounds[command] += 1
        served = Served(command, round_trip, request.path, started=started)
        if request.path != "/v1/models":
            # Logged on arrival: a request still unanswered when the log is read is a fact too.
            self.state.served.append(served)
        token = _CURRENT.set(served)
        try:
            return await super()._serve(request, api, render)
        finally:
            _CURRENT.reset(token)
            served.ended = time.monotonic()

    async def _next_behaviour(self, recorded: RecordedRequest) -> Behaviour:
        behaviour = await super()._next_behaviour(recorded)
        served = _CURRENT.get()
        if served is None or not isinstance(behaviour, Reply):
            return behaviour
        served.body = recorded.body
        served.tool = behaviour.tool_name
        content = behaviour.content
        served.reply = (
            content
            if isinstance(content, str)
            else json.dumps(content, ensure_ascii=False)
            if content is not None
            else ""
        )
        if recorded.path == "/v1/models":
            return behaviour
        kind, latency, status = self.state.plan.draw(served.command, served.round_trip)
        served.kind, served.status, served.latency_s = kind, status, latency
        if kind == "hang":
            return Hang()
        if kind == "error":
            return ErrorReply(status, latency=latency)
        return replace(behaviour, latency=latency)

    def log(self, *, bodies: bool = False) -> list[dict[str, Any]]:
        rows = []
        for served in self.state.served:
            row = asdict(served)
            if not bodies:
                row.pop("body")
            if not served.ended and served.kind == "ok":
                row["kind"] = "unfinished"
            rows.append(row)
        return rows


# --- running in its own process ------------------------------------------------------


def _labels_from(raw: Mapping[str, Any]) -> dict[str, Label]:
    return {text: Label(v["intent"], dict(v.get("slots") or {})) for text, v in raw.items()}


async def _control_app(provider: BenchProvider) -> web.AppRunner:
    async def configure(request: web.Request) -> web.Response:
        data = await request.json()
        labels = data.get("labels")
        provider.configure(
            Plan(**data.get("plan", {})), _labels_from(labels) if labels is not None else None
        )
        return web.json_response({"ok": True})

    async def log(request: web.Request) -> web.Response:
        bodies = request.query.get("bodies") == "1"
        return web.json_response(provider.log(bodies=bodies), dumps=_dumps)

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/bench/configure", configure)
    app.router.add_get("/bench/log", log)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def _serve(port: int) -> None:
    provider = BenchProvider(port=port)
    await provider.start()
    control = await _control_app(provider)
    host, control_port = control.addresses[0][:2]
    print(
        json.dumps(
            {"base_url": provider.openai_base_url, "control_url": f"http://{host}:{control_port}"}
        ),
        flush=True,
    )
    try:
        # Until the parent closes our stdin (or goes away).
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)
    finally:
        await control.cleanup()
        await provider.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The benchmark's fake provider, standalone.")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
