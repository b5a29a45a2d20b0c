"""Authenticated HTTP API: POST /api/llm_intent/intent {"text": ...} → the recognition."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiohttp import web
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
import probatio as vol

from .engine.observability.tracing import incoming_command
from .services import RECOGNIZE_SCHEMA, async_recognize


class IntentView(HomeAssistantView):
    url = "/api/llm_intent/intent"
    name = "api:llm_intent:intent"
    requires_auth = True

    async def post(self, request: web.Request) -> web.Response:
        hass = request.app[KEY_HASS]
        try:
            body: Any = await request.json()
            data = RECOGNIZE_SCHEMA(body)
        except (ValueError, vol.Invalid) as err:
            return self.json_message(f"Invalid request: {err}", HTTPStatus.BAD_REQUEST)
        try:
            with incoming_command(request.headers.get("traceparent")):
                result = await async_recognize(hass, data, request["hass_user"].id)
        except ServiceValidationError:
            return self.json_message("LLM Intent is not loaded", HTTPStatus.SERVICE_UNAVAILABLE)
        except Unauthorized:
            return self.json_message(
                "This user may not control the devices this command targets",
                HTTPStatus.FORBIDDEN,
            )
        return self.json(result)
