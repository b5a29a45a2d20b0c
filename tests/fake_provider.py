"""A local stand-in for the OpenAI and Anthropic HTTP APIs.

The official SDKs talk to it exactly as they talk to the real services, so the
providers, the router and Home Assistant's own ``openai_conversation`` can be
exercised end to end without network access or cost. Bodies, headers, SSE
event sequences and error shapes follow what the real APIs send, as far as the
SDKs look at them.

Each test scripts the server: ``fake.script(...)`` queues behaviours that are
consumed one per request; when the queue is empty, ``fake.default_handler``
decides. The default handler is an ``IntentResponder``, which answers an
intent-recognition request (one that carries a JSON schema or forces a tool)
with ``responder.intent`` and anything else with plain text. A smarter
"correct model" can replace it: any callable taking a ``RecordedRequest`` and
returning a behaviour (or an awaitable of one) will do.

Standalone, for a development Home Assistant or browser tests::

    python -m tests.fake_provider --port 8999 --key sk-test
    python -m tests.fake_provider --intent '{"intent": "HassTurnOff", "slots": {}}'
    python -m tests.fake_provider --handler my_pkg.responders:correct_model

Without ``--key`` any request is accepted.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
import contextlib
import dataclasses
from dataclasses import dataclass, field
import importlib
import inspect
import itertools
import json
import socket
import struct
import time
from typing import Any, Literal

from aiohttp import web
import pytest_asyncio

OPENAI_KEY = "sk-test-openai-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdef"

DEFAULT_INTENT: dict[str, Any] = {
    "intent": "HassTurnOn",
    "slots": {"name": "kitchen light"},
    "confidence": 0.93,
    "clarify_question": None,
}

OPENAI_MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4.1-nano")
ANTHROPIC_MODELS = ("claude-haiku-4-5", "claude-sonnet-4-5")

Api = Literal["openai", "anthropic"]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server saw it.

    ``headers`` has the credentials masked so a test can print it safely;
    ``api_key`` keeps the presented key for assertions.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    api_key: str | None
    body: Any
    received_at: float
    api: Api
    # Prompt-cache hits and writes as the provider would report them (see ``prefix_cache``).
    prefix_cached: int = 0
    prefix_written: int = 0

    @property
    def stream(self) -> bool:
        return isinstance(self.body, dict) and bool(self.body.get("stream"))

    @property
    def wants_structure(self) -> bool:
        """Whether the caller asked for a JSON schema, a JSON object or a forced tool."""
        return _response_format(self.body) is not None or _forced_tool(self) is not None


# --- behaviours ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer.

    ``content`` is text, or an object that is JSON-encoded for structured
    output and tool arguments (Anthropic gets it as tool ``input``). A tool
    call is produced when ``tool_name`` is set or the request forces a tool.
    ``input_tokens`` is the total prompt including the cached part; left at
    None it is estimated from the request size, as is ``output_tokens``.
    ``truncated`` cuts the serialized content in half and reports that the
    output-token limit was hit.
    """

    content: str | Mapping[str, Any] | None = None
    tool_name: str | None = None
    # Answer with text even when the request forces a tool (a disobedient model).
    as_text: bool = False
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    truncated: bool = False
    latency: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An HTTP error; with ``body`` None the API's own error shape is sent."""

    status: int
    body: Any = None
    message: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    latency: float = 0.0


@dataclass(frozen=True, slots=True)
class RawReply:
    """Any body, sent as given (a JSON value, or a string sent verbatim)."""

    body: Any
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    latency: float = 0.0


