"""Money invariants under faults, as property-based sequences.

Commands interleaved with cancels, deadlines, hedges, provider errors,
restarts (clean, and with a request in flight as at a crash), day rolls and
limit changes run against the paid path with a manual clock, two scripted
providers counting what they would bill, a real budget and a real ledger file.
After every step:

(a) the requests the providers received == the entry's call rows in the ledger;
(b) today's spend in the ledger never passes the limit that was set before the
    step by more than one request's worst case;
(c) no reservation is left open when nothing is in flight.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
import tempfile

from hypothesis import HealthCheck, example, given, settings, strategies as st

from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.cost.budget import BudgetPeriod
from custom_components.llm_intent.engine.errors import ServerError

from ..calling.scripted_provider import Answer, Fail, Hang, ScriptedProvider, Step
from .paid_stand import COMMAND, REQUEST, UTC, Stand, worst_case

WORST = worst_case()
DAY = 86_400.0

Action = tuple[str, int]

ACTIONS = st.one_of(
    st.tuples(st.sampled_from(["answer", "error", "timeout", "cancel", "hedged"]), st.just(0)),
    st.tuples(st.sampled_from(["restart", "crash", "day_roll"]), st.just(0)),
    # A new daily limit, in worst cases (0 = no paid request fits).
    st.tuples(st.just("limit"), st.integers(min_value=0, max_value=6)),
)


@dataclass
class World:
    path: Path
    clock: ManualClock = field(default_factory=ManualClock)
    mode: str = "answer"
    limit: Decimal = WORST * 4

    def __post_init__(self) -> None:
        self.primary = ScriptedProvider("openai", model="gpt-4o-mini", default=self._primary)
        self.secondary = ScriptedProvider("anthropic", model="gpt-4o-mini", default=self._secondary)
        self.stand = self._open()
        # The process a crash left behind: its requests never finish.
        self.orphans: list[asyncio.Task[object]] = []

    def _primary(self, _: int) -> Step:
        return {
            "answer": Answer(),
            "error": Fail(ServerError("overloaded", status=503)),
            "hedged": Hang(),
        }.get(self.mode, Hang())

    def _secondary(self, _: int) -> Step:
        return Hang() if self.mode in ("timeout", "cancel") else Answer()

    def _open(self) -> Stand:
        return Stand(
            self.clock,
            [self.primary, self.secondary],
            self.path,
            "entry-1",
            daily=self.limit,
            hedge=True,
            deadline_s=0.05,
            retries=1,
        )

    @property
    def received(self) -> int:
        return self.primary.calls + self.secondary.calls

    async def in_flight(self) -> None:
        while self.primary.hanging + self.secondary.hanging == 0:
            await asyncio.sleep(0)

    async def step(self, action: Action) -> None:
        kind, value = action
        if kind in ("answer", "error", "timeout", "hedged"):
            self.mode = kind
            await self.stand.llm.recognize(REQUEST, COMMAND)
        elif kind == "cancel":
            self.mode = kind
            caller = asyncio.create_task(self.stand.llm.recognize(REQUEST, COMMAND))
            if self.stand.llm.block_reason() is None and self.stand.budget.would_allow(WORST):
                await asyncio.wait([asyncio.ensure_future(self.in_flight()), caller], timeout=1)
            caller.cancel()
            await asyncio.gather(caller, return_exceptions=True)
        elif kind == "restart":
            await self.stand.close()
            self.stand = self._open()
            await self.stand.start()
        elif kind == "crash":
            self.mode = "cancel"
            orphan = asyncio.create_task(self.stand.llm.recognize(REQUEST, COMMAND))
            if self.stand.budget.would_allow(WORST):
                await asyncio.wait([asyncio.ensure_future(self.in_flight()), orphan], timeout=1)
            else:
                # Nothing was sent before the crash, and a dead process sends nothing later.
                orphan.cancel()
                await asyncio.gather(orphan, return_exceptions=True)
            # A new process opens the same file while the old request hangs.
            self.stand = self._open()
            await self.stand.start()
            self.orphans.append(orphan)
        elif kind == "day_roll":
            self.clock.advance(DAY)
        else:
            self.limit = WORST * value
            self.stand.budget.set_limit(BudgetPeriod.DAY, self.limit)

    async def spent_today(self) -> Decimal:
        totals = await self.stand.ledger.totals(
            "day", UTC, self.clock.time(), entry_id="entry-1", all_entries=False
        )
        return totals.cost_usd

    async def call_rows(self) -> int:
        return len([row for row in await self.stand.ledger.query() if row.call_id is not None])


async def _run(actions: list[Action]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = World(Path(folder) / "ledger.db")
        await world.stand.start()
        for action in actions:
            limit_before = world.limit
            spent_before = await world.spent_today()
            await world.step(action)
            # (a) every request a provider received has exactly one row. A
            # crashed process's request in flight is counted too.
            assert world.received == await world.call_rows(), action
            # (b) spending in a step stays within the limit set before it.
            spent = await world.spent_today()
            assert spent <= max(spent_before, limit_before + WORST), (action, spent, limit_before)
            # (c) nothing of this process is in flight, so nothing is reserved.
            assert world.stand.budget.state().reserved == 0, action
            assert world.stand.budget.open_reservations == 0, action
        for orphan in world.orphans:
            orphan.cancel()
        await asyncio.gather(*world.orphans, return_exceptions=True)
        assert world.received == await world.call_rows()
        await world.stand.close()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=12))
# A crash with nothing in flight, then a new day: the dead process must not send later.
@example(actions=[("timeout", 0), ("timeout", 0), ("crash", 0), ("day_roll", 0), ("timeout", 0)])
def test_money_invariants_hold_after_every_step(actions: list[Action]) -> None:
    asyncio.run(_run(actions))


def test_four_cancels_then_a_day_roll_then_a_command_is_served() -> None:
    """The sequence from the field, pinned as one example."""
    actions: list[Action] = [("limit", 4)] + [("cancel", 0)] * 4 + [("day_roll", 0), ("answer", 0)]
    asyncio.run(_run(actions))
