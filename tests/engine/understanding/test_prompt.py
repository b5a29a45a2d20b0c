"""The recognition prompt: its size, what it contains, and what it never contains."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
import json

import tiktoken

from custom_components.llm_intent.engine.home import Area, Entity, Floor, Home
from custom_components.llm_intent.engine.understanding.context import Context, OpenQuestion, Turn
from custom_components.llm_intent.engine.understanding.prompt import (
    STATIC_INSTRUCTIONS,
    build_request,
    render_catalogue,
    render_context,
    render_home,
    reply_schema,
)

from .test_local_match import CATALOGUE, HOME

STATIC_BUDGET = 500


def test_static_rules_fit_in_500_tokens() -> None:
    tokens = len(tiktoken.get_encoding("o200k_base").encode(STATIC_INSTRUCTIONS))
    print(f"\nstatic instructions: {tokens} tokens (o200k_base)")
    assert tokens <= STATIC_BUDGET


def test_the_system_prompt_is_rules_catalogue_and_area_names_only() -> None:
    request = build_request("zrób mi kawę", "pl", CATALOGUE, HOME, Context())
    assert request.system.startswith(STATIC_INSTRUCTIONS)
    assert "- HassTurnOn(*,floor,domain,device_class)\n" in request.system
    assert request.system.endswith(
        "AREAS by floor\n- Parter: Salon, Kuchnia, Przedpokój, Jadalnia, Garaż\n"
        "- Piętro: Sypialnia, Łazienka, Pokój dziecięcy, Gabinet\n- no floor: Ogród"
    )
    # Devices, the command, the context and the time stay out of the cacheable prefix.
    assert "Ekspres" not in request.system
    assert "zrób mi kawę" not in request.system
    assert request.user == (
        "DEVICES that fit the command (area: domain[/device_class]: names)\n"
        "- Kuchnia: switch: Ekspres do kawy\nCONTEXT: none\nLANGUAGE: pl\nCOMMAND: zrób mi kawę"
    )
    assert request.temperature == 0.0


def test_the_system_prompt_is_the_same_for_every_command_of_a_home() -> None:
    """Providers discount a repeated prefix: only the user message may change."""
    first = build_request("zrób mi kawę", "pl", CATALOGUE, HOME, Context())
    second = build_request(
        "zgaś lampkę w sypialni", "pl", CATALOGUE, HOME, Context(satellite_area_id="salon")
    )
    assert first.system == second.system
    assert "Lampka nocna" in second.user
    assert "Lampka nocna" not in first.user


def test_enum_slots_list_their_values() -> None:
    text = render_catalogue(CATALOGUE)
    assert "ClimateSetMode(*,mode=off|heat|cool|auto|heat_cool|dry|fan_only)" in text
    assert "state=on|off|open|closed|locked|unlocked" in text


def test_the_context_says_where_what_before_what_was_asked_and_when() -> None:
    ctx = Context(
        satellite_area_id="kuchnia",
        last=Turn("HassTurnOn", {"area": "Salon", "domain": "light"}, "salon", ()),
        open_question=OpenQuestion("Które światło?", "włącz światło"),
    )
    text = render_context(ctx, HOME, datetime(2026, 1, 2, 7, 30))
    assert text == (
        "CONTEXT: satellite area: Kuchnia; "
        'previous: HassTurnOn {"area": "Salon", "domain": "light"}; '
        'you asked: "Które światło?" about: "włącz światło"; '
        "local time: 2026-01-02 07:30"
    )
    assert render_context(Context(), HOME, None) == "CONTEXT: none"


def test_the_reply_schema_fixes_only_the_envelope() -> None:
    """Intent and slot names are checked by validate.py, not spelled out at 500 tokens a call."""
    schema = reply_schema(CATALOGUE)
    assert set(schema["required"]) == {"intent", "slots", "confidence"}
    assert schema["properties"]["slots"] == {"type": "object"}
    assert "enum" not in json.dumps(schema)


def test_name_area_shorthand_only_for_intents_that_take_both() -> None:
    lines = render_catalogue(CATALOGUE).splitlines()
    assert lines[0] == "INTENTS name(slots, * = name,area): meaning"
    assert "- HassMediaPause(*)" in lines
    assert "- HassCancelTimer(name)" in lines
    assert "- AreaAllOff(area)" in lines
    assert "- HassNevermind()" in lines
    assert "- LightBrightnessStep(*,step): Brighter or dimmer than now." in lines


def test_home_lists_areas_under_their_floor_and_names_with_aliases() -> None:
    text = render_home(HOME)
    lines = text.splitlines()
    parter = lines.index("FLOOR Parter")
    assert lines[parter + 1].startswith("- Salon/Pokój dzienny: light: ")
    assert "FLOOR Piętro\n- Sypialnia: light: Światło sypialnia, Lampka nocna; fan:" in text
    # An area without a floor, and one without exposed devices, are still named.
    assert text.endswith("NO FLOOR\n- Ogród")
    assert "\n- Pokój dziecięcy\n" in text


def test_names_with_separators_are_quoted_and_unplaced_devices_kept_apart() -> None:
    # Bugs caught: "Lampa TV/kino" read as two names (one of them the scene
    # "Kino"); a device without an area listed as if it were on the last floor.
    home = Home(
        areas=(Area("salon", "Salon", floor_id="parter"),),
        floors=(Floor("parter", "Parter"),),
        entities=(
            Entity("light.tv", "Lampa TV/kino", ("Lampa kino",), area_id="salon"),
            Entity("switch.pompa", "Pompa", area_id=None),
            Entity("switch.gone", "Gniazdko", area_id="strych"),
        ),
    )
    text = render_home(home)
    assert '- Salon: light: "Lampa TV/kino"/Lampa kino' in text
    assert text.endswith("NO AREA: switch: Pompa, Gniazdko")


def test_home_version_does_not_depend_on_listing_order() -> None:
    # Bug caught: a restart listing the same entities in another order changed
    # every cache key, so a shared (Redis) cache was lost on each restart.
    shuffled = Home(HOME.areas[::-1], HOME.floors[::-1], HOME.entities[::-1])
    assert shuffled.version == HOME.version
    rotated = Home(HOME.areas, HOME.floors, (*HOME.entities[1:], HOME.entities[0]))
    assert rotated.version == HOME.version
    first = HOME.entities[0]
    renamed = Home(HOME.areas, HOME.floors, (replace(first, name="Nowa"), *HOME.entities[1:]))
    assert renamed.version != HOME.version


def test_the_schema_lets_grammar_constrained_servers_ask_back() -> None:
    schema = reply_schema(CATALOGUE)
    assert schema["properties"]["clarify_question"] == {"type": "string"}
    assert "clarify_question" not in schema["required"]
