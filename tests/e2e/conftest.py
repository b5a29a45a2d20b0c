"""One real Home Assistant, one fake provider and one Chromium for the whole e2e run.

The steps of the user journey share them in file order, the way a user's
session carries its state from one screen to the next. Run with
``scripts/test --e2e`` (Home Assistant's pytest plugin must be off: it blocks
sockets and polices threads for its in-process harness, which this run does
not use).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
import os
from pathlib import Path
import shutil
from typing import Any

import pytest

from .browser import Browser
from .ha_api import HomeAssistantAPI, onboard, place_in_areas, wait_until_running
from .processes import (
    REPO,
    FakeProvider,
    HomeAssistantProcess,
    start_fake_provider,
    start_home_assistant,
    stop,
)
from .responder import recognition_requests, task_requests

ARTIFACTS = REPO / "e2e-artifacts"

# Demo entities placed in Polish areas under Polish names, as a Polish household would.
PLACEMENT = {
    "light.kitchen_lights": ("Kuchnia", "Światło kuchnia"),
    "light.living_room_rgbww_lights": ("Salon", "Światło salon"),
    "light.bed_light": ("Sypialnia", "Lampka nocna"),
}


@dataclass
class Stack:
    """The running processes and what the journey learns along the way."""

    home: HomeAssistantProcess
    provider: FakeProvider
    api: HomeAssistantAPI
    facts: dict[str, str] = field(default_factory=dict)

    def model_requests(self) -> list[dict[str, str]]:
        return recognition_requests(self.provider.request_log)

    def task_requests(self) -> list[dict[str, str]]:
        return task_requests(self.provider.request_log)

    def stop_home_assistant(self) -> None:
        self.api.close()
        stop(self.home.process)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("homeassistant"):
        raise pytest.UsageError(
            "tests/e2e needs Home Assistant's pytest plugin off: "
            "scripts/test --e2e (or pytest tests/e2e -p no:homeassistant)"
        )


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.iterdir():
        if old.is_file():
            old.unlink()
    return ARTIFACTS


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, artifacts: Path) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("e2e")
    # tests/conftest.py pointed TIKTOKEN_CACHE_DIR at seeded encodings; HA inherits it.
    env = dict(os.environ)
    provider = start_fake_provider(workdir, env)
    home: HomeAssistantProcess | None = None
    api: HomeAssistantAPI | None = None
    try:
        home = start_home_assistant(workdir / "config", env)
        api = HomeAssistantAPI(home.url, onboard(home.url))
        wait_until_running(api)
        place_in_areas(api, PLACEMENT)
        yield Stack(home, provider, api)
    finally:
        if api is not None:
            api.close()
        if home is not None:
            stop(home.process)
            for log in (home.log_file, home.stdout_file):
                if log.exists():
                    shutil.copy(log, artifacts / log.name)
        stop(provider.process)
        if provider.request_log.exists():
            shutil.copy(provider.request_log, artifacts / provider.request_log.name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed step leaves a picture of the screen it failed on."""
    report = yield
    chromium = getattr(item, "funcargs", {}).get("browser")
    if report.failed and report.when == "call" and isinstance(chromium, Browser):
        chromium.screenshot(f"failed-{item.name.removeprefix('test_')}"[:60])
    return report


@pytest.fixture(scope="session")
def browser(stack: Stack, artifacts: Path) -> Iterator[Browser]:
    chromium = Browser(artifacts)
    try:
        yield chromium
    finally:
        chromium.close()
