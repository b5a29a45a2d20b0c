"""scripts/develop prints its curl line only once the agent really answers.

A stand-in for Home Assistant's ``/api/conversation/process`` refuses the
agent id (as HA does while a stored entry is still loading) for a while, then
answers; the line must not be printed before the first real answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import importlib.util
from pathlib import Path
import time
from types import ModuleType
from typing import Any

from aiohttp import ClientSession, web
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dev_bootstrap.py"


def _bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("llm_intent_dev_bootstrap_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LoadingHA:
    """Refuses the agent for ``refusals`` requests, then answers like HA's default agent."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.requests: list[dict[str, Any]] = []
        self.answered_at: float | None = None
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/conversation/process", self._process)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _process(self, request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == "Bearer tok"
        self.requests.append(await request.json())
        if len(self.requests) <= self.refusals:
            return web.json_response(
                {"message": "Message format incorrect: invalid agent ID"}, status=400
            )
        self.answered_at = self.answered_at or time.monotonic()
        return web.json_response(
            {
                "response": {
                    "response_type": "query_answer",
                    "speech": {"plain": {"speech": "Nie, światło w kuchni jest wyłączone."}},
                },
                "conversation_id": "x",
            }
        )


@pytest.fixture
async def loading_ha(socket_enabled: None) -> AsyncIterator[LoadingHA]:
    server = LoadingHA(refusals=3)
    await server.start()
    yield server
    await server.stop()


async def test_curl_line_is_printed_after_the_first_real_answer(
    loading_ha: LoadingHA, capsys: pytest.CaptureFixture[str]
) -> None:
    bootstrap = _bootstrap()
    async with ClientSession() as session:
        await bootstrap.announce(session, loading_ha.url, "tok", timeout=10, interval=0.01)
    out = capsys.readouterr().out
    assert len(loading_ha.requests) == 4, "asked until the agent answered, then stopped"
    assert all(r["agent_id"] == "conversation.llm_intent" for r in loading_ha.requests)
    # Waiting asks a question: it must never switch anything on.
    assert all("?" in r["text"] for r in loading_ha.requests)
    assert "curl -s -H 'Authorization: Bearer tok'" in out
    assert '"agent_id": "conversation.llm_intent"' in out
    assert "włącz światło w kuchni" in out
    assert "światło w kuchni jest wyłączone" in out


async def test_no_curl_line_when_the_agent_never_answers(
    capsys: pytest.CaptureFixture[str], socket_enabled: None
) -> None:
    server = LoadingHA(refusals=10**6)
    await server.start()
    bootstrap = _bootstrap()
    try:
        async with ClientSession() as session:
            with pytest.raises(SystemExit, match="did not answer"):
                await bootstrap.announce(session, server.url, "tok", timeout=0.3, interval=0.01)
    finally:
        await server.stop()
    assert "curl" not in capsys.readouterr().out
    assert len(server.requests) >= 2
