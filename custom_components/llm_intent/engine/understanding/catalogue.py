"""The intent catalogue: which intents exist, their slots, how they execute and answer.

Loaded from the built-in ``intents.yaml`` and an optional user file that adds or
overrides intents. Every problem is reported with file and line, because a
catalogue error otherwise surfaces much later as a command nobody understands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import hashlib
import json
import math
from pathlib import Path
import re
from typing import Any

from ..errors import CatalogueError
from .bounded_yaml import line_of, load_bounded

SLOT_TYPES = frozenset(
    {"entity", "area", "floor", "domain", "string", "int", "number", "color", "enum"}
)
LANGUAGES = ("pl", "en")
# Answers the model may give besides catalogue intents.
UNCLEAR = "unclear"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True, slots=True)
class SlotSpec:
    name: str
    type: str
    min: float | None = None
    max: float | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LocalPattern:
    regex: re.Pattern[str]
    slots: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IntentSpec:
    name: str
    description: str
    slots: Mapping[str, SlotSpec]
    responses: Mapping[str, str]
    examples: Mapping[str, tuple[str, ...]]
    local: Mapping[str, tuple[LocalPattern, ...]]
    ha_intent: str | None = None
    service: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # "always", or the device classes that need a confirmation turn.
    confirm_always: bool = False
    confirm_device_classes: frozenset[str] = frozenset()
    refuse: bool = False
    source: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Catalogue:
    intents: Mapping[str, IntentSpec]
    domains: Mapping[str, Mapping[str, tuple[str, ...]]]
    version: str

    def get(self, name: str) -> IntentSpec | None:
        return self.intents.get(name)

    def kind_stems(self, lang: str, domains: Iterable[str] | None = None) -> tuple[str, ...]:
        """One-word stems that name a kind of device in ``lang`` (of ``domains``, or any)."""
        wanted = self.domains if domains is None else domains
        return tuple(
            stem
            for domain in wanted
            for stem in self.domains.get(domain, {}).get(lang, ())
            if " " not in stem
        )

    def slot_names(self) -> list[str]:
        names: set[str] = set()
        for spec in self.intents.values():
            names.update(spec.slots)
        return sorted(names)


def _line(mapping: Any, key: Any = None) -> int | None:
    return line_of(mapping, key)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool) or _is_number(value)


class _Reader:
    """Reads one file; every value is checked against the documented type before use."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, message: str, where: Any = None, key: Any = None) -> CatalogueError:
        return CatalogueError(message, path=self.path, line=_line(where, key))

    def load(self, text: str) -> Any:
        return load_bounded(text, self.path)

    def mapping(self, what: str, raw: Any, where: Any, key: Any) -> dict[Any, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise self.fail(f"{what} must be a mapping, not {_kind(raw)}", where, key)
        for name in raw:
            if not isinstance(name, str):
                raise self.fail(f"{what}: key {name!r} must be text", raw, name)
        return raw

    def texts(self, what: str, raw: Any, where: Any, key: Any) -> tuple[str, ...]:
        if not isinstance(raw, list):
            raise self.fail(f"{what} must be a list of texts, not {_kind(raw)}", where, key)
        for item in raw:
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise self.fail(f"{what} must be a list of texts, not {_kind(item)}", where, key)
        return tuple(str(item) for item in raw)

    def per_language(self, what: str, raw: Any, where: Any, key: Any) -> dict[str, tuple[str, ...]]:
        """``{pl: [...], en: [...]}``: languages to lists of texts."""
        mapping = self.mapping(what, raw, where, key)
        return {
            lang: self.texts(f"{what}.{lang}", items, mapping, lang)
            for lang, items in mapping.items()
        }

    def slot(self, intent: str, name: str, raw: Any, where: Any) -> SlotSpec:
        if isinstance(raw, str):
            raw = {"type": raw}
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise self.fail(f"intent {intent}: slot {name} needs a type", where, name)
        if unknown := sorted(str(k) for k in set(raw) - {"type", "min", "max", "values"}):
            raise self.fail(f"intent {intent}: slot {name}: unknown key {unknown[0]!r}", raw)
        kind = raw["type"]
        if kind not in SLOT_TYPES:
            raise self.fail(
                f"intent {intent}: slot {name} has unknown type {kind!r} "
                f"(one of {', '.join(sorted(SLOT_TYPES))})",
                where,
                name,
            )
        values = self.texts(
            f"intent {intent}: slot {name} values", raw.get("values", []), raw, "values"
        )
        if kind == "enum" and not values:
            raise self.fail(f"intent {intent}: enum slot {name} needs values", where, name)
        for bound in ("min", "max"):
            if bound in raw and not _is_number(raw[bound]):
                raise self.fail(
                    f"intent {intent}: slot {name} {bound} must be a number", raw, bound
                )
        return SlotSpec(
            name=name,
            type=kind,
            min=raw.get("min"),
            max=raw.get("max"),
            values=values,
        )

    def patterns(self, intent: str, raw: Any, where: Any) -> dict[str, tuple[LocalPattern, ...]]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise self.fail(
                f"intent {intent}: local must map a language to patterns", where, "local"
            )
        out: dict[str, tuple[LocalPattern, ...]] = {}
        for lang, items in raw.items():
            if not isinstance(items, list):
                raise self.fail(f"intent {intent}: local.{lang} must be a list", raw, lang)
            compiled: list[LocalPattern] = []
            for item in items:
                pattern: Any
                slots: Any
                pattern, slots = (item, {}) if isinstance(item, str) else (None, None)
                if isinstance(item, dict):
                    pattern, slots = item.get("pattern"), item.get("slots", {})
                if (
                    not isinstance(pattern, str)
                    or not isinstance(slots, dict)
                    or not all(isinstance(k, str) and _is_scalar(v) for k, v in slots.items())
                ):
                    raise self.fail(
                        f"intent {intent}: local pattern must be a string or "
                        "{pattern: ..., slots: {name: value}}",
                        raw,
                        lang,
                    )
                try:
                    compiled.append(LocalPattern(re.compile(pattern), dict(slots)))
                except (re.error, RecursionError, OverflowError) as err:
                    raise self.fail(
                        f"intent {intent}: bad pattern {pattern!r}: {err}", raw, lang
                    ) from err
            out[str(lang)] = tuple(compiled)
        return out

    def execute(self, name: str, raw: Any, where: Any) -> _Execute:
        if not isinstance(raw, dict) or not (
            isinstance(raw.get("intent"), str) or isinstance(raw.get("service"), str)
        ):
            raise self.fail(
                f"intent {name}: execute needs an HA intent or a service", where, "execute"
            )
        if unknown := sorted(str(k) for k in set(raw) - {"intent", "service", "data", "defaults"}):
            raise self.fail(f"intent {name}: execute: unknown key {unknown[0]!r}", raw)
        ha_intent = raw.get("intent")
        service = raw.get("service")
        for key, value in (("intent", ha_intent), ("service", service)):
            if value is not None and not isinstance(value, str):
                raise self.fail(f"intent {name}: execute {key} must be text", raw, key)
        if service is not None and not re.fullmatch(r"[a-z_]+\.[a-z_]+", service):
            raise self.fail(
                f"intent {name}: service {service!r} is not domain.service", raw, "service"
            )
        data = self.mapping(f"intent {name}: execute data", raw.get("data"), raw, "data")
        if not all(isinstance(v, str) for v in data.values()):
            raise self.fail(
                f"intent {name}: execute data must map fields to slot names", raw, "data"
            )
        defaults = self.mapping(
            f"intent {name}: execute defaults", raw.get("defaults"), raw, "defaults"
        )
        for value in defaults.values():
            if not (_is_scalar(value) or (isinstance(value, list) and all(map(_is_scalar, value)))):
                raise self.fail(
                    f"intent {name}: execute defaults must be values or lists of values",
                    raw,
                    "defaults",
                )
        return _Execute(ha_intent, service, dict(data), dict(defaults))

    def confirm(self, name: str, raw: Any) -> tuple[bool, frozenset[str]]:
        confirm = raw.get("confirm")
        if confirm is None:
            return False, frozenset()
        if confirm == "always":
            return True, frozenset()
        if isinstance(confirm, dict) and set(confirm) == {"device_class"}:
            classes = self.texts(
                f"intent {name}: confirm device_class", confirm["device_class"], raw, "confirm"
            )
            return False, frozenset(classes)
        raise self.fail(
            f"intent {name}: confirm must be 'always' or {{device_class: [...]}}", raw, "confirm"
        )

    def intent(self, name: str, raw: Any, where: Any) -> IntentSpec:
        if not isinstance(raw, dict):
            raise self.fail(f"intent {name} must be a mapping", where, name)
        known = {
            "description",
            "slots",
            "execute",
            "responses",
            "examples",
            "local",
            "confirm",
            "refuse",
        }
        if unknown := sorted(str(k) for k in set(raw) - known):
            raise self.fail(f"intent {name}: unknown key {unknown[0]!r}", raw, unknown[0])
        # Optional: the intent's name is often description enough, and every
        # word of it is sent with every request.
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise self.fail(f"intent {name}: description must be text", raw, "description")
        raw_slots = self.mapping(f"intent {name}: slots", raw.get("slots"), raw, "slots")
        slots = {k: self.slot(name, k, v, raw_slots) for k, v in raw_slots.items()}
        responses = raw.get("responses")
        if (
            not isinstance(responses, dict)
            or not all(isinstance(responses.get(lang), str) for lang in LANGUAGES)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in responses.items())
        ):
            raise self.fail(
                f"intent {name} needs text responses for {' and '.join(LANGUAGES)}",
                raw,
                "responses",
            )
        refuse = raw.get("refuse", False)
        if not isinstance(refuse, bool):
            raise self.fail(f"intent {name}: refuse must be true or false", raw, "refuse")
        how = (
            _Execute(None, None, {}, {}) if refuse else self.execute(name, raw.get("execute"), raw)
        )
        examples = self.per_language(
            f"intent {name}: examples", raw.get("examples"), raw, "examples"
        )
        confirm_always, confirm_classes = self.confirm(name, raw)
        return IntentSpec(
            name=name,
            description=description.strip(),
            slots=slots,
            responses=dict(responses),
            examples=examples,
            local=self.patterns(name, raw.get("local"), raw),
            ha_intent=how.intent,
            service=how.service,
            data=how.data,
            defaults=how.defaults,
            confirm_always=confirm_always,
            confirm_device_classes=confirm_classes,
            refuse=refuse,
            source=self.path,
            line=_line(where, name),
        )


