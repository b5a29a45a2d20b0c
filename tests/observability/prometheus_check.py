"""A real Prometheus scrapes a real Home Assistant; every dashboard query must return data.

Run by ``scripts/prometheus-check``. It starts the fake provider and ``hass``
with this integration copied into a fresh configuration, configures an agent
with a failover provider, starts ``prometheus`` scraping
``/api/llm_intent/metrics`` every second with the owner's bearer token, sends
two rounds of commands covering every path (local, model, cache, retry,
failover, fallback, not understood) and then runs every ``expr`` of both
Grafana dashboards through Prometheus' HTTP API. Any error, empty result or
NaN fails the run (exit status 1).

Grafana's ``$__rate_interval`` and ``$__range`` become fixed windows that
cover the run; both rounds are scraped, so every rate sees an increase.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Mapping
import contextlib
import json
import math
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

import requests

from ..conftest import _seed_tiktoken_cache
from ..e2e.processes import HOME
from .check_brain import PRIMARY_KEY, SECONDARY_KEY

REPO = Path(__file__).resolve().parents[2]
INTEGRATION = REPO / "custom_components" / "llm_intent"
DASHBOARDS = (REPO / "dashboards" / "llm-costs.json", REPO / "dashboards" / "intent-analytics.json")
METRICS_PATH = "/api/llm_intent/metrics"
PROMETHEUS = "/usr/bin/prometheus"
# Grafana's variables, as windows long enough to hold the whole run.
GRAFANA_VARIABLES = {
    "$__rate_interval": "2m",
    "$__interval": "15s",
    "$__range": "10m",
}
CONFIGURATION = (
    HOME
    + """
http:
  server_host: 127.0.0.1
  server_port: {port}

onboarding:
config:
conversation:
demo:

logger:
  default: warning
