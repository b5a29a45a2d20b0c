"""One-time Redis client work that must not run on the event loop."""

from __future__ import annotations

from homeassistant.core import HomeAssistant


async def async_prepare_redis(hass: HomeAssistant) -> None:
    """Read redis-py's own version in the executor, before any client connects.

    On its first connection redis-py tells the server its version, which it
    looks up in the package metadata: directory listings and file reads that
    would block the event loop. The answer is cached for the process, so doing
    it once here moves that work off the loop for every later connection.
    """
    # Imported here: without Redis configured the package is never loaded.
    from redis.utils import get_lib_version

    await hass.async_add_executor_job(get_lib_version)
