"""Sending benchmark commands through Home Assistant's conversation API and timing them."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
import time
from typing import Any

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant

from .ha_setup import CURRENT_COMMAND
from .workloads import BenchCommand


@dataclass(slots=True)
class CommandRun:
    index: int
    text: str
    kind: str
    started: float
    ended: float
    speech: str = ""
    response_type: str | None = None
    error: str | None = None
    # Still unanswered when the benchmark stopped waiting.
    capped: bool = False
    path: str = "none"

    @property
    def e2e_ms(self) -> float:
        return (self.ended - self.started) * 1000

    @property
    def answered(self) -> bool:
        return bool(self.speech) and self.error is None and not self.capped


async def converse_one(
    hass: HomeAssistant, agent_id: str, index: int, command: BenchCommand, cap_s: float
) -> CommandRun:
    token = CURRENT_COMMAND.set(index)
    run = CommandRun(index, command.text, command.kind, time.monotonic(), 0.0)
    try:
        async with asyncio.timeout(cap_s):
            result = await conversation.async_converse(
                hass,
                command.text,
                None,
                Context(),
                language=command.language,
                agent_id=agent_id,
            )
        run.speech = str(result.response.speech.get("plain", {}).get("speech", ""))
        run.response_type = str(result.response.response_type.value)
    except TimeoutError:
        run.capped = True
    except Exception as err:  # a failed command is a measurement, not a crash
        run.error = type(err).__name__
    finally:
        run.ended = time.monotonic()
        CURRENT_COMMAND.reset(token)
    return run


async def converse_all(
    hass: HomeAssistant,
    agent_id: str,
    commands: Sequence[BenchCommand],
    *,
    concurrency: int,
    cap_s: float,
    first_index: int = 0,
) -> list[CommandRun]:
    """All commands, at most ``concurrency`` in flight, in order of starting."""
    gate = asyncio.Semaphore(max(concurrency, 1))

    async def one(index: int, command: BenchCommand) -> CommandRun:
        async with gate:
            return await converse_one(hass, agent_id, index, command, cap_s)

    return list(await asyncio.gather(*(one(first_index + i, c) for i, c in enumerate(commands))))


def requests_by_command(log: Sequence[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in log:
        if row.get("command") is not None:
            grouped[int(row["command"])].append(row)
    return dict(grouped)


def union_seconds(intervals: Sequence[tuple[float, float]]) -> float:
    """Time covered by at least one interval (a retry and a hedge overlapping count once)."""
    total = 0.0
    end = float("-inf")
    for start, stop in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total
