"""The paid path over scripted providers, with a real budget, accounting and ledger file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
import random
from zoneinfo import ZoneInfo

from custom_components.llm_intent.engine.calling.breaker import CircuitBreaker
from custom_components.llm_intent.engine.calling.limiter import RateLimiter
from custom_components.llm_intent.engine.calling.paid_call import PaidLLM, request_messages
from custom_components.llm_intent.engine.calling.retry import RetryPolicy
from custom_components.llm_intent.engine.calling.router import Route
from custom_components.llm_intent.engine.clock import Clock
from custom_components.llm_intent.engine.cost.accounting import Accounting
from custom_components.llm_intent.engine.cost.budget import Budget
from custom_components.llm_intent.engine.cost.ledger import AsyncLedger, Ledger, LedgerEntry
from custom_components.llm_intent.engine.cost.pricing import PriceBook, worst_case_cost
from custom_components.llm_intent.engine.cost.tokens import TokenCounter
from custom_components.llm_intent.engine.pipeline import Command
from custom_components.llm_intent.engine.types import ProviderRequest

from ..calling.scripted_provider import ScriptedProvider

UTC = ZoneInfo("UTC")
MODEL = "gpt-4o-mini"
REQUEST = ProviderRequest(system="catalogue", user="włącz lampę w kuchni", schema={})
COMMAND = Command("włącz lampę w kuchni")
_COUNTER = TokenCounter()
_COUNTER.prepare()


def worst_case() -> Decimal:
    """What one ``REQUEST`` reserves and is assumed to cost when its usage never comes."""
    price = PriceBook().lookup(MODEL)
    assert price is not None
    estimate = _COUNTER.count_chat_request(
        MODEL, request_messages(REQUEST), response_format=REQUEST.schema
    )
    return worst_case_cost(price, estimate.tokens, REQUEST.max_output_tokens)


async def run_inline[T](target: object) -> T:
    assert callable(target)
    result: T = target()
    return result


@dataclass
class Stand:
    """One config entry's paid path. ``restart`` re-opens everything on the same file."""

    clock: Clock
    providers: Sequence[ScriptedProvider]
    path: Path
    entry_id: str
    daily: Decimal | None
    hedge: bool = False
    deadline_s: float = 2.5
    retries: int = 0
    concurrency: int = 64

    def __post_init__(self) -> None:
        self.budget = Budget(self.daily, None, tz=UTC, clock=self.clock)
        self.ledger = AsyncLedger(Ledger(self.path), run_inline)
        self.accounting = Accounting(
            self.clock, UTC, ledger=self.ledger, budget=self.budget, entry_id=self.entry_id
        )
        routes = [
            Route(
                p,
                CircuitBreaker(p.label, clock=self.clock, failure_threshold=1000),
                RateLimiter(
                    p.label, clock=self.clock, max_concurrency=self.concurrency, max_queue=64
                ),
            )
            for p in self.providers
        ]
        self.llm = PaidLLM(
            routes,
            PriceBook(),
            self.budget,
            _COUNTER,
            clock=self.clock,
            retry_policy=RetryPolicy(max_retries=self.retries, base_delay=0.01, jitter=0.0),
            deadline_s=self.deadline_s,
            hedge=self.hedge,
            hedge_min_samples=1,
            rng=random.Random(3),
        )
        self.llm.recorder = self.accounting

    async def start(self) -> None:
        await self.accounting.restore()

    async def rows(self) -> list[LedgerEntry]:
        return await self.ledger.query(entry_id=self.entry_id)

    async def call_rows(self) -> list[LedgerEntry]:
        return [row for row in await self.rows() if row.call_id is not None]

    async def close(self) -> None:
        await self.ledger.close()