@dataclass(frozen=True, slots=True)
class Hang:
    """Accept the request and never answer until the server stops."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """A 200 whose body is not valid JSON."""

    body: str = '{"id": "broken", "choices": [{"message": '
    latency: float = 0.0


@dataclass(frozen=True, slots=True)
class Reset:
    """Drop the connection (TCP reset) without any response."""

    latency: float = 0.0


Behaviour = Reply | ErrorReply | RawReply | Hang | Malformed | Reset
Handler = Callable[[RecordedRequest], Behaviour | Awaitable[Behaviour]]


def rate_limited(
    *,
    retry_after: float | str | None = None,
    retry_after_ms: float | None = None,
    limit_requests: int | None = None,
    remaining_requests: int | None = None,
    reset_requests: str | None = None,
    message: str | None = None,
) -> ErrorReply:
    """A 429 with the headers both providers send (OpenAI ``x-ratelimit-*`` names)."""
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
    if limit_requests is not None:
        headers["x-ratelimit-limit-requests"] = str(limit_requests)
        headers["anthropic-ratelimit-requests-limit"] = str(limit_requests)
    if remaining_requests is not None:
        headers["x-ratelimit-remaining-requests"] = str(remaining_requests)
        headers["anthropic-ratelimit-requests-remaining"] = str(remaining_requests)
    if reset_requests is not None:
        headers["x-ratelimit-reset-requests"] = reset_requests
    return ErrorReply(429, message=message, headers=headers)


def overloaded() -> ErrorReply:
    """Anthropic's 529."""
    return ErrorReply(529)


def truncated(content: str | Mapping[str, Any] | None = None) -> Reply:
    """The model stopped at the output-token limit, mid-JSON."""
    return Reply(content=content, truncated=True)


class IntentResponder:
    """Answers like a model that always recognises ``intent``.

    Intent-recognition requests (JSON schema, JSON object or forced tool) get
    ``intent`` as their structured answer; other generation requests get
    ``text``. This is the hook where a smarter responder that reads the
    utterance can be plugged in.
    """

    def __init__(self, intent: Mapping[str, Any] | None = None, text: str = "OK.") -> None:
        self.intent: Mapping[str, Any] = dict(intent if intent is not None else DEFAULT_INTENT)
        self.text = text

    def __call__(self, request: RecordedRequest) -> Behaviour:
        if request.wants_structure:
            return Reply(content=self.intent)
        return Reply(content=self.text)


# --- the server ------------------------------------------------------------


