"""One command from transcript to answer, by the cheapest path that is right.

sanitise → pending confirmation/clarification → HA's local intents → confident
local match → cache → LLM (validated) → safety verdict → execute → answer; when
the LLM cannot be used, the local match at any confidence, then an answer that
says why. A command that says what to do but not where is answered with a
question naming the rooms that fit ("W salonie czy w kuchni?"), and the reply
to it is read against that question. Every command gets an answer; nothing
here raises into Home Assistant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
import logging
from typing import Any, Protocol

from .calling.router import RouterOutcome
from .clock import Clock
from .home import Home
from .language.normalize import fold, sanitize
from .types import Path, ProviderRequest, ProviderResult, Usage
from .understanding.answers import clarify_areas, lang_of, message, render
from .understanding.builtin import builtin_spec
from .understanding.catalogue import Catalogue, IntentSpec
from .understanding.context import Context, ContextStore, OpenQuestion, PendingAction, Turn
from .understanding.library_match import library_choice
from .understanding.local_match import FOLLOW_UP_TOO, match_local, needs_target
from .understanding.precision import local_acceptable
from .understanding.prompt import PROMPT_VERSION, build_request
from .understanding.recognition import Recognition
from .understanding.safety import Verdict, names_a_target, verdict
from .understanding.sentence_library import SentenceLibrary
from .understanding.validate import Rejection, validate_reply

_LOGGER = logging.getLogger(__name__)
YES = frozenset(
    {"tak", "tak prosze", "tak tak", "potwierdzam", "tak potwierdzam", "jasne", "oczywiscie"}
    | {"dobrze", "yes", "yes please", "confirm", "sure", "yes sure"}
)
NO = {"nie", "no", "anuluj", "cancel", "nie dziekuje"}
CONFIDENT_LOCAL = 0.9


@dataclass(frozen=True, slots=True)
class Command:
    text: str
    language: str = "pl"
    conversation_id: str | None = None
    device_id: str | None = None
    satellite_area_id: str | None = None
    user_id: str | None = None
    execute: bool = True
    now: datetime | None = None
    # Earlier messages of this conversation as (role, text), oldest first, including
    # turns answered without this pipeline (HA's own agent), so the model sees them.
    history: tuple[tuple[str, str], ...] = ()
    # The host's own request objects (HA's ConversationInput and ChatLog), passed through.
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ExecResult:
    success: bool
    # Values for the answer template (e.g. temperature, state_answer).
    values: dict[str, Any] = field(default_factory=dict)
    entity_ids: tuple[str, ...] = ()
    error: str | None = None
    speech: str | None = None


@dataclass(frozen=True, slots=True)
class LocalAnswer:
    """HA's own agent understood: it acted after the gate let it, or it held back.

    ``held`` is a recognition the gate did not let run at once (it needs a
    "tak", or is refused): nothing ran, and the pipeline answers it like any
    other recognition.
    """

    speech: str
    intent: str | None
    success: bool
    entity_ids: tuple[str, ...] = ()
    held: Recognition | None = None


@dataclass(frozen=True, slots=True)
class LLMAnswer:
    result: ProviderResult | None
    provider: str | None = None
    model: str | None = None
    usage: Usage = field(default_factory=Usage)
    cost_usd: Decimal = Decimal(0)
    error: str | None = None  # "timeout", "circuit_open", "budget", "auth", ...
    # This call's own attempts: overlapping commands each carry theirs.
    routed: RouterOutcome | None = None

    @property
    def attempts(self) -> int:
        return len(self.routed.attempts) if self.routed is not None else 0


@dataclass(slots=True)
class Outcome:
    text: str
    language: str
    speech: str
    path: Path
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    success: bool = False
    executed: bool = False
    provider: str | None = None
    model: str | None = None
    usage: Usage = field(default_factory=Usage)
    cost_usd: Decimal = Decimal(0)
    llm_error: str | None = None
    cache_hit: bool = False
    understood: bool = True
    asked: bool = False
    entity_ids: tuple[str, ...] = ()
    latency_ms: float = 0.0
    detail: str | None = None
    routed: RouterOutcome | None = None  # the model call this command made, if any
    # Which local matcher understood it: "library" (HA's sentence templates with
    # this home's names in every form) or None.
    matched_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "language": self.language,
            "speech": self.speech,
            "path": str(self.path),
            "intent": self.intent,
            "slots": self.slots,
            "confidence": self.confidence,
            "success": self.success,
            "executed": self.executed,
            "provider": self.provider,
            "model": self.model,
            "usage": {
                "input_tokens": self.usage.input_tokens,
                "cached_input_tokens": self.usage.cached_input_tokens,
                "output_tokens": self.usage.output_tokens,
            },
            "cost_usd": str(self.cost_usd),
            "cost_cents": float(self.cost_usd * 100),
            "cache_hit": self.cache_hit,
            "llm_error": self.llm_error,
            "understood": self.understood,
            "asked": self.asked,
            "entity_ids": list(self.entity_ids),
            "latency_ms": round(self.latency_ms, 2),
            "detail": self.detail,
        }


class HomeSource(Protocol):
    def home(self) -> Home: ...


# May the host's own agent act on this recognition now? (Only when the gate says OK.)
type Gate = Callable[[Recognition], bool]


class LocalAgent(Protocol):
    async def try_handle(self, command: Command, gate: Gate) -> LocalAnswer | None: ...


class Executor(Protocol):
    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult: ...


class LLMBackend(Protocol):
    async def recognize(self, request: ProviderRequest, command: Command) -> LLMAnswer: ...


class RecognitionCache(Protocol):
    async def lookup(
        self, command: Command, home: Home, context: Context
    ) -> Recognition | None: ...

    async def store(
        self, command: Command, home: Home, context: Context, rec: Recognition, *, sensitive: bool
    ) -> None: ...


@dataclass
class Settings:
    prefer_local: bool = True
    max_chars: int = 300
    max_output_tokens: int = 150
    temperature: float = 0.0
    min_confidence: float = 0.5


class Pipeline:
    def __init__(
        self,
        catalogue: Catalogue,
        homes: HomeSource,
        executor: Executor,
        clock: Clock,
        contexts: ContextStore,
        *,
        local_agent: LocalAgent | None = None,
        library: SentenceLibrary | None = None,
        llm: LLMBackend | None = None,
        cache: RecognitionCache | None = None,
        settings: Settings | None = None,
        llm_block_reason: Callable[[], str | None] | None = None,
        on_outcome: Callable[[Outcome], Awaitable[None] | None] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.homes = homes
        self.executor = executor
        self.clock = clock
        self.contexts = contexts
        self.local_agent = local_agent
        self.library = library
        self.llm = llm
        self.cache = cache
        self.settings = settings or Settings()
        self.llm_block_reason = llm_block_reason or (lambda: None)
        self.on_outcome = on_outcome

    @property
    def versions(self) -> str:
        return f"{self.catalogue.version}:{PROMPT_VERSION}"

    async def handle(self, command: Command) -> Outcome:
        started = self.clock.monotonic()
        text = sanitize(command.text, self.settings.max_chars)
        command = replace(command, text=text)
        try:
            outcome = await self._handle(command)
        except Exception:
            # A bug must cost one command, not the agent: answer and log.
            _LOGGER.exception("Unexpected error while handling a command")
            outcome = Outcome(
                text,
                command.language,
                message("failed", command.language),
                Path.NONE,
                understood=False,
                detail="internal_error",
            )
        outcome.latency_ms = (self.clock.monotonic() - started) * 1000
        if self.on_outcome is not None:
            try:
                result = self.on_outcome(outcome)
                if result is not None:
                    await result
            except Exception:
                _LOGGER.exception("Recording a command outcome failed")
        return outcome

    def _save(self, command: Command, ctx: Context) -> None:
        self.contexts.save(command.conversation_id, command.device_id, ctx)

    async def _handle(self, command: Command) -> Outcome:
        lang = command.language
        if not command.text:
            return Outcome("", lang, message("empty", lang), Path.NONE, understood=False)
        home = self.homes.home()
        ctx = self.contexts.get(command.conversation_id, command.device_id)
        if command.satellite_area_id:
            ctx.satellite_area_id = command.satellite_area_id
        # A question the model asked is context for this one turn only.
        question = ctx.open_question
        if question is not None or ctx.confirmation_expired:
            expired = ctx.confirmation_expired
            ctx.open_question, ctx.confirmation_expired = None, False
            self._save(command, ctx)
            if expired and fold(command.text) in YES:
                return Outcome(command.text, lang, message("confirm_expired", lang), Path.LOCAL)

        if ctx.pending is not None:
            resolved = await self._resolve_pending(command, home, ctx)
            if resolved is not None:
                return resolved

        if self.settings.prefer_local and self.local_agent is not None:

            def gate(rec: Recognition) -> bool:
                spec = builtin_spec(rec.intent)
                return command.execute and verdict(spec, rec, home) is Verdict.OK

            local = await self.local_agent.try_handle(command, gate)
            if local is not None and local.held is not None:
                held = local.held
                return await self._act(
                    command, home, ctx, held, Path.LOCAL, spec=builtin_spec(held.intent)
                )
            if local is not None:
                if local.success and local.intent and local.entity_ids:
                    # "a teraz wyłącz" after HA's own agent acted follows up on the same devices.
                    ctx.last = _turn_from(local.intent, local.entity_ids, home)
                    self._save(command, ctx)
                return Outcome(
                    command.text,
                    lang,
                    local.speech,
                    Path.LOCAL,
                    intent=local.intent,
                    confidence=1.0,
                    success=local.success,
                    executed=True,
                    entity_ids=local.entity_ids,
                )

        lang2 = lang_of(lang)
        if self.library is not None:
            heard = library_choice(
                self.library.matches(command.text, lang2, home, command.satellite_area_id),
                command.text,
                lang2,
                home,
                self.catalogue,
                command.satellite_area_id,
            )
            if heard is not None:
                outcome = await self._act(command, home, ctx, heard[0], Path.LOCAL, spec=heard[1])
                outcome.matched_by = "library"
                return outcome

        local_rec = match_local(command.text, lang2, home, self.catalogue, ctx)
        if local_rec is not None and not local_acceptable(
            local_rec, command.text, lang2, home, self.catalogue
        ):
            # Incomplete or ambiguous: the cache or the model decides, or nobody acts.
            local_rec = None
        if local_rec is not None and local_rec.confidence >= CONFIDENT_LOCAL:
            return await self._act(command, home, ctx, local_rec, Path.LOCAL)

        # An answer to a question means something only after that question: not cached.
        use_cache = self.cache is not None and question is None
        if use_cache and self.cache is not None:
            cached = await self.cache.lookup(command, home, ctx)
            if cached is not None:
                outcome = await self._act(command, home, ctx, cached, Path.CACHE)
                outcome.cache_hit = True
                return outcome

        blocked = self.llm_block_reason() if self.llm is not None else "local_only"
        if blocked is None and self.llm is not None:
            request = build_request(
                command.text,
                lang2,
                self.catalogue,
                home,
                replace(ctx, open_question=question),
                now=command.now,
                max_output_tokens=self.settings.max_output_tokens,
                temperature=self.settings.temperature,
                history=command.history,
            )
            answer = await self.llm.recognize(request, command)
            if answer.result is not None:
                return await self._from_llm(
                    command, home, ctx, answer, local_rec, cacheable=use_cache, question=question
                )
            return await self._fallback(command, home, ctx, local_rec, answer.error, answer)
        return await self._fallback(command, home, ctx, local_rec, blocked, None)

    async def _from_llm(
        self,
        command: Command,
        home: Home,
        ctx: Context,
        answer: LLMAnswer,
        local_rec: Recognition | None,
        *,
        cacheable: bool,
        question: OpenQuestion | None,
    ) -> Outcome:
        assert answer.result is not None
        assert answer.result.reply is not None  # the pipeline asks only for intents
        lang = command.language
        checked = validate_reply(
            answer.result.reply,
            self.catalogue,
            home,
            lang_of(lang),
            min_confidence=self.settings.min_confidence,
        )
        if isinstance(checked, Rejection):
            outcome = self._rejected(command, home, ctx, checked, local_rec)
        else:
            used_context = question is not None or self._context_used(
                checked, command, home, ctx, local_rec
            )
            checked = replace(checked, context_used=used_context)
            # Taken from earlier messages alone, it has no context key to be stored under.
            cacheable = cacheable and not (
                used_context and ctx.last is None and ctx.satellite_area_id is None
            )
            outcome = await self._act(command, home, ctx, checked, Path.LLM)
            spec = self.catalogue.get(checked.intent)
            if self.cache is not None and cacheable and outcome.success and spec is not None:
                await self.cache.store(
                    command,
                    home,
                    ctx,
                    checked,
                    sensitive=spec.confirm_always
                    or bool(spec.confirm_device_classes)
                    or spec.refuse
                    or verdict(spec, checked, home) is not Verdict.OK,
                )
        _charge(outcome, answer)
        return outcome

    def _context_used(
        self,
        rec: Recognition,
        command: Command,
        home: Home,
        ctx: Context,
        local_rec: Recognition | None,
    ) -> bool:
        """Did the intent or a slot come from context (satellite, previous turn), not the words?

        Shared entries live for days, so when in doubt the answer is yes: the
        entry is then keyed by the context and only replays in the same one.
        """
        if ctx.satellite_area_id is None and ctx.last is None and not command.history:
            return False
        lang = lang_of(command.language)
        if ctx.last is not None:
            folded = set(fold(command.text).split())
            if folded & _FOLLOW_UP_WORDS:
                return True
            said_alone = (
                local_rec is not None
                and local_rec.intent == rec.intent
                and not local_rec.context_used
            )
            if rec.intent == ctx.last.intent and not said_alone:
                # "zrób to samo w kuchni": the action is the previous turn's.
                return True
        named = {
            m.key
            for kind in ("area", "entity")
            for m in home.index(kind, lang).find_all(command.text)
        }
        if rec.area_id is not None and rec.area_id not in named:
            return True
        if any(entity_id not in named for entity_id in rec.entity_ids):
            return True
        return rec.area_id is None and not rec.entity_ids

    def _rejected(
        self,
        command: Command,
        home: Home,
        ctx: Context,
        rej: Rejection,
        local_rec: Recognition | None,
    ) -> Outcome:
        lang = command.language
        if rej.reason in ("unclear", "low_confidence"):
            spec = self.catalogue.get(local_rec.intent) if local_rec is not None else None
            if local_rec is not None and spec is not None and self._missing_target(spec, local_rec):
                # The words say what to do but not where: ask with the real candidates,
                # so the answer ("w kuchni") is understood without another model call.
                return self._clarify(command, home, ctx, spec, local_rec, Path.LLM)
            if rej.question:
                ctx.open_question = OpenQuestion(rej.question[:200], command.text)
                self._save(command, ctx)
                return Outcome(
                    command.text,
                    lang,
                    rej.question[:200],
                    Path.LLM,
                    intent="unclear",
                    asked=True,
                    detail=rej.reason,
                )
        if rej.reason == "out_of_scope":
            return Outcome(
                command.text,
                lang,
                message("out_of_scope", lang),
                Path.LLM,
                intent="out_of_scope",
                understood=True,
                success=True,
            )
        _LOGGER.info("Model reply not executed: %s %s", rej.reason, rej.detail)
        return Outcome(
            command.text,
            lang,
            message("not_understood", lang),
            Path.LLM,
            understood=False,
            detail=f"{rej.reason}: {rej.detail}" if rej.detail else rej.reason,
        )

    def _missing_target(self, spec: IntentSpec, rec: Recognition) -> bool:
        """The command says what to do but not to what or where."""
        if rec.extra.get("missing"):
            return True
        if not needs_target(spec) or names_a_target(rec):
            return False
        return not rec.slots.get("domain")

    def _clarify(
        self,
        command: Command,
        home: Home,
        ctx: Context,
        spec: IntentSpec,
        rec: Recognition,
        path: Path,
    ) -> Outcome:
        """ "W salonie czy w kuchni?": the rooms that have what the command is about."""
        lang = command.language
        kinds = _domains_of(rec.slots.get("domain") or rec.extra.get("domain"))
        kinds = kinds or _domains_of(spec.defaults.get("domain"))
        areas = [
            a
            for a in home.areas
            if any(
                e.area_id == a.area_id and (not kinds or e.domain in kinds) for e in home.entities
            )
        ]
        outcome = Outcome(
            command.text, lang, "", path, intent=rec.intent, confidence=rec.confidence
        )
        if "area" not in spec.slots:
            # Only a name can say which one ("włącz scenę"): a room would widen the command.
            outcome.speech, outcome.asked = message("which", lang), True
            return outcome
        if not areas:
            outcome.speech, outcome.detail = message("no_target", lang), "no_target"
            return outcome
        slots = dict(rec.slots)
        if kinds and "domain" in spec.slots:
            slots.setdefault("domain", kinds[0] if len(kinds) == 1 else list(kinds))
        pending = replace(rec, slots=slots)
        self._ask(command, ctx, pending, "area", tuple(a.name for a in areas))
        outcome.speech = clarify_areas([a.name for a in areas], lang)
        # Answered with a question: the ledger counts it as asked, not as not understood.
        outcome.asked = True
        outcome.detail = "missing_target"
        return outcome

    def _ask(
        self,
        command: Command,
        ctx: Context,
        rec: Recognition,
        slot: str,
        candidates: tuple[str, ...],
        confirm: bool = False,
        builtin: bool = False,
    ) -> None:
        ctx.pending = PendingAction(
            rec.intent,
            dict(rec.slots),
            self.clock.time(),
            ask_slot=slot,
            candidates=candidates,
            needs_confirmation=confirm,
            user_id=command.user_id,
            device_id=command.device_id,
            builtin=builtin,
        )
        self._save(command, ctx)

    async def _resolve_pending(self, command: Command, home: Home, ctx: Context) -> Outcome | None:
        """The answer to our last question, or None when this is a new command."""
        pending = ctx.pending
        assert pending is not None
        if not pending.answerable_by(command.user_id, command.device_id):
            # Someone else's question: their "tak" is a new command, and the
            # question stays open for the one who caused it.
            return None
        folded = fold(command.text)
        ctx.pending = None
        self._save(command, ctx)
        spec = (
            builtin_spec(pending.intent) if pending.builtin else self.catalogue.get(pending.intent)
        )
        if spec is None:
            return None
        rec = Recognition(pending.intent, dict(pending.slots), 1.0, context_used=True)
        if pending.needs_confirmation:
            if folded in YES:
                rec = self._with_targets(rec, home, command.language)
                return await self._act(
                    command, home, ctx, rec, Path.LOCAL, confirmed=True, spec=spec
                )
            if folded in NO:
                return Outcome(
                    command.text,
                    command.language,
                    message("cancelled", command.language),
                    Path.LOCAL,
                    success=True,
                )
            return None
        if pending.ask_slot and pending.candidates:
            lang = lang_of(command.language)
            match = home.index("area", lang).best(command.text)
            if match is not None and home.area_by_id[match.key].name in pending.candidates:
                # Only the place may be in the answer: "w kuchni", "w kuchni proszę".
                rest = [
                    t
                    for i, t in enumerate(folded.split())
                    if not match.start <= i < match.end and t not in _ANSWER_FILLER
                ]
                if not rest:
                    rec.slots[pending.ask_slot] = home.area_by_id[match.key].name
                    rec = replace(rec, area_id=match.key)
                    return await self._act(command, home, ctx, rec, Path.LOCAL, spec=spec)
        return None

    def _with_targets(self, rec: Recognition, home: Home, language: str) -> Recognition:
        """Entity and area ids for a recognition rebuilt from its slots."""
        lang = lang_of(language)
        area_id = rec.area_id
        if area_id is None and isinstance(rec.slots.get("area"), str):
            area_id = home.index("area", lang).resolve(rec.slots["area"])
        entity_ids = rec.entity_ids
        if not entity_ids and isinstance(rec.slots.get("name"), str):
            key = home.index("entity", lang).resolve(rec.slots["name"])
            entity_ids = (key,) if key else ()
        return replace(rec, area_id=area_id, entity_ids=entity_ids)

    async def _fallback(
        self,
        command: Command,
        home: Home,
        ctx: Context,
        local_rec: Recognition | None,
        reason: str | None,
        answer: LLMAnswer | None,
    ) -> Outcome:
        lang = command.language
        if local_rec is not None:
            outcome = await self._act(command, home, ctx, local_rec, Path.FALLBACK)
            if reason == "budget":
                outcome.speech = message("budget_local", lang) + outcome.speech
        else:
            key = {
                "budget": "not_understood_budget",
                "local_only": "not_understood",
                "invalid_output": "not_understood",
                None: "not_understood",
            }.get(reason, "not_understood_offline")
            outcome = Outcome(command.text, lang, message(key, lang), Path.NONE, understood=False)
        outcome.llm_error = reason
        if answer is not None:
            _charge(outcome, answer)
        return outcome

    async def _act(
        self,
        command: Command,
        home: Home,
        ctx: Context,
        rec: Recognition,
        path: Path,
        *,
        confirmed: bool = False,
        spec: IntentSpec | None = None,
    ) -> Outcome:
        lang = command.language
        spec = spec or self.catalogue.get(rec.intent)
        outcome = Outcome(
            command.text,
            lang,
            "",
            path,
            intent=rec.intent,
            slots=dict(rec.slots),
            confidence=rec.confidence,
        )
        if spec is None:
            outcome.speech, outcome.understood = message("not_understood", lang), False
            return outcome
        if spec.refuse:
            outcome.speech, outcome.detail = render(spec, rec, lang, {}, home), "refused"
            return outcome
        if self._missing_target(spec, rec):
            return self._clarify(command, home, ctx, spec, rec, path)
        judged = verdict(spec, rec, home)
        if judged is Verdict.REFUSE_ALARM or judged is Verdict.REFUSE_EVERYWHERE:
            key = "refused_alarm" if judged is Verdict.REFUSE_ALARM else "refused_everywhere"
            outcome.speech, outcome.detail = message(key, lang), "refused"
            return outcome
        if judged is Verdict.CONFIRM and not confirmed:
            builtin = spec is builtin_spec(rec.intent)
            self._ask(command, ctx, rec, "", (), confirm=True, builtin=builtin)
            outcome.speech, outcome.asked = message("confirm", lang), True
            outcome.detail = "confirm"
            return outcome
        if not command.execute:
            outcome.speech, outcome.success = render(spec, rec, lang, {}, home), True
            return outcome
        result = await self.executor.execute(spec, rec, command)
        outcome.executed = True
        outcome.success = result.success
        outcome.entity_ids = result.entity_ids or rec.entity_ids
        if result.success:
            outcome.speech = result.speech or render(
                spec, rec, lang, result.values, home, outcome.entity_ids
            )
            ctx.last = Turn(rec.intent, dict(rec.slots), rec.area_id, outcome.entity_ids)
            self._save(command, ctx)
        else:
            outcome.speech = result.speech or message(
                "no_target" if result.error == "no_match" else "failed", lang
            )
            outcome.detail = result.error
        return outcome


# Words an answer to "W salonie czy w kuchni?" may have besides the place.
_ANSWER_FILLER = frozenset(
    {"w", "we", "na", "do", "a", "i", "to", "tam", "prosze", "poprosze", "tak"}
    | {"in", "the", "at", "on", "please", "yes"}
)


# Words that make a command lean on the previous one ("to samo", "odwrotnie", "again").
_FOLLOW_UP_WORDS = frozenset().union(
    *FOLLOW_UP_TOO.values(),
    {"samo", "odwrotnie", "przeciwnie", "znowu", "ponownie"},
    {"same", "again", "opposite", "instead"},
)


def _charge(outcome: Outcome, answer: LLMAnswer) -> None:
    """What the model call behind ``outcome`` was, and what it cost."""
    outcome.provider, outcome.model = answer.provider, answer.model
    outcome.usage, outcome.cost_usd = answer.usage, answer.cost_usd
    outcome.routed = answer.routed


def _turn_from(intent: str, entity_ids: tuple[str, ...], home: Home) -> Turn:
    """The previous turn as slots, from the devices HA's own agent acted on."""
    entities = [home.entity_by_id[i] for i in entity_ids if i in home.entity_by_id]
    areas = {e.area_id for e in entities}
    domains = {e.domain for e in entities}
    area_id = next(iter(areas)) if len(areas) == 1 else None
    slots: dict[str, Any] = {}
    if len(entities) == 1:
        slots["name"] = entities[0].name
    elif area_id is not None and area_id in home.area_by_id:
        slots["area"] = home.area_by_id[area_id].name
    if len(domains) == 1:
        slots["domain"] = next(iter(domains))
    return Turn(intent, slots, area_id, tuple(e.entity_id for e in entities))


def _domains_of(value: Any) -> list[str]:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return []
