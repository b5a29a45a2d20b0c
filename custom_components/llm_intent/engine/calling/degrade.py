"""Degrading before refusing: a cheaper model once most of the budget is spent.

After the 80 % budget alert of the day or the month, commands go to the
cheaper model (same provider and key, another model) until the period rolls
over and spending is below the alert again; only a spent budget refuses. The
model that answered is on every outcome, so the ledger names it.
"""

from __future__ import annotations

from ..cost.budget import ALERT_LEVELS, Budget, BudgetState
from ..pipeline import Command, LLMAnswer
from ..types import ProviderRequest
from .paid_call import PaidLLM

__all__ = ["DEGRADE_LEVEL", "DegradingLLM", "over_level"]

DEGRADE_LEVEL = ALERT_LEVELS[0]


def over_level(state: BudgetState, level: int = DEGRADE_LEVEL) -> bool:
    """Has the day's or the month's spending reached ``level`` percent of its limit?"""
    return any(
        limit is not None and limit > 0 and spent * 100 >= limit * level
        for spent, limit in (
            (state.spent_day, state.daily_limit),
            (state.spent_month, state.monthly_limit),
        )
    )


class DegradingLLM:
    """The pipeline's model backend: ``normal``, or ``cheaper`` past the alert level."""

    def __init__(self, normal: PaidLLM, cheaper: PaidLLM | None, budget: Budget) -> None:
        self.normal = normal
        self.cheaper = cheaper
        self.budget = budget

    @property
    def degraded(self) -> bool:
        return self.cheaper is not None and over_level(self.budget.state())

    def active(self) -> PaidLLM:
        return self.cheaper if self.degraded and self.cheaper is not None else self.normal

    @property
    def active_model(self) -> str:
        return self.active().router.routes[0].provider.model

    def block_reason(self) -> str | None:
        return self.active().block_reason()

    async def recognize(self, request: ProviderRequest, command: Command) -> LLMAnswer:
        return await self.active().recognize(request, command)
