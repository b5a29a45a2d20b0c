#!/usr/bin/env python3
"""Black-box check: a daily budget set just before ``kill -9`` of Home Assistant survives it.

Starts the development Home Assistant (scripts/develop) on ``--port``, sets the
daily budget of the LLM Intent entry through the REST API, kills Home Assistant
with SIGKILL well within a second (before any delayed save or restore-state
dump could run), starts it again and reads the budget back. Prints what it did
and exits non-zero when the value came back different.

    python3 scripts/kill9_budget_check.py --port 8152 [--value 0.37] [--rounds 2]

Stdlib only, so it runs outside the development environment.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import random
import signal
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.request

REPO = Path(__file__).resolve().parent.parent
TOKEN_FILE = REPO / "config" / ".dev_token"
CONFIG_ENTRIES = REPO / "config" / ".storage" / "core.config_entries"
DAILY_MAX = 1000  # the daily budget number's maximum tells it from the monthly one


def _request(url: str, token: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _daily_budget(url: str, token: str) -> dict[str, Any] | None:
    for state in _request(f"{url}/api/states", token):
        attrs = state.get("attributes", {})
        if (
            state["entity_id"].startswith("number.llm_intent")
            and attrs.get("unit_of_measurement") == "USD"
            and attrs.get("max") == DAILY_MAX
        ):
            found: dict[str, Any] = state
            return found
    return None


def _wait_for_budget(url: str, timeout: float) -> tuple[str, dict[str, Any]]:
    """Token and the daily budget's state, once Home Assistant and the entry are up."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if TOKEN_FILE.exists():
            token = TOKEN_FILE.read_text().strip()
            try:
                state = _daily_budget(url, token)
            except urllib.error.URLError, ConnectionError, TimeoutError:
                state = None
            if state is not None and state["state"] not in ("unknown", "unavailable"):
                return token, state
        time.sleep(1)
    raise SystemExit(f"Home Assistant or the LLM Intent entry not up within {timeout:.0f} s")


def _wait_for_saved_entry(url: str, token: str, timeout: float = 30) -> str:
    """The entry's id once Home Assistant has written the entry itself to disk.

    HA saves config entries a second after a change; an entry created just
    before a crash is lost with it, which is HA's behaviour, not this check's
    subject (the development start creates the entry on its first run).
    """
    entries = _request(f"{url}/api/config/config_entries/entry?domain=llm_intent", token)
    entry_id = str(entries[0]["entry_id"])
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if CONFIG_ENTRIES.exists() and entry_id in CONFIG_ENTRIES.read_text():
            return entry_id
        time.sleep(0.5)
    raise SystemExit(f"entry {entry_id} not saved within {timeout:.0f} s")


def _hass_pid(port: int) -> int:
    """The process listening on ``port`` (Home Assistant), from ``ss``."""
    out = subprocess.run(
        ["ss", "-ltnpH", f"sport = :{port}"], check=True, capture_output=True, text=True
    ).stdout
    for part in out.split("pid=")[1:]:
        return int(part.split(",")[0])
    raise SystemExit(f"nothing listens on port {port}")


def _start(port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(REPO / "scripts" / "develop")],
            cwd=REPO,
            env={**os.environ, "LLM_INTENT_DEV_PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(develop: subprocess.Popen[bytes]) -> None:
    """End the scripts/develop run started here: its own process group, by its id."""
    if develop.poll() is None:
        os.killpg(develop.pid, signal.SIGTERM)
        try:
            develop.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(develop.pid, signal.SIGKILL)
            develop.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--value", type=float, help="budget to set (default: random)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    log = REPO / "config" / "kill9_budget_check.log"
    log.parent.mkdir(exist_ok=True)
    failures = 0
    develop = _start(args.port, log)
    try:
        token, state = _wait_for_budget(url, args.timeout)
        for round_no in range(1, args.rounds + 1):
            value = args.value if args.value is not None else round(random.uniform(0.05, 9), 2)
            if float(state["state"]) == value:
                value = round(value + 0.11, 2)
            entry_id = _wait_for_saved_entry(url, token)
            set_at = time.monotonic()
            _request(
                f"{url}/api/services/number/set_value",
                token,
                {"entity_id": state["entity_id"], "value": value},
            )
            pid = _hass_pid(args.port)
            os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            develop.wait(60)  # scripts/develop ends with the Home Assistant it waited for
            print(
                f"round {round_no}: entry {entry_id}: set {state['entity_id']} to {value}, "
                f"kill -9 {pid} {1000 * (killed_at - set_at):.0f} ms later"
            )
            develop = _start(args.port, log)
            token, state = _wait_for_budget(url, args.timeout)
            restored = float(state["state"])
            took = time.monotonic() - killed_at
            verdict = "kept" if restored == value else "LOST"
            print(f"round {round_no}: restarted in {took:.0f} s, budget {restored}: {verdict}")
            failures += restored != value
    finally:
        _stop(develop)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
