"""A user's first hour with LLM Intent, in a real Home Assistant and a real browser.

The steps run in file order and build on each other: log in, add the
integration (a wrong key first) and find its own icon on its card, speak to
Assist, read the costs on the device page, run an AI task from Developer tools
and find its cost there too, cap the daily budget at zero, and see commands
answered locally; then Home Assistant is killed (``kill -9``) and started
again, and the budget set just before is still in force.
The same run checks the HTTP, action and websocket surfaces, and last of all
that Home Assistant's log stayed clean.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
import json
import sqlite3
from typing import Any

import requests

from custom_components.llm_intent.engine.understanding.answers import MESSAGES

from . import safety_blackbox
from .browser import Browser
from .conftest import Stack
from .ha_api import wait_until
from .ha_ui import ask, close_dialog, fill, fill_named, log_in, open_assist, ui_language
from .log_check import problems_in, python_warnings_in
from .processes import INTEGRATION, PROVIDER_KEY
from .responder import TASK_TEXT

KITCHEN = "light.kitchen_lights"
LIVING_ROOM = "light.living_room_rgbww_lights"
MODEL = "gpt-4o-mini"  # a priced model: unpriced ones are treated as over budget

# Commands no local matcher is sure of, so they need the model; each is used once,
# so the recognition cache cannot answer them instead.
MODEL_COMMAND = "zgaś mi szybciutko światło w kuchni"
BUDGET_COMMAND = "włącz mi szybciutko światło w kuchni"
RECOGNIZE_COMMAND = "zapal mi proszę szybciutko lampkę nocną"
# The model takes 1.5 s for this one (tests/e2e/responder.py).
SLOW_COMMAND = "zapal mi proszę bardzo powoli lampkę nocną"
AFTER_CANCELS_COMMAND = "zgaś mi proszę szybciutko lampkę nocną"
# The fake model reports 20,000 input and 500 output tokens for an AI task.
TASK_COST = Decimal("0.0033")


def _strings(language: str) -> dict[str, Any]:
    """The integration's UI strings in the language the frontend shows."""
    path = INTEGRATION / "translations" / f"{language}.json"
    if not path.exists():
        path = INTEGRATION / "translations" / "en.json"
    strings: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return strings


def _light_is(stack: Stack, entity_id: str, state: str) -> None:
    wait_until(
        lambda: stack.api.state(entity_id)["state"] == state, 10, f"{entity_id} to be {state}"
    )


def _entry_id(stack: Stack) -> str:
    entry_id = stack.facts.get("entry_id")
    assert entry_id, "the integration was not added in an earlier step"
    return entry_id


def _entity(stack: Stack, key: str) -> dict[str, Any]:
    """The registry entry of one of the entry's entities, found by its unique_id."""
    unique_id = f"{_entry_id(stack)}_{key}"
    entry = stack.api.entity_by_unique_id("llm_intent", unique_id)
    assert entry is not None, f"no llm_intent entity with unique_id {unique_id}"
    full: dict[str, Any] = stack.api.ws("config/entity_registry/get", entity_id=entry["entity_id"])
    return full


def test_log_in(stack: Stack, browser: Browser) -> None:
    log_in(browser, stack.home.url)
    browser.screenshot("logged-in")
    assert browser.js("return document.querySelector('home-assistant').hass.user.name") == "Tester"