@dataclass(frozen=True, slots=True)
class _Execute:
    intent: str | None
    service: str | None
    data: dict[str, str]
    defaults: dict[str, Any]


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _parse(
    path: str, text: str
) -> tuple[dict[str, IntentSpec], dict[str, dict[str, tuple[str, ...]]]]:
    reader = _Reader(path)
    doc = reader.load(text)
    if doc is None:
        return {}, {}
    if not isinstance(doc, dict):
        raise reader.fail("the catalogue must be a mapping with an 'intents' key", doc)
    if unknown := sorted(str(k) for k in set(doc) - {"version", "domains", "intents"}):
        raise reader.fail(f"unknown key {unknown[0]!r}", doc, unknown[0])
    raw_intents = doc.get("intents") or {}
    if not isinstance(raw_intents, dict):
        raise reader.fail("'intents' must map intent names to definitions", doc, "intents")
    intents = {}
    for name, raw in raw_intents.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise reader.fail(f"bad intent name {name!r}", raw_intents, name)
        if name in (UNCLEAR, OUT_OF_SCOPE):
            raise reader.fail(f"{name!r} is reserved", raw_intents, name)
        intents[name] = reader.intent(name, raw, raw_intents)
    raw_domains = reader.mapping("'domains'", doc.get("domains"), doc, "domains")
    domains = {
        domain: reader.per_language(f"domains.{domain}", words, raw_domains, domain)
        for domain, words in raw_domains.items()
    }
    return intents, domains


