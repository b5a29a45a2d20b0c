"""Prepare the development Home Assistant once it answers: owner, token, areas, agent.

Idempotent: a second start reuses the stored token and existing areas/entry.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import sys
import time
from typing import Any

import aiohttp

CONFIG = Path(__file__).resolve().parent.parent / "config"
TOKEN_FILE = CONFIG / ".dev_token"
CLIENT_ID = "http://127.0.0.1:8123/"
AREAS = [
    "Salon",
    "Kuchnia",
    "Sypialnia",
    "Łazienka",
    "Gabinet",
    "Living Room",
    "Kitchen",
    "Bedroom",
]
# Demo entities placed in the Polish areas so Polish commands have targets.
PLACEMENT = {
    "light.kitchen_lights": ("Kuchnia", "Światło kuchnia"),
    "light.living_room_rgbww_lights": ("Salon", "Światło salon"),
    "light.bed_light": ("Sypialnia", "Lampka nocna"),
    "light.ceiling_lights": ("Salon", "Światło sufitowe"),
    "light.office_rgbw_lights": ("Gabinet", "Lampa biurkowa"),
}


def http_storage(port: int) -> dict[str, object]:
    """HA's stored HTTP settings, confirmed, listening on 127.0.0.1:``port`` only.

    HA keeps HTTP settings in storage; settings from YAML start as an unconfirmed
    trial that falls back to all interfaces after five minutes. The end-to-end
    tests (tests/e2e/processes.py) store the same settings.
    """
    stable = {
        "server_host": ["127.0.0.1"],
        "server_port": port,
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": "2026-01-01T00:00:00+00:00",
        "error": None,
        "error_message": None,
    }
    return {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }


# Onboarding steps that have side effects this machine does without. Finishing
# core_config over HTTP adds the met.no weather and Radio Browser entries, which
# call the internet; analytics only records a choice. Both are stored as done
# before Home Assistant starts, and the owner is then created over HTTP (the
# "user" step) and the "integration" step finishes onboarding. Marking every
# step done up front would not do: Home Assistant then serves no onboarding
# views, and nothing could create the owner.
PRESET_ONBOARDING_STEPS = ("core_config", "analytics")


def onboarding_storage(existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """HA's stored onboarding progress with ``PRESET_ONBOARDING_STEPS`` done.

    Steps already done in ``existing`` (an earlier run's file) stay done. The
    format is homeassistant/components/onboarding's store: key "onboarding",
    version 4, ``{"done": [step, ...]}``.
    """
    done: list[str] = list(((existing or {}).get("data") or {}).get("done") or [])
    done += [step for step in PRESET_ONBOARDING_STEPS if step not in done]
    return {"version": 4, "minor_version": 1, "key": "onboarding", "data": {"done": done}}


def write_storage(storage: Path, port: int) -> None:
    """The stored HTTP settings and onboarding progress, before Home Assistant starts."""
    storage.mkdir(parents=True, exist_ok=True)
    (storage / "http").write_text(json.dumps(http_storage(port), indent=2))
    onboarding = storage / "onboarding"
    existing = json.loads(onboarding.read_text()) if onboarding.exists() else None
    # A file in an older format is left to Home Assistant, which migrates it.
    if existing is None or existing.get("version") == 4:
        onboarding.write_text(json.dumps(onboarding_storage(existing), indent=2))


def prepare(port: int) -> None:
    """Before HA starts: listen on 127.0.0.1 only, skip internet-bound onboarding steps."""
    write_storage(CONFIG / ".storage", port)


async def wait_up(session: aiohttp.ClientSession, url: str, timeout: float = 170) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            async with session.get(f"{url}/manifest.json") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(1)
    raise SystemExit("Home Assistant did not start; see config/home-assistant.log")


async def wait_for_entities(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], ids: list[str]
) -> None:
    """The demo integration loads after the frontend answers; wait for its devices."""
    end = time.monotonic() + 120
    while time.monotonic() < end:
        async with session.get(f"{url}/api/states", headers=headers) as resp:
            if resp.status == 200:
                present = {s["entity_id"] for s in await resp.json()}
                if all(i in present for i in ids):
                    return
        await asyncio.sleep(1)
    raise SystemExit(f"demo entities did not appear: {ids}")


async def token(session: aiohttp.ClientSession, url: str) -> str:
    if TOKEN_FILE.exists():
        return TOKEN_FILE.read_text().strip()
    async with session.post(
        f"{url}/api/onboarding/users",
        json={
            "client_id": CLIENT_ID,
            "name": "Developer",
            "username": "dev",
            "password": "dev-password",
            "language": "pl",
        },
    ) as resp:
        if resp.status != 200:
            raise SystemExit(f"onboarding failed ({resp.status}); delete config/.storage to reset")
        code = (await resp.json())["auth_code"]
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
    ) as resp:
        access = (await resp.json())["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    # core_config and analytics were stored as done by --prepare (it would add a
    # weather integration that calls the internet); this last step completes it.
    async with session.post(
        f"{url}/api/onboarding/integration",
        json={"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID},
        headers=headers,
    ) as resp:
        if resp.status not in (200, 403):  # 403: already done by an earlier run
            raise SystemExit(f"finishing onboarding failed ({resp.status})")
    long_lived = await ws_call(
        session,
        url,
        access,
        {
            "type": "auth/long_lived_access_token",
            "client_name": "llm_intent develop",
            "lifespan": 3650,
        },
    )
    TOKEN_FILE.write_text(str(long_lived))
    return str(long_lived)


async def ws_call(session: aiohttp.ClientSession, url: str, tok: str, *msgs: dict[str, Any]) -> Any:
    result: Any = None
    async with session.ws_connect(f"{url.replace('http', 'ws')}/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": tok})
        await ws.receive_json()
        for i, msg in enumerate(msgs, start=1):
            await ws.send_json({"id": i, **msg})
            while True:
                reply = await ws.receive_json()
                if reply.get("id") == i:
                    break
            result = reply.get("result")
    return result


async def main(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        await wait_up(session, url)
        tok = await token(session, url)
        headers = {"Authorization": f"Bearer {tok}"}
        existing = await ws_call(session, url, tok, {"type": "config/area_registry/list"})
        names = {a["name"]: a["area_id"] for a in existing or []}
        for name in AREAS:
            if name not in names:
                area = await ws_call(
                    session, url, tok, {"type": "config/area_registry/create", "name": name}
                )
                names[name] = area["area_id"]
        await wait_for_entities(session, url, headers, list(PLACEMENT))
        for entity_id, (area, name) in PLACEMENT.items():
            await ws_call(
                session,
                url,
                tok,
                {
                    "type": "config/entity_registry/update",
                    "entity_id": entity_id,
                    "area_id": names[area],
                    "name": name,
                },
            )
        async with session.get(
            f"{url}/api/config/config_entries/entry?domain=llm_intent", headers=headers
        ) as resp:
            entries = await resp.json()
        if not entries:
            async with session.post(
                f"{url}/api/config/config_entries/flow",
                headers=headers,
                json={"handler": "llm_intent"},
            ) as resp:
                if resp.status != 200:
                    raise SystemExit(f"adding llm_intent failed: {resp.status} {await resp.text()}")
                flow = await resp.json()
            for body in ({"next_step_id": "local"}, {}):
                async with session.post(
                    f"{url}/api/config/config_entries/flow/{flow['flow_id']}",
                    headers=headers,
                    json=body,
                ) as resp:
                    flow = {**flow, **(await resp.json())}
        pipelines = await ws_call(session, url, tok, {"type": "assist_pipeline/pipeline/list"})
        for pipeline in (pipelines or {}).get("pipelines", []):
            if pipeline.get("id") == pipelines.get("preferred_pipeline"):
                update = {k: pipeline[k] for k in pipeline if k not in ("id",)}
                update.update(
                    conversation_engine="conversation.llm_intent",
                    conversation_language="pl",
                    language="pl",
                )
                await ws_call(
                    session,
                    url,
                    tok,
                    {
                        "type": "assist_pipeline/pipeline/update",
                        "pipeline_id": pipeline["id"],
                        **update,
                    },
                )
        await announce(session, url, tok)


# A question, not a command: waiting for the agent must not switch anything.
READY_QUESTION = "czy światło w kuchni jest włączone?"
EXAMPLE_COMMAND = "włącz światło w kuchni"
AGENT_ID = "conversation.llm_intent"


async def wait_for_agent(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    timeout: float = 180,
    interval: float = 1.0,
) -> str:
    """Ask the agent until it really answers; its answer.

    On a second start the entry is stored but loads after the frontend answers:
    until then Home Assistant refuses the agent id ("invalid agent ID", 400).
    """
    body = {"text": READY_QUESTION, "language": "pl", "agent_id": AGENT_ID}
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            async with session.post(
                f"{url}/api/conversation/process", headers=headers, json=body
            ) as resp:
                if resp.status == 200:
                    answer = (await resp.json()).get("response") or {}
                    speech = ((answer.get("speech") or {}).get("plain") or {}).get("speech")
                    if answer.get("response_type") != "error" and speech:
                        return str(speech)
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(interval)
    raise SystemExit("the LLM Intent agent did not answer; see config/home-assistant.log")


def curl_line(url: str, tok: str) -> str:
    example = json.dumps(
        {"text": EXAMPLE_COMMAND, "language": "pl", "agent_id": AGENT_ID}, ensure_ascii=False
    )
    return (
        f"curl -s -H 'Authorization: Bearer {tok}' -H 'Content-Type: application/json' "
        f"-d '{example}' {url}/api/conversation/process"
    )


async def announce(session: aiohttp.ClientSession, url: str, tok: str, **wait: float) -> None:
    """Print the curl line once the agent answers, so pasting it at once works."""
    headers = {"Authorization": f"Bearer {tok}"}
    answer = await wait_for_agent(session, url, headers, **wait)
    print(f"\nHome Assistant: {url}  (user dev / dev-password)\n")
    print(f"The agent answers ({READY_QUESTION!r} -> {answer!r}). Try a Polish command:")
    print(curl_line(url, tok) + "\n", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--prepare", type=int, metavar="PORT", help="write stored settings only")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
    else:
        asyncio.run(main(args.url))
    sys.exit(0)
