"""Prometheus scrape endpoint: GET /api/llm_intent/metrics with a Home Assistant token."""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web
from homeassistant.components.http.decorators import require_admin
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from prometheus_client import CONTENT_TYPE_LATEST

from .observability import metrics_of


class MetricsView(HomeAssistantView):
    """The text exposition of the instance's LLM Intent metrics.

    It tells what every command cost, so an administrator's token is needed (a
    long-lived access token for Prometheus); without a token Home Assistant
    answers 401 before this runs, and a non-administrator's token gets 401 too.
    """

    url = "/api/llm_intent/metrics"
    name = "api:llm_intent:metrics"
    requires_auth = True

    @require_admin
    async def get(self, request: web.Request) -> web.Response:
        metrics = metrics_of(request.app[KEY_HASS])
        if metrics is None:
            return web.Response(
                status=HTTPStatus.SERVICE_UNAVAILABLE, text="LLM Intent is not loaded\n"
            )
        # Rendering reads breakers and budgets, which live on the event loop.
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})
