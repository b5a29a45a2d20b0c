"""Talking to the benchmark provider, in this process or in its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
import json
from typing import Any, Protocol

import httpx

from .brain import Label
from .provider import BenchProvider, Plan


class ProviderLink(Protocol):
    @property
    def base_url(self) -> str: ...

    async def configure(self, plan: Plan, labels: Mapping[str, Label] | None = None) -> None: ...

    async def log(self, *, bodies: bool = False) -> list[dict[str, Any]]: ...


class InlineLink:
    """A ``BenchProvider`` running on this event loop (tests)."""

    def __init__(self, provider: BenchProvider) -> None:
        self.provider = provider

    @property
    def base_url(self) -> str:
        return self.provider.openai_base_url

    async def configure(self, plan: Plan, labels: Mapping[str, Label] | None = None) -> None:
        self.provider.configure(plan, labels)

    async def log(self, *, bodies: bool = False) -> list[dict[str, Any]]:
        # Through JSON, as from the other process, so both links give the same shapes.
        rows: list[dict[str, Any]] = json.loads(
            json.dumps(self.provider.log(bodies=bodies), ensure_ascii=False)
        )
        return rows


class RemoteLink:
    """A ``BenchProvider`` in its own process (``python -m benchmarks.provider``)."""

    def __init__(self, base_url: str, control_url: str) -> None:
        self._base_url = base_url
        self._control = control_url

    @property
    def base_url(self) -> str:
        return self._base_url

    async def configure(self, plan: Plan, labels: Mapping[str, Label] | None = None) -> None:
        payload: dict[str, Any] = {"plan": asdict(plan)}
        if labels is not None:
            payload["labels"] = {
                text: {"intent": label.intent, "slots": dict(label.slots)}
                for text, label in labels.items()
            }
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(f"{self._control}/bench/configure", json=payload)
            response.raise_for_status()

    async def log(self, *, bodies: bool = False) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=120) as client:
            response = await client.get(
                f"{self._control}/bench/log", params={"bodies": "1" if bodies else "0"}
            )
            response.raise_for_status()
            rows: list[dict[str, Any]] = response.json()
            return rows