class FakeProviderServer:
    """An aiohttp server on 127.0.0.1 speaking the OpenAI and Anthropic APIs.

    ``api_keys`` is the set of keys accepted by both APIs; None accepts any
    request, keyed or not, like an unsecured OpenAI-compatible server.
    """

    def __init__(
        self,
        api_keys: str | Iterable[str] | None = (OPENAI_KEY, ANTHROPIC_KEY),
        *,
        default_handler: Handler | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if isinstance(api_keys, str):
            api_keys = (api_keys,)
        self.api_keys: frozenset[str] | None = frozenset(api_keys) if api_keys is not None else None
        self.default_handler: Handler = default_handler or IntentResponder()
        self.requests: list[RecordedRequest] = []
        self._prefix_cache = PrefixCache()
        self._script: deque[Behaviour] = deque()
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._ids = itertools.count(1)
        self.url = ""

    # lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_post("/v1/responses", self._responses)
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_post("/v1/messages/count_tokens", self._count_tokens)
        self._closing = asyncio.Event()
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Stop serving; hung and delayed requests are released by a reset."""
        self._closing.set()
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=2.0)
        for task in list(self._handlers):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    # scripting and inspection

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours; each request consumes the next one."""
        self._script.extend(behaviours)

    @property
    def pending(self) -> int:
        """Scripted behaviours not yet consumed."""
        return len(self._script)

    @property
    def count(self) -> int:
        return len(self.requests)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def chat_calls(self) -> int:
        """Chat completions received: the requests that can be billed. A start's free
        credential check lists models and is not one."""
        return len(self.requests_for("/v1/chat/completions"))

    def reset(self) -> None:
        """Forget recorded requests and the unconsumed script."""
        self.requests.clear()
        self._script.clear()
        self._prefix_cache = PrefixCache()

    # request plumbing

    async def _models(self, request: web.Request) -> web.StreamResponse:
        api: Api = (
            "anthropic"
            if "anthropic-version" in request.headers or "x-api-key" in request.headers
            else "openai"
        )
        return await self._serve(request, api, self._models_reply)

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "openai", self._chat_reply)

    async def _responses(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "openai", self._responses_reply)

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "anthropic", self._messages_reply)

    async def _count_tokens(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "anthropic", self._count_tokens_reply)

    async def _serve(
        self,
        request: web.Request,
        api: Api,
        render: Callable[[web.Request, RecordedRequest, Reply], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            recorded = await self._record(request, api)
            if not self._authorized(recorded):
                return _json_response(401, _auth_error_body(api, recorded.api_key))
            behaviour = await self._next_behaviour(recorded)
            if isinstance(behaviour, Hang):
                await self._closing.wait()
                return _reset(request)
            if behaviour.latency and not await self._pause(behaviour.latency):
                return _reset(request)
            if isinstance(behaviour, Reset):
                return _reset(request)
            if isinstance(behaviour, Malformed):
                return web.Response(
                    status=200, text=behaviour.body, content_type="application/json"
                )
            if isinstance(behaviour, ErrorReply):
                return _error_response(api, behaviour)
            if isinstance(behaviour, RawReply):
                return _raw_response(behaviour.status, behaviour.body, behaviour.headers)
            return await render(request, recorded, behaviour)
        finally:
            if task is not None:
                self._handlers.discard(task)

    async def _record(self, request: web.Request, api: Api) -> RecordedRequest:
        body: Any = None
        if request.can_read_body:
            raw = await request.text()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        key = request.headers.get("x-api-key")
        auth = request.headers.get("authorization", "")
        if key is None and auth.lower().startswith("bearer "):
            key = auth[7:].strip() or None
        headers = {
            k.lower(): ("***" if k.lower() in ("authorization", "x-api-key") else v)
            for k, v in request.headers.items()
        }
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            headers=headers,
            api_key=key,
            body=body,
            received_at=time.monotonic(),
            api=api,
        )
        cached, written = self._prefix_cache.see(api, body)
        recorded = dataclasses.replace(recorded, prefix_cached=cached, prefix_written=written)
        self.requests.append(recorded)
        return recorded

    def _authorized(self, recorded: RecordedRequest) -> bool:
        return self.api_keys is None or recorded.api_key in self.api_keys

    async def _next_behaviour(self, recorded: RecordedRequest) -> Behaviour:
        if self._script:
            return self._script.popleft()
        result = self.default_handler(recorded)
        if inspect.isawaitable(result):
            return await result
        return result

    async def _pause(self, seconds: float) -> bool:
        """Wait without blocking the loop; False when the server stopped meanwhile."""
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            return True
        return False

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):024x}"

    # renderers

    async def _models_reply(
        self, request: web.Request, recorded: RecordedRequest, reply: Reply
    ) -> web.StreamResponse:
        if recorded.api == "anthropic":
            data = [
                {
                    "type": "model",
                    "id": m,
                    "display_name": m.replace("-", " ").title(),
                    "created_at": "2025-10-01T00:00:00Z",
                }
                for m in ANTHROPIC_MODELS
            ]
            body: dict[str, Any] = {
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"],
                "last_id": data[-1]["id"],
            }
        else:
            body = {
                "object": "list",
                "data": [
                    {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "fake"}
                    for m in OPENAI_MODELS
                ],
            }
        return _json_response(200, body, reply.headers)

    async def _count_tokens_reply(
        self, request: web.Request, recorded: RecordedRequest, reply: Reply
    ) -> web.StreamResponse:
        tokens = reply.input_tokens or _prompt_tokens(recorded.body)
        return _json_response(200, {"input_tokens": tokens}, reply.headers)

    async def _chat_reply(
        self, request: web.Request, recorded: RecordedRequest, reply: Reply
    ) -> web.StreamResponse:
        body = recorded.body if isinstance(recorded.body, dict) else {}
        answer = _Answer.build(recorded, reply)
        usage = {
            "prompt_tokens": answer.input_tokens,
            "completion_tokens": answer.output_tokens,
            "total_tokens": answer.input_tokens + answer.output_tokens,
            "prompt_tokens_details": {"cached_tokens": answer.cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        if answer.truncated:
            finish = "length"
        elif answer.tool_name:
            finish = "tool_calls"
        else:
            finish = "stop"
        base = {
            "id": self._new_id("chatcmpl-"),
            "created": int(time.time()),
            "model": body.get("model", "gpt-4o-mini"),
            "system_fingerprint": "fp_fake",
            "service_tier": "default",
        }
        call_id = self._new_id("call_")
        if not recorded.stream:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None if answer.tool_name else answer.text,
                "refusal": None,
                "annotations": [],
            }
            if answer.tool_name:
                message["tool_calls"] = [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": answer.tool_name, "arguments": answer.text},
                    }
                ]
            return _json_response(
                200,
                {
                    **base,
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "logprobs": None,
                            "finish_reason": finish,
                        }
                    ],
                    "usage": usage,
                },
                reply.headers,
            )

        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            out: dict[str, Any] = {
                **base,
                "object": "chat.completion.chunk",
                "choices": [
                    {
                        "index": 0,
                        "delta": delta,
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }
                ],
            }
            if include_usage:
                out["usage"] = None
            return out

        def events() -> Iterator[tuple[str | None, Any]]:
            yield None, chunk({"role": "assistant", "content": "", "refusal": None})
            if answer.tool_name:
                yield (
                    None,
                    chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": call_id,
                                    "type": "function",
                                    "function": {"name": answer.tool_name, "arguments": ""},
                                }
                            ]
                        }
                    ),
                )
                for piece in _pieces(answer.text):
                    yield (
                        None,
                        chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
                    )
            else:
                for piece in _pieces(answer.text):
                    yield None, chunk({"content": piece})
            yield None, chunk({}, finish)
            if include_usage:
                yield (
                    None,
                    {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage},
                )
            yield None, "[DONE]"

        return await _sse(request, events(), reply.headers)

    async def _responses_reply(
        self, request: web.Request, recorded: RecordedRequest, reply: Reply
    ) -> web.StreamResponse:
        body = recorded.body if isinstance(recorded.body, dict) else {}
        answer = _Answer.build(recorded, reply)
        response_id = self._new_id("resp_")
        created = int(time.time())
        usage = {
            "input_tokens": answer.input_tokens,
            "input_tokens_details": {"cached_tokens": answer.cached},
            "output_tokens": answer.output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": answer.input_tokens + answer.output_tokens,
        }
        final_status = "incomplete" if answer.truncated else "completed"
        if answer.tool_name:
            item_id = self._new_id("fc_")
            item_done: dict[str, Any] = {
                "id": item_id,
                "type": "function_call",
                "status": final_status,
                "call_id": self._new_id("call_"),
                "name": answer.tool_name,
                "arguments": answer.text,
            }
            item_added = {**item_done, "status": "in_progress", "arguments": ""}
        else:
            item_id = self._new_id("msg_")
            part_done = {
                "type": "output_text",
                "text": answer.text,
                "annotations": [],
                "logprobs": [],
            }
            item_done = {
                "id": item_id,
                "type": "message",
                "status": final_status,
                "role": "assistant",
                "content": [part_done],
            }
            item_added = {**item_done, "status": "in_progress", "content": []}

        def response(status: str, output: list[Any], with_usage: bool) -> dict[str, Any]:
            return {
                "id": response_id,
                "object": "response",
                "created_at": created,
                "status": status,
                "background": False,
                "error": None,
                "incomplete_details": (
                    {"reason": "max_output_tokens"} if status == "incomplete" else None
                ),
                "instructions": body.get("instructions"),
                "max_output_tokens": body.get("max_output_tokens"),
                "model": body.get("model", "gpt-4o-mini"),
                "output": output,
                "parallel_tool_calls": body.get("parallel_tool_calls", True),
                "previous_response_id": body.get("previous_response_id"),
                "reasoning": {"effort": None, "summary": None},
                "service_tier": "default",
                "store": body.get("store", True),
                "temperature": body.get("temperature", 1.0),
                "text": body.get("text", {"format": {"type": "text"}}),
                "tool_choice": body.get("tool_choice", "auto"),
                "tools": body.get("tools", []),
                "top_p": body.get("top_p", 1.0),
                "truncation": "disabled",
                "usage": usage if with_usage else None,
                "user": None,
                "metadata": body.get("metadata") or {},
            }

        if not recorded.stream:
            return _json_response(200, response(final_status, [item_done], True), reply.headers)

        seq = itertools.count()

        def event(kind: str, **fields: Any) -> tuple[str, dict[str, Any]]:
            return kind, {"type": kind, "sequence_number": next(seq), **fields}

        def events() -> Iterator[tuple[str | None, Any]]:
            yield event("response.created", response=response("in_progress", [], False))
            yield event("response.in_progress", response=response("in_progress", [], False))
            yield event("response.output_item.added", output_index=0, item=item_added)
            where = {"item_id": item_id, "output_index": 0}
            if answer.tool_name:
                for piece in _pieces(answer.text):
                    yield event("response.function_call_arguments.delta", **where, delta=piece)
                yield event(
                    "response.function_call_arguments.done",
                    **where,
                    name=answer.tool_name,
                    arguments=answer.text,
                )
            else:
                empty_part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
                yield event(
                    "response.content_part.added", **where, content_index=0, part=empty_part
                )
                for piece in _pieces(answer.text):
                    yield event(
                        "response.output_text.delta",
                        **where,
                        content_index=0,
                        delta=piece,
                        logprobs=[],
                    )
                yield event(
                    "response.output_text.done",
                    **where,
                    content_index=0,
                    text=answer.text,
                    logprobs=[],
                )
                yield event(
                    "response.content_part.done",
                    **where,
                    content_index=0,
                    part=item_done["content"][0],
                )
            yield event("response.output_item.done", output_index=0, item=item_done)
            yield event(
                f"response.{final_status}", response=response(final_status, [item_done], True)
            )

        return await _sse(request, events(), reply.headers)

    async def _messages_reply(
        self, request: web.Request, recorded: RecordedRequest, reply: Reply
    ) -> web.StreamResponse:
        body = recorded.body if isinstance(recorded.body, dict) else {}
        answer = _Answer.build(recorded, reply)
        uncached = max(answer.input_tokens - answer.cached - answer.cache_creation, 0)
        usage = {
            "input_tokens": uncached,
            "cache_creation_input_tokens": answer.cache_creation,
            "cache_read_input_tokens": answer.cached,
            "output_tokens": answer.output_tokens,
            "service_tier": "standard",
        }
        if answer.truncated:
            stop_reason = "max_tokens"
        elif answer.tool_name:
            stop_reason = "tool_use"
        else:
            stop_reason = "end_turn"
        if answer.tool_name:
            try:
                tool_input = json.loads(answer.text)
            except ValueError:
                tool_input = {}
            block: dict[str, Any] = {
                "type": "tool_use",
                "id": self._new_id("toolu_"),
                "name": answer.tool_name,
                "input": tool_input if isinstance(tool_input, dict) else {},
            }
        else:
            block = {"type": "text", "text": answer.text}
        message = {
            "id": self._new_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-haiku-4-5"),
            "content": [block],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }
        if not recorded.stream:
            return _json_response(200, message, reply.headers)

        def events() -> Iterator[tuple[str | None, Any]]:
            start_usage = {**usage, "output_tokens": 1}
            yield (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        **message,
                        "content": [],
                        "stop_reason": None,
                        "usage": start_usage,
                    },
                },
            )
            if block["type"] == "tool_use":
                start_block: dict[str, Any] = {**block, "input": {}}
                deltas = [
                    {"type": "input_json_delta", "partial_json": p} for p in _pieces(answer.text)
                ]
            else:
                start_block = {"type": "text", "text": ""}
                deltas = [{"type": "text_delta", "text": p} for p in _pieces(answer.text)]
            yield (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": start_block},
            )
            yield "ping", {"type": "ping"}
            for delta in deltas:
                yield (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": 0, "delta": delta},
                )
            yield "content_block_stop", {"type": "content_block_stop", "index": 0}
            yield (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": answer.output_tokens},
                },
            )
            yield "message_stop", {"type": "message_stop"}

        return await _sse(request, events(), reply.headers)


