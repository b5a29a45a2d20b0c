"""Read Home Assistant's log and list what must not be there.

Errors and tracebacks from anything, "Detected blocking call" from anything,
and deprecation warnings that name this integration. A few errors come from
demo and onboarding components that cannot work in an offline sandbox; each
is allowed by logger and message, never by level alone.

Python's own warnings do not go through logging: they are printed on stderr
as ``path:line: Category: message``; those raised in the integration's code
are problems too.
"""

from __future__ import annotations

import re

_PYTHON_WARNING = re.compile(r"^(?P<path>\S+\.py):\d+: (?P<category>\w*Warning): ")
_INTEGRATION_PATH = "custom_components/llm_intent/"

_RECORD_START = re.compile(
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+ (?P<level>[A-Z]+) \((?P<thread>[^)]*)\) "
    r"\[(?P<logger>[^\]]+)\] "
)

# (logger, message pattern): unrelated components that need what the sandbox lacks.
ALLOWED: tuple[tuple[str, re.Pattern[str]], ...] = (
    # tts (via assist_pipeline) probes the ffmpeg binary, which is not installed here.
    ("haffmpeg.core", re.compile(r"^FFmpeg fails \[Errno 2\] No such file or directory: 'ffmpeg'")),
    # The demo camera would use libturbojpeg, which is not installed here.
    (
        "homeassistant.components.camera.img_util",
        re.compile(r"^Error loading libturbojpeg"),
    ),
    # The demo's image processing polls the demo camera every 10 s; after a restart
    # (the kill -9 step) its first poll can come before the camera platform is up.
    (
        "homeassistant.components.image_processing",
        re.compile(r"^Error on receive image from entity: Camera not found$"),
    ),
)


def _records(text: str) -> list[tuple[str, str, str]]:
    """(level, logger, full text with continuation lines) for each log record."""
    records: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        match = _RECORD_START.match(line)
        if match:
            records.append((match["level"], match["logger"], line))
        elif records:
            level, logger, body = records[-1]
            records[-1] = (level, logger, f"{body}\n{line}")
        elif line.strip():
            records.append(("UNKNOWN", "", line))
    return records


def _message(record: str) -> str:
    first = record.split("\n", 1)[0]
    match = _RECORD_START.match(first)
    return first[match.end() :] if match else first


def _allowed(logger: str, record: str) -> bool:
    return any(logger == name and pattern.search(_message(record)) for name, pattern in ALLOWED)


def _is_problem(level: str, logger: str, record: str) -> bool:
    if "Detected blocking call" in record:
        return True
    if level in ("ERROR", "CRITICAL", "FATAL") or "Traceback (most recent call last)" in record:
        return not _allowed(logger, record)
    lowered = record.lower()
    return "deprecat" in lowered and "llm_intent" in lowered


def problems_in(log_text: str) -> list[str]:
    """Every record that makes the run's log unclean, in order."""
    return [
        record for level, logger, record in _records(log_text) if _is_problem(level, logger, record)
    ]


def python_warnings_in(stderr_text: str) -> list[str]:
    """Python warnings printed on stderr whose code lives in the integration."""
    return [
        line
        for line in stderr_text.splitlines()
        if (match := _PYTHON_WARNING.match(line)) and _INTEGRATION_PATH in match["path"]
    ]
