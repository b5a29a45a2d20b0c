"""The real providers, through the official SDKs, against the fake HTTP server.

Every failing call must cost exactly one HTTP request: the router owns retries,
so an SDK retrying on its own would multiply load and cost behind its back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import socket
import time
from typing import Any

import httpx
import pytest
import pytest_asyncio

from custom_components.llm_intent.engine.calling.providers.anthropic_provider import (
    TOOL_NAME,
    AnthropicProvider,
)
from custom_components.llm_intent.engine.calling.providers.factory import create_provider
from custom_components.llm_intent.engine.calling.providers.headers import (
    parse_duration,
    parse_rate_limits,
    parse_retry_after,
)
from custom_components.llm_intent.engine.calling.providers.openai_provider import OpenAIProvider
from custom_components.llm_intent.engine.errors import (
    AuthError,
    BadRequestError,
    InvalidOutputError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ServerError,
)
from custom_components.llm_intent.engine.types import (
    IntentReply,
    ProviderConfig,
    ProviderRequest,
    Usage,
)

from ...fake_provider import (
    ANTHROPIC_KEY,
    OPENAI_KEY,
    ErrorReply,
    FakeProviderServer,
    Hang,
    Malformed,
    RawReply,
    Reply,
    Reset,
    overloaded,
    rate_limited,
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "intent": {"type": "string"},
        "slots": {"type": "object", "additionalProperties": False, "properties": {}},
        "confidence": {"type": "number"},
        "clarify_question": {"type": ["string", "null"]},
    },
    "required": ["intent", "slots", "confidence", "clarify_question"],
    "additionalProperties": False,
}
REQUEST = ProviderRequest(
    system="You map smart-home commands to intents.",
    user="włącz światło w kuchni",
    schema=SCHEMA,
    max_output_tokens=150,
    temperature=0.0,
)
INTENT = {
    "intent": "HassTurnOn",
    "slots": {"area": "kuchnia", "domain": "light"},
    "confidence": 0.87,
    "clarify_question": None,
}
KINDS = ("openai", "openai_compatible", "anthropic")

MakeProvider = Callable[..., Any]


@pytest_asyncio.fixture
async def make_provider(
    fake_provider: FakeProviderServer,
) -> AsyncIterator[MakeProvider]:
    """Builds providers pointed at the fake and closes their SDK clients afterwards."""
    made: list[Any] = []

    def make(
        kind: str,
        *,
        api_key: str | None = "default",
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        **extra: Any,
    ) -> Any:
        if api_key == "default":
            api_key = ANTHROPIC_KEY if kind == "anthropic" else OPENAI_KEY
        if base_url is None:
            base_url = (
                fake_provider.anthropic_base_url
                if kind == "anthropic"
                else fake_provider.openai_base_url
            )
        model = "claude-haiku-4-5" if kind == "anthropic" else "gpt-4o-mini"
        config = ProviderConfig(kind=kind, model=model, api_key=api_key, base_url=base_url, **extra)
        provider = create_provider(config, http_client)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


def generation_path(kind: str) -> str:
    return "/v1/messages" if kind == "anthropic" else "/v1/chat/completions"


# --- success -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_recognize_parses_intent_and_reports_usage_with_cached_tokens(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    fake_provider.script(
        Reply(content=INTENT, input_tokens=1200, output_tokens=40, cached_input_tokens=1024)
    )
    provider = make_provider(kind)

    result = await provider.recognize(REQUEST, timeout=5.0)

    assert result.reply == IntentReply(
        intent="HassTurnOn",
        slots={"area": "kuchnia", "domain": "light"},
        confidence=0.87,
        clarify_question=None,
    )
    # Total input includes the cached part for both providers, although
    # Anthropic reports them as separate counters.
    assert result.usage == Usage(input_tokens=1200, output_tokens=40, cached_input_tokens=1024)
    assert result.provider == kind
    assert result.model == provider.model
    assert result.latency_s >= 0.0
    assert fake_provider.count == 1
    assert len(fake_provider.requests_for(generation_path(kind))) == 1


async def test_anthropic_total_input_adds_cache_writes(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    fake_provider.script(
        Reply(
            content=INTENT,
            input_tokens=3000,
            cached_input_tokens=0,
            cache_creation_input_tokens=2048,
        )
    )
    result = await make_provider("anthropic").recognize(REQUEST, timeout=5.0)
    assert result.usage.input_tokens == 3000
    assert result.usage.cached_input_tokens == 0


async def test_openai_request_sends_the_reply_schema_non_strict(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    await make_provider("openai").recognize(REQUEST, timeout=5.0)

    [sent] = fake_provider.requests_for("/v1/chat/completions")
    assert sent.api_key == OPENAI_KEY
    assert sent.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "intent", "strict": False, "schema": SCHEMA},
    }
    assert sent.body["messages"] == [
        {"role": "system", "content": REQUEST.system},
        {"role": "user", "content": REQUEST.user},
    ]
    assert sent.body["max_completion_tokens"] == 150
    assert "max_tokens" not in sent.body
    assert sent.body["temperature"] == 0.0
    assert not sent.stream


async def test_openai_reasoning_models_get_no_temperature(
    fake_provider: FakeProviderServer,
) -> None:
    provider = OpenAIProvider(
        ProviderConfig(
            kind="openai",
            model="gpt-5-mini",
            api_key=OPENAI_KEY,
            base_url=fake_provider.openai_base_url,
        )
    )
    try:
        await provider.recognize(REQUEST, timeout=5.0)
    finally:
        await provider.aclose()
    [sent] = fake_provider.requests
    assert "temperature" not in sent.body


async def test_anthropic_request_forces_the_report_intent_tool(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    await make_provider("anthropic").recognize(REQUEST, timeout=5.0)

    [sent] = fake_provider.requests_for("/v1/messages")
    assert sent.api_key == ANTHROPIC_KEY
    assert sent.body["system"] == REQUEST.system
    assert sent.body["messages"] == [{"role": "user", "content": REQUEST.user}]
    assert sent.body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    [tool] = sent.body["tools"]
    assert tool["name"] == TOOL_NAME
    assert tool["input_schema"] == SCHEMA
    assert sent.body["max_tokens"] == 150
    assert sent.body["temperature"] == 0.0


async def test_openai_compatible_without_key_sends_no_authorization(
    make_provider: MakeProvider, socket_enabled: None
) -> None:
    server = FakeProviderServer(api_keys=None)
    await server.start()
    try:
        provider = make_provider("openai_compatible", api_key=None, base_url=server.openai_base_url)
        result = await provider.recognize(REQUEST, timeout=5.0)
        await provider.validate(timeout=5.0)
    finally:
        await server.stop()

    assert result.reply.intent == "HassTurnOn"
    sent = server.requests_for("/v1/chat/completions")[0]
    assert sent.api_key is None
    assert "authorization" not in sent.headers
    # Compatible servers get the classic parameter name.
    assert sent.body["max_tokens"] == 150
    assert "max_completion_tokens" not in sent.body
    assert sent.body["response_format"]["type"] == "json_schema"


async def test_openai_compatible_json_object_mode_puts_schema_in_prompt(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    provider = make_provider("openai_compatible", structured_output="json_object")
    result = await provider.recognize(REQUEST, timeout=5.0)

    assert result.reply.intent == "HassTurnOn"
    [sent] = fake_provider.requests
    assert sent.body["response_format"] == {"type": "json_object"}
    system = sent.body["messages"][0]["content"]
    assert system.startswith(REQUEST.system)
    assert '"clarify_question"' in system


async def test_shared_http_client_is_used_and_left_open(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    seen: list[str] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request.url.path)

    async with httpx.AsyncClient(event_hooks={"request": [record]}) as client:
        for kind in KINDS:
            provider = make_provider(kind, http_client=client)
            await provider.recognize(REQUEST, timeout=5.0)
            await provider.aclose()
        assert not client.is_closed
    assert seen == ["/v1/chat/completions", "/v1/chat/completions", "/v1/messages"]


@pytest.mark.parametrize(("confidence", "expected"), [(1, 1.0), (0.25, 0.25), (None, 0.0)])
async def test_a_confidence_from_0_to_1_is_kept(
    fake_provider: FakeProviderServer,
    make_provider: MakeProvider,
    confidence: float | None,
    expected: float,
) -> None:
    fake_provider.script(Reply(content={**INTENT, "confidence": confidence}))
    result = await make_provider("openai").recognize(REQUEST, timeout=5.0)
    assert result.reply.confidence == expected


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
@pytest.mark.parametrize("confidence", [1.7, -0.2])
async def test_a_confidence_outside_0_to_1_is_invalid_output(
    fake_provider: FakeProviderServer,
    make_provider: MakeProvider,
    kind: str,
    confidence: float,
) -> None:
    fake_provider.script(Reply(content={**INTENT, "confidence": confidence}))
    with pytest.raises(InvalidOutputError, match="confidence"):
        await make_provider(kind).recognize(REQUEST, timeout=5.0)


async def test_blank_clarify_question_becomes_none_and_text_is_kept(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    fake_provider.script(
        Reply(content={**INTENT, "clarify_question": "  "}),
        Reply(content={**INTENT, "clarify_question": "Która lampa?"}),
    )
    provider = make_provider("anthropic")
    assert (await provider.recognize(REQUEST, timeout=5.0)).reply.clarify_question is None
    assert (await provider.recognize(REQUEST, timeout=5.0)).reply.clarify_question == (
        "Która lampa?"
    )


async def test_rate_limit_headers_of_a_success_are_exposed(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    fake_provider.script(
        Reply(
            content=INTENT,
            headers={
                "x-ratelimit-limit-requests": "500",
                "x-ratelimit-remaining-requests": "499",
                "x-ratelimit-reset-requests": "120ms",
            },
        )
    )
    result = await make_provider("openai").recognize(REQUEST, timeout=5.0)
    assert result.rate_limits == {
        "requests_limit": 500.0,
        "requests_remaining": 499.0,
        "requests_reset_s": pytest.approx(0.12),
    }


async def test_anthropic_rate_limit_headers_are_normalised(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    fake_provider.script(
        Reply(
            content=INTENT,
            headers={
                "anthropic-ratelimit-requests-limit": "50",
                "anthropic-ratelimit-requests-remaining": "49",
                "anthropic-ratelimit-requests-reset": "2000-01-01T00:00:00Z",
            },
        )
    )
    result = await make_provider("anthropic").recognize(REQUEST, timeout=5.0)
    # A reset in the past means "now", never a negative wait.
    assert result.rate_limits == {
        "requests_limit": 50.0,
        "requests_remaining": 49.0,
        "requests_reset_s": 0.0,
    }


# --- authentication --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_wrong_key_is_auth_error_without_the_key(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    secret = "sk-wrong-key-9f8e7d6c5b4a39281706"
    provider = make_provider(kind, api_key=secret)

    with pytest.raises(AuthError) as caught:
        await provider.recognize(REQUEST, timeout=5.0)

    error = caught.value
    assert error.status == 401
    assert not error.retryable
    assert error.provider == kind
    for text in (str(error), repr(error), repr(error.args)):
        assert secret not in text
        assert secret[-8:] not in text
    assert error.__cause__ is None
    assert fake_provider.count == 1


async def test_key_echoed_in_error_body_is_redacted(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    # A proxy or compatible server may echo the whole key back.
    fake_provider.script(ErrorReply(403, message=f"key {OPENAI_KEY} lacks model access"))
    with pytest.raises(AuthError) as caught:
        await make_provider("openai").recognize(REQUEST, timeout=5.0)
    assert caught.value.status == 403
    assert OPENAI_KEY not in str(caught.value)
    assert "lacks model access" in str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_validate_accepts_a_good_key(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    await make_provider(kind).validate(timeout=5.0)
    [sent] = fake_provider.requests
    assert (sent.method, sent.path) == ("GET", "/v1/models")


@pytest.mark.parametrize("kind", KINDS)
async def test_validate_rejects_a_bad_key(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    with pytest.raises(AuthError) as caught:
        await make_provider(kind, api_key="sk-nope-000000000000").validate(timeout=5.0)
    assert caught.value.status == 401
    assert fake_provider.count == 1


async def test_validate_reports_unreachable_server(make_provider: MakeProvider) -> None:
    provider = make_provider("openai", base_url=f"http://127.0.0.1:{unused_port()}/v1")
    with pytest.raises(ProviderConnectionError):
        await provider.validate(timeout=5.0)


# --- HTTP errors -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_429_retry_after_seconds(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    fake_provider.script(rate_limited(retry_after=2, limit_requests=500, remaining_requests=0))

    with pytest.raises(RateLimitError) as caught:
        await make_provider(kind).recognize(REQUEST, timeout=5.0)

    error = caught.value
    assert error.retryable
    assert error.status == 429
    assert error.retry_after == 2.0
    assert error.rate_limits is not None
    assert error.rate_limits["requests_limit"] == 500.0
    assert error.rate_limits["requests_remaining"] == 0.0
    assert fake_provider.count == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_429_retry_after_ms_wins_over_seconds(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    fake_provider.script(rate_limited(retry_after=3, retry_after_ms=1500))
    with pytest.raises(RateLimitError) as caught:
        await make_provider(kind).recognize(REQUEST, timeout=5.0)
    assert caught.value.retry_after == 1.5
    assert fake_provider.count == 1


async def test_429_without_retry_after(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    fake_provider.script(rate_limited())
    with pytest.raises(RateLimitError) as caught:
        await make_provider("openai").recognize(REQUEST, timeout=5.0)
    assert caught.value.retry_after is None


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("openai", 500),
        ("openai", 503),
        ("openai_compatible", 502),
        ("anthropic", 500),
        ("anthropic", 529),
        ("openai", 408),
        ("anthropic", 409),
    ],
)
async def test_server_side_failures_are_retryable_server_errors(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str, status: int
) -> None:
    fake_provider.script(ErrorReply(status, headers={"retry-after": "4"}))
    with pytest.raises(ServerError) as caught:
        await make_provider(kind).recognize(REQUEST, timeout=5.0)
    assert caught.value.status == status
    assert caught.value.retryable
    assert caught.value.retry_after == 4.0
    assert fake_provider.count == 1


async def test_anthropic_overloaded_mentions_overload(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    fake_provider.script(overloaded())
    with pytest.raises(ServerError) as caught:
        await make_provider("anthropic").recognize(REQUEST, timeout=5.0)
    assert caught.value.status == 529
    assert "overloaded_error" in str(caught.value)
    assert fake_provider.count == 1


@pytest.mark.parametrize(
    ("kind", "status"),
    [("openai", 400), ("openai", 404), ("anthropic", 404), ("anthropic", 413), ("openai", 422)],
)
async def test_client_side_failures_are_bad_requests(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str, status: int
) -> None:
    fake_provider.script(ErrorReply(status))
    with pytest.raises(BadRequestError) as caught:
        await make_provider(kind).recognize(REQUEST, timeout=5.0)
    assert caught.value.status == status
    assert not caught.value.retryable
    assert fake_provider.count == 1


# --- transport failures ------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_hang_times_out_after_the_attempt_budget(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    fake_provider.script(Hang())
    provider = make_provider(kind)

    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError) as caught:
        await provider.recognize(REQUEST, timeout=0.3)
    elapsed = time.monotonic() - started

    assert caught.value.retryable
    # Bounded by the budget, not by the SDK's default of minutes.
    assert elapsed < 3.0
    assert fake_provider.count == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_outside_cancellation_is_not_swallowed(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    # The router cancels attempts when the request deadline passes; turning
    # that into a ProviderError would keep a cancelled pipeline running.
    arrived = asyncio.Event()

    def hang(_request: Any) -> Hang:
        arrived.set()
        return Hang()

    fake_provider.default_handler = hang
    call = asyncio.create_task(make_provider(kind).recognize(REQUEST, timeout=30.0))
    await arrived.wait()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call


@pytest.mark.parametrize("kind", KINDS)
async def test_slow_answer_past_the_budget_times_out(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    fake_provider.script(Reply(content=INTENT, latency=30.0))
    with pytest.raises(ProviderTimeoutError):
        await make_provider(kind).recognize(REQUEST, timeout=0.2)
    assert fake_provider.count == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_unused_port_is_a_connection_error(make_provider: MakeProvider, kind: str) -> None:
    base = f"http://127.0.0.1:{unused_port()}"
    provider = make_provider(kind, base_url=base if kind == "anthropic" else base + "/v1")
    with pytest.raises(ProviderConnectionError) as caught:
        await provider.recognize(REQUEST, timeout=5.0)
    assert caught.value.retryable
    assert OPENAI_KEY not in str(caught.value)
    assert ANTHROPIC_KEY not in str(caught.value)


async def test_stopped_server_is_a_connection_error(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    provider = make_provider("openai")
    await provider.recognize(REQUEST, timeout=5.0)
    await fake_provider.stop()
    with pytest.raises(ProviderConnectionError):
        await provider.recognize(REQUEST, timeout=5.0)


@pytest.mark.parametrize("kind", KINDS)
async def test_connection_reset_is_a_connection_error(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    fake_provider.script(Reset())
    with pytest.raises(ProviderConnectionError):
        await make_provider(kind).recognize(REQUEST, timeout=5.0)
    assert fake_provider.count == 1


# --- unusable answers ----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_malformed_body_is_invalid_output(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    fake_provider.script(Malformed())
    with pytest.raises(InvalidOutputError) as caught:
        await make_provider(kind).recognize(REQUEST, timeout=5.0)
    assert not caught.value.retryable
    assert fake_provider.count == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_truncated_json_is_invalid_output_and_keeps_billed_usage(
    fake_provider: FakeProviderServer, make_provider: MakeProvider, kind: str
) -> None:
    fake_provider.script(Reply(content=INTENT, truncated=True, input_tokens=500, output_tokens=150))
    with pytest.raises(InvalidOutputError) as caught:
        await make_provider(kind).recognize(REQUEST, timeout=5.0)
    assert "cut off" in str(caught.value)
    # The tokens were billed even though the answer is unusable.
    assert caught.value.usage == Usage(input_tokens=500, output_tokens=150)
    assert fake_provider.count == 1


async def test_truncated_json_without_length_finish_is_invalid_output(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    # Some compatible servers report "stop" even when the JSON is cut.
    fake_provider.script(Reply(content='{"intent": "HassTurnOn", "slots": {"ar'))
    with pytest.raises(InvalidOutputError, match="not valid JSON"):
        await make_provider("openai_compatible").recognize(REQUEST, timeout=5.0)


@pytest.mark.parametrize(
    "content",
    [
        {"slots": {}, "confidence": 0.5, "clarify_question": None},
        {"intent": "", "slots": {}},
        {"intent": 7, "slots": {}},
        {"intent": "HassTurnOn", "slots": ["area"]},
        {"intent": "HassTurnOn", "slots": {}, "confidence": "high"},
        {"intent": "HassTurnOn", "slots": {}, "confidence": True},
        {"intent": "HassTurnOn", "slots": {}, "clarify_question": 3},
        '["HassTurnOn"]',
        "Sure! Turning on the light.",
    ],
)
@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_answers_of_the_wrong_shape_are_invalid_output(
    fake_provider: FakeProviderServer,
    make_provider: MakeProvider,
    kind: str,
    content: Any,
) -> None:
    fake_provider.script(Reply(content=content))
    provider = make_provider(kind)
    with pytest.raises(InvalidOutputError):
        await provider.recognize(REQUEST, timeout=5.0)


async def test_anthropic_text_instead_of_tool_call_is_invalid_output(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    fake_provider.script(Reply(content="I think you want the light on.", as_text=True))
    with pytest.raises(InvalidOutputError, match=TOOL_NAME):
        await make_provider("anthropic").recognize(REQUEST, timeout=5.0)


async def test_openai_empty_content_is_invalid_output(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    fake_provider.script(Reply(content=""))
    with pytest.raises(InvalidOutputError, match="no text content"):
        await make_provider("openai").recognize(REQUEST, timeout=5.0)


async def test_openai_refusal_is_invalid_output(
    fake_provider: FakeProviderServer, make_provider: MakeProvider
) -> None:
    fake_provider.script(RawReply(_refusal_completion()))
    with pytest.raises(InvalidOutputError, match="refused"):
        await make_provider("openai").recognize(REQUEST, timeout=5.0)


# --- construction ----------------------------------------------------------------------


def test_factory_builds_each_kind() -> None:
    openai_config = ProviderConfig(kind="openai", model="gpt-4o-mini", api_key="sk-x")
    compatible = ProviderConfig(
        kind="openai_compatible", model="llama3.2", base_url="http://127.0.0.1:11434/v1"
    )
    claude = ProviderConfig(kind="anthropic", model="claude-haiku-4-5", api_key="sk-ant-x")
    assert isinstance(create_provider(openai_config), OpenAIProvider)
    assert isinstance(create_provider(compatible), OpenAIProvider)
    assert isinstance(create_provider(claude), AnthropicProvider)


@pytest.mark.parametrize(
    "config",
    [
        ProviderConfig(kind="gemini", model="x", api_key="k"),
        ProviderConfig(kind="openai", model="gpt-4o-mini"),
        ProviderConfig(kind="anthropic", model="claude-haiku-4-5"),
        ProviderConfig(kind="openai_compatible", model="llama3.2"),
        ProviderConfig(
            kind="openai_compatible",
            model="llama3.2",
            base_url="http://127.0.0.1:1/v1",
            structured_output="yaml",
        ),
    ],
)
def test_factory_rejects_unusable_config(
    config: ProviderConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key in the environment must not stand in for a missing configured one.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-000000")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env-000000")
    with pytest.raises(ValueError):
        create_provider(config)


def test_provider_label_uses_config_name() -> None:
    provider = create_provider(
        ProviderConfig(kind="openai", model="gpt-4o-mini", api_key="sk-x", name="openai-backup")
    )
    assert provider.label == "openai-backup"
    assert provider.model == "gpt-4o-mini"


def test_errors_are_provider_errors() -> None:
    # The router catches ProviderError; every class raised here must be one.
    for cls in (
        AuthError,
        BadRequestError,
        InvalidOutputError,
        ProviderConnectionError,
        ProviderTimeoutError,
        RateLimitError,
        ServerError,
    ):
        assert issubclass(cls, ProviderError)


# --- helpers ---------------------------------------------------------------------------


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _refusal_completion() -> dict[str, Any]:
    return {
        "id": "chatcmpl-refusal",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, "refusal": "I can't help."},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
    }


# --- header parsing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, 10.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:27:00 GMT"}, 0.0),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-3"}, None),
        ({"retry-after": "nan"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse_retry_after(httpx.Headers(headers), now=now) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("2", 2.0),
        ("1x", None),
        ("s", None),
        ("5s garbage", None),
    ],
)
def test_parse_duration(text: str, expected: float | None) -> None:
    result = parse_duration(text)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_parse_rate_limits_reads_anthropic_reset_instants() -> None:
    now = 1_767_225_600.0  # 2026-01-01T00:00:00Z
    headers = httpx.Headers(
        {
            "Anthropic-RateLimit-Requests-Limit": "4000",
            "anthropic-ratelimit-requests-remaining": "3999",
            "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:12Z",
            "anthropic-ratelimit-input-tokens-remaining": "bogus",
        }
    )
    assert parse_rate_limits(headers, now=now) == {
        "requests_limit": 4000.0,
        "requests_remaining": 3999.0,
        "requests_reset_s": 12.0,
    }
    assert parse_rate_limits(httpx.Headers({"content-type": "application/json"})) is None
