"""Intents switched off by the user: neither offered to the model nor matched locally.

Switching an intent off is one of the ways to spend less (a shorter catalogue
in every request) or to keep a kind of action away from voice altogether. The
pipeline is given the catalogue without them, so the prompt, the local
matcher and the reply check all agree that they do not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
import hashlib

from .catalogue import Catalogue

__all__ = ["without_intents"]


def without_intents(catalogue: Catalogue, disabled: Iterable[str]) -> Catalogue:
    off = frozenset(disabled) & frozenset(catalogue.intents)
    if not off:
        return catalogue
    intents = {name: spec for name, spec in catalogue.intents.items() if name not in off}
    # A different catalogue: cached recognitions of the full one must not replay.
    digest = hashlib.sha256(f"{catalogue.version}-{sorted(off)}".encode()).hexdigest()[:12]
    return replace(catalogue, intents=intents, version=digest)
