"""An Outcome as HA's conversation result: the response type and error code clients rely on.

Satellites, the companion app and automations tell a done action from a refusal or a
failure only by ``response_type`` and ``error_code``, and keep listening only when
``continue_conversation`` is set; so both follow what happened, never the wording.
"""

from __future__ import annotations

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent

from .engine.pipeline import Outcome

# HA intents whose answer is information, not a change.
QUERY_INTENTS = frozenset(
    {
        intent.INTENT_GET_STATE,
        intent.INTENT_GET_TEMPERATURE,
        intent.INTENT_GET_CURRENT_DATE,
        intent.INTENT_GET_CURRENT_TIME,
        "HassGetWeather",
        "HassTimerStatus",
    }
)
# Failures of the model call that are not "the model did not understand".
_NOT_A_PROVIDER_FAILURE = frozenset({"local_only"})

ResponseKind = tuple[intent.IntentResponseType, intent.IntentResponseErrorCode | None]


def response_kind(outcome: Outcome) -> ResponseKind:
    """What kind of answer ``outcome`` is, in HA's terms."""
    error = intent.IntentResponseType.ERROR
    codes = intent.IntentResponseErrorCode
    if outcome.asked:
        # A question back is neither a done action nor a failure.
        return intent.IntentResponseType.QUERY_ANSWER, None
    if outcome.success:
        if outcome.intent == "out_of_scope":
            return error, codes.NO_INTENT_MATCH
        if outcome.intent in QUERY_INTENTS:
            return intent.IntentResponseType.QUERY_ANSWER, None
        return intent.IntentResponseType.ACTION_DONE, None
    if outcome.detail in ("no_match", "no_target"):
        return error, codes.NO_VALID_TARGETS
    if not outcome.understood:
        if outcome.llm_error is not None and outcome.llm_error not in _NOT_A_PROVIDER_FAILURE:
            return error, codes.FAILED_TO_HANDLE
        if outcome.detail == "internal_error":
            return error, codes.FAILED_TO_HANDLE
        return error, codes.NO_INTENT_MATCH
    # Understood but not done: refused, an expired confirmation, a failed action.
    return error, codes.FAILED_TO_HANDLE


def result_from_outcome(
    hass: HomeAssistant,
    user_input: conversation.ConversationInput,
    chat_log: conversation.ChatLog,
    outcome: Outcome,
) -> conversation.ConversationResult:
    """The result for Assist; the speech is the chat log's last answer."""
    last = chat_log.content[-1] if chat_log.content else None
    speech = (
        last.content
        if isinstance(last, conversation.AssistantContent) and last.content
        else outcome.speech
    )
    response = intent.IntentResponse(language=user_input.language)
    kind, code = response_kind(outcome)
    if code is not None:
        response.async_set_error(code, speech)
    else:
        response.response_type = kind
        response.async_set_speech(speech)
        if outcome.executed and outcome.entity_ids:
            response.async_set_results(
                [
                    intent.IntentResponseTarget(
                        type=intent.IntentResponseTargetType.ENTITY,
                        name=state.name if (state := hass.states.get(entity_id)) else entity_id,
                        id=entity_id,
                    )
                    for entity_id in outcome.entity_ids
                ]
            )
    return conversation.ConversationResult(
        response=response,
        conversation_id=chat_log.conversation_id,
        continue_conversation=outcome.asked,
    )
