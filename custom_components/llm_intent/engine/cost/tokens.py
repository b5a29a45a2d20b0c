"""Pre-flight token counts, so the budget can refuse a request before it costs money.

OpenAI models are counted with their real tiktoken encoding the way the OpenAI
Cookbook ("How to count tokens with tiktoken") reproduces the API's
``prompt_tokens``. Anthropic publishes no tokenizer: ``AnthropicEstimator``
scales an o200k count by a per-model ratio learnt from the usage replies report.

Loading an encoding reads a multi-megabyte file installed with the
integration (``encodings``; never the network), so it happens once, off the
event loop, through ``TokenCounter.async_prepare``. Until then, or when loading
fails, counts are character-based estimates flagged ``exact=False``; counting
never raises.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
import functools
import json
import logging
import math
import threading
from typing import Any, Final, Protocol

import tiktoken

from .encodings import EncodingFileError, installed_encoding

_LOGGER = logging.getLogger(__name__)

O200K_BASE: Final = "o200k_base"
CL100K_BASE: Final = "cl100k_base"
# ``TokenCount.encoding`` when no tokenizer was available and characters were counted.
CHAR_ESTIMATE: Final = "char_estimate"
# ``TokenCount.encoding`` of Anthropic estimates: an o200k count scaled per model.
ANTHROPIC_ESTIMATE: Final = "o200k_base~anthropic"

# Checked before the cl100k prefixes: "gpt-4o" also starts with "gpt-4".
_O200K_PREFIXES: Final = ("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-oss")
_O200K_REASONING: Final = ("o1", "o3", "o4")
_CL100K_PREFIXES: Final = ("gpt-4", "gpt-3.5", "gpt-35")

# Characters per token for the fallback; Polish runs a little denser than
# English, and overestimating is the safe side for a budget.
_CHARS_PER_TOKEN: Final = 3.5

# Chat framing, per the Cookbook: <|start|>role/name\ncontent<|end|> costs 3
# tokens beyond the content, a name 1 more, and every reply is primed with
# <|start|>assistant<|message|> (3).
_TOKENS_PER_MESSAGE: Final = 3
_TOKENS_PER_NAME: Final = 1
_REPLY_PRIMING: Final = 3
# The March 2023 snapshot framed messages differently.
_LEGACY_0301_PER_MESSAGE: Final = 4
_LEGACY_0301_PER_NAME: Final = -1

# A JSON-schema response_format is rendered into the prompt in a form OpenAI
# does not document; the compact JSON of the schema plus this framing is an
# estimate that errs high (JSON spends tokens on quotes and braces).
_RESPONSE_FORMAT_OVERHEAD: Final = 8
_JSON_OBJECT_FORMAT_TOKENS: Final = 4

# Texts shorter than this are cheaper to encode than to look up and would
# push the long, repeated system prompt out of the cache.
_CACHE_MIN_CHARS: Final = 64


@dataclass(frozen=True, slots=True)
class _ToolConstants:
    """The Cookbook's fitted per-part costs of function definitions."""

    func_init: int
    prop_init: int
    prop_key: int
    enum_init: int
    enum_item: int
    func_end: int


_TOOLS_O200K: Final = _ToolConstants(7, 3, 3, -3, 3, 12)
_TOOLS_CL100K: Final = _ToolConstants(10, 3, 3, -3, 3, 12)


@dataclass(frozen=True, slots=True)
class TokenCount:
    """A pre-flight input-token count.

    ``exact`` is True when the model's own tokenizer produced it (a JSON-schema
    response_format part is still an estimate, see module notes); False for
    character estimates, unknown models and Anthropic. ``basis`` is the
    unscaled o200k count an Anthropic estimate was derived from; calibration
    needs it.
    """

    tokens: int
    exact: bool
    encoding: str
    basis: int | None = None


class ExecutorRunner(Protocol):
    """Runs blocking work off the event loop: ``hass.async_add_executor_job``
    or ``lambda f: loop.run_in_executor(None, f)``."""

    def __call__[T](self, target: Callable[[], T], /) -> Awaitable[T]: ...


def encoding_for_model(model: str) -> str | None:
    """The tiktoken encoding OpenAI uses for ``model``; None when it is not an OpenAI model."""
    name = model.strip().lower()
    if name.startswith(_O200K_PREFIXES):
        return O200K_BASE
    for family in _O200K_REASONING:
        if name == family or name.startswith(family + "-"):
            return O200K_BASE
    if name.startswith(_CL100K_PREFIXES):
        return CL100K_BASE
    return None


