"""A Provider test double that follows a script, for resilience tests.

Each call takes the next step of the script (then ``default``): answer, fail
with a given error, or hang until released or cancelled. Latency is simulated
by advancing a ``ManualClock`` without recording a sleep, so ``clock.sleeps``
holds only the waits the code under test chose.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
import copy
from dataclasses import dataclass, field

from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.errors import ProviderError
from custom_components.llm_intent.engine.types import (
    IntentReply,
    ProviderRequest,
    ProviderResult,
    Usage,
)


@dataclass(frozen=True)
class Answer:
    intent: str = "HassTurnOn"
    latency: float = 0.0
    usage: Usage = field(default_factory=lambda: Usage(120, 20))
    rate_limits: dict[str, float] | None = None


@dataclass(frozen=True)
class Fail:
    error: ProviderError
    latency: float = 0.0


@dataclass(frozen=True)
class Hang:
    """Block until ``release()``; then do ``then``."""

    then: Answer | Fail = field(default_factory=Answer)


Step = Answer | Fail | Hang


class ScriptedProvider:
    def __init__(
        self,
        label: str,
        *,
        steps: Iterable[Step] = (),
        default: Step | Callable[[int], Step] | None = None,
        clock: ManualClock | None = None,
        model: str = "test-model",
    ) -> None:
        self._label = label
        self._model = model
        self._steps: deque[Step] = deque(steps)
        self._default = default if default is not None else Answer()
        self._clock = clock
        self._gate = asyncio.Event()
        self.calls = 0
        self.completed = 0
        self.cancelled = 0
        self.timeouts: list[float] = []
        self.hanging = 0

    @property
    def label(self) -> str:
        return self._label

    @property
    def model(self) -> str:
        return self._model

    def release(self) -> None:
        self._gate.set()

    def _next_step(self) -> Step:
        if self._steps:
            return self._steps.popleft()
        if callable(self._default):
            return self._default(self.calls)
        return self._default

    async def recognize(self, request: ProviderRequest, *, timeout: float) -> ProviderResult:
        self.calls += 1
        self.timeouts.append(timeout)
        step = self._next_step()
        try:
            if isinstance(step, Hang):
                self.hanging += 1
                try:
                    await self._gate.wait()
                finally:
                    self.hanging -= 1
                step = step.then
            if self._clock is not None and step.latency:
                self._clock.advance(step.latency)
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        self.completed += 1
        if isinstance(step, Fail):
            raise copy.copy(step.error)
        return ProviderResult(
            provider=self._label,
            model=self._model,
            reply=IntentReply(step.intent, {}, 0.9),
            usage=step.usage,
            latency_s=step.latency,
            rate_limits=step.rate_limits,
        )

    async def validate(self, *, timeout: float) -> None:
        return None
