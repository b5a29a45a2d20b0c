"""Stand-ins for device services: a state changes the way the real entity's would.

A fixture state has no entity object behind it, so the integrations' own
services cannot act on it. The HA tests and the benchmarks register these
instead, for every service HA's intent handlers call.
"""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import HomeAssistant, ServiceCall

# Device domains whose services HA's intent handlers call.
DEVICE_DOMAINS = (
    "light",
    "switch",
    "fan",
    "cover",
    "climate",
    "media_player",
    "lock",
    "vacuum",
    "scene",
    "alarm_control_panel",
)
# The state a service leaves; services not listed keep it (or set it below).
STATE_AFTER = {
    "turn_on": "on",
    "turn_off": "off",
    "open_cover": "open",
    "close_cover": "closed",
    "lock": "locked",
    "unlock": "unlocked",
    "media_play": "playing",
    "media_pause": "paused",
    "start": "cleaning",
    "return_to_base": "returning",
    "alarm_disarm": "disarmed",
}
SERVICES = (
    *STATE_AFTER,
    "set_cover_position",
    "set_temperature",
    "set_hvac_mode",
    "volume_set",
    "media_next_track",
    "media_previous_track",
    "toggle",
)
# Service data copied into the state's attributes.
COPIED = (
    "brightness_pct",
    "rgb_color",
    "color_temp_kelvin",
    "temperature",
    "volume_level",
    "hvac_mode",
    "percentage",
)


def apply_service(hass: HomeAssistant, service: str, call: ServiceCall) -> None:
    """Leave the states and attributes the real entities would after ``call``."""
    ids = call.data.get("entity_id", [])
    for entity_id in [ids] if isinstance(ids, str) else ids:
        current = hass.states.get(entity_id)
        if current is None:
            continue
        attrs = dict(current.attributes)
        new_state = STATE_AFTER.get(service, current.state)
        for key in COPIED:
            if key in call.data:
                attrs[key] = call.data[key]
        if "brightness_step_pct" in call.data:
            now = int(attrs.get("brightness_pct", 50 if current.state == "on" else 0))
            attrs["brightness_pct"] = max(0, min(100, now + int(call.data["brightness_step_pct"])))
            new_state = "on" if attrs["brightness_pct"] > 0 else "off"
        if service == "set_hvac_mode":
            new_state = call.data["hvac_mode"]
        if service == "set_cover_position":
            attrs["current_position"] = call.data["position"]
            new_state = "open" if call.data["position"] > 0 else "closed"
        if service == "media_next_track":
            attrs["media_track"] = int(attrs.get("media_track", 1)) + 1
        hass.states.async_set(entity_id, new_state, attrs)


def register_stand_ins(
    hass: HomeAssistant,
    domains: set[str] | tuple[str, ...],
    record: Callable[[ServiceCall], None] | None = None,
) -> None:
    """Register every stand-in service for ``domains``; ``record`` sees each call first."""

    def make_handler(service: str) -> Callable[[ServiceCall], None]:
        def handle(call: ServiceCall) -> None:
            if record is not None:
                record(call)
            apply_service(hass, service, call)

        return handle

    for domain in domains:
        for service in SERVICES:
            hass.services.async_register(domain, service, make_handler(service))
