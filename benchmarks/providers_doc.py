"""Writing measured eval figures into docs/providers.md.

The comparison table lives between two markers; each row starts with the
model in backticks. A measured run replaces that row's accuracy and latency
cells and stamps the date; every other cell (prices, derived costs, Polish
notes) is left as written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

START = "<!-- eval-results:start -->"
END = "<!-- eval-results:end -->"
DOC = Path(__file__).parents[1] / "docs" / "providers.md"

# Columns the eval owns, by header text.
ACCURACY = "Accuracy (intent + slots / intent only)"
POLISH = "Polish accuracy"
LATENCY = "Latency p50 / p95"
MEASURED = "Measured"


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def update_row(text: str, model: str, summary: dict[str, Any], today: date) -> str:
    """``text`` with the row for ``model`` carrying ``summary``'s figures."""
    if START not in text or END not in text:
        raise ValueError(f"providers doc has no {START} ... {END} block")
    head, rest = text.split(START, 1)
    block, tail = rest.split(END, 1)
    lines = [line for line in block.strip("\n").splitlines() if line.strip()]
    header = _cells(lines[0])
    for column in (ACCURACY, POLISH, LATENCY, MEASURED):
        if column not in header:
            raise ValueError(f"providers doc table has no {column!r} column")
    accuracy = (
        f"{summary['accuracy'] * 100:.1f}% / {summary['intent_accuracy'] * 100:.1f}%"
        f" (n={summary['records']})"
    )
    latency_ms = summary["latency_ms"]
    p50, p95 = (
        latency_ms.get("llm_p50") or latency_ms["p50"],
        latency_ms.get("llm_p95") or (latency_ms["p95"]),
    )
    digits = 1 if p95 is not None and p95 < 10 else 0
    latency = (
        f"{p50:.{digits}f} / {p95:.{digits}f} ms" if p50 is not None and p95 is not None else "–"
    )
    polish = next((r for r in summary.get("by_language", []) if r["name"] == "pl"), None)
    updates = {
        ACCURACY: accuracy,
        POLISH: f"{polish['accuracy'] * 100:.1f}% (n={polish['n']})" if polish else "–",
        LATENCY: latency,
        MEASURED: today.isoformat(),
    }
    found = False
    for index, line in enumerate(lines[2:], start=2):
        cells = _cells(line)
        if cells and cells[0].strip("`") == model:
            for column, value in updates.items():
                cells[header.index(column)] = value
            lines[index] = _line(cells)
            found = True
    if not found:
        cells = ["–"] * len(header)
        cells[0] = f"`{model}`"
        for column, value in updates.items():
            cells[header.index(column)] = value
        lines.append(_line(cells))
    return head + START + "\n" + "\n".join(lines) + "\n" + END + tail


def write_docs(model: str, summary: dict[str, Any], today: date, path: Path = DOC) -> None:
    path.write_text(update_row(path.read_text(encoding="utf-8"), model, summary, today))
