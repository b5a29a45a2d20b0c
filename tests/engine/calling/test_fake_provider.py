"""The fake provider is only useful if the official SDKs accept what it sends.

These tests drive it with the SDKs' own request and streaming helpers (and
with Home Assistant's openai_conversation stream transformer, which later
benchmarks run against it), so a drift in event shapes fails here rather than
as a confusing provider-test failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import time
from typing import Any

import anthropic
import httpx
import openai
import pytest
import pytest_asyncio

from ...fake_provider import (
    ANTHROPIC_KEY,
    DEFAULT_INTENT,
    OPENAI_KEY,
    ErrorReply,
    FakeProviderServer,
    Hang,
    IntentResponder,
    Malformed,
    RecordedRequest,
    Reply,
    Reset,
    overloaded,
    rate_limited,
)

INTENT = {
    "intent": "HassLightSet",
    "slots": {"area": "salon", "brightness": 40},
    "confidence": 0.8,
    "clarify_question": None,
}
SCHEMA: dict[str, Any] = {"type": "object", "properties": {"intent": {"type": "string"}}}
TOOL: Any = {
    "type": "function",
    "name": "HassTurnOn",
    "description": "Turns on a device",
    "parameters": {"type": "object", "properties": {"name": {"type": "string"}}},
    "strict": False,
}


@pytest_asyncio.fixture
async def oai(fake_provider: FakeProviderServer) -> AsyncIterator[openai.AsyncOpenAI]:
    client = openai.AsyncOpenAI(
        api_key=OPENAI_KEY, base_url=fake_provider.openai_base_url, max_retries=0
    )
    yield client
    await client.close()


@pytest_asyncio.fixture
async def claude(fake_provider: FakeProviderServer) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(
        api_key=ANTHROPIC_KEY, base_url=fake_provider.anthropic_base_url, max_retries=0
    )
    yield client
    await client.close()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


# --- recording, auth and scripting ------------------------------------------------


async def test_records_requests_with_masked_credentials(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI, claude: anthropic.AsyncAnthropic
) -> None:
    before = time.monotonic()
    await oai.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hej"}]
    )
    await claude.messages.create(
        model="claude-haiku-4-5", max_tokens=10, messages=[{"role": "user", "content": "hej"}]
    )

    assert fake_provider.count == 2
    chat, message = fake_provider.requests
    assert (chat.method, chat.path, chat.api) == ("POST", "/v1/chat/completions", "openai")
    assert chat.api_key == OPENAI_KEY
    assert chat.headers["authorization"] == "***"
    assert OPENAI_KEY not in json.dumps(dict(chat.headers))
    assert chat.body["messages"] == [{"role": "user", "content": "hej"}]
    assert before <= chat.received_at <= message.received_at
    assert message.api_key == ANTHROPIC_KEY
    assert message.headers["x-api-key"] == "***"
    assert fake_provider.requests_for("/v1/messages") == [message]

    fake_provider.script(Reply(content="x"))
    fake_provider.reset()
    assert fake_provider.count == 0
    assert fake_provider.pending == 0


async def test_bad_or_missing_key_gets_each_apis_401_body(
    fake_provider: FakeProviderServer, http: httpx.AsyncClient
) -> None:
    url = fake_provider.url
    wrong = await http.post(
        f"{url}/v1/chat/completions",
        json={"model": "m", "messages": []},
        headers={"Authorization": "Bearer sk-wrong-1234567890"},
    )
    assert wrong.status_code == 401
    error = wrong.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_api_key"
    # Masked like the real API does, never the whole key.
    assert "sk-wrong-1234567890" not in error["message"]

    missing = await http.post(f"{url}/v1/chat/completions", json={"model": "m", "messages": []})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "invalid_api_key"

    claude = await http.post(
        f"{url}/v1/messages",
        json={"model": "m", "max_tokens": 1, "messages": []},
        headers={"x-api-key": "nope", "anthropic-version": "2023-06-01"},
    )
    assert claude.status_code == 401
    body = claude.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "authentication_error"
    # A rejected key does not consume the script.
    assert fake_provider.count == 3


async def test_server_without_keys_accepts_anyone(
    socket_enabled: None, http: httpx.AsyncClient
) -> None:
    server = FakeProviderServer(api_keys=None)
    await server.start()
    try:
        response = await http.get(f"{server.url}/v1/models")
    finally:
        await server.stop()
    assert response.status_code == 200
    assert response.json()["object"] == "list"


async def test_script_is_consumed_in_order_then_the_default_handler_answers(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    seen: list[RecordedRequest] = []

    async def handler(request: RecordedRequest) -> Reply:
        seen.append(request)
        return Reply(content="from handler")

    fake_provider.default_handler = handler
    fake_provider.script(Reply(content="first"), Reply(content="second"))
    answers = [
        (
            await oai.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": str(n)}]
            )
        )
        .choices[0]
        .message.content
        for n in range(3)
    ]
    assert answers == ["first", "second", "from handler"]
    assert [r.body["messages"][0]["content"] for r in seen] == ["2"]


async def test_default_responder_answers_structured_requests_with_the_intent(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    structured = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "turn on the light"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "intent", "strict": True, "schema": SCHEMA},
        },
    )
    plain = await oai.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
    )
    assert json.loads(structured.choices[0].message.content or "") == DEFAULT_INTENT
    assert plain.choices[0].message.content == "OK."

    fake_provider.default_handler = IntentResponder(INTENT)
    again = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "dim the lights"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(again.choices[0].message.content or "") == INTENT


async def test_default_usage_grows_with_the_prompt(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    short = await oai.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    long = await oai.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi " * 400}]
    )
    assert short.usage is not None
    assert long.usage is not None
    assert 0 < short.usage.prompt_tokens < long.usage.prompt_tokens
    assert long.usage.prompt_tokens >= 250


# --- failure behaviours -------------------------------------------------------------


async def test_latency_does_not_block_other_requests(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    def by_content(request: RecordedRequest) -> Reply:
        said = request.body["messages"][0]["content"]
        return Reply(content=said, latency=1.0 if said == "slow" else 0.0)

    fake_provider.default_handler = by_content

    async def ask(what: str) -> str | None:
        completion = await oai.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": what}]
        )
        return completion.choices[0].message.content

    slow = asyncio.create_task(ask("slow"))
    fast = asyncio.create_task(ask("fast"))
    done, _ = await asyncio.wait({slow, fast}, return_when=asyncio.FIRST_COMPLETED)
    assert done == {fast}
    assert fast.result() == "fast"
    assert await slow == "slow"


async def test_stop_releases_a_hung_request(socket_enabled: None, http: httpx.AsyncClient) -> None:
    arrived = asyncio.Event()

    def hang(_request: RecordedRequest) -> Hang:
        arrived.set()
        return Hang()

    server = FakeProviderServer(default_handler=hang)
    await server.start()
    call = asyncio.create_task(
        http.get(
            f"{server.url}/v1/models",
            headers={"Authorization": f"Bearer {OPENAI_KEY}"},
            timeout=30.0,
        )
    )
    await arrived.wait()
    started = time.monotonic()
    await server.stop()
    assert time.monotonic() - started < 5.0
    with pytest.raises(httpx.TransportError):
        await call


async def test_reset_drops_the_connection(
    fake_provider: FakeProviderServer, http: httpx.AsyncClient
) -> None:
    fake_provider.script(Reset())
    with pytest.raises(httpx.TransportError):
        await http.get(
            f"{fake_provider.url}/v1/models", headers={"Authorization": f"Bearer {OPENAI_KEY}"}
        )


async def test_malformed_is_a_200_with_invalid_json(
    fake_provider: FakeProviderServer, http: httpx.AsyncClient
) -> None:
    fake_provider.script(Malformed())
    response = await http.post(
        f"{fake_provider.url}/v1/chat/completions",
        json={"model": "m", "messages": []},
        headers={"Authorization": f"Bearer {OPENAI_KEY}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        response.json()


async def test_rate_limit_reply_carries_headers_through_the_sdk(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    fake_provider.script(
        rate_limited(retry_after=7, retry_after_ms=6500, limit_requests=3, reset_requests="20s")
    )
    with pytest.raises(openai.RateLimitError) as caught:
        await oai.models.list()
    headers = caught.value.response.headers
    assert headers["retry-after"] == "7"
    assert headers["retry-after-ms"] == "6500"
    assert headers["x-ratelimit-limit-requests"] == "3"
    assert headers["x-ratelimit-reset-requests"] == "20s"
    assert caught.value.code == "rate_limit_exceeded"


async def test_overloaded_is_anthropics_529(
    fake_provider: FakeProviderServer, claude: anthropic.AsyncAnthropic
) -> None:
    fake_provider.script(overloaded())
    with pytest.raises(anthropic.APIStatusError) as caught:
        await claude.messages.create(
            model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    assert caught.value.status_code == 529
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["error"]["type"] == "overloaded_error"


async def test_error_reply_with_custom_body(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    fake_provider.script(
        ErrorReply(400, body={"error": {"message": "bad schema", "type": "invalid_request_error"}})
    )
    with pytest.raises(openai.BadRequestError, match="bad schema"):
        await oai.models.list()


# --- OpenAI chat completions ------------------------------------------------------------


async def test_chat_stream_reassembles_content_and_reports_usage(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    fake_provider.script(
        Reply(content=INTENT, input_tokens=900, output_tokens=33, cached_input_tokens=768)
    )
    stream = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "przyciemnij salon"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text = ""
    finish = None
    usage = None
    async for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage is not None:
            usage = chunk.usage
    assert json.loads(text) == INTENT
    assert finish == "stop"
    assert usage is not None
    assert usage.prompt_tokens == 900
    assert usage.completion_tokens == 33
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 768


async def test_chat_tool_call_plain_and_streamed(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    tools: Any = [
        {
            "type": "function",
            "function": {"name": "HassTurnOn", "parameters": {"type": "object"}},
        }
    ]
    choice: Any = {"type": "function", "function": {"name": "HassTurnOn"}}
    fake_provider.script(Reply(content={"name": "lampa"}), Reply(content={"name": "lampa"}))

    plain = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "włącz lampę"}],
        tools=tools,
        tool_choice=choice,
    )
    [call] = plain.choices[0].message.tool_calls or []
    assert call.type == "function"
    assert call.function.name == "HassTurnOn"
    assert json.loads(call.function.arguments) == {"name": "lampa"}
    assert plain.choices[0].finish_reason == "tool_calls"

    stream = await oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "włącz lampę"}],
        tools=tools,
        tool_choice=choice,
        stream=True,
    )
    name, arguments = "", ""
    async for chunk in stream:
        for delta in chunk.choices[0].delta.tool_calls or []:
            if delta.function is not None:
                name += delta.function.name or ""
                arguments += delta.function.arguments or ""
    assert name == "HassTurnOn"
    assert json.loads(arguments) == {"name": "lampa"}


# --- OpenAI responses -------------------------------------------------------------------


async def test_responses_plain_text_with_cached_usage(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    fake_provider.script(Reply(content="Gotowe.", input_tokens=2000, cached_input_tokens=1536))
    response = await oai.responses.create(model="gpt-4o-mini", input="włącz światło")
    assert response.output_text == "Gotowe."
    assert response.status == "completed"
    assert response.usage is not None
    assert response.usage.input_tokens == 2000
    assert response.usage.input_tokens_details.cached_tokens == 1536


async def test_responses_stream_text_event_sequence(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    fake_provider.script(Reply(content="Światło w kuchni jest włączone.", cached_input_tokens=3))
    stream = await oai.responses.create(model="gpt-4o-mini", input="x", stream=True)
    events: list[Any] = [event async for event in stream]

    kinds = [event.type for event in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == "Światło w kuchni jest włączone."
    completed = events[-1]
    assert completed.type == "response.completed"
    assert completed.response.usage is not None
    assert completed.response.usage.input_tokens_details.cached_tokens == 3
    assert completed.response.output_text == deltas


async def test_responses_stream_function_call(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    fake_provider.script(Reply(content={"name": "kitchen light"}, tool_name="HassTurnOn"))
    stream = await oai.responses.create(
        model="gpt-4o-mini", input="turn on the kitchen light", tools=[TOOL], stream=True
    )
    events: list[Any] = [event async for event in stream]

    added = next(e for e in events if e.type == "response.output_item.added")
    assert isinstance(added.item, openai.types.responses.ResponseFunctionToolCall)
    assert added.item.name == "HassTurnOn"
    deltas = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert done.arguments == deltas
    assert json.loads(deltas) == {"name": "kitchen light"}
    assert events[-1].type == "response.completed"


class _ChatLogStub:
    """The one ChatLog method HA's stream transformer calls."""

    def __init__(self) -> None:
        self.traces: list[dict[str, Any]] = []

    def async_trace(self, event: dict[str, Any]) -> None:
        self.traces.append(event)