def load_encoding(name: str) -> tiktoken.Encoding | None:
    """Build an encoding from the installed vocabulary, blocking; None when it cannot be had.

    Never downloads (see ``encodings``): without the installed file, counts
    are estimates rather than a wait on the network.
    """
    try:
        return installed_encoding(name)
    except (EncodingFileError, KeyError) as err:
        _LOGGER.warning("Token encoding %s unavailable (%s); counts will be estimates", name, err)
        return None


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate from the character count."""
    return math.ceil(len(text) / _CHARS_PER_TOKEN) if text else 0


class TokenCounter:
    """Counts requests with tiktoken once prepared, by character estimate before.

    Thread-safe; counting a request of a few thousand tokens takes well under
    a couple of milliseconds when its long parts (the system prompt) repeat.
    """

    def __init__(
        self,
        *,
        loader: Callable[[str], tiktoken.Encoding | None] = load_encoding,
        cache_size: int = 256,
    ) -> None:
        self._loader = loader
        self._encodings: dict[str, tiktoken.Encoding] = {}
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def prepare(self, names: Iterable[str] = (O200K_BASE, CL100K_BASE)) -> bool:
        """Load encodings, blocking; True when all of them loaded."""
        loaded = True
        for name in names:
            if name in self._encodings:
                continue
            try:
                encoding = self._loader(name)
            except Exception:
                _LOGGER.exception("Loading token encoding %s failed", name)
                encoding = None
            if encoding is None:
                loaded = False
            else:
                self._encodings[name] = encoding
        return loaded

    async def async_prepare(
        self,
        run: ExecutorRunner,
        names: Iterable[str] = (O200K_BASE, CL100K_BASE),
        *,
        wait: float | None = None,
    ) -> bool:
        """Load encodings in the executor; True when all of them loaded.

        With ``wait``, return False after that many seconds while loading goes
        on in the background: a slow machine is not held up, and counts turn
        exact as soon as the load finishes (estimates until then).
        """
        job = asyncio.ensure_future(run(functools.partial(self.prepare, tuple(names))))
        try:
            return await asyncio.wait_for(asyncio.shield(job), wait)
        except TimeoutError:
            _LOGGER.info("Token encodings still loading after %.1f s; estimating until then", wait)
            return False

    def ready(self, name: str = O200K_BASE) -> bool:
        return name in self._encodings

    def text_length(self, encoding: str = O200K_BASE) -> Callable[[str], int] | None:
        """A cached ``text -> token count`` for a loaded encoding; None if not loaded."""
        if encoding not in self._encodings:
            return None
        return functools.partial(self._encode_len, encoding)

    def count_text(self, text: str, encoding: str = O200K_BASE) -> TokenCount:
        """Tokens of plain text, without chat framing."""
        if encoding in self._encodings:
            return TokenCount(self._encode_len(encoding, text), True, encoding)
        return TokenCount(estimate_tokens(text), False, CHAR_ESTIMATE)

    def count_chat_request(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None = None,
        response_format: Mapping[str, Any] | None = None,
    ) -> TokenCount:
        """Input tokens of a Chat Completions request as OpenAI bills them.

        Models that are not OpenAI's are counted with o200k as an estimate.
        """
        name = encoding_for_model(model)
        encoding = name or O200K_BASE
        if encoding not in self._encodings:
            return TokenCount(
                _estimate_chat(messages, tools, response_format), False, CHAR_ESTIMATE
            )
        length = functools.partial(self._encode_len, encoding)
        total = _count_messages(model, messages, length)
        if tools:
            constants = _TOOLS_O200K if encoding == O200K_BASE else _TOOLS_CL100K
            total += _count_tools(tools, constants, length)
        if response_format:
            total += _count_response_format(response_format, length)
        return TokenCount(total, name is not None, encoding)

    def _encode_len(self, encoding: str, text: str) -> int:
        if len(text) < _CACHE_MIN_CHARS:
            return len(self._encodings[encoding].encode_ordinary(text))
        key = (encoding, text)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        count = len(self._encodings[encoding].encode_ordinary(text))
        with self._lock:
            self._cache[key] = count
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return count


def _message_text(value: Any) -> str:
    """The billable text of one message field (string, content parts, or other JSON)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        parts: list[str] = []
        for part in value:
            if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            else:
                parts.append(_compact_json(part))
        return "".join(parts)
    return _compact_json(value)


def _count_messages(
    model: str, messages: Sequence[Mapping[str, Any]], length: Callable[[str], int]
) -> int:
    per_message, per_name = _TOKENS_PER_MESSAGE, _TOKENS_PER_NAME
    if "0301" in model:
        per_message, per_name = _LEGACY_0301_PER_MESSAGE, _LEGACY_0301_PER_NAME
    total = _REPLY_PRIMING
    for message in messages:
        total += per_message
        for key, value in message.items():
            total += length(_message_text(value))
            if key == "name":
                total += per_name
    return total


