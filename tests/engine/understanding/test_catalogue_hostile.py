"""A hostile or mistaken user catalogue fails fast, with file and line, and never with another error."""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
from pathlib import Path
import re
import resource
import time
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest
import yaml

from custom_components.llm_intent.engine.errors import CatalogueError
from custom_components.llm_intent.engine.understanding.catalogue import Catalogue, parse_catalogue

from .test_local_match import BUILTIN

USER = "/config/intents.yaml"
VALID_INTENT = """\
intents:
  CinemaMode:
    slots: {level: {type: int, min: 0, max: 100}}
    execute: {intent: HassTurnOn, defaults: {name: Kino}}
    responses: {pl: "Tryb kino.", en: "Cinema mode."}
"""


def billion_laughs(depth: int, width: int = 9, where: str = "examples") -> str:
    """Aliases nested ``depth`` deep, each level repeating the previous ``width`` times."""
    refs = ", ".join(["lol"] * width)
    lines = [f"l0: &l0 [{refs}]"]
    for level in range(1, depth):
        refs = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"l{level}: &l{level} [{refs}]")
    anchors = "\n".join("    " + line for line in lines)
    last = f"*l{depth - 1}"
    if where == "domains":
        return f"version:\n{anchors}\ndomains:\n  light: {{pl: {last}}}\n" + VALID_INTENT
    return f"version:\n{anchors}\n" + VALID_INTENT + f"    examples: {{pl: {last}}}\n"


def parse_user(text: str) -> Catalogue:
    return parse_catalogue([(str(BUILTIN), BUILTIN.read_text()), (USER, text)])


def _parse_within_memory(text: str, extra_bytes: int) -> None:
    """In a forked child: allow ``extra_bytes`` more address space, exit 0 on a CatalogueError."""
    status = Path("/proc/self/status").read_text()
    size_kb = int(re.search(r"VmSize:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    limit = size_kb * 1024 + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        parse_user(text)
    except CatalogueError as err:
        os._exit(0 if "/config/intents.yaml:" in str(err) and "alias" in str(err) else 4)
    except MemoryError:
        os._exit(5)
    os._exit(3)


def test_the_644_byte_billion_laughs_fails_fast_in_bounded_memory() -> None:
    """Like the 644-byte file from the report; read in a child with 1 GB more memory and 10 s."""
    bomb = billion_laughs(9, where="domains")
    assert len(bomb.encode()) < 1000
    child = multiprocessing.get_context("fork").Process(
        target=_parse_within_memory, args=(bomb, 1 << 30)
    )
    started = time.monotonic()
    child.start()
    child.join(10)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("the catalogue loader ran for more than 10 s on a 644-byte file")
    assert child.exitcode == 0, (
        f"exit {child.exitcode} (3 accepted, 4 unclear error, 5 out of memory)"
    )
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("where", ["domains", "examples"])
def test_aliases_expanding_past_the_limit_are_refused_with_file_and_line(where: str) -> None:
    started = time.monotonic()
    with pytest.raises(CatalogueError, match="alias") as caught:
        parse_user(billion_laughs(6, where=where))
    assert caught.value.path == USER and caught.value.line is not None
    assert time.monotonic() - started < 2


def test_a_few_aliases_are_still_fine() -> None:
    text = VALID_INTENT + "    examples: {pl: &w [kino, film], en: *w}\n"
    assert parse_user(text).intents["CinemaMode"].examples["pl"] == ("kino", "film")


def test_an_alias_that_contains_itself_is_refused() -> None:
    with pytest.raises(CatalogueError, match="alias"):
        parse_user("version: &v [*v]\n" + VALID_INTENT)


def test_nesting_beyond_the_limit_is_refused() -> None:
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(CatalogueError):
        parse_user(f"version: {deep}\n" + VALID_INTENT)


WRONG_TYPES = {
    "domains as a list": ("domains:\n  light: [swiatl]\n", 2),
    "domain words as a number": ("domains:\n  light: {pl: 5}\n", 2),
    "examples as text": (VALID_INTENT + '    examples: "text"\n', 6),
    "examples of a language as a number": (VALID_INTENT + "    examples: {pl: 5}\n", 6),
    "an example that is a list": (VALID_INTENT + "    examples: {pl: [[a, b]]}\n", 6),
    "confirm classes as a number": (VALID_INTENT + "    confirm: {device_class: 5}\n", 6),
    "enum values as a number": (
        VALID_INTENT.replace("{type: int, min: 0, max: 100}", "{type: enum, values: 5}"),
        3,
    ),
    "execute data as a list": (
        VALID_INTENT.replace("defaults: {name: Kino}", "data: [a]"),
        4,
    ),
    "execute defaults as a number": (
        VALID_INTENT.replace("defaults: {name: Kino}", "defaults: 5"),
        4,
    ),
    "a response as a list": (
        VALID_INTENT.replace('en: "Cinema mode."', 'en: "Cinema mode.", de: [x]'),
        5,
    ),
    "refuse as text": (VALID_INTENT + "    refuse: maybe\n", 6),
    "a slot bound that is a boolean": (VALID_INTENT.replace("min: 0", "min: true"), 3),
    "a local slot value that is a mapping": (
        VALID_INTENT + "    local: {pl: [{pattern: '^kino', slots: {level: {a: 1}}}]}\n",
        6,
    ),
    "intents as a list": ("intents: [CinemaMode]\n", 1),
    "a key that is a list": ("intents:\n  ? [a, b]\n  : x\n", 2),
    "a huge integer": ("version: " + "9" * 5000 + "\n" + VALID_INTENT, None),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_wrong_types_are_catalogue_errors_with_file_and_line(case: str) -> None:
    text, line = WRONG_TYPES[case]
    with pytest.raises(CatalogueError) as caught:
        parse_user(text)
    assert caught.value.path == USER
    if line is not None:
        assert caught.value.line == line, str(caught.value)
    assert str(caught.value).startswith(USER)


# Any YAML value: what a user (or a fuzzer) might put where the catalogue expects something.
ANY = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**6), max_value=10**6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers(0, 5), inner, max_size=4)
    ),
    max_leaves=12,
)
VALID_PARTS: dict[str, Any] = {
    "description": "Kino.",
    "slots": {"level": {"type": "int", "min": 0, "max": 100}, "room": "area"},
    "execute": {"intent": "HassTurnOn", "defaults": {"name": "Kino"}},
    "responses": {"pl": "Kino.", "en": "Cinema."},
    "examples": {"pl": ["kino"], "en": ["cinema"]},
    "local": {"pl": ["^kino$", {"pattern": "^film", "slots": {"level": 3}}]},
    "confirm": {"device_class": ["garage"]},
    "refuse": False,
}


