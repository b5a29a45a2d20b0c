"""Pre-flight token counts against the figures the OpenAI API reported."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
from pathlib import Path
import threading
import time
from typing import Any

import pytest
import tiktoken

from custom_components.llm_intent.engine.cost.tokens import (
    ANTHROPIC_ESTIMATE,
    CHAR_ESTIMATE,
    CL100K_BASE,
    O200K_BASE,
    AnthropicEstimator,
    TokenCount,
    TokenCounter,
    encoding_for_model,
    load_encoding,
)

DATA = json.loads(
    (Path(__file__).parents[3] / "tests" / "data" / "openai_token_counts.json").read_text("utf-8")
)
CASES = [
    pytest.param(case, model, reported, id=f"{case['name']}-{model}")
    for case in DATA["cases"]
    for model, reported in case["prompt_tokens_reported_by_api"].items()
]

SCHEMA = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": ["HassTurnOn", "HassTurnOff", "HassLightSet"]},
        "slots": {"type": "object"},
        "confidence": {"type": "number"},
        "clarify_question": {"type": ["string", "null"]},
    },
    "required": ["intent", "slots", "confidence", "clarify_question"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    counter = TokenCounter()
    assert counter.prepare()
    return counter


async def executor(target: Callable[[], Any]) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, target)


def test_reference_data_keeps_its_source() -> None:
    assert "OpenAI Cookbook" in DATA["source"]
    assert len(CASES) == 9


@pytest.mark.parametrize(("case", "model", "reported"), CASES)
def test_count_within_five_tokens_of_api(
    counter: TokenCounter, case: dict[str, Any], model: str, reported: int
) -> None:
    """Wrong framing constants, tool constants or encoding choice show up here."""
    count = counter.count_chat_request(model, case["messages"], case.get("tools"))
    assert count.exact
    assert abs(count.tokens - reported) <= 5, (count, reported)


@pytest.mark.parametrize(("case", "model", "reported"), CASES)
def test_count_reproduces_cookbook_method_exactly(
    counter: TokenCounter, case: dict[str, Any], model: str, reported: int
) -> None:
    """Swapped gpt-4o/gpt-4 tool constants are off by 3, inside the 5-token margin."""
    count = counter.count_chat_request(model, case["messages"], case.get("tools"))
    assert count.tokens == reported


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", O200K_BASE),
        ("gpt-4o-mini-2024-07-18", O200K_BASE),
        ("gpt-4.1-nano", O200K_BASE),
        ("gpt-5-mini", O200K_BASE),
        ("o1", O200K_BASE),
        ("o3-mini", O200K_BASE),
        ("o4-mini-2025-04-16", O200K_BASE),
        ("gpt-4", CL100K_BASE),
        ("gpt-4-0613", CL100K_BASE),
        ("gpt-3.5-turbo-0125", CL100K_BASE),
        ("llama3.2", None),
        ("claude-haiku-4-5", None),
        ("omni-moderation", None),
    ],
)
def test_encoding_for_model(model: str, encoding: str | None) -> None:
    """gpt-4o starts with gpt-4: checking the cl100k prefixes first would miscount it."""
    assert encoding_for_model(model) == encoding


def test_name_field_costs_one_token_beyond_its_text(counter: TokenCounter) -> None:
    plain = counter.count_chat_request("gpt-4o", [{"role": "user", "content": "Cześć"}])
    named = counter.count_chat_request(
        "gpt-4o", [{"role": "user", "content": "Cześć", "name": "marek"}]
    )
    name_tokens = counter.count_text("marek").tokens
    assert named.tokens - plain.tokens == name_tokens + 1


def test_content_parts_count_their_text(counter: TokenCounter) -> None:
    as_string = counter.count_chat_request("gpt-4o", [{"role": "user", "content": "Włącz lampę"}])
    as_parts = counter.count_chat_request(
        "gpt-4o", [{"role": "user", "content": [{"type": "text", "text": "Włącz lampę"}]}]
    )
    assert as_parts.tokens == as_string.tokens


def test_response_format_schema_is_counted(counter: TokenCounter) -> None:
    """The intent schema goes with every request; leaving it out under-reserves the budget."""
    messages = [{"role": "user", "content": "Zapal światło w kuchni"}]
    bare = counter.count_chat_request("gpt-4o-mini", messages)
    wrapped = counter.count_chat_request(
        "gpt-4o-mini",
        messages,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "intent", "schema": SCHEMA, "strict": True},
        },
    )
    schema_tokens = counter.count_text(json.dumps(SCHEMA, separators=(",", ":"))).tokens
    assert wrapped.tokens - bare.tokens >= schema_tokens
    assert wrapped.tokens - bare.tokens <= schema_tokens + 15
    assert wrapped.exact
    json_mode = counter.count_chat_request(
        "gpt-4o-mini", messages, response_format={"type": "json_object"}
    )
    assert 0 < json_mode.tokens - bare.tokens < 10


def test_unknown_model_is_counted_with_o200k_but_not_exact(counter: TokenCounter) -> None:
    messages = [{"role": "user", "content": "Turn on the kitchen light"}]
    count = counter.count_chat_request("llama3.2", messages)
    assert count == TokenCount(
        counter.count_chat_request("gpt-4o", messages).tokens, False, O200K_BASE
    )


def test_unloaded_encoding_falls_back_to_flagged_estimate(counter: TokenCounter) -> None:
    case = DATA["cases"][0]
    offline = TokenCounter(loader=lambda name: None)
    assert offline.prepare() is False
    estimate = offline.count_chat_request("gpt-4o", case["messages"])
    assert estimate.exact is False
    assert estimate.encoding == CHAR_ESTIMATE
    real = counter.count_chat_request("gpt-4o", case["messages"]).tokens
    assert 0.8 * real <= estimate.tokens <= 1.6 * real


async def test_failing_loader_never_raises() -> None:
    def broken(name: str) -> tiktoken.Encoding | None:
        raise OSError("no network")

    counter = TokenCounter(loader=broken)
    assert await counter.async_prepare(executor) is False
    count = counter.count_chat_request(
        "gpt-4o", [{"role": "user", "content": "x" * 70}], tools=DATA["cases"][1]["tools"]
    )
    assert count.encoding == CHAR_ESTIMATE
    assert count.tokens > 20


async def test_async_prepare_loads_off_the_event_loop() -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []

    def loader(name: str) -> tiktoken.Encoding | None:
        threads.append(threading.get_ident())
        return load_encoding(name)

    counter = TokenCounter(loader=loader)
    assert await counter.async_prepare(executor, [O200K_BASE])
    assert threads
    assert loop_thread not in threads
    assert counter.ready(O200K_BASE)
    assert not counter.ready(CL100K_BASE)


def _system_prompt(counter: TokenCounter, target_tokens: int) -> str:
    line = (
        "Intencja HassTurnOn: włącz urządzenie (światło, gniazdko, wentylator) w podanym "
        "obszarze; slots: name, area, domain. Example: 'turn on the kitchen light'.\n"
    )
    text = ""
    while counter.count_text(text).tokens < target_tokens:
        text += line
    return text


def test_two_thousand_token_request_counts_in_under_two_ms(counter: TokenCounter) -> None:
    system = _system_prompt(counter, 1950)
    timings = []
    for i in range(30):
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": f"Ustaw jasność lampy w salonie na {i} procent"},
        ]
        start = time.perf_counter()
        count = counter.count_chat_request("gpt-4o-mini", messages, response_format=SCHEMA)
        timings.append(time.perf_counter() - start)
    assert count.tokens >= 2000
    assert min(timings) < 0.002


def test_cache_evicts_without_changing_counts() -> None:
    counter = TokenCounter(cache_size=2)
    assert counter.prepare([O200K_BASE])
    texts = [f"{i} " + "Zapal światło w przedpokoju i w kuchni. " * 5 for i in range(5)]
    first = [counter.count_text(text).tokens for text in texts]
    second = [counter.count_text(text).tokens for text in reversed(texts)]
    encoding = tiktoken.get_encoding(O200K_BASE)
    assert first == [len(encoding.encode_ordinary(text)) for text in texts]
    assert second == list(reversed(first))


def test_anthropic_estimate_starts_at_prior_and_is_flagged(counter: TokenCounter) -> None:
    estimator = AnthropicEstimator(counter, prior=1.15)
    system = "Rozpoznaj intencję polecenia."
    messages = [{"role": "user", "content": "Włącz światło w salonie"}]
    estimate = estimator.estimate("claude-haiku-4-5", system, messages)
    assert estimate.exact is False
    assert estimate.encoding == ANTHROPIC_ESTIMATE
    assert estimate.basis is not None
    assert estimate.tokens == -(-estimate.basis * 115 // 100)


def test_anthropic_calibration_converges_per_model(counter: TokenCounter) -> None:
    estimator = AnthropicEstimator(counter, prior=1.15, smoothing=0.2)
    system = _system_prompt(counter, 400)
    true_ratio = {"claude-haiku-4-5": 1.32, "claude-sonnet-4-5": 1.08}
    for i in range(40):
        for model, ratio in true_ratio.items():
            messages = [{"role": "user", "content": f"Ustaw termostat na {i} stopni"}]
            estimate = estimator.estimate(model, system, messages)
            assert estimate.basis is not None
            noise = 1 + (0.03 if i % 2 else -0.03)
            estimator.observe(model, estimate, round(estimate.basis * ratio * noise))
    for model, ratio in true_ratio.items():
        assert estimator.ratio(model) == pytest.approx(ratio, abs=0.02)
        final = estimator.estimate(model, system, [{"role": "user", "content": "Zgaś"}])
        assert final.basis is not None
        assert final.tokens == pytest.approx(final.basis * ratio, rel=0.02)


def test_anthropic_calibration_ignores_unusable_samples(counter: TokenCounter) -> None:
    estimator = AnthropicEstimator(counter, prior=1.15, max_ratio=4.0)
    messages = [{"role": "user", "content": "Włącz radio"}]
    estimate = estimator.estimate("claude-haiku-4-5", "System", messages)
    char_estimate = TokenCount(10, False, CHAR_ESTIMATE)
    estimator.observe("claude-haiku-4-5", char_estimate, 500)
    estimator.observe("claude-haiku-4-5", estimate, 0)
    assert estimator.ratio("claude-haiku-4-5") == 1.15
    estimator.observe("claude-haiku-4-5", estimate, 10_000_000)
    assert estimator.ratio("claude-haiku-4-5") == 4.0


def test_anthropic_estimate_without_encoding_is_char_based() -> None:
    estimator = AnthropicEstimator(TokenCounter(loader=lambda name: None))
    estimate = estimator.estimate("claude-haiku-4-5", "System prompt", [{"content": "Hej"}])
    assert estimate.encoding == CHAR_ESTIMATE
    assert estimate.tokens > 0
