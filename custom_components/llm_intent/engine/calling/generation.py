"""An AI task: one paid generation call, priced, budgeted and accounted like a voice command.

The call goes through the same ``PaidLLM`` as a command's recognition, so it is
counted and reserved against the budget before it is sent, routed over the same
providers, breakers and limiters, and settled afterwards. The result is an
``Outcome`` on the ``ai_task`` path, which the host records like any command
(ledger, cost sensors, metrics), and the generated text or object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..clock import Clock
from ..errors import LLMIntentError
from ..pipeline import Outcome
from ..types import AnswerKind, Path, ProviderRequest
from .paid_call import PaidLLM

DEFAULT_SYSTEM = "You are a Home Assistant expert and help users with their tasks."
# A task's answer is longer than an intent envelope and nobody is waiting by a speaker.
DEFAULT_TASK_MAX_OUTPUT_TOKENS = 1024
DEFAULT_TASK_DEADLINE_S = 30.0


@dataclass(frozen=True, slots=True)
class GenerationTask:
    name: str
    instructions: str
    # JSON schema of the object wanted; None for free text.
    schema: dict[str, Any] | None = None
    system: str = DEFAULT_SYSTEM
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Generated:
    """What the task produced: the data, and the outcome to record."""

    data: Any
    outcome: Outcome


class GenerationError(LLMIntentError):
    """No data: ``reason`` says why ("budget", "timeout", "circuit_open", ...).

    ``outcome`` is still recorded: attempts that reached a provider were paid for.
    """

    def __init__(self, reason: str, outcome: Outcome) -> None:
        super().__init__(f"AI task failed: {reason}")
        self.reason = reason
        self.outcome = outcome


class PaidGeneration:
    """Runs AI tasks over a PaidLLM."""

    def __init__(
        self,
        llm: PaidLLM,
        clock: Clock,
        *,
        max_output_tokens: int = DEFAULT_TASK_MAX_OUTPUT_TOKENS,
        temperature: float = 0.0,
        deadline_s: float = DEFAULT_TASK_DEADLINE_S,
    ) -> None:
        self.llm = llm
        self.clock = clock
        self.max_output_tokens = max_output_tokens
        self.temperature = temperature
        self.deadline_s = deadline_s

    def request_for(self, task: GenerationTask) -> ProviderRequest:
        return ProviderRequest(
            system=task.system,
            user=task.instructions,
            schema=task.schema or {},
            max_output_tokens=self.max_output_tokens,
            temperature=self.temperature,
            answer=AnswerKind.DATA if task.schema is not None else AnswerKind.TEXT,
        )

    async def generate(self, task: GenerationTask) -> Generated:
        """The generated data; raises ``GenerationError`` when there is none.

        Nothing is sent when the budget is already spent or no model has a price.
        """
        started = self.clock.monotonic()
        outcome = Outcome(task.instructions, task.language, "", Path.TASK, intent=None)
        blocked = self.llm.block_reason()
        if blocked is not None:
            raise self._failure(outcome, blocked, started)
        answer = await self.llm.recognize(self.request_for(task), None, deadline_s=self.deadline_s)
        outcome.provider = answer.provider
        outcome.model = answer.model
        outcome.usage = answer.usage
        outcome.cost_usd = answer.cost_usd
        outcome.routed = answer.routed
        if answer.result is None:
            raise self._failure(outcome, answer.error or "error", started)
        outcome.success = True
        outcome.latency_ms = (self.clock.monotonic() - started) * 1000
        return Generated(answer.result.data, outcome)

    def _failure(self, outcome: Outcome, reason: str, started: float) -> GenerationError:
        # A task is not a command: no "not understood", and ``llm_error`` stays unset
        # because it marks a command that fell back from the model (a cache lookup).
        outcome.detail = reason
        outcome.latency_ms = (self.clock.monotonic() - started) * 1000
        return GenerationError(reason, outcome)
