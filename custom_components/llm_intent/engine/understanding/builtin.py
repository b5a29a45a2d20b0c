"""Intents recognised by the host's own matching (HA's built-in agent), as the gate sees them.

The host only recognises; the pipeline judges what the recognition would do
and acts through the same executor as every other path. Such an intent is
always HA's own: a user catalogue entry of the same name must not change what
it runs, so it gets a spec of its own here, never the catalogue's.
"""

from __future__ import annotations

from functools import cache

from .answers import MESSAGES
from .catalogue import IntentSpec
from .recognition import Recognition

# Set in Recognition.extra when the host resolved the targets itself: the
# entity list is then exactly what would be acted on, even when it is empty.
RESOLVED_TARGETS = "resolved_targets"
# HA's timer slot for a command to run when the timer ends; HA runs it with its
# own agent, which never asks for "tak", so no path here ever sets one.
DELAYED_COMMAND = "conversation_command"
# HA's handlers say nothing themselves; its built-in agent's templates are not ours to use.
_DONE = {lang: MESSAGES[lang]["done"] for lang in ("pl", "en")}


@cache
def builtin_spec(intent_type: str) -> IntentSpec:
    """A spec that runs HA's own handler for ``intent_type`` with the recognised slots."""
    return IntentSpec(
        name=intent_type,
        description="",
        slots={},
        responses=_DONE,
        examples={},
        local={},
        ha_intent=intent_type,
        source="builtin",
    )


def resolved(rec: Recognition) -> bool:
    return bool(rec.extra.get(RESOLVED_TARGETS))
