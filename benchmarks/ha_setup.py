"""The fixture home and the two agents inside Home Assistant's test harness.

The home is real registry entries (floors, areas, entities with aliases) and
states, every entity exposed to Assist, with the domains' integrations loaded
(their intent handlers and Assist API tools) and their services replaced by
ones that change the states, as ``tests/ha/conftest.py`` does for the test
home. Both agents then act
through Home Assistant's own intent handlers on it.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from contextvars import ContextVar
import os
from typing import Any

from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import ConfigEntry, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    entity_registry as er,
    floor_registry as fr,
)
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.setup import async_setup_component
import httpx
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.llm_intent.const import DOMAIN
from custom_components.llm_intent.engine.pipeline import Outcome
from tests.device_stand_ins import DEVICE_DOMAINS, register_stand_ins

from .fixture_home import FixtureHome
from .provider import COMMAND_HEADER

# The benchmark command being handled in this task; its requests carry it.
CURRENT_COMMAND: ContextVar[int | None] = ContextVar("bench_command", default=None)
BENCH_KEY = "sk-bench-0123456789abcdef"

# Integrations a home with these devices has loaded. Loading them brings their
# intent handlers and the Assist API tools they offer a model (light__HassLightSet,
# climate__..., media_player__...), as in a real installation.
_DOMAIN_INTEGRATIONS = (*DEVICE_DOMAINS, "sensor", "binary_sensor")


async def build_home(hass: HomeAssistant, home: FixtureHome) -> None:
    hass.config.language = home.language
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "intent", {})
    domains = {e.domain for e in home.entities}
    for domain in _DOMAIN_INTEGRATIONS:
        if domain in domains:
            assert await async_setup_component(hass, domain, {})
    floors = fr.async_get(hass)
    floor_ids = {
        f.name: floors.async_create(f.name, aliases=set(f.aliases)).floor_id for f in home.floors
    }
    areas = ar.async_get(hass)
    area_ids = {
        a.name: areas.async_create(
            a.name, aliases=set(a.aliases), floor_id=floor_ids.get(a.floor or "")
        ).id
        for a in home.areas
    }
    entities = er.async_get(hass)
    for e in home.entities:
        domain, object_id = e.entity_id.split(".", 1)
        entry = entities.async_get_or_create(
            domain, "bench", object_id, suggested_object_id=object_id
        )
        entities.async_update_entity(
            entry.entity_id,
            area_id=area_ids.get(e.area or ""),
            name=e.name,
            # The entity's own name first, as a new registry entry has it, then the aliases.
            aliases=[er.COMPUTED_NAME, *e.aliases],
        )
        attributes: dict[str, Any] = {"friendly_name": e.name, **e.attributes}
        if e.device_class:
            attributes["device_class"] = e.device_class
        hass.states.async_set(e.entity_id, e.state, attributes)
        async_expose_entity(hass, "conversation", e.entity_id, True)
    # The integrations' services act on entity objects, which a fixture state is not:
    # these stand-ins change the states the way the real entities would.
    register_stand_ins(hass, sorted(domains | {"homeassistant"}))


def _agent_of(hass: HomeAssistant, platform: str) -> str:
    for entry in er.async_get(hass).entities.values():
        if entry.domain == "conversation" and entry.platform == platform:
            return entry.entity_id
    raise RuntimeError(f"no conversation entity from {platform}")


async def setup_llm_intent(
    hass: HomeAssistant,
    base_url: str,
    *,
    prefer_local: bool,
    model: str = "gpt-4o-mini",
    options: dict[str, Any] | None = None,
) -> tuple[str, ConfigEntry[Any]]:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "provider": "openai_compatible",
            "base_url": base_url,
            "api_key": BENCH_KEY,
            "model": model,
        },
        options={"prefer_local": prefer_local, **(options or {})},
        title="LLM Intent",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return _agent_of(hass, DOMAIN), entry


@contextlib.contextmanager
def openai_base_url(base_url: str) -> Iterator[None]:
    """openai_conversation builds its SDK client without a base URL: the SDK reads it here."""
    before = os.environ.get("OPENAI_BASE_URL")
    os.environ["OPENAI_BASE_URL"] = base_url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("OPENAI_BASE_URL", None)
        else:
            os.environ["OPENAI_BASE_URL"] = before


async def setup_openai_conversation(
    hass: HomeAssistant, base_url: str, model: str = "gpt-4o-mini"
) -> tuple[str, ConfigEntry[Any]]:
    """HA core's agent with its recommended options: the Assist API, the default prompt."""
    from homeassistant.components.openai_conversation.const import (
        CONF_CHAT_MODEL,
        DOMAIN as OPENAI_DOMAIN,
        RECOMMENDED_CONVERSATION_OPTIONS,
    )

    entry = MockConfigEntry(
        domain=OPENAI_DOMAIN,
        data={"api_key": BENCH_KEY},
        version=2,
        minor_version=7,
        subentries_data=[
            ConfigSubentryData(
                data={**RECOMMENDED_CONVERSATION_OPTIONS, CONF_CHAT_MODEL: model},
                subentry_type="conversation",
                title="OpenAI Conversation",
                unique_id=None,
            )
        ],
        title="OpenAI",
    )
    entry.add_to_hass(hass)
    with openai_base_url(base_url):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return _agent_of(hass, OPENAI_DOMAIN), entry


def tag_requests(hass: HomeAssistant) -> None:
    """Requests sent while a benchmark command is handled carry its number.

    Both agents send through Home Assistant's shared HTTP client; the command
    number travels in a context variable from the task that handles the
    command to this hook, so the provider can tell which command a request
    belongs to without the agents knowing.
    """

    async def tag(request: httpx.Request) -> None:
        command = CURRENT_COMMAND.get()
        if command is not None:
            request.headers[COMMAND_HEADER] = str(command)

    client = get_async_client(hass)
    hooks = client.event_hooks
    hooks["request"] = [*hooks.get("request", []), tag]
    client.event_hooks = hooks


def observe_outcomes(entry: ConfigEntry[Any], into: dict[int, Outcome]) -> None:
    """Keep each command's Outcome (path, intent, cost) by benchmark command number."""
    pipeline = entry.runtime_data.pipeline
    recorded = pipeline.on_outcome

    def observe(outcome: Outcome) -> Any:
        command = CURRENT_COMMAND.get()
        if command is not None:
            into[command] = outcome
        return recorded(outcome) if recorded is not None else None

    pipeline.on_outcome = observe
