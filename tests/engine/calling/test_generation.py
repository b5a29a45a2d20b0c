"""AI tasks through the real SDKs and the paid path: text and structured data, priced and budgeted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
import pytest_asyncio

from custom_components.llm_intent.engine.calling.breaker import CircuitBreaker
from custom_components.llm_intent.engine.calling.generation import (
    GenerationError,
    GenerationTask,
    PaidGeneration,
)
from custom_components.llm_intent.engine.calling.limiter import RateLimiter
from custom_components.llm_intent.engine.calling.paid_call import PaidLLM, request_messages
from custom_components.llm_intent.engine.calling.providers.anthropic_provider import (
    DATA_TOOL_NAME,
)
from custom_components.llm_intent.engine.calling.providers.factory import create_provider
from custom_components.llm_intent.engine.calling.router import Route
from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.cost.budget import Budget
from custom_components.llm_intent.engine.cost.pricing import PriceBook
from custom_components.llm_intent.engine.cost.tokens import TokenCounter
from custom_components.llm_intent.engine.types import Path, ProviderConfig

from ...fake_provider import ANTHROPIC_KEY, OPENAI_KEY, FakeProviderServer, Reply

KINDS = ("openai", "anthropic")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "count": {"type": "number"}},
    "required": ["title"],
    "additionalProperties": False,
}
# gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
MILLION = Decimal(1_000_000)


class Paid:
    """A PaidGeneration over one real provider pointed at the fake server."""

    def __init__(self, fake: FakeProviderServer, kind: str, daily: str = "1") -> None:
        model = "claude-haiku-4-5" if kind == "anthropic" else "gpt-4o-mini"
        self.provider: Any = create_provider(
            ProviderConfig(
                kind=kind,
                model=model,
                api_key=ANTHROPIC_KEY if kind == "anthropic" else OPENAI_KEY,
                base_url=fake.anthropic_base_url if kind == "anthropic" else fake.openai_base_url,
            )
        )
        self.clock = ManualClock()
        self.budget = Budget(Decimal(daily), Decimal(10), tz=ZoneInfo("UTC"), clock=self.clock)
        counter = TokenCounter()
        counter.prepare()
        self.llm = PaidLLM(
            [
                Route(
                    self.provider,
                    CircuitBreaker(kind, clock=self.clock),
                    RateLimiter(kind, clock=self.clock),
                )
            ],
            PriceBook(),
            self.budget,
            counter,
            clock=self.clock,
        )
        self.generation = PaidGeneration(self.llm, self.clock)

    async def close(self) -> None:
        await self.provider.aclose()


@pytest_asyncio.fixture
async def paid(fake_provider: FakeProviderServer) -> AsyncIterator[dict[str, Paid]]:
    made = {kind: Paid(fake_provider, kind) for kind in KINDS}
    yield made
    for one in made.values():
        await one.close()


@pytest.mark.parametrize("kind", KINDS)
async def test_structured_task_sends_the_schema_and_returns_the_object(
    fake_provider: FakeProviderServer, paid: dict[str, Paid], kind: str
) -> None:
    fake_provider.script(
        Reply(content={"title": "Pranie", "count": 2}, input_tokens=400, output_tokens=30)
    )
    task = GenerationTask("shopping", "Nazwij zadanie i policz je.", schema=SCHEMA)

    generated = await paid[kind].generation.generate(task)

    assert generated.data == {"title": "Pranie", "count": 2}
    body = fake_provider.requests[-1].body
    if kind == "anthropic":
        assert body["tool_choice"] == {"type": "tool", "name": DATA_TOOL_NAME}
        assert body["tools"][0]["input_schema"] == SCHEMA
    else:
        assert body["response_format"]["json_schema"]["schema"] == SCHEMA
        assert body["response_format"]["json_schema"]["name"] == "data"
    assert body["max_tokens" if kind == "anthropic" else "max_completion_tokens"] == 1024
    outcome = generated.outcome
    assert outcome.path is Path.TASK
    assert outcome.success
    assert outcome.usage.input_tokens == 400
    assert outcome.usage.output_tokens == 30
    assert outcome.cost_usd > 0
    assert paid[kind].budget.state().spent_day == outcome.cost_usd


@pytest.mark.parametrize("kind", KINDS)
async def test_text_task_asks_for_no_structure_and_returns_the_text(
    fake_provider: FakeProviderServer, paid: dict[str, Paid], kind: str
) -> None:
    fake_provider.script(Reply(content="Dzień dobry!", input_tokens=100, output_tokens=5))

    generated = await paid[kind].generation.generate(GenerationTask("greet", "Say hello."))

    assert generated.data == "Dzień dobry!"
    body = fake_provider.requests[-1].body
    assert "response_format" not in body
    assert "tools" not in body
    assert "tool_choice" not in body


async def test_task_cost_is_the_price_of_the_reported_tokens(
    fake_provider: FakeProviderServer, paid: dict[str, Paid]
) -> None:
    fake_provider.script(Reply(content={"title": "x"}, input_tokens=20_000, output_tokens=1000))

    generated = await paid["openai"].generation.generate(
        GenerationTask("t", "Give a title.", schema=SCHEMA)
    )

    expected = (20_000 * Decimal("0.15") + 1000 * Decimal("0.60")) / MILLION
    assert generated.outcome.cost_usd == expected
    assert paid["openai"].budget.state().spent_day == expected


@pytest.mark.parametrize("kind", KINDS)
async def test_an_answer_that_is_not_an_object_is_invalid_but_still_paid(
    fake_provider: FakeProviderServer, paid: dict[str, Paid], kind: str
) -> None:
    bad: Any = '["not", "an", "object"]' if kind == "openai" else "plain words"
    fake_provider.default_handler = lambda _r: Reply(
        content=bad, input_tokens=300, output_tokens=10, as_text=True
    )

    with pytest.raises(GenerationError) as caught:
        await paid[kind].generation.generate(GenerationTask("t", "Title?", schema=SCHEMA))

    assert caught.value.reason == "invalid_output"
    outcome = caught.value.outcome
    assert not outcome.success
    assert outcome.usage.input_tokens >= 300, "tokens of a bad answer are still billed"
    assert outcome.cost_usd > 0
    assert paid[kind].budget.state().spent_day == outcome.cost_usd


async def test_over_budget_a_task_is_refused_before_anything_is_sent(
    fake_provider: FakeProviderServer,
) -> None:
    paid = Paid(fake_provider, "openai", daily="0.0001")
    try:
        paid.budget.record(Decimal("0.0001"))
        with pytest.raises(GenerationError) as caught:
            await paid.generation.generate(GenerationTask("t", "Title?", schema=SCHEMA))
        assert caught.value.reason == "budget"
        assert fake_provider.count == 0
        assert caught.value.outcome.cost_usd == 0
        assert caught.value.outcome.path is Path.TASK
    finally:
        await paid.close()


async def test_a_task_whose_worst_case_does_not_fit_is_not_sent(
    fake_provider: FakeProviderServer,
) -> None:
    # 1024 output tokens at $0.60/M can cost $0.0006: more than the $0.0005 left.
    paid = Paid(fake_provider, "openai", daily="0.0005")
    try:
        with pytest.raises(GenerationError) as caught:
            await paid.generation.generate(GenerationTask("t", "Title?"))
        assert caught.value.reason == "budget"
        assert fake_provider.count == 0
        assert paid.budget.state().spent_day == 0
    finally:
        await paid.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    reported=st.lists(st.integers(0, 1024), min_size=1, max_size=6),
    daily=st.decimals(min_value=Decimal("0.0005"), max_value=Decimal("0.02"), places=4),
)
async def test_tasks_never_spend_past_the_budget_and_every_cent_is_accounted(
    fake_provider: FakeProviderServer,
    reported: list[int],
    daily: Decimal,
) -> None:
    """Whatever the model writes (up to the output limit), the budget's spend is exactly
    the sum of the tasks' costs, and a task is sent only while its worst case fits."""
    fake_provider.reset()
    paid = Paid(fake_provider, "openai", daily=str(daily))
    task = GenerationTask("t", "Say ok.")
    request = paid.generation.request_for(task)
    counted = paid.llm.counter.count_chat_request("gpt-4o-mini", request_messages(request)).tokens
    try:
        total = Decimal(0)
        for output_tokens in reported:
            fake_provider.default_handler = lambda _r, o=output_tokens: Reply(
                content="ok", input_tokens=counted, output_tokens=o
            )
            spent_before = paid.budget.state().spent_day
            sent_before = fake_provider.count
            try:
                outcome = (await paid.generation.generate(task)).outcome
            except GenerationError as err:
                refused: GenerationError | None = err
                outcome = err.outcome
            else:
                refused = None
            if refused is not None:
                assert refused.reason == "budget"
                assert fake_provider.count == sent_before, "a refused task sends nothing"
            else:
                # The reservation covered the real cost, so the limit can only be reached.
                assert spent_before + outcome.cost_usd <= daily
            total += outcome.cost_usd
            assert paid.budget.state().spent_day == total
    finally:
        await paid.close()
