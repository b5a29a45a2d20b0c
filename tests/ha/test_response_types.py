"""Assist gets HA's response types and error codes: a refusal or a failure is never a done action.

``continue_conversation`` is set exactly when the answer is a question to the user.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.intent import IntentResponseErrorCode, IntentResponseType
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from ..fake_provider import ErrorReply, FakeProviderServer
from .conftest import CorrectModel, HomeCalls

AGENT = "conversation.llm_intent"
ERROR = IntentResponseType.ERROR


async def converse(
    hass: HomeAssistant, text: str, conversation_id: str | None = None, language: str = "pl"
) -> conversation.ConversationResult:
    return await conversation.async_converse(
        hass, text, conversation_id, None, language=language, agent_id=AGENT
    )


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        ("wyłącz alarm", ERROR, IntentResponseErrorCode.FAILED_TO_HANDLE),
        ("rozbierz żyrafę na części", ERROR, IntentResponseErrorCode.NO_INTENT_MATCH),
        ("włącz światło w kuchni", IntentResponseType.ACTION_DONE, None),
        ("jaka jest temperatura w salonie", IntentResponseType.QUERY_ANSWER, None),
        ("włącz wentylator w kuchni", ERROR, IntentResponseErrorCode.NO_VALID_TARGETS),
        ("zamknij rolety w kuchni", ERROR, IntentResponseErrorCode.NO_VALID_TARGETS),
    ],
)
async def test_local_answers_have_the_right_type(
    hass: HomeAssistant,
    local_entry: object,
    polish_home: HomeCalls,
    text: str,
    kind: IntentResponseType,
    code: IntentResponseErrorCode | None,
) -> None:
    result = await converse(hass, text)
    assert (result.response.response_type, result.response.error_code) == (kind, code)
    assert result.continue_conversation is False


async def test_a_confirmation_question_keeps_listening_and_is_not_a_done_action(
    hass: HomeAssistant, local_entry: object, polish_home: HomeCalls
) -> None:
    asked = await converse(hass, "otwórz drzwi wejściowe")
    assert asked.response.response_type is IntentResponseType.QUERY_ANSWER
    assert asked.continue_conversation is True
    done = await converse(hass, "tak", asked.conversation_id)
    assert done.response.response_type is IntentResponseType.ACTION_DONE
    assert done.continue_conversation is False


async def test_out_of_scope_is_no_intent_match(
    hass: HomeAssistant, openai_entry: object, correct_model: CorrectModel
) -> None:
    correct_model.teach("opowiedz mi dowcip", "out_of_scope")
    result = await converse(hass, "opowiedz mi dowcip")
    assert (result.response.response_type, result.response.error_code) == (
        ERROR,
        IntentResponseErrorCode.NO_INTENT_MATCH,
    )
    assert result.continue_conversation is False


async def test_the_models_question_keeps_listening(
    hass: HomeAssistant, openai_entry: object, correct_model: CorrectModel
) -> None:
    correct_model.teach_question("zrób coś z tym", "Z czym mam coś zrobić?")
    result = await converse(hass, "zrób coś z tym")
    assert result.response.speech["plain"]["speech"] == "Z czym mam coś zrobić?"
    assert result.response.response_type is IntentResponseType.QUERY_ANSWER
    assert result.continue_conversation is True


async def test_a_question_without_a_question_mark_still_keeps_listening(
    hass: HomeAssistant, openai_entry: object, correct_model: CorrectModel
) -> None:
    """Listening follows whether a question was asked, not the punctuation."""
    correct_model.teach_question("zrób coś z tym", "Powiedz, o które urządzenie chodzi.")
    result = await converse(hass, "zrób coś z tym")
    assert result.continue_conversation is True


async def test_a_provider_failure_is_failed_to_handle(
    hass: HomeAssistant, openai_entry: object, fake_provider: FakeProviderServer
) -> None:
    fake_provider.script(*[ErrorReply(500)] * 5)
    result = await converse(hass, "zrób mi kawę po turecku")
    assert (result.response.response_type, result.response.error_code) == (
        ERROR,
        IntentResponseErrorCode.FAILED_TO_HANDLE,
    )
    assert result.continue_conversation is False


async def test_the_http_api_reports_the_type_and_code(
    hass: HomeAssistant,
    local_entry: object,
    polish_home: HomeCalls,
    hass_client: ClientSessionGenerator,
) -> None:
    client = await hass_client()
    answers: list[dict[str, Any]] = []
    for text in ("wyłącz alarm", "rozbierz żyrafę na części", "otwórz bramę garażową"):
        response = await client.post(
            "/api/conversation/process", json={"text": text, "language": "pl", "agent_id": AGENT}
        )
        assert response.status == 200
        answers.append(await response.json())
    assert [
        (a["response"]["response_type"], a["response"].get("data", {}).get("code")) for a in answers
    ] == [
        ("error", "failed_to_handle"),
        ("error", "no_intent_match"),
        ("query_answer", None),
    ]
    assert [a["continue_conversation"] for a in answers] == [False, False, True]
    assert hass.states.get("cover.brama").state == "closed"  # type: ignore[union-attr]
