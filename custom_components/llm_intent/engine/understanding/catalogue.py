"""The intent catalogue: which intents exist, their slots, how they execute and answer.

Loaded from the built-in ``intents.yaml`` and an optional user file that adds or
overrides intents. Every problem is reported with file and line, because a
catalogue error otherwise surfaces much later as a command nobody understands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import hashlib
import json
from pathlib import Path
import re
from typing import Any

import yaml

from ..errors import CatalogueError

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

    def slot_names(self) -> list[str]:
        names: set[str] = set()
        for spec in self.intents.values():
            names.update(spec.slots)
        return sorted(names)


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers on which line each mapping key stands."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = _Lined()
    lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    result.__dict__["lines"] = lines
    result.__dict__["line"] = node.start_mark.line + 1
    return result


class _Lined(dict[Any, Any]):
    lines: dict[Any, int]
    line: int


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _line(mapping: Any, key: Any = None) -> int | None:
    if isinstance(mapping, _Lined):
        return mapping.lines.get(key, mapping.line) if key is not None else mapping.line
    return None


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, message: str, where: Any = None, key: Any = None) -> CatalogueError:
        return CatalogueError(message, path=self.path, line=_line(where, key))

    def load(self, text: str) -> Any:
        try:
            return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark
            raise CatalogueError(
                f"invalid YAML: {err.problem}",
                path=self.path,
                line=mark.line + 1 if mark else None,
            ) from err
        except yaml.YAMLError as err:
            raise CatalogueError(f"invalid YAML: {err}", path=self.path) from err

    def slot(self, intent: str, name: str, raw: Any, where: Any) -> SlotSpec:
        if isinstance(raw, str):
            raw = {"type": raw}
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise self.fail(f"intent {intent}: slot {name} needs a type", where, name)
        kind = raw["type"]
        if kind not in SLOT_TYPES:
            raise self.fail(
                f"intent {intent}: slot {name} has unknown type {kind!r} "
                f"(one of {', '.join(sorted(SLOT_TYPES))})",
                where,
                name,
            )
        values = raw.get("values", ())
        if kind == "enum" and not values:
            raise self.fail(f"intent {intent}: enum slot {name} needs values", where, name)
        for bound in ("min", "max"):
            if bound in raw and not isinstance(raw[bound], int | float):
                raise self.fail(
                    f"intent {intent}: slot {name} {bound} must be a number", raw, bound
                )
        return SlotSpec(
            name=name,
            type=kind,
            min=raw.get("min"),
            max=raw.get("max"),
            values=tuple(str(v) for v in values),
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
                if not isinstance(pattern, str) or not isinstance(slots, dict):
                    raise self.fail(
                        f"intent {intent}: local pattern must be a string or "
                        "{pattern: ..., slots: {...}}",
                        raw,
                        lang,
                    )
                try:
                    compiled.append(LocalPattern(re.compile(pattern), dict(slots)))
                except re.error as err:
                    raise self.fail(
                        f"intent {intent}: bad pattern {pattern!r}: {err}", raw, lang
                    ) from err
            out[str(lang)] = tuple(compiled)
        return out

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
        if unknown := sorted(set(raw) - known):
            raise self.fail(f"intent {name}: unknown key {unknown[0]!r}", raw, unknown[0])
        # Optional: the intent's name is often description enough, and every
        # word of it is sent with every request.
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise self.fail(f"intent {name}: description must be text", raw, "description")
        raw_slots = raw.get("slots") or {}
        if not isinstance(raw_slots, dict):
            raise self.fail(f"intent {name}: slots must be a mapping", raw, "slots")
        slots = {str(k): self.slot(name, str(k), v, raw_slots) for k, v in raw_slots.items()}
        responses = raw.get("responses")
        if not isinstance(responses, dict) or not all(
            isinstance(responses.get(lang), str) for lang in LANGUAGES
        ):
            raise self.fail(
                f"intent {name} needs responses for {' and '.join(LANGUAGES)}", raw, "responses"
            )
        refuse = bool(raw.get("refuse", False))
        execute = raw.get("execute")
        ha_intent = service = None
        data: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        if not refuse:
            if not isinstance(execute, dict) or not (
                isinstance(execute.get("intent"), str) or isinstance(execute.get("service"), str)
            ):
                raise self.fail(
                    f"intent {name}: execute needs an HA intent or a service", raw, "execute"
                )
            ha_intent = execute.get("intent")
            service = execute.get("service")
            if service is not None and not re.fullmatch(r"[a-z_]+\.[a-z_]+", service):
                raise self.fail(
                    f"intent {name}: service {service!r} is not domain.service", execute, "service"
                )
            data = {str(k): str(v) for k, v in (execute.get("data") or {}).items()}
            defaults = dict(execute.get("defaults") or {})
        examples_raw = raw.get("examples") or {}
        examples = {
            str(lang): tuple(str(e) for e in items)
            for lang, items in examples_raw.items()
            if isinstance(items, list)
        }
        confirm = raw.get("confirm")
        confirm_always = confirm == "always"
        confirm_classes: frozenset[str] = frozenset()
        if isinstance(confirm, dict):
            confirm_classes = frozenset(str(c) for c in confirm.get("device_class", []))
        elif confirm not in (None, "always"):
            raise self.fail(
                f"intent {name}: confirm must be 'always' or {{device_class: [...]}}",
                raw,
                "confirm",
            )
        return IntentSpec(
            name=name,
            description=description.strip(),
            slots=slots,
            responses={str(k): str(v) for k, v in responses.items()},
            examples=examples,
            local=self.patterns(name, raw.get("local"), raw),
            ha_intent=ha_intent,
            service=service,
            data=data,
            defaults=defaults,
            confirm_always=confirm_always,
            confirm_device_classes=confirm_classes,
            refuse=refuse,
            source=self.path,
            line=_line(where, name),
        )


def _parse(path: str, text: str) -> tuple[dict[str, IntentSpec], dict[str, Any]]:
    reader = _Reader(path)
    doc = reader.load(text)
    if doc is None:
        return {}, {}
    if not isinstance(doc, dict):
        raise reader.fail("the catalogue must be a mapping with an 'intents' key", doc)
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
    domains = doc.get("domains") or {}
    if not isinstance(domains, dict):
        raise reader.fail("'domains' must be a mapping", doc, "domains")
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
            for lang, items in (words or {}).items():
                merged[str(lang)] = tuple(merged.get(str(lang), ())) + tuple(str(w) for w in items)
    if not intents:
        raise CatalogueError("no intents defined", path=texts[0][0] if texts else "")
    return Catalogue(intents=intents, domains=domains, version=digest.hexdigest()[:12])


def catalogue_summary(catalogue: Catalogue) -> str:
    """A stable JSON of what the prompt shows; part of the cache fingerprint."""
    return json.dumps(
        {n: sorted(s.slots) for n, s in sorted(catalogue.intents.items())}, sort_keys=True
    )
