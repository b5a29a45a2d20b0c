"""Cache keys for recognitions: what was said, in which language, and what the answer rested on.

A key must change whenever the recognition could change. The spoken words are
reduced to what matters for matching (case, punctuation, spacing and, where
safe, diacritics do not), while everything else the answer depended on goes
into a fingerprint: catalogue and prompt versions, the model, the home (areas,
names, exposure) and, only for context-dependent answers, the context used.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json
import re
import unicodedata

from ..language.normalize import fold

# Bumped when the key layout changes, so old entries become unreachable.
_KEY_SCHEMA = 1
_DIGEST_HEX = 20  # 80 bits: collisions are out of reach for a household's commands

# Languages whose commands keep their meaning when diacritics are dropped;
# STT output is inconsistent about them ("wlacz" vs "włącz"). Elsewhere
# (German "schon"/"schön") the marks are kept.
_DIACRITIC_SAFE_LANGUAGES = frozenset({"pl", "en"})

# A minus sign starting a number is spoken "minus"; without it "-5" and "5" meet.
_LEADING_MINUS = re.compile(r"(?<![^\W_])[-−](?=\d)")
# Same word shape as ``normalize.fold``: "22,5" stays one word, read as "22.5".
_WORD = re.compile(r"(?:\d+[.,](?=\d))?[^\W_]+")


@dataclass(frozen=True, slots=True)
class CacheVersions:
    """Everything besides the words and the context that a recognition depends on.

    ``home_version`` is a hash the HA layer computes over areas, entity names
    and exposure; changing it makes every older entry unreachable.
    """

    catalogue_version: str
    prompt_version: str
    model: str
    home_version: str


@dataclass(frozen=True, slots=True)
class ContextFingerprint:
    """The conversational context a recognition may have used.

    ``previous_target`` must be a stable string (e.g. sorted entity ids joined
    by commas) so the same target always yields the same key.
    """

    area_id: str | None = None
    previous_target: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.area_id and not self.previous_target


def normalise_language(language: str) -> str:
    """``pl_PL`` and ``pl-pl`` name the same language tag."""
    return language.strip().replace("_", "-").casefold()


def normalise_command(text: str, language: str) -> str:
    """The command as matching sees it: no case, punctuation or spacing.

    Words are glued together except between two numbers, which keep a ``_``
    so "2 0" never meets "20"; "21,5" and "21.5" are one number.
    """
    spoken = _LEADING_MINUS.sub(" minus ", text)
    if normalise_language(language).split("-", 1)[0] in _DIACRITIC_SAFE_LANGUAGES:
        words = fold(spoken).split()
    else:
        cased = unicodedata.normalize("NFKC", spoken).casefold()
        words = [word.replace(",", ".") for word in _WORD.findall(cased)]
    out: list[str] = []
    for word in words:
        if out and out[-1][-1].isdigit() and word[0].isdigit():
            out.append("_")
        out.append(word)
    return "".join(out)


def _digest(value: object) -> str:
    # JSON keeps field boundaries, so ("a:b", "c") and ("a", "b:c") differ.
    encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()[:_DIGEST_HEX]


def cache_key(
    text: str,
    language: str,
    *,
    catalogue_version: str,
    prompt_version: str,
    model: str,
    home_version: str,
    context: ContextFingerprint | None,
) -> str:
    """``<language>:<command digest>:<fingerprint>``; ``context=None`` gives the shared key.

    Both parts are hashed so keys have a fixed size (the memory cache is
    bounded in bytes) and the spoken words are not readable in Redis.
    """
    lang = normalise_language(language)
    command = normalise_command(text, lang)
    ctx = None if context is None or context.is_empty else context
    fingerprint = _digest(
        [
            _KEY_SCHEMA,
            catalogue_version,
            prompt_version,
            model,
            home_version,
            None if ctx is None else [ctx.area_id or "", ctx.previous_target or ""],
        ]
    )
    return f"{lang}:{_digest(command)}:{fingerprint}"


def versioned_cache_key(
    text: str, language: str, versions: CacheVersions, context: ContextFingerprint | None
) -> str:
    """``cache_key`` with the versions bundled as the pipeline carries them."""
    return cache_key(
        text,
        language,
        catalogue_version=versions.catalogue_version,
        prompt_version=versions.prompt_version,
        model=versions.model,
        home_version=versions.home_version,
        context=context,
    )
