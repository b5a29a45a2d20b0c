"""Value types shared across the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Path(StrEnum):
    """Which route produced the recognition; shown to users and in metrics."""

    LOCAL = "local"  # HA's own local intent matching
    CACHE = "cache"  # an earlier LLM recognition replayed
    LLM = "llm"  # a provider answered
    FALLBACK = "fallback"  # LLM unusable; catalogue patterns matched locally
    NONE = "none"  # nothing understood
    TASK = "ai_task"  # an AI task (data generation), not a voice command


class AnswerKind(StrEnum):
    """What a provider is asked to answer with, and how its reply is read."""

    INTENT = "intent"  # the recognition envelope, read into an IntentReply
    TEXT = "text"  # free text
    DATA = "data"  # a JSON object following the request's schema


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens as the provider reported (or, before sending, as estimated)."""

    input_tokens: int = 0
    output_tokens: int = 0
    # Part of input_tokens billed at the cached-input price.
    cached_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
        )


@dataclass(frozen=True, slots=True)
class IntentReply:
    """The model's structured answer, parsed but not yet validated."""

    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    clarify_question: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderRequest:
    """One recognition request, provider-neutral."""

    system: str
    user: str
    # JSON schema the reply must follow (OpenAI structured outputs /
    # Anthropic forced tool input_schema); not sent for a TEXT answer.
    schema: dict[str, Any]
    max_output_tokens: int = 200
    temperature: float = 0.0
    answer: AnswerKind = AnswerKind.INTENT


@dataclass(frozen=True, slots=True)
class ProviderResult:
    """What a provider returned for one request."""

    provider: str
    model: str
    # Set for an INTENT request; ``data`` holds the answer to a TEXT or DATA one.
    reply: IntentReply | None
    usage: Usage
    latency_s: float
    raw: str = ""
    # Rate-limit headers normalised to "requests_limit", "requests_remaining",
    # "requests_reset_s", "tokens_limit", "tokens_remaining", "tokens_reset_s"
    # (whichever the provider sent), so a limiter can learn the real RPM.
    rate_limits: dict[str, float] | None = None
    data: Any = None


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """Connection settings for one provider; ``api_key`` never leaves memory."""

    kind: str  # "openai" | "anthropic" | "openai_compatible"
    model: str
    api_key: str | None = None
    base_url: str | None = None
    name: str = ""  # label used in metrics/ledger; defaults to kind
    # "json_schema" (strict structured outputs) or "json_object" for
    # OpenAI-compatible servers that lack json_schema support.
    structured_output: str = "json_schema"

    @property
    def label(self) -> str:
        return self.name or self.kind

    def __repr__(self) -> str:  # keys must not reach logs through repr()
        return (
            f"ProviderConfig(kind={self.kind!r}, model={self.model!r}, "
            f"base_url={self.base_url!r}, api_key={'***' if self.api_key else None})"
        )