def test_add_integration_rejects_a_wrong_key_then_accepts_the_right_one(
    stack: Stack, browser: Browser
) -> None:
    url = stack.home.url
    browser.open(f"{url}/config/integrations/dashboard")
    browser.click(browser.wait_for_text("Add integration", "ha-button"))
    search = browser.wait_for("input[placeholder='Search for a brand name']")
    search.send_keys("LLM Intent")
    result = browser.wait_for_text("LLM Intent")
    browser.screenshot("add-integration-search")
    browser.click(result)

    strings = _strings(ui_language(browser))["config"]
    compatible = strings["step"]["user"]["menu_options"]["openai_compatible"]
    browser.click(browser.wait_for_text(compatible, "ha-list-item", timeout=60))
    browser.wait_for("input[name=base_url]")
    fill_named(browser, "base_url", stack.provider.base_url)
    fill_named(browser, "api_key", "sk-wrong-key-0000")
    fill_named(browser, "model", MODEL)
    # The form assumes a self-hosted, free model (its only switch, on by default);
    # this one is billed per token, so the switch goes off.
    free_model = browser.wait_for("ha-switch")
    assert browser.js("return arguments[0].checked", free_model) is True
    browser.click(free_model)
    browser.wait(
        "the free-model switch to go off",
        lambda: browser.js("return arguments[0].checked", free_model) is False,
    )
    browser.screenshot("provider-form-wrong-key")
    browser.click(browser.wait_for_text("Submit", "ha-button"))

    rejected = strings["error"]["invalid_auth"]
    browser.wait_for_text(rejected, "ha-alert")
    browser.screenshot("wrong-key-rejected")
    assert stack.api.get("/api/config/config_entries/entry?domain=llm_intent").json() == []
    # The form comes back as it was sent: the model is still priced.
    assert browser.js("return arguments[0].checked", browser.wait_for("ha-switch")) is False

    fill_named(browser, "api_key", PROVIDER_KEY)
    browser.click(browser.wait_for_text("Submit", "ha-button"))
    finish = browser.wait(
        "the flow to finish",
        lambda: (
            browser.by_text("Skip and finish", "ha-button")
            or browser.by_text("Finish", "ha-button")
        ),
        timeout=30,
    )
    browser.screenshot("integration-added")
    browser.click(finish[-1])

    entries = stack.api.get("/api/config/config_entries/entry?domain=llm_intent").json()
    assert [(e["title"], e["state"]) for e in entries] == [
        (f"OpenAI-compatible ({MODEL})", "loaded")
    ]
    stack.facts["entry_id"] = entries[0]["entry_id"]
    assert browser.by_text(rejected) == []


def test_integration_card_shows_the_brand_icon(stack: Stack, browser: Browser) -> None:
    """The card's icon is the integration's own brand/ image, served by Home Assistant."""
    browser.open(f"{stack.home.url}/config/integrations/dashboard")
    card = browser.enclosing(browser.wait_for_text("LLM Intent", "ha-integration-card"), "-card$")
    assert card is not None
    mark = "/api/brands/integration/llm_intent/"
    icon = browser.wait(
        "the LLM Intent card's icon to load",
        lambda: next(
            (
                img
                for img in browser.query_all("img", within=card)
                if mark in (img.get_attribute("src") or "")
                and browser.js("return arguments[0].complete && arguments[0].naturalWidth", img)
            ),
            None,
        ),
        timeout=30,
    )
    browser.screenshot("integration-card-brand-icon")
    src = icon.get_attribute("src") or ""
    served = requests.get(src, timeout=30)
    assert served.status_code == 200, src
    image = src.split(mark, 1)[1].split("?", 1)[0]
    own = INTEGRATION / "brand" / image
    assert own.is_file(), f"the card shows {image}, which brand/ does not have"
    assert served.content == own.read_bytes(), "the card shows a placeholder, not brand/"


def test_assist_answers_in_polish_and_turns_the_kitchen_light_on(
    stack: Stack, browser: Browser
) -> None:
    agent = _entity(stack, "conversation")["entity_id"]
    pipelines = stack.api.ws("assist_pipeline/pipeline/list")
    preferred = next(
        p for p in pipelines["pipelines"] if p["id"] == pipelines["preferred_pipeline"]
    )
    settings = {k: v for k, v in preferred.items() if k != "id"}
    settings.update(conversation_engine=agent, conversation_language="pl", language="pl")
    stack.api.ws("assist_pipeline/pipeline/update", pipeline_id=preferred["id"], **settings)
    stack.api.call_service("light", "turn_off", entity_id=KITCHEN)
    _light_is(stack, KITCHEN, "off")
    before = len(stack.model_requests())

    chat = open_assist(browser, stack.home.url)
    answer = ask(browser, chat, "włącz światło w kuchni")
    browser.screenshot("assist-local-answer")

    assert answer.startswith("Włączono"), answer
    _light_is(stack, KITCHEN, "on")
    # Understood on this machine: the model was not asked.
    assert len(stack.model_requests()) == before


