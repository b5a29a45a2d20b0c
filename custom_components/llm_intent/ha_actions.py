"""Run a recognised intent through HA's own intent handlers or a catalogue service.

Going through ``intent.async_handle`` keeps entity matching and exposure HA's:
the agent can never act on an entity the user has not exposed to Assist.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.conversation import DOMAIN as CONVERSATION_DOMAIN
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent

from .const import DOMAIN, LOGGER
from .engine.answers import lang_of
from .engine.catalogue import IntentSpec
from .engine.home import Home
from .engine.pipeline import Command, ExecResult, HomeSource
from .engine.recognition import Recognition

_HA_SLOTS = (
    "name",
    "area",
    "floor",
    "domain",
    "device_class",
    "brightness",
    "color",
    "temperature",
    "position",
    "volume_level",
    "hours",
    "minutes",
    "seconds",
    "state",
)
_STATE_WORDS = {
    "pl": {
        "on": "włączone",
        "off": "wyłączone",
        "locked": "zamknięte",
        "unlocked": "otwarte",
        "open": "otwarte",
        "closed": "zamknięte",
        "playing": "odtwarza",
        "paused": "wstrzymane",
        "unavailable": "niedostępne",
        "home": "w domu",
        "not_home": "poza domem",
    },
    "en": {},
}


class HAExecutor:
    def __init__(self, hass: HomeAssistant, homes: HomeSource) -> None:
        self.hass = hass
        self.homes = homes

    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        try:
            if spec.ha_intent is not None:
                return await self._intent(spec.ha_intent, rec, command)
            if spec.service is not None:
                return await self._service(spec, rec, command)
        except intent.MatchFailedError:
            return ExecResult(False, error="no_match")
        except intent.IntentError as err:
            LOGGER.debug("Intent %s failed: %s", spec.name, err)
            return ExecResult(False, error="intent_error")
        except HomeAssistantError as err:
            LOGGER.warning("Action for %s failed: %s", spec.name, err)
            return ExecResult(False, error="action_error")
        return ExecResult(False, error="no_action")

    async def _intent(self, intent_type: str, rec: Recognition, command: Command) -> ExecResult:
        slots: dict[str, Any] = {
            k: {"value": v} for k, v in rec.slots.items() if k in _HA_SLOTS and v is not None
        }
        if (
            intent_type in ("HassLightSet", "HassSetVolume", "HassSetPosition")
            and "domain" in slots
        ):
            # These handlers choose the domain themselves and reject an explicit one.
            slots.pop("domain")
        if command.satellite_area_id and "area" not in slots:
            slots["preferred_area_id"] = {"value": command.satellite_area_id}
        response = await intent.async_handle(
            self.hass,
            DOMAIN,
            intent_type,
            slots,
            text_input=command.text,
            context=Context(user_id=command.user_id),
            language=command.language,
            assistant=CONVERSATION_DOMAIN,
            device_id=command.device_id,
        )
        if response.response_type is intent.IntentResponseType.ERROR:
            code = response.error_code
            return ExecResult(
                False,
                error="no_match"
                if code is intent.IntentResponseErrorCode.NO_VALID_TARGETS
                else "intent_error",
            )
        states = list(response.matched_states)
        return ExecResult(
            True,
            values=self._values(intent_type, states, command),
            entity_ids=tuple(s.entity_id for s in states),
        )

    def _values(self, intent_type: str, states: list[Any], command: Command) -> dict[str, Any]:
        lang = lang_of(command.language)
        if not states:
            return {}
        if intent_type == "HassClimateGetTemperature":
            temp = states[0].attributes.get("current_temperature")
            return {"temperature": _fmt(temp)}
        if intent_type == "HassGetState":
            words = _STATE_WORDS.get(lang, {})
            parts = [f"{s.name}: {words.get(s.state, s.state)}" for s in states[:4]]
            return {"state_answer": "; ".join(parts) + "."}
        return {}

    async def _service(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        assert spec.service is not None
        domain, service = spec.service.split(".", 1)
        targets = _targets(self.homes.home(), rec, domain, command.satellite_area_id)
        if not targets:
            return ExecResult(False, error="no_match")
        ctx = Context(user_id=command.user_id)
        data = {
            key: rec.slots.get(slot, spec.defaults.get(slot)) for key, slot in spec.data.items()
        }
        if "temperature_delta" in data:
            delta = float(data.pop("temperature_delta") or 0)
            for entity_id in targets:
                state = self.hass.states.get(entity_id)
                current = state.attributes.get("temperature") if state else None
                if isinstance(current, int | float):
                    await self.hass.services.async_call(
                        domain,
                        service,
                        {"entity_id": entity_id, "temperature": current + delta},
                        blocking=True,
                        context=ctx,
                    )
            return ExecResult(True, entity_ids=tuple(targets))
        await self.hass.services.async_call(
            domain, service, {"entity_id": targets, **data}, blocking=True, context=ctx
        )
        return ExecResult(True, entity_ids=tuple(targets))


def _targets(home: Home, rec: Recognition, domain: str, satellite_area: str | None) -> list[str]:
    """Exposed entities of the service's domain that the recognition names."""
    if rec.entity_ids:
        return [e for e in rec.entity_ids if e.startswith(f"{domain}.")]
    name = rec.slots.get("name")
    area_id = rec.area_id or satellite_area
    if rec.slots.get("area"):
        area_id = next((a.area_id for a in home.areas if a.name == rec.slots["area"]), area_id)
    return [
        e.entity_id
        for e in home.entities
        if e.domain == domain
        and (name is None or e.name == name)
        and (area_id is None or e.area_id == area_id or name is not None)
    ]


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(".", ",") if value is not None else "?"