@st.composite
def user_catalogues(draw: st.DrawFn) -> dict[str, Any]:
    intent: dict[str, Any] = {}
    for key, valid in VALID_PARTS.items():
        choice = draw(st.sampled_from(["valid", "valid", "other", "absent"]))
        if choice == "valid":
            intent[key] = valid
        elif choice == "other":
            intent[key] = draw(ANY)
    doc: dict[str, Any] = {"intents": {"CinemaMode": intent}}
    if draw(st.booleans()):
        doc["domains"] = draw(
            st.sampled_from([{"light": {"pl": ["kinkiet"]}}, {"light": ["kinkiet"]}]) | ANY
        )
    if draw(st.booleans()):
        doc["intents"]["Other"] = draw(ANY)
    return doc


@settings(max_examples=300, deadline=None)
@given(user_catalogues())
def test_generated_catalogues_load_or_fail_with_a_catalogue_error(doc: dict[str, Any]) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        catalogue = parse_catalogue([(USER, text)])
    except CatalogueError as err:
        error = err
    else:
        error = None
    if error is not None:
        assert error.path == USER
        return
    spec = catalogue.intents["CinemaMode"]
    assert all(isinstance(v, str) for v in spec.responses.values())
    assert all(isinstance(e, str) for examples in spec.examples.values() for e in examples)
    for slot in spec.slots.values():
        for bound in (slot.min, slot.max):
            assert bound is None or (isinstance(bound, int | float) and math.isfinite(bound))
    for words in catalogue.domains.values():
        assert all(isinstance(w, str) for items in words.values() for w in items)


@settings(max_examples=60, deadline=None)
@given(
    depth=st.integers(1, 12),
    width=st.integers(1, 12),
    where=st.sampled_from(["domains", "examples"]),
)
def test_generated_alias_nests_finish_quickly(depth: int, width: int, where: str) -> None:
    started = time.monotonic()
    try:
        parse_catalogue([(USER, billion_laughs(depth, width, where))])
    except CatalogueError:
        pass
    else:
        assert width**depth <= 100_000
    assert time.monotonic() - started < 2


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("&*ab:[]{},- \n'\"!<>|?#%@`"), max_size=120))
def test_arbitrary_yaml_text_is_only_ever_a_catalogue_error(text: str) -> None:
    with contextlib.suppress(CatalogueError):
        parse_catalogue([(USER, VALID_INTENT + text)])