def test_assist_asks_the_model_when_no_local_matcher_is_sure(
    stack: Stack, browser: Browser
) -> None:
    before = len(stack.model_requests())
    chat = open_assist(browser, stack.home.url)
    answer = ask(browser, chat, MODEL_COMMAND)
    browser.screenshot("assist-model-answer")

    assert answer.startswith("Wyłączono"), answer
    _light_is(stack, KITCHEN, "off")
    asked = stack.model_requests()[before:]
    assert [r["command"] for r in asked] == [MODEL_COMMAND]


def test_device_page_shows_what_the_model_cost(stack: Stack, browser: Browser) -> None:
    sensor = _entity(stack, "cost_today")
    cost = Decimal(stack.api.state(sensor["entity_id"])["state"])
    assert cost > 0

    browser.open(f"{stack.home.url}/config/devices/device/{sensor['device_id']}")
    label = browser.wait_for_text(sensor["name"] or sensor["original_name"])
    row = browser.enclosing(label, "-entity-row$")
    assert row is not None, "the cost sensor has no entity row on the device page"
    shown = browser.wait(
        "the cost row to show an amount",
        lambda: (t := browser.text_of(row)) and any(c.isdigit() for c in t) and t,
    )
    browser.screenshot("device-page-cost")
    digits = "".join(c for c in shown if c.isdigit())
    assert digits.strip("0"), f"the cost row shows no non-zero amount: {shown!r}"


def test_an_ai_task_from_developer_tools_is_priced_on_the_device_page(
    stack: Stack, browser: Browser
) -> None:
    task_entity = _entity(stack, "ai_task")
    sensor = _entity(stack, "cost_today")
    before = Decimal(stack.api.state(sensor["entity_id"])["state"])
    url = stack.home.url
    # Developer tools → Actions keeps the action being edited in the browser's storage;
    # it is put there as the YAML a user would type, then the page performs it.
    action = {
        "action": "ai_task.generate_data",
        "data": {
            "entity_id": task_entity["entity_id"],
            "task_name": "Plan prania",
            "instructions": "Zaplanuj pranie na ten tydzień.",
            "structure": {
                "title": {"required": True, "selector": {"text": {}}},
                "minutes": {"selector": {"number": {"min": 0, "max": 120}}},
            },
        },
    }
    # Set on the page the previous step left open (same origin), so the action page is
    # opened once: reloading a page whose websocket is still starting makes HA log an error.
    if not browser.js("return location.href").startswith(url):
        browser.open(url)
    browser.wait(
        "the frontend to be connected",
        lambda: browser.js(
            "const ha = document.querySelector('home-assistant');"
            "return Boolean(ha && ha.hass && ha.hass.connected);"
        ),
    )
    browser.js(
        "localStorage.setItem('panel-dev-action-state-service-data', arguments[0]);"
        "localStorage.setItem('panel-dev-action-state-yaml-mode', 'true');",
        json.dumps(action),
    )
    browser.open(f"{url}/developer-tools/action")
    browser.wait_for_text("ai_task.generate_data", timeout=30)
    browser.screenshot("ai-task-action")
    browser.click(browser.wait_for_text("Perform action", "ha-progress-button"))
    browser.wait_for_text(TASK_TEXT, timeout=30)
    browser.screenshot("ai-task-response")

    assert len(stack.task_requests()) == 1
    after = Decimal(stack.api.state(sensor["entity_id"])["state"])
    assert after - before == TASK_COST
    requests_today = _entity(stack, "requests_today")
    assert stack.api.state(requests_today["entity_id"])["attributes"]["ai_task"] == 1

    browser.open(f"{url}/config/devices/device/{sensor['device_id']}")
    label = browser.wait_for_text(sensor["name"] or sensor["original_name"])
    row = browser.enclosing(label, "-entity-row$")
    assert row is not None
    expected = "".join(c for c in f"{after:.4f}" if c.isdigit())
    browser.wait(
        f"the cost row to show {after:.4f}",
        lambda: expected in "".join(c for c in browser.text_of(row) if c.isdigit()),
    )
    browser.screenshot("device-page-cost-with-ai-task")


