"""The engine's import rule, read from the source: no Home Assistant, and imports only run downward.

Each engine module has a rank; a module may import another package's module only
when that module's rank is lower. Within one package any order is allowed, but
the whole import graph must stay free of cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "custom_components" / "llm_intent" / "engine"
PREFIX = "custom_components.llm_intent.engine"

# Lowest first. A module not named here takes its package's rank.
RANKS: dict[str, int] = {
    "types": 0,
    "errors": 1,
    "clock": 1,
    "language": 2,
    "home": 3,
    "understanding": 4,
    "cost": 4,
    "cache": 4,
    "calling": 5,
    "pipeline": 6,
    # Adapters that plug into the pipeline's protocols sit above it.
    "calling.paid_call": 7,
    "calling.generation": 7,
    "cache.pipeline_cache": 7,
    "cost.accounting": 8,
    "observability": 9,
    "bridge": 10,
}

# module name -> (source, is a package's __init__)
Sources = dict[str, tuple[str, bool]]


def rank_of(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in RANKS:
            return RANKS[key]
    raise AssertionError(f"engine module {module!r} has no rank: add it to RANKS")


def engine_sources() -> Sources:
    sources: Sources = {}
    for path in sorted(ENGINE.rglob("*.py")):
        parts = [p for p in path.relative_to(ENGINE).with_suffix("").parts if p != "__init__"]
        if parts:
            sources[".".join(parts)] = (path.read_text(), path.name == "__init__.py")
    return sources


def imports_of(module: str, source: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported name): engine modules as engine-relative names, others as written."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            name = node.module or ""
            if name.startswith(PREFIX + "."):
                name = "engine:" + name.removeprefix(PREFIX + ".")
            found.append((node.lineno, name))
        elif isinstance(node, ast.ImportFrom):
            if node.level - 1 > len(package):
                found.append((node.lineno, "<above the engine>"))
                continue
            base = package[: len(package) - (node.level - 1)]
            stem = [*base, *([node.module] if node.module else [])]
            names = [stem] if node.module else [[*stem, a.name] for a in node.names]
            found.extend((node.lineno, "engine:" + ".".join(n)) for n in names)
    return found


def engine_target(name: str, sources: Sources) -> str | None:
    if not name.startswith("engine:"):
        return None
    name = name.removeprefix("engine:")
    while name and name not in sources:
        name = name.rpartition(".")[0]
    return name or None


def forbidden_imports(sources: Sources) -> list[str]:
    out = []
    for module, (source, is_package) in sources.items():
        for line, name in imports_of(module, source, is_package):
            outside_engine = name.startswith("custom_components.") or name == "<above the engine>"
            if name.split(".")[0] == "homeassistant" or outside_engine:
                out.append(f"{module}:{line} imports {name}")
    return out


def upward_imports(sources: Sources) -> list[str]:
    out = []
    for module, (source, is_package) in sources.items():
        for line, name in imports_of(module, source, is_package):
            target = engine_target(name, sources)
            if target is None or target == module:
                continue
            same_package = "." in module and target.split(".")[0] == module.split(".")[0]
            if not same_package and rank_of(target) >= rank_of(module):
                out.append(f"{module}:{line} -> {target}")
    return out


def cycle(sources: Sources) -> list[str]:
    graph = {
        module: sorted(
            {
                t
                for _, n in imports_of(module, src, pkg)
                if (t := engine_target(n, sources)) not in (None, module)
            }
        )
        for module, (src, pkg) in sources.items()
    }
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str]:
        if state.get(node) == 1:
            return [*trail, node]
        if state.get(node) == 2:
            return []
        state[node] = 1
        for nxt in graph[node]:
            if found := visit(nxt, [*trail, node]):
                return found
        state[node] = 2
        return []

    for module in sorted(graph):
        if found := visit(module, []):
            return found
    return []


def test_every_engine_module_has_a_rank() -> None:
    for module in engine_sources():
        rank_of(module)


def test_engine_never_imports_home_assistant_or_the_glue() -> None:
    assert forbidden_imports(engine_sources()) == []


def test_imports_only_run_downward() -> None:
    assert upward_imports(engine_sources()) == []


def test_engine_import_graph_has_no_cycle() -> None:
    assert cycle(engine_sources()) == []


def test_the_rule_fails_on_what_it_forbids() -> None:
    """Probes added to the real tree: each breaks exactly the rule it is written against."""
    real = engine_sources()
    upward = {**real, "understanding.probe": ("from ..pipeline import Pipeline\n", False)}
    assert upward_imports(upward) == ["understanding.probe:1 -> pipeline"]
    absolute = {
        **real,
        "cost.probe": (f"from {PREFIX}.calling.router import Router\n", False),
    }
    assert upward_imports(absolute) == ["cost.probe:1 -> calling.router"]
    ha = {**real, "clock": ("import homeassistant.core\n", False)}
    assert forbidden_imports(ha) == ["clock:1 imports homeassistant.core"]
    glue = {**real, "cache.probe": ("from ...const import DOMAIN\n", False)}
    assert forbidden_imports(glue) == ["cache.probe:1 imports <above the engine>"]
    loop = {
        **real,
        "cost.a_probe": ("from .b_probe import x\n", False),
        "cost.b_probe": ("from .a_probe import y\n", False),
    }
    assert cycle(loop) == ["cost.a_probe", "cost.b_probe", "cost.a_probe"]
