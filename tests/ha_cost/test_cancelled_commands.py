"""Commands whose callers give up while the provider is slow: no budget kept, every request billed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib

from homeassistant.core import HomeAssistant

from custom_components.llm_intent.engine.cost.ledger import CallState

from ..fake_provider import FakeProviderServer, RecordedRequest, Reply
from ..ha.conftest import CorrectModel, HomeCalls
from .helpers import entity_id, provider_entry, say

SLOW = "zrob tak zeby w kuchni bylo jasno"
WARM_UP = "niech w salonie bedzie jasno"
NORMAL = "chce miec jasno w sypialni"


class SlowKitchenModel(CorrectModel):
    """Takes 1.5 s over the kitchen command, answers everything else at once."""

    def __call__(self, request: RecordedRequest) -> Reply:
        reply = super().__call__(request)
        slow = "kuchni" in str(request.body)
        return Reply(content=reply.content, latency=1.5 if slow else 0.0)


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not condition():
            await asyncio.sleep(0.01)


async def test_four_abandoned_commands_then_a_normal_one(
    hass: HomeAssistant, polish_home: HomeCalls, fake_provider: FakeProviderServer
) -> None:
    model = SlowKitchenModel()
    model.teach(SLOW, "HassTurnOn", area="Kuchnia", domain="light")
    model.teach(NORMAL, "HassTurnOn", area="Sypialnia", domain="light")
    model.teach(WARM_UP, "HassTurnOn", area="Salon", domain="light")
    fake_provider.default_handler = model
    # A long deadline: on a loaded machine the SDK's first request alone may
    # take seconds, and this test is about callers leaving, not about timeouts.
    entry = await provider_entry(
        hass, fake_provider, daily_budget=1, monthly_budget=10, request_timeout=10
    )
    runtime = entry.runtime_data
    cost_today = entity_id(hass, entry, "sensor:cost_today")
    # The SDK's first request does one-off work that holds the loop; the
    # commands under test must not queue behind it.
    assert (await say(hass, WARM_UP))["path"] == "llm"

    callers = [asyncio.create_task(say(hass, SLOW)) for _ in range(4)]
    # The callers give up once their requests are with the slow provider.
    await _until(lambda: fake_provider.chat_calls() == 5)
    await asyncio.sleep(0.3)
    for caller in callers:
        caller.cancel()
    for caller in callers:
        with contextlib.suppress(asyncio.CancelledError):
            await caller
    assert all(caller.done() for caller in callers)
    assert runtime.budget.state().reserved == 0

    answer = await say(hass, NORMAL)
    assert answer["path"] == "llm", answer
    assert fake_provider.chat_calls() == 6

    rows = [row for row in await runtime.ledger.query() if row.call_id is not None]
    assert len(rows) == fake_provider.chat_calls() == 6
    assert sorted(row.state for row in rows) == [CallState.ESTIMATED] * 4 + [CallState.SETTLED] * 2
    assert all(row.entry_id == entry.entry_id and row.cost_usd > 0 for row in rows)
    spent = sum(row.cost_usd for row in rows)
    assert runtime.budget.state().spent_day == spent
    await hass.async_block_till_done()
    assert float(hass.states.get(cost_today).state) == float(spent)
    await hass.config_entries.async_unload(entry.entry_id)
