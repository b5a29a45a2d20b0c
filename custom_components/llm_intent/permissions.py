"""Who may make LLM Intent act, checked with Home Assistant's own permissions.

A command that would change something needs, for every entity it may touch, the
user's ``control`` permission (a question about a state needs ``read``). An
administrator has both on everything; a call without a user (an automation, a
script) acts as the system does. The check runs before anything is called, so a
user who may not open the garage door cannot make the agent do it for them.
"""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.core import HomeAssistant

from .conversation_result import QUERY_INTENTS


def policy_for(intent_name: str) -> str:
    return POLICY_READ if intent_name in QUERY_INTENTS else POLICY_CONTROL


async def denied_entities(
    hass: HomeAssistant, user_id: str | None, entity_ids: Iterable[str], policy: str
) -> list[str]:
    """The entities the user may not use with ``policy``; all of them for an unknown user."""
    wanted = sorted(set(entity_ids))
    if user_id is None:
        return []
    user = await hass.auth.async_get_user(user_id)
    if user is None or not user.is_active:
        return wanted
    if user.is_admin:
        return []
    return [e for e in wanted if not user.permissions.check_entity(e, policy)]
