"""The paid path: count, price and reserve before sending, route, then settle.

Wraps the router so the pipeline sees one call: a recognition or a reason why
there is none ("budget", "timeout", "circuit_open", ...), with the usage and
cost of every attempt that reached a provider.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
import logging
from typing import Any

from ..cost.budget import Budget, Reservation
from ..cost.pricing import PriceBook, cost, worst_case_cost
from ..cost.tokens import TokenCount, TokenCounter
from ..errors import (
    AuthError,
    BudgetExceededError,
    CircuitOpenError,
    DeadlineExceededError,
    InvalidOutputError,
    ProviderTimeoutError,
    QueueFullError,
    RateLimitError,
)
from ..pipeline import Command, LLMAnswer
from ..types import ProviderRequest
from .providers.base import Provider
from .router import Route, Router

_LOGGER = logging.getLogger(__name__)

# Input tokens counted before sending, for the command handled in this task; the
# ledger keeps it beside the reported count so estimates can be checked.
ESTIMATED_INPUT_TOKENS: ContextVar[int | None] = ContextVar("estimated_input_tokens", default=None)


@dataclass(frozen=True, slots=True)
class _Ticket:
    reservation: Reservation | None
    estimate: TokenCount


def request_messages(request: ProviderRequest) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": request.system},
        {"role": "user", "content": request.user},
    ]


def error_reason(error: BaseException | None) -> str:
    reasons: list[tuple[type[BaseException], str]] = [
        (BudgetExceededError, "budget"),
        (AuthError, "auth"),
        (CircuitOpenError, "circuit_open"),
        (QueueFullError, "queue_full"),
        (RateLimitError, "rate_limited"),
        (ProviderTimeoutError, "timeout"),
        (DeadlineExceededError, "timeout"),
        (InvalidOutputError, "invalid_output"),
    ]
    seen: BaseException | None = error
    while seen is not None:
        for kind, reason in reasons:
            if isinstance(seen, kind):
                return reason
        seen = seen.__cause__
    return "error"


class PaidLLM:
    """Budget-aware access to the router; implements the pipeline's LLMBackend."""

    def __init__(
        self,
        routes: Sequence[Route],
        prices: PriceBook,
        budget: Budget,
        counter: TokenCounter,
        **router_options: Any,
    ) -> None:
        self.router = Router(routes, before_send=self.before_send, **router_options)
        self.prices = prices
        self.budget = budget
        self.counter = counter

    def unpriced_models(self) -> list[str]:
        return [
            r.provider.model
            for r in self.router.routes
            if self.prices.lookup(r.provider.model) is None
        ]

    def block_reason(self) -> str | None:
        """Why no request may be sent now, before building one."""
        state = self.budget.state()
        if state.day_exceeded or state.month_exceeded:
            return "budget"
        if len(self.unpriced_models()) == len(self.router.routes):
            return "budget"
        return None

    async def before_send(self, provider: Provider, request: ProviderRequest) -> _Ticket:
        price = self.prices.lookup(provider.model)
        if price is None:
            raise BudgetExceededError(f"no price known for model {provider.model}")
        estimate = self.counter.count_chat_request(
            provider.model, request_messages(request), response_format=request.schema
        )
        worst = worst_case_cost(price, estimate.tokens, request.max_output_tokens)
        reservation = self.budget.reserve(worst)
        if reservation is None:
            raise BudgetExceededError("budget would be exceeded")
        return _Ticket(reservation, estimate)

    async def recognize(
        self, request: ProviderRequest, command: Command | None, *, deadline_s: float | None = None
    ) -> LLMAnswer:
        """One paid call; ``command`` is None for an AI task, which has its own deadline."""
        outcome = await self.router.recognize(request, deadline_s=deadline_s)
        estimates = [
            a.reservation.estimate.tokens
            for a in outcome.attempts
            if isinstance(a.reservation, _Ticket) and a.sent
        ]
        if estimates:
            ESTIMATED_INPUT_TOKENS.set(estimates[-1])
        total = Decimal(0)
        for attempt in outcome.attempts:
            ticket = attempt.reservation
            spent = Decimal(0)
            price = self.prices.lookup(attempt.model)
            if attempt.usage is not None and price is not None:
                spent = cost(price, attempt.usage)
            total += spent
            if isinstance(ticket, _Ticket) and ticket.reservation is not None:
                if attempt.sent:
                    ticket.reservation.settle(spent)
                else:
                    ticket.reservation.release()
            elif spent:
                self.budget.record(spent)
        result = outcome.result
        model = (
            result.model if result else (outcome.attempts[-1].model if outcome.attempts else None)
        )
        return LLMAnswer(
            result=result,
            provider=outcome.served_by
            or (outcome.attempts[-1].provider if outcome.attempts else None),
            model=model,
            usage=outcome.usage,
            cost_usd=total,
            error=None if result else error_reason(outcome.error),
            routed=outcome,
        )