def load_catalogue(builtin: Path, user: Path | None = None) -> Catalogue:
    """Read the catalogue (blocking file I/O: run in an executor)."""
    texts = [(str(builtin), builtin.read_text(encoding="utf-8"))]
    if user is not None and user.is_file():
        texts.append((str(user), user.read_text(encoding="utf-8")))
    return parse_catalogue(texts)


def parse_catalogue(texts: list[tuple[str, str]]) -> Catalogue:
    """Build a catalogue from (path, text) pairs; later files override earlier ones."""
    intents: dict[str, IntentSpec] = {}
    domains: dict[str, dict[str, tuple[str, ...]]] = {}
    digest = hashlib.sha256()
    for path, text in texts:
        digest.update(text.encode())
        file_intents, file_domains = _parse(path, text)
        intents.update(file_intents)
        for domain, words in file_domains.items():
            merged = domains.setdefault(str(domain), {})
            for lang, items in words.items():
                merged[lang] = merged.get(lang, ()) + items
    if not intents:
        raise CatalogueError("no intents defined", path=texts[0][0] if texts else "")
    return Catalogue(intents=intents, domains=domains, version=digest.hexdigest()[:12])


def catalogue_summary(catalogue: Catalogue) -> str:
    """A stable JSON of what the prompt shows; part of the cache fingerprint."""
    return json.dumps(
        {n: sorted(s.slots) for n, s in sorted(catalogue.intents.items())}, sort_keys=True
    )
