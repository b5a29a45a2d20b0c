"""Start and stop the real processes of a run: Home Assistant and the fake provider."""

from __future__ import annotations

from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
import importlib.util
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from types import ModuleType

import requests

from .responder import REQUEST_LOG_ENV

type Popen = subprocess.Popen[bytes]

REPO = Path(__file__).resolve().parents[2]
INTEGRATION = REPO / "custom_components" / "llm_intent"
PROVIDER_KEY = "sk-e2e"

# The home of every run of a real HA: these tests and tests/observability/prometheus_check.py.
HOME = """\
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
"""
CONFIGURATION = (
    HOME
    + """
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
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_for_http(
    url: str, timeout: float, process: Popen, output: Path, *, expect: int = 200
) -> None:
    """Poll ``url`` until it answers ``expect``; fail early, with the output, if the process died."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{_tail(output)}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == expect:
                return
        time.sleep(0.25)  # polling interval of a bounded wait, not a timing assumption
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s:\n{_tail(output)}")


def stop(process: Popen, grace: float = 30.0) -> None:
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
    process: Popen
    port: int
    request_log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _spawn(args: list[str], cwd: Path, env: Mapping[str, str], output: Path) -> Popen:
    """Start ``args`` in its own process group, output to a file, so ``stop`` can end it."""
    with output.open("wb") as out:
        return subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_fake_provider(workdir: Path, env: Mapping[str, str]) -> FakeProvider:
    port = free_port()
    request_log = workdir / "provider-requests.jsonl"
    output = workdir / "fake-provider.log"
    process = _spawn(
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
        REPO,
        {**env, REQUEST_LOG_ENV: str(request_log)},
        output,
    )
    provider = FakeProvider(process, port, request_log)
    try:
        # Without a key the models list answers 401, and never reaches the responder.
        wait_for_http(f"{provider.base_url}/models", 30, process, output, expect=401)
    except BaseException:
        stop(process)
        raise
    return provider


@dataclass
class HomeAssistantProcess:
    process: Popen
    config_dir: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.config_dir / "home-assistant.log"

    @property
    def stdout_file(self) -> Path:
        """Standard output and error: the log again, plus Python's own warnings."""
        return self.config_dir / "home-assistant.stdout.log"


def _load_dev_bootstrap() -> ModuleType:
    """scripts/dev_bootstrap.py, which is a script rather than part of a package."""
    path = REPO / "scripts" / "dev_bootstrap.py"
    spec = importlib.util.spec_from_file_location("llm_intent_dev_bootstrap", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The stored settings of the development instance (HTTP on 127.0.0.1, onboarding
# without its internet-bound steps), which suit a run as well.
_write_storage = _load_dev_bootstrap().write_storage


def prepare_config(config_dir: Path, port: int) -> None:
    """A fresh configuration with this repository's integration copied in, as HACS does."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(CONFIGURATION)
    # Home Assistant keeps its HTTP settings in storage; YAML ones would start as an
    # unconfirmed trial that reverts to port 8123 after five minutes. A stored,
    # confirmed configuration is what an installation that has been set up has.
    # Onboarding's core_config and analytics steps are stored as done too: the
    # first adds weather and radio services that call the internet. The owner is
    # still created over HTTP (ha_api.onboard), which also finishes onboarding.
    _write_storage(config_dir / ".storage", port)
    shutil.copytree(
        INTEGRATION,
        config_dir / "custom_components" / "llm_intent",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


# Set to run Home Assistant on a chosen port (e.g. one reserved for this machine's user).
HA_PORT_ENV = "LLM_INTENT_E2E_HA_PORT"


def start_home_assistant(config_dir: Path, env: Mapping[str, str]) -> HomeAssistantProcess:
    port = int(env.get(HA_PORT_ENV) or 0) or free_port()
    prepare_config(config_dir, port)
    return launch_home_assistant(config_dir, port, env)


def launch_home_assistant(
    config_dir: Path, port: int, env: Mapping[str, str]
) -> HomeAssistantProcess:
    """Run Home Assistant on a prepared ``config_dir``: first start or a restart."""
    hass = shutil.which("hass") or "hass"
    process = _spawn(
        [hass, "-c", str(config_dir), "--log-file", str(config_dir / "home-assistant.log")],
        config_dir,
        # Python hides DeprecationWarnings outside __main__; shown, Home Assistant logs
        # them (with the offending file) where the log check can see the integration's.
        {**env, "PYTHONWARNINGS": "default::DeprecationWarning"},
        config_dir / "home-assistant.stdout.log",
    )
    instance = HomeAssistantProcess(process, config_dir, port)
    try:
        wait_for_http(f"{instance.url}/manifest.json", 240, process, instance.stdout_file)
    except BaseException:
        stop(process)
        raise
    return instance


def kill_hard(process: Popen) -> None:
    """``kill -9`` of the process group we started: nothing of a clean shutdown runs."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
