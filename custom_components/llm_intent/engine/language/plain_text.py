"""Turning untrusted text (a model's question, a free-text slot) into plain speakable text.

Whatever a model writes may be shown in a browser, a companion app or spoken by a
satellite, so only plain text passes: HTML and script are removed with their
content where it is code, Markdown emphasis and links are reduced to their words,
control and invisible formatting characters (bidi overrides, zero-width joiners)
are dropped, whitespace is collapsed and the length is capped.
"""

from __future__ import annotations

import html
import re
import unicodedata

MAX_QUESTION_CHARS = 200

_CODE_BLOCKS = re.compile(
    r"<\s*(script|style|iframe|object|embed|template)\b.*?(<\s*/\s*\1\s*>|$)",
    re.IGNORECASE | re.DOTALL,
)
# A tag, a comment or a declaration, also one cut off at the end of the text.
_TAGS = re.compile(r"<\s*[/!?a-zA-Z][^>]*(>|$)", re.DOTALL)
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_MARKDOWN_MARKS = re.compile(r"[*`~|]+|^\s*#+\s*|_{2,}", re.MULTILINE)
_URL_SCHEMES = re.compile(r"\b(javascript|data|vbscript)\s*:", re.IGNORECASE)
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([?.!,;:…])")
# Cc control, Cf format (bidi overrides, zero-width), Cs surrogates, Co private use, Cn unassigned.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _strip_once(text: str) -> str:
    text = html.unescape(text)
    text = _CODE_BLOCKS.sub(" ", text)
    text = _TAGS.sub(" ", text)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _MARKDOWN_MARKS.sub("", text)
    return _URL_SCHEMES.sub("", text)


def plain_text(text: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """``text`` as plain text of at most ``max_chars`` characters ("" when nothing is left)."""
    # Model answers are short; a huge one is cut before the regular expressions see it.
    text = text[: max_chars * 20]
    # Entities can hide markup ("&lt;script&gt;"): strip until nothing changes, a
    # few rounds at most since every round removes at least one level of escaping.
    for _ in range(5):
        stripped = _strip_once(text)
        if stripped == text:
            break
        text = stripped
    else:
        text = text.replace("&", " ")
    text = text.replace("<", " ").replace(">", " ")
    chars = [
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _DROPPED_CATEGORIES
    ]
    # A removed tag leaves a space, which must not stand before punctuation.
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join("".join(chars).split()))
    if len(text) > max_chars:
        cut = text[: max_chars - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"
    return text
