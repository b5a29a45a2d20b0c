"""Start and stop the real processes of a run: Home Assistant and the fake provider."""

from __future__ import annotations

from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time

import requests

REPO = Path(__file__).resolve().parents[2]
INTEGRATION = REPO / "custom_components" / "llm_intent"
PROVIDER_KEY = "sk-e2e"

CONFIGURATION = """\
homeassistant:
  name: Dom
  language: pl
  country: PL
  time_zone: Europe/Warsaw
  unit_system: metric
  currency: PLN
  latitude: 52.23
  longitude: 21.01
  elevation: 100

http:
  server_host: 127.0.0.1
  server_port: {port}

frontend:
config:
conversation:
assist_pipeline:
demo:

logger:
  default: warning
  logs:
    custom_components.llm_intent: debug
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(url: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Poll ``url`` until it answers 200; fail early when the process died."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.25)  # polling interval of a bounded wait, not a timing assumption
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    """SIGTERM the process group we started, SIGKILL it if it does not go in time."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@dataclass
class FakeProvider:
    process: subprocess.Popen[bytes]
    port: int
    request_log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def start_fake_provider(workdir: Path, env: Mapping[str, str]) -> FakeProvider:
    port = free_port()
    request_log = workdir / "provider-requests.jsonl"
    output = (workdir / "fake-provider.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fake_provider",
            "--port",
            str(port),
            "--key",
            PROVIDER_KEY,
            "--handler",
            "tests.e2e.responder:brain",
        ],
        cwd=REPO,
        env={**env, "LLM_INTENT_E2E_REQUEST_LOG": str(request_log)},
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    provider = FakeProvider(process, port, request_log)
    try:
        # An unauthenticated models call answers 401 once the server listens.
        end = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"fake provider exited with {process.returncode}")
            with contextlib.suppress(requests.RequestException):
                requests.get(f"{provider.base_url}/models", timeout=2)
                break
            if time.monotonic() > end:
                raise TimeoutError("fake provider did not start")
            time.sleep(0.1)  # polling interval of a bounded wait
    except BaseException:
        stop(process)
        raise
    return provider


@dataclass
class HomeAssistantProcess:
    process: subprocess.Popen[bytes]
    config_dir: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.config_dir / "home-assistant.log"


def prepare_config(config_dir: Path, port: int) -> None:
    """A fresh configuration with this repository's integration copied in, as HACS does."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(CONFIGURATION.format(port=port))
    shutil.copytree(
        INTEGRATION,
        config_dir / "custom_components" / "llm_intent",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def start_home_assistant(config_dir: Path, env: Mapping[str, str]) -> HomeAssistantProcess:
    port = free_port()
    prepare_config(config_dir, port)
    output = (config_dir / "home-assistant.stdout.log").open("wb")
    hass = shutil.which("hass") or "hass"
    process = subprocess.Popen(
        [hass, "-c", str(config_dir), "--log-file", str(config_dir / "home-assistant.log")],
        cwd=config_dir,
        env=dict(env),
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    instance = HomeAssistantProcess(process, config_dir, port)
    try:
        wait_for_http(f"{instance.url}/manifest.json", 240, process)
    except BaseException:
        stop(process)
        raise
    return instance
