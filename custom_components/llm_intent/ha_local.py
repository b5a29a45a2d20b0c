"""HA's own local intent matching, tried before anything that costs money."""

from __future__ import annotations

from collections.abc import Collection

from hassil.recognize import RecognizeResult
from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent

from .engine.pipeline import Command, LocalAnswer


class HALocalAgent:
    def __init__(self, hass: HomeAssistant, disabled: Collection[str] = ()) -> None:
        self.hass = hass
        # Intents switched off in the options: Home Assistant's matching skips them too.
        self.disabled = frozenset(disabled)

    def _switched_off(self, result: RecognizeResult) -> bool:
        return result.intent.name in self.disabled

    async def try_handle(self, command: Command) -> LocalAnswer | None:
        raw = command.raw
        if not isinstance(raw, tuple) or len(raw) != 2:
            return None
        user_input, chat_log = raw
        response = await conversation.async_handle_intents(
            self.hass,
            user_input,
            chat_log,
            intent_filter=self._switched_off if self.disabled else None,
        )
        if response is None:
            return None
        speech = response.speech.get("plain", {}).get("speech", "")
        return LocalAnswer(
            speech=speech,
            intent=response.intent.intent_type if response.intent else None,
            success=response.response_type is not intent.IntentResponseType.ERROR,
            entity_ids=tuple(s.entity_id for s in response.matched_states),
        )