def _count_tools(
    tools: Sequence[Mapping[str, Any]], c: _ToolConstants, length: Callable[[str], int]
) -> int:
    """The Cookbook's method: name, description and each property's name/type/description."""
    total = 0
    for tool in tools:
        function = tool.get("function", tool)
        total += c.func_init
        description = str(function.get("description", "")).removesuffix(".")
        total += length(f"{function.get('name', '')}:{description}")
        parameters = function.get("parameters") or {}
        properties: Mapping[str, Any] = parameters.get("properties") or {}
        if properties:
            total += c.prop_init
            for key, spec in properties.items():
                total += c.prop_key
                if "enum" in spec:
                    total += c.enum_init
                    for item in spec["enum"]:
                        total += c.enum_item + length(str(item))
                p_description = str(spec.get("description", "")).removesuffix(".")
                total += length(f"{key}:{spec.get('type', '')}:{p_description}")
    return total + c.func_end


def _count_response_format(response_format: Mapping[str, Any], length: Callable[[str], int]) -> int:
    """Estimate: the schema's compact JSON (and its name) plus a small framing constant."""
    kind = response_format.get("type")
    if kind == "json_object":
        return _JSON_OBJECT_FORMAT_TOKENS
    if kind == "text":
        return 0
    wrapper = response_format.get("json_schema")
    if isinstance(wrapper, Mapping):
        schema = wrapper.get("schema", {})
        name = str(wrapper.get("name", ""))
    else:
        schema, name = response_format, ""
    return _RESPONSE_FORMAT_OVERHEAD + length(name) + length(_compact_json(schema))


def _estimate_chat(
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None,
    response_format: Mapping[str, Any] | None,
) -> int:
    total = _REPLY_PRIMING
    for message in messages:
        total += _TOKENS_PER_MESSAGE
        for key, value in message.items():
            total += estimate_tokens(_message_text(value)) + (key == "name")
    if tools:
        total += _TOOLS_CL100K.func_end + sum(
            _TOOLS_CL100K.func_init + estimate_tokens(_compact_json(tool)) for tool in tools
        )
    if response_format:
        total += _RESPONSE_FORMAT_OVERHEAD + estimate_tokens(_compact_json(response_format))
    return total


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class AnthropicEstimator:
    """Input-token estimates for Claude, learnt from what Anthropic bills.

    Claude's tokenizer is unpublished; for Polish and English it yields
    somewhat more tokens than o200k. Each model keeps a ratio billed/o200k,
    starting at ``prior``: the first replies average it quickly, later ones
    move it by exponential smoothing so one odd request cannot swing it. The
    ratio also absorbs the fixed tool-use system prompt Anthropic adds, which
    is fine while request shapes stay alike (they do: one catalogue prompt).
    """

    def __init__(
        self,
        counter: TokenCounter,
        *,
        prior: float = 1.15,
        smoothing: float = 0.2,
        min_ratio: float = 0.5,
        max_ratio: float = 4.0,
    ) -> None:
        if not 0 < smoothing <= 1:
            raise ValueError("smoothing must be in (0, 1]")
        self._counter = counter
        self._prior = prior
        self._smoothing = smoothing
        self._min_ratio = min_ratio
        self._max_ratio = max_ratio
        self._ratios: dict[str, float] = {}
        self._samples: dict[str, int] = {}

    def ratio(self, model: str) -> float:
        return self._ratios.get(model, self._prior)

    def samples(self, model: str) -> int:
        return self._samples.get(model, 0)

    def estimate(
        self,
        model: str,
        system: str,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> TokenCount:
        """Estimated input tokens of a Messages API request (``tools`` as Anthropic takes them)."""
        length = self._counter.text_length(O200K_BASE)
        if length is None:
            base = _estimate_chat([{"content": system}, *messages], tools, None)
            return TokenCount(_scaled(base, self.ratio(model)), False, CHAR_ESTIMATE)
        base = length(system)
        for message in messages:
            base += _TOKENS_PER_MESSAGE + length(_message_text(message.get("content")))
        for tool in tools or ():
            base += _TOKENS_PER_MESSAGE + length(_compact_json(tool))
        return TokenCount(_scaled(base, self.ratio(model)), False, ANTHROPIC_ESTIMATE, base)

    def observe(self, model: str, estimate: TokenCount, reported_input_tokens: int) -> None:
        """Learn from the input tokens Anthropic reported for a request estimated earlier.

        ``reported_input_tokens`` must include cache reads and writes: the
        ratio is about the tokenizer, not about the price.
        """
        if (
            estimate.encoding != ANTHROPIC_ESTIMATE
            or not estimate.basis
            or reported_input_tokens <= 0
        ):
            return
        observed = min(
            max(reported_input_tokens / estimate.basis, self._min_ratio), self._max_ratio
        )
        samples = self._samples.get(model, 0) + 1
        weight = max(self._smoothing, 1 / samples)
        current = self.ratio(model)
        self._ratios[model] = current + weight * (observed - current)
        self._samples[model] = samples


def _scaled(tokens: int, ratio: float) -> int:
    # Rounded first so float noise (20 * 1.15 = 23.000000000000004) does not add a token.
    return math.ceil(round(tokens * ratio, 6))
