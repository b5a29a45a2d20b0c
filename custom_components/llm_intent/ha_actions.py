"""Run a recognised intent through HA's own intent handlers or a catalogue service.

Going through ``intent.async_handle`` keeps entity matching and exposure HA's:
the agent can never act on an entity the user has not exposed to Assist. A
catalogue service acts only on exposed entities of its own domain that the
recognition names or places.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.conversation import DOMAIN as CONVERSATION_DOMAIN
from homeassistant.core import Context, HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent

from .const import DOMAIN, LOGGER
from .engine.home import Home
from .engine.pipeline import Command, ExecResult, HomeSource
from .engine.understanding.answers import message
from .engine.understanding.builtin import DELAYED_COMMAND
from .engine.understanding.catalogue import IntentSpec
from .engine.understanding.recognition import Recognition
from .engine.understanding.safety import area_wide_domains, is_area_wide
from .permissions import denied_entities, policy_for

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


class HAExecutor:
    def __init__(self, hass: HomeAssistant, homes: HomeSource) -> None:
        self.hass = hass
        self.homes = homes

    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        targets = self._candidates(spec, rec, command)
        if denied := await denied_entities(
            self.hass, command.user_id, targets, policy_for(spec.ha_intent or spec.name)
        ):
            LOGGER.info(
                "User %s may not use %s for %s", command.user_id, ", ".join(denied), spec.name
            )
            return ExecResult(
                False,
                error="unauthorized",
                entity_ids=tuple(denied),
                speech=message("unauthorized", command.language),
            )
        try:
            if spec.ha_intent is not None:
                return await self._intent(spec, rec, command)
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

    async def _intent(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        assert spec.ha_intent is not None
        intent_type = spec.ha_intent
        # HA's own recognitions carry HA's slot names (a timer's, a volume step):
        # its handler takes them as they are.
        own = spec.source == "builtin"
        slots: dict[str, Any] = {
            k: {"value": v}
            for k, v in rec.slots.items()
            if (own or k in _HA_SLOTS)
            and k != DELAYED_COMMAND
            and v is not None
            and v not in ("", [])
        }
        domains = self._domains(spec, rec)
        if domains is None:
            slots.pop("domain", None)
        elif not domains:
            return ExecResult(False, error="no_match")
        else:
            slots["domain"] = {"value": domains}
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
        unmatched = list(response.unmatched_states)
        return ExecResult(
            True,
            values=_values(spec.ha_intent, states, unmatched),
            entity_ids=tuple(s.entity_id for s in [*states, *unmatched]),
        )

    def _candidates(self, spec: IntentSpec, rec: Recognition, command: Command) -> list[str]:
        """Every exposed entity the command may touch: the permission check looks at all."""
        home = self.homes.home()
        if spec.service is not None and spec.ha_intent is None:
            domain = spec.service.split(".", 1)[0]
            return _targets(home, rec, domain, command.satellite_area_id)
        if rec.entity_ids:
            return list(rec.entity_ids)
        domains = self._domains(spec, rec) if spec.ha_intent is not None else None
        named = rec.slots.get("name")
        areas = _areas(home, rec, command.satellite_area_id)
        return [
            e.entity_id
            for e in home.entities
            if (not domains or e.domain in domains)
            and (not isinstance(named, str) or not named or e.name == named)
            and (areas is None or e.area_id in areas)
        ]

    def _domains(self, spec: IntentSpec, rec: Recognition) -> list[str] | None:
        """The domain slot for HA's handler; None leaves it out.

        A named device's own domain is exact. An area-wide on/off is narrowed to
        the plain on/off kinds present there (never locks, alarms or garage
        doors). A domain the handler cannot take (HassLightSet only takes
        lights) is left out rather than failing the command.
        """
        if rec.entity_ids:
            wanted = sorted({e.split(".", 1)[0] for e in rec.entity_ids})
        elif is_area_wide(spec, rec) and (rec.slots.get("area") or rec.slots.get("floor")):
            return area_wide_domains(spec, rec, self.homes.home())
        else:
            raw = rec.slots.get("domain")
            if not raw:
                return None
            wanted = [str(d) for d in raw] if isinstance(raw, list | tuple) else [str(raw)]
        handler = next(
            (h for h in intent.async_get(self.hass) if h.intent_type == spec.ha_intent), None
        )
        allowed = getattr(handler, "required_domains", None)
        if allowed and not set(wanted) <= set(allowed):
            return None
        return wanted

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
            # No HA service changes a target temperature by a step: read it, add, set.
            delta = float(data.pop("temperature_delta") or 0)
            done: list[str] = []
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
                    done.append(entity_id)
            if not done:
                return ExecResult(False, error="no_match")
            return ExecResult(True, entity_ids=tuple(done))
        await self.hass.services.async_call(
            domain, service, {"entity_id": targets, **data}, blocking=True, context=ctx
        )
        return ExecResult(True, entity_ids=tuple(targets))


def _targets(home: Home, rec: Recognition, domain: str, satellite_area: str | None) -> list[str]:
    """Exposed entities of the service's domain that the recognition names or places."""
    if rec.entity_ids:
        return [e for e in rec.entity_ids if e.startswith(f"{domain}.")]
    name = rec.slots.get("name")
    areas = _areas(home, rec, satellite_area)
    if isinstance(name, str) and name:
        said = areas if rec.slots.get("area") or rec.slots.get("floor") else None
        return [
            e.entity_id
            for e in home.entities
            if e.domain == domain and e.name == name and (said is None or e.area_id in said)
        ]
    return [
        e.entity_id
        for e in home.entities
        if e.domain == domain and (areas is None or e.area_id in areas)
    ]


def _areas(home: Home, rec: Recognition, satellite_area: str | None) -> set[str] | None:
    """The areas the recognition places the command in; None for anywhere."""
    if isinstance(area := rec.slots.get("area"), str) and area:
        areas = {a.area_id for a in home.areas if a.name == area}
        return areas or ({rec.area_id} if rec.area_id else set())
    if isinstance(floor := rec.slots.get("floor"), str) and floor:
        floors = {f.floor_id for f in home.floors if f.name == floor}
        return {a.area_id for a in home.areas if a.floor_id in floors}
    if rec.area_id or satellite_area:
        return {rec.area_id or satellite_area or ""}
    return None


def _values(intent_type: str, states: list[State], unmatched: list[State]) -> dict[str, Any]:
    """What the answer template needs from HA's response (numbers stay numbers)."""
    if intent_type == "HassClimateGetTemperature" and states:
        return {"temperature": _temperature(states[0])}
    if intent_type == "HassGetState":
        return {
            "states": [
                {"entity_id": s.entity_id, "name": s.name, "state": s.state, "matched": matched}
                for group, matched in ((states, True), (unmatched, False))
                for s in group
            ]
        }
    return {}


def _temperature(state: State) -> float | None:
    value: Any = state.attributes.get("current_temperature")
    if value is None and state.domain == "sensor":
        value = state.state
    try:
        return float(value) if value is not None else None
    except TypeError, ValueError:
        return None
