"""HA's own local intent matching, tried before anything that costs money, behind the gate.

HA's built-in agent would act as soon as it recognises a sentence. Its
``intent_filter`` sees each recognition before anything runs: here the
recognition is turned into the engine's terms, with the entities HA's handler
would match, and the pipeline's safety gate decides. Only what the gate lets
through is run by HA; anything else (an unlock, an open garage door) is
handed back untouched, to be confirmed or refused like on every other path.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from hassil.recognize import RecognizeResult
from homeassistant.components import conversation
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import intent

from .engine.pipeline import Command, Gate, HomeSource, LocalAnswer
from .engine.understanding.answers import lang_of
from .engine.understanding.builtin import DELAYED_COMMAND, RESOLVED_TARGETS
from .engine.understanding.effects import READ_ONLY_INTENTS
from .engine.understanding.precision import builtin_acceptable
from .engine.understanding.recognition import Recognition


class HALocalAgent:
    def __init__(
        self, hass: HomeAssistant, homes: HomeSource | None = None, disabled: Collection[str] = ()
    ) -> None:
        self.hass = hass
        self.homes = homes
        # Intents switched off in the options: Home Assistant's matching skips them too.
        self.disabled = frozenset(disabled)

    def _switched_off(self, result: RecognizeResult) -> bool:
        return result.intent.name in self.disabled

    async def try_handle(self, command: Command, gate: Gate) -> LocalAnswer | None:
        raw = command.raw
        if not isinstance(raw, tuple) or len(raw) != 2:
            return None
        user_input, chat_log = raw
        held: list[Recognition] = []

        @callback
        def hold_back(result: RecognizeResult) -> bool:
            """True keeps HA from acting on ``result``."""
            if self._switched_off(result):
                return True  # switched off in the options: not matched here either
            if any(e.name == DELAYED_COMMAND for e in result.entities_list):
                # "za 5 minut odblokuj drzwi": HA's timer would later run the command
                # with its own agent, past the gate. Left to the own path.
                return True
            if result.unmatched_entities:
                return False  # HA acts on nothing and answers nothing for these
            if self.homes is not None and not builtin_acceptable(
                command.text,
                lang_of(command.language),
                result.intent.name,
                {e.name: e.value for e in result.entities_list},
                self.homes.home(),
            ):
                return True  # a wildcard swallowed a place or a media command: the own path
            rec = self.recognition(result, command)
            if rec is None:
                return True  # targets HA's handler would not find: left to the own path
            if gate(rec):
                return False
            held.append(rec)
            return True

        response = await conversation.async_handle_intents(
            self.hass, user_input, chat_log, intent_filter=hold_back
        )
        if held:
            return LocalAnswer(speech="", intent=held[0].intent, success=False, held=held[0])
        if response is None:
            return None
        speech = response.speech.get("plain", {}).get("speech", "")
        return LocalAnswer(
            speech=speech,
            intent=response.intent.intent_type if response.intent else None,
            success=response.response_type is not intent.IntentResponseType.ERROR,
            entity_ids=tuple(s.entity_id for s in response.matched_states),
        )

    @callback
    def recognition(self, result: RecognizeResult, command: Command) -> Recognition | None:
        """``result`` with the entities HA's handler would act on, or None if it finds none."""
        slots: dict[str, Any] = {e.name: e.value for e in result.entities_list}
        intent_type = result.intent.name
        handler = next(
            (h for h in intent.async_get(self.hass) if h.intent_type == intent_type), None
        )
        constraints = _constraints(handler, slots)
        entity_ids: tuple[str, ...] = ()
        if intent_type not in READ_ONLY_INTENTS and constraints is not None:
            match = intent.async_match_targets(
                self.hass,
                constraints,
                intent.MatchTargetsPreferences(area_id=command.satellite_area_id),
            )
            if match.is_match:
                entity_ids = tuple(s.entity_id for s in match.states)
            elif isinstance(handler, intent.DynamicServiceIntentHandler):
                return None  # its handler would not find them either
        return Recognition(
            result.intent.name,
            slots,
            1.0,
            entity_ids=entity_ids,
            extra={RESOLVED_TARGETS: True},
        )


def _as_set(value: Any) -> set[str] | None:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {str(value)}


def _constraints(
    handler: intent.IntentHandler | None, slots: dict[str, Any]
) -> intent.MatchTargetsConstraints | None:
    """The target constraints a service intent handler builds from these slots."""
    name = slots.get("name")
    if not any(slots.get(k) for k in ("name", "area", "floor", "domain", "device_class")):
        return None
    required_domains = getattr(handler, "required_domains", None)
    return intent.MatchTargetsConstraints(
        name=None if name == "all" else (str(name) if name else None),
        area_name=str(slots["area"]) if slots.get("area") else None,
        floor_name=str(slots["floor"]) if slots.get("floor") else None,
        domains=_as_set(slots.get("domain")) or required_domains,
        device_classes=_as_set(slots.get("device_class")),
        features=getattr(handler, "required_features", None),
        states=getattr(handler, "required_states", None),
        assistant=conversation.DOMAIN,
    )
