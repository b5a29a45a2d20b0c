"""YAML reading with a ceiling on what the document may expand to.

A YAML alias repeats a whole subtree, so a few hundred bytes of nested aliases
("billion laughs") describe billions of nodes. The document is therefore first
composed into its node graph, where an alias is one shared node, and measured
there: the size it would have once every alias is expanded, the number of alias
uses and the nesting depth. Only a document within the limits is constructed
into Python objects, so time and memory stay proportional to the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import CatalogueError

# The built-in catalogue is ~15 kB with ~2,000 nodes; these leave ample room for
# a user's file while keeping a hostile one to a few megabytes of work.
MAX_FILE_CHARS = 1_000_000
MAX_EXPANDED_NODES = 100_000
MAX_EXPANDED_CHARS = 2_000_000
MAX_ALIASES = 1_000
MAX_DEPTH = 40


@dataclass(frozen=True, slots=True)
class Limits:
    file_chars: int = MAX_FILE_CHARS
    expanded_nodes: int = MAX_EXPANDED_NODES
    expanded_chars: int = MAX_EXPANDED_CHARS
    aliases: int = MAX_ALIASES
    depth: int = MAX_DEPTH


class LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings remember on which line each key stands."""


class Lined(dict[Any, Any]):
    lines: dict[Any, int]
    line: int


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = Lined()
    lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as err:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be text or a number", key_node.start_mark
            ) from err
        result[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    result.__dict__["lines"] = lines
    result.__dict__["line"] = node.start_mark.line + 1
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def line_of(mapping: Any, key: Any = None) -> int | None:
    """The line of ``key`` in a loaded mapping (or of the mapping itself)."""
    if isinstance(mapping, Lined):
        return mapping.lines.get(key, mapping.line) if key is not None else mapping.line
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def measure(root: yaml.Node, path: str, limits: Limits) -> None:
    """Raise CatalogueError when the expanded document would exceed ``limits``.

    Iterative, and each distinct node is measured once: the work is linear in
    the composed graph however large its expansion would be.
    """
    # id(node) -> (expanded nodes, expanded scalar characters)
    size: dict[int, tuple[int, int]] = {}
    on_path: set[int] = set()
    aliases = 0
    # (node, depth, children pushed yet)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, expanded = stack.pop()
        key = id(node)
        if expanded:
            on_path.discard(key)
            nodes, chars = 1, len(node.value) if isinstance(node, yaml.ScalarNode) else 0
            for child in _children(node):
                child_nodes, child_chars = size[id(child)]
                nodes += child_nodes
                chars += child_chars
            if nodes > limits.expanded_nodes:
                raise CatalogueError(
                    f"YAML aliases expand to more than {limits.expanded_nodes} values",
                    path=path,
                    line=_line(node),
                )
            if chars > limits.expanded_chars:
                raise CatalogueError(
                    f"YAML aliases expand to more than {limits.expanded_chars} characters",
                    path=path,
                    line=_line(node),
                )
            size[key] = (nodes, chars)
            continue
        if depth > limits.depth:
            raise CatalogueError(
                f"nested more than {limits.depth} levels deep", path=path, line=_line(node)
            )
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            child_key = id(child)
            if child_key in on_path:
                raise CatalogueError(
                    "a YAML alias refers to the value that contains it",
                    path=path,
                    line=_line(child),
                )
            if child_key in size:
                aliases += 1
                if aliases > limits.aliases:
                    raise CatalogueError(
                        f"more than {limits.aliases} YAML alias uses",
                        path=path,
                        line=_line(child),
                    )
                continue
            stack.append((child, depth + 1, False))


def load_bounded(text: str, path: str, limits: Limits | None = None) -> Any:
    """Parse ``text`` safely; every failure is a CatalogueError naming ``path`` and the line."""
    limits = limits or Limits()
    if len(text) > limits.file_chars:
        raise CatalogueError(f"file is larger than {limits.file_chars} characters", path=path)
    loader = LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        measure(node, path, limits)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise CatalogueError(
            f"invalid YAML: {err.problem or err.context}",
            path=path,
            line=mark.line + 1 if mark else None,
        ) from err
    except yaml.YAMLError as err:
        raise CatalogueError(f"invalid YAML: {err}", path=path) from err
    except RecursionError as err:
        raise CatalogueError("invalid YAML: nested too deeply", path=path) from err
    except ValueError as err:
        # int() refuses numbers of thousands of digits.
        raise CatalogueError(f"invalid YAML value: {err}", path=path) from err
    finally:
        loader.dispose()
