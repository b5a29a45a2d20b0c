"""The paid path: count, price, reserve and record before sending, route, then settle.

Wraps the router so the pipeline sees one call: a recognition or a reason why
there is none ("budget", "timeout", "circuit_open", ...), with the usage and
cost of every attempt that reached a provider.

Every attempt holds a ``PaidTicket`` from just before it is sent until the
router ends it, on whatever path the attempt leaves by. A request that was
sent but whose usage never came back (deadline, cancellation, a hedge that
lost) is assumed billed at its worst case: the counted input plus the output
cap. Only a provider that answered (with usage, or with an error status)
says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
import logging
from typing import Any, Protocol
import uuid

from ..cost.budget import Budget, Reservation
from ..cost.ledger import CallState
from ..cost.pricing import ModelPrice, PriceBook, cost, worst_case_cost
from ..cost.tokens import TokenCount, TokenCounter
from ..errors import (
    AuthError,
    BudgetExceededError,
    CircuitOpenError,
    DeadlineExceededError,
    InvalidOutputError,
    ProviderError,
    ProviderTimeoutError,
    QueueFullError,
    RateLimitError,
)
from ..pipeline import Command, LLMAnswer
from ..types import ProviderRequest, Usage
from .providers.base import Provider
from .router import Route, Router

_LOGGER = logging.getLogger(__name__)

# Input tokens counted before sending, for the command handled in this task; the
# ledger keeps it beside the reported count so estimates can be checked.
ESTIMATED_INPUT_TOKENS: ContextVar[int | None] = ContextVar("estimated_input_tokens", default=None)


@dataclass(frozen=True, slots=True)
class SentCall:
    """One request about to leave for a provider, as the ledger first sees it."""

    call_id: str
    provider: str
    model: str
    estimated_input_tokens: int
    max_output_tokens: int
    # What the request costs at most: input as counted plus the output cap.
    worst_case_usd: Decimal


class CallRecorder(Protocol):
    """Where paid calls are written down (the ledger, through accounting)."""

    async def call_sent(self, call: SentCall) -> None:
        """Record ``call`` as sent; returns once the record is durable."""
        ...

    def call_finished(
        self, call: SentCall, state: CallState, usage: Usage, cost_usd: Decimal
    ) -> None:
        """The call ended: settled with reported usage, or estimated."""
        ...

    def call_withdrawn(self, call: SentCall) -> None:
        """The call was recorded but never left (deadline or cancel before sending)."""
        ...


class PaidTicket:
    """One attempt's reservation and ledger row, ended once by the router."""

    __slots__ = ("_recorder", "call", "cost", "estimate", "price", "reservation", "state")

    def __init__(
        self,
        reservation: Reservation,
        estimate: TokenCount,
        price: ModelPrice,
        call: SentCall,
        recorder: CallRecorder | None,
    ) -> None:
        self.reservation = reservation
        self.estimate = estimate
        self.price = price
        self.call = call
        self._recorder = recorder
        self.cost = Decimal(0)
        self.state: CallState | None = None

    @property
    def recorded(self) -> bool:
        """Whether the call has a ledger row."""
        return self._recorder is not None

    def finish(self, sent: bool, usage: Usage | None, error: BaseException | None) -> None:
        if self.state is not None or not self.reservation.active:
            return
        if not sent:
            self.reservation.release()
            if self._recorder is not None:
                self._recorder.call_withdrawn(self.call)
            return
        if usage is not None:
            state, spent = CallState.SETTLED, cost(self.price, usage)
        elif isinstance(error, ProviderError) and error.status is not None:
            # The provider answered with an error status: nothing was billed.
            state, spent, usage = CallState.SETTLED, Decimal(0), Usage()
        else:
            state, spent = CallState.ESTIMATED, self.call.worst_case_usd
            usage = Usage(self.call.estimated_input_tokens, self.call.max_output_tokens)
        self.state, self.cost = state, spent
        self.reservation.settle(spent)
        if self._recorder is not None:
            self._recorder.call_finished(self.call, state, usage, spent)


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
        # Set by whoever keeps the ledger; without one, calls are only budgeted.
        self.recorder: CallRecorder | None = None

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

    async def before_send(self, provider: Provider, request: ProviderRequest) -> PaidTicket:
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
        call = SentCall(
            call_id=uuid.uuid4().hex,
            provider=provider.label,
            model=provider.model,
            estimated_input_tokens=estimate.tokens,
            max_output_tokens=request.max_output_tokens,
            worst_case_usd=worst,
        )
        recorder = self.recorder
        ticket = PaidTicket(reservation, estimate, price, call, recorder)
        if recorder is not None:
            try:
                # Written before the request leaves, so a crash while it is in
                # flight still leaves a row to bill it against.
                await recorder.call_sent(call)
            except BaseException as err:
                ticket.finish(False, None, err)
                raise
        return ticket

    async def recognize(
        self, request: ProviderRequest, command: Command | None, *, deadline_s: float | None = None
    ) -> LLMAnswer:
        """One paid call; ``command`` is None for an AI task, which has its own deadline."""
        outcome = await self.router.recognize(request, deadline_s=deadline_s)
        tickets = [
            a.reservation
            for a in outcome.attempts
            if isinstance(a.reservation, PaidTicket) and a.sent
        ]
        if tickets:
            ESTIMATED_INPUT_TOKENS.set(tickets[-1].estimate.tokens)
        total = sum((ticket.cost for ticket in tickets), Decimal(0))
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
