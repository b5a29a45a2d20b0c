"""Home Assistant's HTTP and websocket APIs, as a script or the frontend uses them."""

from __future__ import annotations

from collections.abc import Callable
import itertools
import json
import time
from typing import Any

import requests
import websocket

OWNER_NAME = "Tester"
OWNER_USERNAME = "tester"
OWNER_PASSWORD = "e2e-password-1234"


class WebSocketError(RuntimeError):
    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(json.dumps(message.get("error"), ensure_ascii=False))
        self.error: dict[str, Any] = message.get("error") or {}


class HomeAssistantAPI:
    """An authenticated client: REST through requests, websocket through websocket-client."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self._ids = itertools.count(1)
        self._ws: websocket.WebSocket | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # REST

    def get(self, path: str) -> requests.Response:
        return requests.get(self.url + path, headers=self.headers, timeout=30)

    def post(self, path: str, body: Any = None) -> requests.Response:
        return requests.post(self.url + path, headers=self.headers, json=body, timeout=30)

    def state(self, entity_id: str) -> dict[str, Any]:
        response = self.get(f"/api/states/{entity_id}")
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state

    def call_service(self, domain: str, service: str, **data: Any) -> None:
        self.post(f"/api/services/{domain}/{service}", data).raise_for_status()

    # websocket

    def _socket(self) -> websocket.WebSocket:
        if self._ws is None:
            ws = websocket.create_connection(
                self.url.replace("http", "ws", 1) + "/api/websocket", timeout=30
            )
            json.loads(ws.recv())  # auth_required
            ws.send(json.dumps({"type": "auth", "access_token": self.token}))
            reply = json.loads(ws.recv())
            if reply.get("type") != "auth_ok":
                raise RuntimeError(f"websocket auth failed: {reply.get('type')}")
            self._ws = ws
        return self._ws

    def ws(self, message_type: str, **fields: Any) -> Any:
        """Send one command and return its result; raise WebSocketError on failure."""
        ws = self._socket()
        message_id = next(self._ids)
        ws.send(json.dumps({"id": message_id, "type": message_type, **fields}))
        while True:
            reply = json.loads(ws.recv())
            if reply.get("id") == message_id and reply.get("type") == "result":
                if not reply.get("success"):
                    raise WebSocketError(reply)
                return reply.get("result")

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    # registries

    def entity_by_unique_id(self, platform: str, unique_id: str) -> dict[str, Any] | None:
        for entry in self.ws("config/entity_registry/list"):
            if entry["platform"] == platform and entry["unique_id"] == unique_id:
                found: dict[str, Any] = entry
                return found
        return None


def onboard(url: str) -> str:
    """Create the owner and finish onboarding over HTTP; return a long-lived token."""
    client_id = f"{url}/"
    response = requests.post(
        f"{url}/api/onboarding/users",
        json={
            "client_id": client_id,
            "name": OWNER_NAME,
            "username": OWNER_USERNAME,
            "password": OWNER_PASSWORD,
            "language": "pl",
        },
        timeout=30,
    )
    response.raise_for_status()
    code = response.json()["auth_code"]
    response = requests.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
        timeout=30,
    )
    response.raise_for_status()
    access = response.json()["access_token"]
    # core_config and analytics are stored as done before the start (see
    # processes.prepare_config); this last step completes onboarding, which lets
    # the frontend past its onboarding screen.
    requests.post(
        f"{url}/api/onboarding/integration",
        json={"client_id": client_id, "redirect_uri": f"{url}/?auth_callback=1"},
        headers={"Authorization": f"Bearer {access}"},
        timeout=30,
    ).raise_for_status()
    onboarding = requests.get(f"{url}/api/onboarding", timeout=30)
    onboarding.raise_for_status()
    pending = [s["step"] for s in onboarding.json() if not s["done"]]
    assert not pending, f"onboarding steps left undone: {pending}"
    api = HomeAssistantAPI(url, access)
    try:
        token: str = api.ws(
            "auth/long_lived_access_token", client_name="llm_intent e2e", lifespan=1
        )
    finally:
        api.close()
    return token


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.25) -> Any:
    """Poll ``check`` until it returns something truthy; its last value on success."""
    end = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < end:
        last = check()
        if last:
            return last
        time.sleep(interval)  # polling interval of a bounded wait
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def wait_until_running(api: HomeAssistantAPI, timeout: float = 120) -> None:
    """Until Home Assistant reports it finished starting (every integration set up)."""
    wait_until(lambda: api.ws("get_config")["state"] == "RUNNING", timeout, "RUNNING")


def place_in_areas(api: HomeAssistantAPI, placement: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Create the areas named in ``placement`` and put each entity there under a Polish name.

    ``placement`` maps entity_id → (area name, entity name); returns area name → area_id.
    """
    areas = {a["name"]: a["area_id"] for a in api.ws("config/area_registry/list")}
    for area, _ in placement.values():
        if area not in areas:
            areas[area] = api.ws("config/area_registry/create", name=area)["area_id"]
    for entity_id, (area, name) in placement.items():
        api.ws(
            "config/entity_registry/update",
            entity_id=entity_id,
            area_id=areas[area],
            name=name,
        )
    return areas
