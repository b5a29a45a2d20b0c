"""A repair issue when an Assist pipeline's "prefer handling commands locally" bypasses the gate.

With that pipeline setting on, Home Assistant's built-in agent handles a command
before this agent is called at all, so no confirmation of LLM Intent's can reach
it: "unlock the front door" would unlock at once. The issue names the pipelines
and the exposed devices at risk, and disappears once either is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from homeassistant.components.homeassistant.const import DATA_EXPOSED_ENTITIES
from homeassistant.components.homeassistant.exposed_entities import (
    async_listen_entity_updates,
    async_should_expose,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval

from .const import DOMAIN
from .runtime import LLMIntentConfigEntry

ISSUE_PREFIX = "prefer_local_intents"
# Pipelines change in their own store, without an event: look again now and then.
RECHECK_EVERY = timedelta(minutes=5)
_OPENING_COVERS = frozenset({"garage", "gate", "door"})


def issue_id(entry: LLMIntentConfigEntry) -> str:
    return f"{ISSUE_PREFIX}_{entry.entry_id}"


def exposed_at_risk(hass: HomeAssistant) -> list[str]:
    """Exposed locks, alarm panels and garage/gate/door covers."""
    found: list[str] = []
    if DATA_EXPOSED_ENTITIES not in hass.data:
        return found
    for state in hass.states.async_all(("lock", "alarm_control_panel", "cover")):
        if state.domain == "cover" and state.attributes.get("device_class") not in _OPENING_COVERS:
            continue
        if async_should_expose(hass, "conversation", state.entity_id):
            found.append(state.entity_id)
    return sorted(found)


def pipelines_preferring_local(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> list[str]:
    """Names of the Assist pipelines that use this agent with local handling first."""
    if "assist_pipeline" not in hass.config.components:
        return []
    from homeassistant.components.assist_pipeline import async_get_pipelines

    agents = {entry.entry_id} | {
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == "conversation"
    }
    return sorted(
        p.name
        for p in async_get_pipelines(hass)
        if p.prefer_local_intents and p.conversation_engine in agents
    )


@callback
def async_check(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> None:
    pipelines = pipelines_preferring_local(hass, entry)
    at_risk = exposed_at_risk(hass) if pipelines else []
    if pipelines and at_risk:
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id(entry),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_PREFIX,
            translation_placeholders={
                "pipelines": ", ".join(pipelines),
                "entities": ", ".join(at_risk),
            },
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry))


@callback
def async_watch(hass: HomeAssistant, entry: LLMIntentConfigEntry) -> Callable[[], None]:
    """Check now (or once HA has started), on exposure changes and periodically."""

    @callback
    def check(*_: object) -> None:
        async_check(hass, entry)

    unsubs = [async_track_time_interval(hass, check, RECHECK_EVERY)]
    if DATA_EXPOSED_ENTITIES in hass.data:
        unsubs.append(async_listen_entity_updates(hass, "conversation", check))
    if hass.state is CoreState.running:
        check()
    else:

        @callback
        def started(_event: Event) -> None:
            check()

        unsubs.append(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, started))

    @callback
    def stop() -> None:
        for unsub in unsubs:
            unsub()
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry))

    return stop
