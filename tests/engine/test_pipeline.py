"""The pipeline without Home Assistant: path choice, questions, confirmations, context.

The executor records what would run; the model is a scripted backend returning
the reply a test gives it; time is a ManualClock.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from custom_components.llm_intent.engine.cache.memory import MemoryCacheBackend
from custom_components.llm_intent.engine.cache.pipeline_cache import PipelineCache
from custom_components.llm_intent.engine.cache.store import RecognitionCache
from custom_components.llm_intent.engine.calling.router import RouterOutcome
from custom_components.llm_intent.engine.clock import ManualClock
from custom_components.llm_intent.engine.home import Home
from custom_components.llm_intent.engine.pipeline import (
    Command,
    ExecResult,
    LLMAnswer,
    Outcome,
    Pipeline,
)
from custom_components.llm_intent.engine.types import (
    IntentReply,
    Path,
    ProviderRequest,
    ProviderResult,
    Usage,
)
from custom_components.llm_intent.engine.understanding.catalogue import IntentSpec
from custom_components.llm_intent.engine.understanding.context import Context, ContextStore
from custom_components.llm_intent.engine.understanding.recognition import Recognition

from .understanding.test_local_match import CATALOGUE, HOME


@dataclass
class Recorder:
    actions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_with: Exception | None = None

    async def execute(self, spec: IntentSpec, rec: Recognition, command: Command) -> ExecResult:
        if self.fail_with is not None:
            raise self.fail_with
        self.actions.append((rec.intent, dict(rec.slots)))
        return ExecResult(True, entity_ids=rec.entity_ids)


@dataclass
class ScriptedModel:
    """Answers with the next scripted reply, or an error reason ("timeout", ...)."""

    replies: list[IntentReply | str] = field(default_factory=list)
    requests: list[ProviderRequest] = field(default_factory=list)

    async def recognize(self, request: ProviderRequest, command: Command) -> LLMAnswer:
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else "timeout"
        if isinstance(reply, str):
            return LLMAnswer(None, provider="p", model="m", error=reply)
        usage = Usage(1000, 20)
        result = ProviderResult("p", "m", reply, usage, 0.3)
        return LLMAnswer(result, "p", "m", usage, Decimal("0.0002"))


class Homes:
    def home(self) -> Home:
        return HOME


@dataclass
class Harness:
    pipeline: Pipeline
    executor: Recorder
    model: ScriptedModel
    clock: ManualClock
    outcomes: list[Outcome]

    async def say(self, text: str, language: str = "pl", **kw: Any) -> Outcome:
        return await self.pipeline.handle(
            Command(text, language, conversation_id=kw.pop("conversation_id", "c"), **kw)
        )


def harness(
    *replies: IntentReply | str,
    llm: bool = True,
    blocked: str | None = None,
    backend: Any = None,
    cache_ttl: float | None = None,
) -> Harness:
    """A pipeline over ``replies`` (or ``backend``), with a memory cache when ``cache_ttl``."""
    clock = ManualClock()
    executor = Recorder()
    model = ScriptedModel(list(replies))
    outcomes: list[Outcome] = []
    cache = None
    if cache_ttl is not None:
        recognitions = RecognitionCache(MemoryCacheBackend(clock=clock), ttl=cache_ttl)
        cache = PipelineCache(recognitions, clock, "c1", "p1", lambda: "m", lambda: "p")
    pipeline = Pipeline(
        CATALOGUE,
        Homes(),
        executor,
        clock,
        ContextStore(clock, ttl_s=300),
        llm=(backend or model) if llm else None,
        cache=cache,
        llm_block_reason=lambda: blocked,
        on_outcome=outcomes.append,
    )
    return Harness(pipeline, executor, model, clock, outcomes)


def reply(
    intent: str, confidence: float = 0.95, question: str | None = None, **slots: Any
) -> IntentReply:
    return IntentReply(intent, slots, confidence, question)


async def test_a_confident_local_match_never_asks_the_model() -> None:
    h = harness()
    out = await h.say("wlacz swiatlo w kuchni")
    assert out.path is Path.LOCAL
    assert h.model.requests == []
    assert h.executor.actions == [("HassTurnOn", {"area": "Kuchnia", "domain": "light"})]
    assert out.speech == "Włączono światło w kuchni."
    assert h.outcomes == [out]


async def test_the_model_answers_what_local_matching_cannot() -> None:
    h = harness(reply("HassTurnOn", name="Ekspres do kawy"))
    out = await h.say("zrób mi kawę")
    assert out.path is Path.LLM
    assert (out.provider, out.cost_usd, out.usage.input_tokens) == ("p", Decimal("0.0002"), 1000)
    assert h.executor.actions == [("HassTurnOn", {"name": "Ekspres do kawy"})]
    assert out.speech == "Włączono ekspres do kawy."


async def test_a_rejected_reply_runs_nothing_and_answers() -> None:
    h = harness(reply("HassTurnOn", name="Sejf"))
    out = await h.say("zrób coś z sejfem")
    assert h.executor.actions == []
    assert out.speech == "Nie zrozumiałem polecenia."
    assert out.detail is not None and out.detail.startswith("invalid_slot")


async def test_when_the_model_fails_the_local_match_answers() -> None:
    h = harness("timeout")
    out = await h.say("wlacz mi szybciutko swiatlo w jadalni")
    assert out.path is Path.FALLBACK
    assert out.llm_error == "timeout"
    assert h.executor.actions == [("HassTurnOn", {"area": "Jadalnia", "domain": "light"})]


async def test_over_budget_answers_locally_and_says_so() -> None:
    h = harness(blocked="budget")
    out = await h.say("wlacz mi szybciutko swiatlo w jadalni")
    assert h.model.requests == []
    assert out.path is Path.FALLBACK
    assert out.speech.startswith("Budżet na model językowy się wyczerpał")


async def test_invalid_output_is_not_reported_as_an_outage() -> None:
    h = harness("invalid_output")
    out = await h.say("opowiedz dowcip")
    assert out.speech == "Nie zrozumiałem polecenia."
    unreachable = await harness("timeout").say("opowiedz dowcip")
    assert "niedostępny" in unreachable.speech


async def test_a_missing_room_is_asked_for_and_the_answer_completes_the_command() -> None:
    h = harness()
    question = await h.say("włącz muzykę")
    assert question.asked and question.speech == "W salonie czy w kuchni?"
    assert h.executor.actions == []

    answer = await h.say("w kuchni")

    assert h.executor.actions == [("HassTurnOn", {"domain": "media_player", "area": "Kuchnia"})]
    assert answer.speech == "Włączono odtwarzacz w kuchni."


async def test_a_room_that_was_not_offered_is_a_new_command() -> None:
    h = harness(llm=False)
    await h.say("włącz muzykę")
    await h.say("w garażu")
    assert h.executor.actions == []


async def test_the_candidate_rooms_are_those_with_that_kind_of_device() -> None:
    h = harness(llm=False)
    out = await h.say("ustaw temperaturę na 21 stopni")
    assert out.speech == "W salonie czy w sypialni?"
    await h.say("w sypialni")
    assert h.executor.actions == [
        ("HassClimateSetTemperature", {"temperature": 21, "domain": "climate", "area": "Sypialnia"})
    ]


async def test_confirmation_expires_after_30_seconds() -> None:
    h = harness(llm=False)
    asked = await h.say("otwórz drzwi wejściowe")
    assert asked.asked
    h.clock.advance(31)
    late = await h.say("tak")
    assert h.executor.actions == []
    assert late.speech == "Minęło zbyt dużo czasu na potwierdzenie, więc nic nie zrobiłem."
    # Said once; a later "tak" is just not understood.
    assert (await h.say("tak")).speech != late.speech


async def test_confirmation_inside_the_window_acts() -> None:
    h = harness(llm=False)
    await h.say("otwórz drzwi wejściowe")
    h.clock.advance(20)
    done = await h.say("tak")
    assert h.executor.actions == [("LockUnlock", {"name": "Drzwi wejściowe", "domain": "lock"})]
    assert done.speech == "Otwarto drzwi wejściowe."


async def test_the_alarm_is_never_turned_off_whatever_the_intent() -> None:
    h = harness(reply("HassTurnOff", name="Alarm"))
    out = await h.say("wyłącz ten alarm, szybko, wyje")
    assert h.executor.actions == []
    assert out.speech == "Alarmu nie wyłączam głosowo. Użyj aplikacji lub klawiatury."


async def test_the_models_question_is_context_for_the_next_turn_only() -> None:
    h = harness(
        reply("unclear", 0.3, "Które drzwi?"),
        reply("LockLock", name="Drzwi tarasowe"),
        reply("unclear", 0.3),
    )
    assert (await h.say("zabezpiecz dom na noc")).speech == "Które drzwi?"
    await h.say("te tarasowe")
    assert 'you asked: "Które drzwi?" about: "zabezpiecz dom na noc"' in h.model.requests[1].user
    assert h.executor.actions == [("LockLock", {"name": "Drzwi tarasowe", "domain": "lock"})]
    await h.say("te tarasowe")
    assert "you asked" not in h.model.requests[2].user


async def test_context_is_forgotten_after_its_lifetime() -> None:
    h = harness(llm=False)
    await h.say("włącz światło w kuchni")
    h.clock.advance(299)
    await h.say("a teraz wyłącz")
    assert h.executor.actions[-1] == ("HassTurnOff", {"area": "Kuchnia", "domain": "light"})
    h.clock.advance(301)
    await h.say("a teraz wyłącz")
    assert len(h.executor.actions) == 2


async def test_recognise_only_runs_nothing() -> None:
    h = harness()
    out = await h.say("włącz światło w kuchni", execute=False)
    assert h.executor.actions == []
    assert out.success and out.speech == "Włączono światło w kuchni."


async def test_an_executor_crash_costs_one_answer_not_the_agent() -> None:
    h = harness()
    h.executor.fail_with = RuntimeError("boom")
    out = await h.say("włącz światło w kuchni")
    assert out.speech == "Nie udało się wykonać polecenia."
    assert out.detail == "internal_error"


async def test_english_commands_get_english_answers() -> None:
    h = harness(reply("HassTurnOff", area="Sypialnia", domain="light"))
    out = await h.say("kill the lights in the bedroom", "en")
    assert out.speech == "Turned off the lights in Sypialnia."


async def test_the_satellite_room_is_used_when_no_room_is_said() -> None:
    h = harness()
    out = await h.say("włącz światło", satellite_area_id="sypialnia")
    assert h.executor.actions == [("HassTurnOn", {"domain": "light", "area": "Sypialnia"})]
    assert out.speech == "Włączono światło w sypialni."
    assert Context().pending is None


async def test_a_scene_without_a_name_is_asked_about_never_widened_to_a_room() -> None:
    h = harness(reply("SceneActivate"))
    out = await h.say("odpal jakąś fajną scenę")
    assert out.speech == "Które urządzenie masz na myśli?"
    await h.say("w salonie")
    assert h.executor.actions == []


async def test_overlapping_commands_each_keep_their_own_model_attempts() -> None:
    # Bug caught: attempts read back from shared "last call" state, so the
    # metrics and trace of a slow command showed a faster command's attempts.
    release_slow = asyncio.Event()

    class Overlapping:
        async def recognize(self, request: ProviderRequest, command: Command) -> LLMAnswer:
            slow = "salonie" in command.text
            if slow:
                await release_slow.wait()
            routed = RouterOutcome(
                None, None, [], None, auth_failed_provider="slow" if slow else None
            )
            return LLMAnswer(None, "p", "m", error="timeout", routed=routed)

    pipeline = harness(backend=Overlapping()).pipeline
    slow = asyncio.create_task(pipeline.handle(Command("zrób coś w salonie", "pl")))
    await asyncio.sleep(0)
    fast = await pipeline.handle(Command("zrób coś fajnego", "pl"))
    release_slow.set()
    slow_outcome = await slow

    assert fast.routed is not None and fast.routed.auth_failed_provider is None
    assert slow_outcome.routed is not None
    assert slow_outcome.routed.auth_failed_provider == "slow"


async def test_a_follow_up_that_borrows_the_previous_action_is_not_shared() -> None:
    # Bug caught: "zrób to samo w kuchni" names the room but not the action;
    # stored as context-free it replayed "turn on" days later after a "turn off".
    h = harness(
        reply("HassTurnOn", area="Kuchnia", domain="light"),
        reply("HassTurnOff", area="Kuchnia", domain="light"),
        cache_ttl=7 * 86_400.0,
    )
    pipeline, clock, executor = h.pipeline, h.clock, h.executor
    await pipeline.handle(Command("włącz światło w salonie", "pl", conversation_id="a"))
    first = await pipeline.handle(Command("zrób to samo w kuchni", "pl", conversation_id="a"))
    assert (first.path, first.intent) == (Path.LLM, "HassTurnOn")

    clock.advance(3 * 86_400.0)
    await pipeline.handle(Command("wyłącz światło w salonie", "pl", conversation_id="b"))
    later = await pipeline.handle(Command("zrób to samo w kuchni", "pl", conversation_id="b"))

    assert later.path is Path.LLM
    assert later.intent == "HassTurnOff"
    assert executor.actions[-1] == ("HassTurnOff", {"area": "Kuchnia", "domain": "light"})