def test_api_conversation_process_answers_in_polish(stack: Stack) -> None:
    stack.api.call_service("light", "turn_on", entity_id=LIVING_ROOM)
    _light_is(stack, LIVING_ROOM, "on")
    response = stack.api.post(
        "/api/conversation/process",
        {
            "text": "wyłącz światło w salonie",
            "language": "pl",
            "agent_id": _entity(stack, "conversation")["entity_id"],
        },
    )
    assert response.status_code == 200, response.text
    speech = response.json()["response"]["speech"]["plain"]["speech"]
    assert speech.startswith("Wyłączono"), speech
    _light_is(stack, LIVING_ROOM, "off")


def test_api_intent_endpoint_recognises_and_acts(stack: Stack) -> None:
    anonymous = requests.post(
        f"{stack.home.url}/api/llm_intent/intent",
        json={"text": "włącz światło w salonie"},
        timeout=30,
    )
    assert anonymous.status_code == 401
    _light_is(stack, LIVING_ROOM, "off")

    response = stack.api.post("/api/llm_intent/intent", {"text": "włącz światło w salonie"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["intent"] == "HassTurnOn"
    assert result["path"] == "local"
    assert result["success"] is True
    assert Decimal(result["cost_usd"]) == 0
    _light_is(stack, LIVING_ROOM, "on")


def test_api_metrics_endpoint_answers(stack: Stack) -> None:
    response = stack.api.get("/api/llm_intent/metrics")
    assert response.status_code == 200, f"{response.status_code}: {response.text[:200]}"
    assert response.text.strip()


def test_recognize_action_over_websocket_returns_the_intent(stack: Stack) -> None:
    before = len(stack.model_requests())
    result = stack.api.ws(
        "call_service",
        domain="llm_intent",
        service="recognize",
        service_data={"text": RECOGNIZE_COMMAND, "language": "pl", "execute": False},
        return_response=True,
    )
    answer = result["response"]
    assert answer["intent"] == "HassTurnOn"
    assert answer["slots"] == {"name": "Lampka nocna"}
    assert answer["path"] == "llm"
    assert answer["executed"] is False
    assert Decimal(answer["cost_usd"]) > 0
    assert [r["command"] for r in stack.model_requests()[before:]] == [RECOGNIZE_COMMAND]
    # Recognised only: the bed light was not touched.
    assert stack.api.state("light.bed_light")["state"] == "off"


def test_no_door_opens_without_the_owners_own_yes(stack: Stack) -> None:
    """The demo's Front Door and Garage Door, over plain HTTP, as the owner and a guest."""
    for line in safety_blackbox.check(stack.api):
        print(line)


def test_clients_that_give_up_leave_the_model_path_open_and_every_request_paid(
    stack: Stack,
) -> None:
    """Four clients give up after 0.3 s while the model takes 1.5 s; the next command still
    reaches the model, and the ledger holds a paid row for each of the five requests."""
    agent = _entity(stack, "conversation")["entity_id"]
    before = len(stack.model_requests())
    rows_before = len([row for row in _ledger_rows(stack) if row[2] is not None])
    for _ in range(4):
        with contextlib.suppress(requests.exceptions.Timeout):
            requests.post(
                f"{stack.home.url}/api/conversation/process",
                json={"text": SLOW_COMMAND, "language": "pl", "agent_id": agent},
                headers=stack.api.headers,
                timeout=0.3,
            )
    wait_until(lambda: len(stack.model_requests()) >= before + 4, 30, "the four slow requests")

    answer = stack.api.post(
        "/api/llm_intent/intent", {"text": AFTER_CANCELS_COMMAND, "language": "pl"}
    ).json()
    assert answer["path"] == "llm", answer
    assert answer["intent"] == "HassTurnOff", answer
    assert len(stack.model_requests()) == before + 5

    def paid_calls() -> list[tuple[str, int, str | None]]:
        return [row for row in _ledger_rows(stack) if row[2] is not None]

    wait_until(lambda: len(paid_calls()) == rows_before + 5, 30, "a ledger row per request")
    assert all(cost > 0 for _, cost, _ in paid_calls()[rows_before:]), paid_calls()


def test_daily_budget_of_zero_answers_locally(stack: Stack, browser: Browser) -> None:
    number = _entity(stack, "daily_budget")
    browser.open(f"{stack.home.url}/config/devices/device/{number['device_id']}")
    browser.click(browser.wait_for_text(number["name"] or number["original_name"]))
    card = browser.wait_for("state-card-number")
    field = browser.wait_for("input", within=card)
    fill(browser, field, "0")
    field.send_keys("\n")
    wait_until(
        lambda: float(stack.api.state(number["entity_id"])["state"]) == 0,
        10,
        "the daily budget to be 0",
    )
    browser.screenshot("daily-budget-zero")
    close_dialog(browser)

    _light_is(stack, KITCHEN, "off")
    before = len(stack.model_requests())
    chat = open_assist(browser, stack.home.url)
    answer = ask(browser, chat, BUDGET_COMMAND)
    browser.screenshot("assist-budget-local-answer")

    assert answer.startswith(MESSAGES["pl"]["budget_local"].strip()), answer
    _light_is(stack, KITCHEN, "on")
    assert len(stack.model_requests()) == before

    recognised = stack.api.post(
        "/api/llm_intent/intent", {"text": BUDGET_COMMAND, "execute": False}
    ).json()
    assert recognised["path"] == "fallback"
    assert Decimal(recognised["cost_usd"]) == 0
    assert len(stack.model_requests()) == before


def _ledger_rows(stack: Stack) -> list[tuple[str, int, str | None]]:
    """(path, cost in micro-dollars, call id) of every ledger row, as the cost report reads."""
    path = stack.home.config_dir / "llm_intent_ledger.db"
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return list(db.execute("SELECT path, cost_micro_usd, call_id FROM requests ORDER BY id"))


def test_daily_budget_survives_kill_9(stack: Stack) -> None:
    """A budget set a moment before an unclean stop is the one in force after it."""
    number = _entity(stack, "daily_budget")
    stack.api.call_service("number", "set_value", entity_id=number["entity_id"], value=0.42)
    rows = _ledger_rows(stack)
    calls = [row for row in rows if row[2] is not None]
    received = len(stack.model_requests()) + len(stack.task_requests())
    assert len(calls) == received, "one ledger row per request the provider received"

    stack.crash_and_restart_home_assistant()
    state = wait_until(
        lambda: (
            stack.api.state(number["entity_id"])["state"] not in ("unknown", "unavailable")
            and stack.api.state(number["entity_id"])["state"]
        ),
        60,
        "the daily budget after the restart",
    )
    assert float(state) == 0.42
    assert _ledger_rows(stack) == rows


def test_home_assistant_log_stays_clean(stack: Stack) -> None:
    """Every step above ran; now stop Home Assistant so shutdown is in the log too."""
    stack.stop_home_assistant()
    problems = problems_in(stack.home.log_file.read_text(encoding="utf-8"))
    problems += python_warnings_in(stack.home.stdout_file.read_text(encoding="utf-8"))
    for crashed in stack.crashed_logs:
        text = crashed.read_text(encoding="utf-8")
        problems += python_warnings_in(text) if "stdout" in crashed.name else problems_in(text)
    assert problems == [], "\n\n".join(problems)