async def _ha_transform(oai: openai.AsyncOpenAI) -> tuple[list[dict[str, Any]], _ChatLogStub]:
    from homeassistant.components.openai_conversation.entity import _transform_stream

    # The arguments HA's openai_conversation sends (entity.py, _async_handle_chat_log).
    stream = await oai.responses.create(
        model="gpt-4o-mini",
        input=[
            {"type": "message", "role": "developer", "content": "You are a voice assistant."},
            {"type": "message", "role": "user", "content": "turn on the kitchen light"},
        ],
        max_output_tokens=150,
        safety_identifier="01JCONVERSATION",
        prompt_cache_key="01JSUBENTRY",
        service_tier="auto",
        store=False,
        stream=True,
        top_p=1.0,
        temperature=1.0,
        prompt_cache_retention="24h",
        tools=[TOOL],
    )
    chat_log = _ChatLogStub()
    deltas = [d async for d in _transform_stream(chat_log, stream)]  # type: ignore[arg-type]
    return [dict(d) for d in deltas], chat_log


async def test_home_assistant_openai_conversation_reads_text_stream(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    fake_provider.script(Reply(content="Done.", input_tokens=321, output_tokens=2))
    deltas, chat_log = await _ha_transform(oai)
    assert deltas[0] == {"role": "assistant"}
    assert "".join(d.get("content", "") for d in deltas) == "Done."
    assert chat_log.traces == [{"stats": {"input_tokens": 321, "output_tokens": 2}}]


async def test_home_assistant_openai_conversation_reads_tool_call_stream(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    fake_provider.script(Reply(content={"name": "kitchen light"}, tool_name="HassTurnOn"))
    deltas, _ = await _ha_transform(oai)
    calls = [call for d in deltas for call in d.get("tool_calls", [])]
    assert len(calls) == 1
    assert calls[0].tool_name == "HassTurnOn"
    assert calls[0].tool_args == {"name": "kitchen light"}


async def test_home_assistant_openai_conversation_sees_truncation(
    fake_provider: FakeProviderServer, oai: openai.AsyncOpenAI
) -> None:
    from homeassistant.exceptions import HomeAssistantError

    fake_provider.script(Reply(content="A very long answer", truncated=True))
    with pytest.raises(HomeAssistantError, match="max output tokens"):
        await _ha_transform(oai)


# --- Anthropic -----------------------------------------------------------------------------


async def test_anthropic_forced_tool_use_non_streaming(
    fake_provider: FakeProviderServer, claude: anthropic.AsyncAnthropic
) -> None:
    fake_provider.script(
        Reply(
            content=INTENT,
            input_tokens=2500,
            cached_input_tokens=2000,
            cache_creation_input_tokens=100,
            output_tokens=44,
        )
    )
    message = await claude.messages.create(
        model="claude-haiku-4-5",
        max_tokens=200,
        system="You map commands to intents.",
        messages=[{"role": "user", "content": "przyciemnij salon do 40%"}],
        tools=[{"name": "report_intent", "input_schema": {"type": "object"}}],
        tool_choice={"type": "tool", "name": "report_intent"},
    )
    [block] = message.content
    assert block.type == "tool_use"
    assert block.name == "report_intent"
    assert block.input == INTENT
    assert message.stop_reason == "tool_use"
    # Anthropic's input_tokens excludes cache reads and writes.
    assert message.usage.input_tokens == 400
    assert message.usage.cache_read_input_tokens == 2000
    assert message.usage.cache_creation_input_tokens == 100
    assert message.usage.output_tokens == 44


async def test_anthropic_stream_helper_assembles_tool_input(
    fake_provider: FakeProviderServer, claude: anthropic.AsyncAnthropic
) -> None:
    fake_provider.script(Reply(content=INTENT, output_tokens=44))
    async with claude.messages.stream(
        model="claude-haiku-4-5",
        max_tokens=200,
        messages=[{"role": "user", "content": "przyciemnij salon"}],
        tools=[{"name": "report_intent", "input_schema": {"type": "object"}}],
        tool_choice={"type": "tool", "name": "report_intent"},
    ) as stream:
        kinds = [event.type async for event in stream]
        final = await stream.get_final_message()

    assert kinds[0] == "message_start"
    assert "input_json" in kinds
    assert kinds[-1] == "message_stop"
    [block] = final.content
    assert block.type == "tool_use"
    assert block.input == INTENT
    assert final.stop_reason == "tool_use"
    assert final.usage.output_tokens == 44


async def test_anthropic_raw_text_stream(
    fake_provider: FakeProviderServer, claude: anthropic.AsyncAnthropic
) -> None:
    fake_provider.script(Reply(content="Dzień dobry, jak mogę pomóc?"))
    stream = await claude.messages.create(
        model="claude-haiku-4-5",
        max_tokens=50,
        messages=[{"role": "user", "content": "cześć"}],
        stream=True,
    )
    events: list[Any] = [event async for event in stream]
    assert [e.type for e in events] == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * (len(events) - 5),
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    text = "".join(
        e.delta.text
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "text_delta"
    )
    assert text == "Dzień dobry, jak mogę pomóc?"


async def test_anthropic_count_tokens_and_models(
    fake_provider: FakeProviderServer, claude: anthropic.AsyncAnthropic, oai: openai.AsyncOpenAI
) -> None:
    fake_provider.script(Reply(input_tokens=1234))
    counted = await claude.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "x"}]
    )
    assert counted.input_tokens == 1234

    claude_models = await claude.models.list(limit=1)
    assert claude_models.data[0].id.startswith("claude")
    openai_models = await oai.models.list()
    assert openai_models.data[0].id.startswith("gpt")