"""
)


def log(message: str) -> None:
    print(f"[prometheus-check {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- dashboards ----------------------------------------------------------------


def dashboard_queries(paths: tuple[Path, ...] = DASHBOARDS) -> list[tuple[str, str, str]]:
    """(dashboard, panel title, expr) for every query target of every panel."""
    found: list[tuple[str, str, str]] = []
    for path in paths:
        board = json.loads(path.read_text(encoding="utf-8"))
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    found.append((path.name, panel["title"], target["expr"]))
    return found


def substitute(expr: str, variables: Mapping[str, str] = GRAFANA_VARIABLES) -> str:
    for name, value in variables.items():
        expr = expr.replace(name, value)
    return expr


# --- processes -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    check: Callable[[], object],
    timeout: float,
    what: str,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Poll ``check`` until it is truthy; fail early when ``process`` died."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        with contextlib.suppress(requests.RequestException):
            if check():
                return
        time.sleep(0.25)  # polling interval of a bounded wait
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def answers(url: str, status: int = 200) -> bool:
    return requests.get(url, timeout=2).status_code == status


class Processes:
    """Everything this run started, each in its own process group, stopped at the end."""

    def __init__(self, workdir: Path, env: Mapping[str, str]) -> None:
        self.workdir = workdir
        self.env = dict(env)
        self.started: list[subprocess.Popen[bytes]] = []

    def spawn(self, name: str, args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
        with (self.workdir / f"{name}.log").open("wb") as output:
            process = subprocess.Popen(
                args,
                cwd=cwd,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def start_fake_provider(procs: Processes) -> str:
    port = free_port()
    process = procs.spawn(
        "fake-provider",
        [
            sys.executable,
            "-m",
            "tests.observability.check_provider",
            "--port",
            str(port),
            "--key",
            PRIMARY_KEY,
            "--key",
            SECONDARY_KEY,
            "--handler",
            "tests.observability.check_brain:brain",
        ],
        REPO,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    # Without a key the models list answers 401 once the server listens.
    wait_until(lambda: answers(f"{base_url}/models", 401), 30, "the fake provider", process)
    return base_url


def start_home_assistant(procs: Processes) -> str:
    """A fresh configuration with this repository's integration copied in, as HACS does."""
    port = free_port()
    config = procs.workdir / "config"
    config.mkdir()
    (config / "configuration.yaml").write_text(CONFIGURATION.format(port=port))
    shutil.copytree(
        INTEGRATION,
        config / "custom_components" / "llm_intent",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    hass = shutil.which("hass") or "hass"
    process = procs.spawn(
        "home-assistant",
        [hass, "-c", str(config), "--log-file", str(config / "home-assistant.log")],
        config,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(f"{url}/api/onboarding"), 240, "Home Assistant", process)
    return url


@contextlib.contextmanager
def running_prometheus(procs: Processes, hass_url: str, token: str) -> Iterator[str]:
    config = procs.workdir / "prometheus.yml"
    config.write_text(
        f"""\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: llm_intent
    metrics_path: {METRICS_PATH}
    scrape_interval: 1s
    scrape_timeout: 1s
    authorization:
      credentials: {token}
    static_configs:
      - targets: ["{hass_url.removeprefix("http://")}"]
""",
        encoding="utf-8",
    )
    config.chmod(0o600)  # it holds the token
    port = free_port()
    process = procs.spawn(
        "prometheus",
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={procs.workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        procs.workdir,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(f"{url}/-/ready"), 60, "Prometheus", process)
    yield url


# --- Home Assistant --------------------------------------------------------------


class HomeAssistant:
    """The owner's view of the REST API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.token = ""

    def onboard(self) -> None:
        """Create the owner; its access token (valid 30 min) outlives the run."""
        client_id = f"{self.url}/"
        created = self.session.post(
            f"{self.url}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Check",
                "username": "check",
                "password": "check-password-1234",
                "language": "pl",
            },
            timeout=30,
        )
        created.raise_for_status()
        tokens = self.session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": created.json()["auth_code"],
                "client_id": client_id,
            },
            timeout=30,
        )
        tokens.raise_for_status()
        self.token = tokens.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.url + path, timeout=30)

    def post(self, path: str, body: Any) -> dict[str, Any]:
        response = self.session.post(self.url + path, json=body, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        if result.get("errors"):
            raise RuntimeError(f"{path}: {result['errors']}")
        return result

    def add_agent(self, base_url: str) -> str:
        """The agent with a primary and a secondary provider, both served by the fake."""
        flow = self.post("/api/config/config_entries/flow", {"handler": "llm_intent"})
        step = f"/api/config/config_entries/flow/{flow['flow_id']}"
        self.post(step, {"next_step_id": "openai_compatible"})
        created = self.post(
            step, {"base_url": base_url, "api_key": PRIMARY_KEY, "model": "gpt-4o-mini"}
        )
        entry_id: str = created["result"]["entry_id"]
        options = self.post("/api/config/config_entries/options/flow", {"handler": entry_id})
        self.post(
            f"/api/config/config_entries/options/flow/{options['flow_id']}",
            {
                "prefer_local": True,
                "secondary_provider": "openai_compatible",
                "secondary_api_key": SECONDARY_KEY,
                "secondary_base_url": base_url,
                "secondary_model": "gpt-4.1-mini",
            },
        )
        return entry_id


def commands(round_no: int) -> list[str]:
    """Commands covering every path; texts differ per round so the model is asked
    again (only the designated repeat is a cache hit). See ``check_brain``."""
    asked = f"please brighten the cooking area {round_no}"
    return [
        "turn on the kitchen lights",  # Home Assistant's own matching: local
        asked,  # the model answers
        asked,  # the cache answers
        f"flaky request for kitchen brightness {round_no}",  # one retry
        f"failover request for kitchen brightness {round_no}",  # the secondary answers
        f"broken request for kitchen brightness {round_no}",  # nobody: fallback
        f"gibberish words {round_no}",  # not understood
    ]


def send_round(home: HomeAssistant, round_no: int) -> int:
    texts = commands(round_no)
    for text in texts:
        result = home.post("/api/llm_intent/intent", {"text": text, "language": "en"})
        log(f"  {text!r} -> {result['path']} ({result['cost_usd']} USD)")
    return len(texts)


# --- Prometheus ----------------------------------------------------------------------


def prom_query(url: str, expr: str) -> dict[str, Any]:
    response = requests.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10)
    body: dict[str, Any] = response.json()
    return body


def scalar(url: str, expr: str) -> float | None:
    result = prom_query(url, expr).get("data", {}).get("result") or []
    return float(result[0]["value"][1]) if result else None


def check_queries(url: str) -> list[str]:
    failures: list[str] = []
    queries = dashboard_queries()
    for board, title, expr in queries:
        query = substitute(expr)
        body = prom_query(url, query)
        if body.get("status") != "success":
            failures.append(f"{board} / {title}: {body.get('error')} in {query}")
            continue
        data = body["data"]
        result = data["result"]
        values = (
            [float(result[1])]
            if data["resultType"] == "scalar"
            else [float(item["value"][1]) for item in result]
        )
        if not values:
            failures.append(f"{board} / {title}: no data for {query}")
        elif any(math.isnan(v) for v in values):
            failures.append(f"{board} / {title}: NaN from {query}")
        else:
            shown = ", ".join(f"{v:.6g}" for v in values[:4])
            log(f"ok  {board} / {title}: {shown}{' ...' if len(values) > 4 else ''}")
    log(f"{len(queries) - len(failures)} of {len(queries)} queries returned data")
    return failures


def run(procs: Processes) -> list[str]:
    base_url = start_fake_provider(procs)
    log("starting Home Assistant")
    home = HomeAssistant(start_home_assistant(procs))
    home.onboard()
    entry_id = home.add_agent(base_url)
    # The options flow reloads the entry; the endpoint answers 503 until it is back.
    wait_until(lambda: home.get(METRICS_PATH).status_code != 503, 60, "the agent to load")
    if (status := home.get(METRICS_PATH).status_code) != 200:
        return [f"{METRICS_PATH} answered {status}"]
    log(f"agent {entry_id} configured; metrics at {METRICS_PATH}")
    if answers(home.url + METRICS_PATH, 401) is not True:
        return [f"{METRICS_PATH} did not refuse a request without a token"]
    with running_prometheus(procs, home.url, home.token) as prometheus:
        log(f"Prometheus at {prometheus}")
        total = 0
        for round_no in (1, 2):
            total += send_round(home, round_no)
            expected = total
            wait_until(
                lambda: scalar(prometheus, "sum(llm_requests_total)") == expected,
                60,
                f"a scrape that counted {expected} commands",
            )
        up = scalar(prometheus, 'up{job="llm_intent"}')
        if up != 1:
            return [f"the scrape target is not up ({up})"]
        return check_queries(prometheus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, TSDB)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    _seed_tiktoken_cache()
    workdir = Path(tempfile.mkdtemp(prefix="llm_intent-prometheus-"))
    procs = Processes(workdir, {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    failures = ["did not finish"]
    try:
        failures = run(procs)
    finally:
        procs.stop_all()
        elapsed = time.monotonic() - started
        for failure in failures:
            log(f"FAIL {failure}")
        if failures or args.keep:
            log(f"work folder (logs, TSDB): {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        log(f"{'failed' if failures else 'passed'} in {elapsed:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
