"""Is a prediction right? Intent by name; slots by what they would act on.

Two slot sets are equally right when they pick the same devices in the home
("area Kuchnia, domain fan" and "name Wentylator" when that is the only fan
there) and agree on every value that is not a target (brightness, temperature,
colour, state, minutes...). Targets are resolved against the fixture home with
the catalogue's defaults for the intent, so a missing ``domain`` on
``HassLightSet`` still means lights.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custom_components.llm_intent.engine.home import Home
from custom_components.llm_intent.engine.understanding.catalogue import Catalogue

from .dataset import OUT_OF_SCOPE, UNCLEAR

TARGET_SLOTS = frozenset({"name", "area", "floor", "domain", "device_class"})
_DURATION_PARTS = {"hours": 3600, "minutes": 60, "seconds": 1}

# The kind of device an intent acts on when the catalogue gives no default:
# "pause in the kitchen" means the kitchen's players, not everything there.
_INTENT_DOMAINS: Mapping[str, tuple[str, ...]] = {
    "HassMediaPause": ("media_player",),
    "HassMediaUnpause": ("media_player",),
    "HassMediaNext": ("media_player",),
    "HassSetVolume": ("media_player",),
    "HassClimateSetTemperature": ("climate",),
    "HassClimateGetTemperature": ("climate",),
    "ClimateAdjustTemperature": ("climate",),
    "ClimateSetMode": ("climate",),
    "HassVacuumStart": ("vacuum",),
    "HassVacuumReturnToBase": ("vacuum",),
    "SceneActivate": ("scene", "script"),
    "AlarmDisarm": ("alarm_control_panel",),
}


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return []


def resolve_targets(
    intent: str, slots: Mapping[str, Any], home: Home, catalogue: Catalogue, lang: str
) -> frozenset[str] | None:
    """The entity ids the slots point at; None when they name no target at all."""
    spec = catalogue.get(intent)
    defaults = dict(spec.defaults) if spec is not None else {}
    name = slots.get("name")
    if isinstance(name, str) and name:
        key = home.index("entity", lang).resolve(name)
        return frozenset({key}) if key else frozenset({f"?{name}"})
    domains = _as_list(slots.get("domain")) or _as_list(defaults.get("domain"))
    domains = domains or list(_INTENT_DOMAINS.get(intent, ()))
    area = slots.get("area")
    floor = slots.get("floor")
    if not (area or floor or domains):
        return None
    chosen = list(home.entities)
    if isinstance(area, str) and area:
        area_id = home.index("area", lang).resolve(area)
        chosen = [e for e in chosen if e.area_id == area_id]
    if isinstance(floor, str) and floor:
        floor_id = home.index("floor", lang).resolve(floor)
        areas = {a.area_id for a in home.areas if a.floor_id == floor_id}
        chosen = [e for e in chosen if e.area_id in areas]
    if domains:
        chosen = [e for e in chosen if e.domain in domains]
    classes = _as_list(slots.get("device_class"))
    if classes:
        chosen = [e for e in chosen if e.device_class in classes]
    return frozenset(e.entity_id for e in chosen)


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) < 1e-6
    if isinstance(a, str) and isinstance(b, str):
        try:
            return abs(float(a) - float(b)) < 1e-6
        except ValueError:
            return a.casefold() == b.casefold()
    if isinstance(a, str) and isinstance(b, int | float):
        return _same_value(b, a)
    if isinstance(a, int | float) and isinstance(b, str):
        try:
            return abs(float(a) - float(b)) < 1e-6
        except ValueError:
            return False
    return bool(a == b)


def _values(slots: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Non-target values, with the catalogue's defaults where a slot is left out."""
    values = {k: v for k, v in defaults.items() if k not in TARGET_SLOTS}
    values.update((k, v) for k, v in slots.items() if k not in TARGET_SLOTS and v not in (None, ""))
    # "pół godziny" is 30 minutes whether or not "hours: 0" comes with it.
    parts = [values.pop(k, None) for k in _DURATION_PARTS]
    if any(p is not None for p in parts):
        try:
            values["duration_s"] = sum(
                float(p or 0) * s for p, s in zip(parts, _DURATION_PARTS.values(), strict=True)
            )
        except TypeError, ValueError:
            values["duration_s"] = parts
    return values


def slots_match(
    intent: str,
    expected: Mapping[str, Any],
    predicted: Mapping[str, Any],
    home: Home,
    catalogue: Catalogue,
    lang: str,
) -> bool:
    if intent in (UNCLEAR, OUT_OF_SCOPE):
        return True
    want = resolve_targets(intent, expected, home, catalogue, lang)
    got = resolve_targets(intent, predicted, home, catalogue, lang)
    if want != got:
        return False
    spec = catalogue.get(intent)
    defaults = spec.defaults if spec is not None else {}
    a, b = _values(expected, defaults), _values(predicted, defaults)
    return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)


def intent_right(expected: str, predicted: str | None) -> bool:
    """An out-of-scope command is handled right when nothing is done with it:
    refused, or answered "not understood"."""
    if expected == OUT_OF_SCOPE:
        return predicted in (OUT_OF_SCOPE, None)
    return expected == predicted
