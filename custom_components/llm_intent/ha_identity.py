"""Who a command comes from, as far as Home Assistant can vouch for it.

A pending "tak"/"yes" question belongs to the user and the device that caused
it. A ``device_id`` any caller can type identifies nobody, so only a device
in HA's device registry counts; any other string is dropped at the door.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr


def registered_device(hass: HomeAssistant, device_id: str | None) -> str | None:
    """``device_id`` when it names a device in HA's registry, else None."""
    if not device_id or dr.async_get(hass).async_get(device_id) is None:
        return None
    return device_id