# --- answer building -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Answer:
    """A ``Reply`` resolved against the request: text, tool and token counts."""

    text: str
    tool_name: str | None
    input_tokens: int
    output_tokens: int
    cached: int
    cache_creation: int
    truncated: bool

    @classmethod
    def build(cls, recorded: RecordedRequest, reply: Reply) -> _Answer:
        tool_name = None if reply.as_text else reply.tool_name or _forced_tool(recorded)
        content = reply.content
        if isinstance(content, Mapping):
            text = json.dumps(content, ensure_ascii=False)
        elif content is None:
            text = json.dumps(DEFAULT_INTENT) if tool_name else "OK."
        else:
            text = content
        if reply.truncated:
            text = text[: max(len(text) // 2, 1)]
        input_tokens = (
            reply.input_tokens if reply.input_tokens is not None else _prompt_tokens(recorded.body)
        )
        output_tokens = (
            reply.output_tokens if reply.output_tokens is not None else _estimate_tokens(text)
        )
        return cls(
            text=text,
            tool_name=tool_name,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached=min(reply.cached_input_tokens or recorded.prefix_cached, input_tokens),
            cache_creation=reply.cache_creation_input_tokens or recorded.prefix_written,
            truncated=reply.truncated,
        )


# OpenAI caches a prompt's prefix once it is 1,024 tokens long, in steps of 128.
OPENAI_CACHE_MIN = 1024
OPENAI_CACHE_STEP = 128
# Anthropic caches up to a ``cache_control`` breakpoint of at least this many tokens
# (the model-dependent minimum; 1,024 for Sonnet and Opus).
ANTHROPIC_CACHE_MIN = 1024


def openai_cached_tokens(common_prefix_tokens: int) -> int:
    """What OpenAI reports as cached for a prompt sharing that many leading tokens."""
    if common_prefix_tokens < OPENAI_CACHE_MIN:
        return 0
    steps = (common_prefix_tokens - OPENAI_CACHE_MIN) // OPENAI_CACHE_STEP
    return OPENAI_CACHE_MIN + steps * OPENAI_CACHE_STEP


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class PrefixCache:
    """The providers' prompt caches, at four characters a token.

    OpenAI: automatic, the longest prefix shared with an earlier prompt counts.
    Anthropic: only up to a ``cache_control`` breakpoint in ``system``; the first
    request writes it, later ones with the same prefix read it.
    """

    def __init__(self, keep: int = 64) -> None:
        self._keep = keep
        self._openai: list[str] = []
        self._anthropic: set[str] = set()

    def see(self, api: Api, body: Any) -> tuple[int, int]:
        """(cached, written) tokens for ``body``, remembering its prefix."""
        if not isinstance(body, dict):
            return 0, 0
        if api == "anthropic":
            prefix = _anthropic_cached_prefix(body)
            if prefix is None or len(prefix) // 4 < ANTHROPIC_CACHE_MIN:
                return 0, 0
            if prefix in self._anthropic:
                return len(prefix) // 4, 0
            self._anthropic.add(prefix)
            return 0, len(prefix) // 4
        keys = ("tools", "instructions", "messages", "input")
        text = json.dumps([body.get(k) for k in keys], ensure_ascii=False)
        common = max((_common_prefix(text, seen) for seen in self._openai), default=0)
        self._openai = [*self._openai[-(self._keep - 1) :], text]
        return openai_cached_tokens(common // 4), 0


def _anthropic_cached_prefix(body: Mapping[str, Any]) -> str | None:
    system = body.get("system")
    if not isinstance(system, list):
        return None
    for i, block in enumerate(system):
        if isinstance(block, dict) and block.get("cache_control"):
            return json.dumps([body.get("tools"), system[: i + 1]], ensure_ascii=False)
    return None


def _estimate_tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return max(1, len(text) // 4)


def _prompt_tokens(body: Any) -> int:
    """Roughly four characters per token over everything the model reads."""
    if not isinstance(body, dict):
        return 1
    keys = ("system", "messages", "input", "instructions", "tools", "response_format", "text")
    return _estimate_tokens({k: body[k] for k in keys if k in body})


def _response_format(body: Any) -> str | None:
    """The structured-output kind asked for (chat ``response_format`` or responses ``text``)."""
    if not isinstance(body, dict):
        return None
    fmt = body.get("response_format")
    if not isinstance(fmt, dict):
        text = body.get("text")
        fmt = text.get("format") if isinstance(text, dict) else None
    if isinstance(fmt, dict) and fmt.get("type") in ("json_schema", "json_object"):
        return str(fmt["type"])
    return None


def _forced_tool(recorded: RecordedRequest) -> str | None:
    """The tool the request obliges the model to call, if any."""
    body = recorded.body
    if not isinstance(body, dict):
        return None
    tools = body.get("tools") or []
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind == "tool":  # Anthropic
            return str(choice.get("name"))
        if kind == "function":  # chat: {"function": {"name"}}; responses: {"name"}
            function = choice.get("function")
            name = function.get("name") if isinstance(function, dict) else choice.get("name")
            return str(name) if name else None
        if kind == "any" and tools:  # Anthropic: some tool
            return _tool_name(tools[0])
    if choice == "required" and tools:
        return _tool_name(tools[0])
    return None


def _tool_name(tool: Any) -> str | None:
    if not isinstance(tool, dict):
        return None
    function = tool.get("function")
    name = function.get("name") if isinstance(function, dict) else tool.get("name")
    return str(name) if name else None


def _pieces(text: str, size: int = 8) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


# --- responses -------------------------------------------------------------


def _json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        headers={"x-request-id": "req_fake", "request-id": "req_fake", **(headers or {})},
    )


async def _sse(
    request: web.Request,
    events: Iterable[tuple[str | None, Any]],
    headers: Mapping[str, str],
) -> web.StreamResponse:
    response = web.StreamResponse(
        status=200,
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "x-request-id": "req_fake",
            "request-id": "req_fake",
            **headers,
        },
    )
    await response.prepare(request)
    for name, data in events:
        payload = data if isinstance(data, str) else json.dumps(data)
        prefix = f"event: {name}\n" if name else ""
        await response.write(f"{prefix}data: {payload}\n\n".encode())
    await response.write_eof()
    return response


def _reset(request: web.Request) -> web.Response:
    """Abort the TCP connection with RST, so the client sees a reset, not a clean close."""
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    return web.Response(status=499)


_OPENAI_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("timeout", None),
    409: ("conflict", None),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
}

_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def _error_body(api: Api, status: int, message: str | None) -> dict[str, Any]:
    text = message or {
        429: "Rate limit reached. Please try again later.",
        529: "Overloaded",
    }.get(status, f"Fake provider error {status}")
    if api == "anthropic":
        kind = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": text}, "request_id": "req_fake"}
    kind, code = _OPENAI_ERROR_TYPES.get(status, ("server_error", None))
    return {"error": {"message": text, "type": kind, "param": None, "code": code}}


def _raw_response(status: int, body: Any, headers: Mapping[str, str]) -> web.Response:
    if isinstance(body, str):
        return web.Response(status=status, text=body, headers=dict(headers))
    return _json_response(status, body, headers)


def _error_response(api: Api, reply: ErrorReply) -> web.Response:
    body = reply.body if reply.body is not None else _error_body(api, reply.status, reply.message)
    return _raw_response(reply.status, body, reply.headers)


def _auth_error_body(api: Api, key: str | None) -> dict[str, Any]:
    if api == "anthropic":
        return _error_body(api, 401, "invalid x-api-key")
    if key is None:
        message = "You didn't provide an API key."
    else:
        # The real API echoes a masked key; so does this one.
        message = f"Incorrect API key provided: {key[:4]}{'*' * 8}{key[-4:]}."
    return _error_body(api, 401, message)


# --- pytest fixture and standalone entry point -----------------------------


@pytest_asyncio.fixture
async def fake_provider(socket_enabled: None) -> AsyncIterator[FakeProviderServer]:
    """A started fake provider accepting ``OPENAI_KEY`` and ``ANTHROPIC_KEY``."""
    server = FakeProviderServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _load_handler(path: str) -> Handler:
    """``package.module:name`` -> the callable it names."""
    module_name, _, attribute = path.partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), attribute)
    return handler


async def _serve_forever(
    port: int, keys: list[str] | None, intent: str | None, handler: str | None
) -> None:
    responder = (
        _load_handler(handler)
        if handler
        else IntentResponder(json.loads(intent) if intent else None)
    )
    server = FakeProviderServer(keys, default_handler=responder, port=port)
    await server.start()
    print(f"fake provider on {server.url} (OpenAI base {server.openai_base_url})", flush=True)  # noqa: T201
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument(
        "--key", action="append", help="accepted API key (repeatable); none: no auth"
    )
    parser.add_argument("--intent", help="JSON intent answered to recognition requests")
    parser.add_argument(
        "--handler",
        help="default handler as package.module:name, a callable taking a RecordedRequest",
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(args.port, args.key, args.intent, args.handler))


if __name__ == "__main__":
    # Run the importable module, not this __main__ copy, so a plugged-in handler's
    # Reply/ErrorReply objects are the classes the server checks against.
    from tests.fake_provider import main as _main

    _main()
