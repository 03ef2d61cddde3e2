"""Instance paths: pointer templates (`/data/*/NgayTiepNhan`) compiled into one trie walked once per packet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from harness.specs.store import Located, SchemaStore

Path = tuple[str | int, ...]
WILDCARD = "*"


def parse_template(pointer: str) -> tuple[str, ...]:
    if pointer in ("", "/"):
        return ()
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in pointer.lstrip("/").split("/"))


def iter_template(instance: Any, template: tuple[str, ...], prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) in `instance` matching a template; `*` matches each item of a list."""
    if not template:
        yield prefix, instance
        return
    head, rest = template[0], template[1:]
    if head == WILDCARD:
        if isinstance(instance, list):
            for index, item in enumerate(instance):
                yield from iter_template(item, rest, (*prefix, index))
    elif isinstance(instance, dict) and head in instance:
        yield from iter_template(instance[head], rest, (*prefix, head))


class Trie:
    """Templates merged so that one walk visits every matching value. `compile()` turns the trie into
    straight-line Python (the validator's hot path); paths are built only for values that fail."""

    __slots__ = ("children", "tags")

    def __init__(self) -> None:
        self.children: dict[str, Trie] = {}
        self.tags: list[str] = []

    def add(self, template: tuple[str, ...], tag: str) -> None:
        node = self
        for part in template:
            node = node.children.setdefault(part, Trie())
        node.tags.append(tag)

    def __bool__(self) -> bool:
        return bool(self.children or self.tags)

    def compile(self, predicates: dict[str, Callable[[Any], bool]]) -> Callable[[Any], list[tuple[Path, Any, str]]]:
        """A function returning (path, value, tag) for every matched value whose tag's predicate is False."""
        lines = ["def walk(v0):", "    failed = []"]
        names: dict[str, Any] = {"__builtins__": {"dict": dict, "list": list, "type": type, "enumerate": enumerate}}
        for index, tag in enumerate(sorted(predicates)):
            names[f"ok{index}"] = predicates[tag]
        tag_names = {tag: f"ok{index}" for index, tag in enumerate(sorted(predicates))}
        counter = [0]

        def emit(node: Trie, var: str, path: list[str], indent: str) -> None:
            for tag in node.tags:
                lines.append(f"{indent}if not {tag_names[tag]}({var}):")
                lines.append(
                    f"{indent}    failed.append((({', '.join(path)}{',' if len(path) == 1 else ''}), {var}, {tag!r}))"
                )
            keys = [k for k in node.children if k != WILDCARD]
            if keys:
                lines.append(f"{indent}if type({var}) is dict:")
                for key in keys:
                    counter[0] += 1
                    child = f"v{counter[0]}"
                    lines.append(f"{indent}    {child} = {var}.get({key!r}, _MISSING)")
                    lines.append(f"{indent}    if {child} is not _MISSING:")
                    emit(node.children[key], child, [*path, repr(key)], indent + "        ")
            if WILDCARD in node.children:
                counter[0] += 1
                item, position = f"v{counter[0]}", f"i{counter[0]}"
                lines.append(f"{indent}if type({var}) is list:")
                lines.append(f"{indent}    for {position}, {item} in enumerate({var}):")
                emit(node.children[WILDCARD], item, [*path, position], indent + "        ")

        emit(self, "v0", [], "    ")
        lines.append("    return failed")
        names["_MISSING"] = _MISSING
        exec("\n".join(lines), names)  # generated from schema data only, never from packet content
        walk: Callable[[Any], list[tuple[Path, Any, str]]] = names["walk"]
        return walk


_MISSING = object()


def typed_value_walker(
    store: SchemaStore, root: Located, predicates: dict[str, Callable[[Any], bool]]
) -> Callable[[Any], list[tuple[Path, Any, str]]] | None:
    """A compiled walk over every value typed by one of the predicates' `$defs` names, returning the
    values a predicate rejects; None when the packet type has no such values."""
    trie = Trie()
    for template, name in typed_templates(store, root, frozenset(predicates)):
        trie.add(template, name)
    return trie.compile(predicates) if trie else None


def typed_templates(store: SchemaStore, root: Located, def_names: frozenset[str]) -> list[tuple[tuple[str, ...], str]]:
    """(template, def name) for every place in a packet whose schema is a `$ref` to one of `def_names`."""
    return sorted({(template, name) for template, name, _ in _typed_places(store, root, def_names)})


def always_applied(store: SchemaStore, root: Located, def_names: frozenset[str]) -> bool:
    """True when every place `typed_templates` finds is one where a valid packet's value must satisfy
    the definition: reached through properties, items, allOf and $ref only, never inside an
    alternative (anyOf, oneOf) or a condition's branch (then, else)."""
    return all(definite for _, _, definite in _typed_places(store, root, def_names))


def _typed_places(
    store: SchemaStore, root: Located, def_names: frozenset[str]
) -> list[tuple[tuple[str, ...], str, bool]]:
    found: list[tuple[tuple[str, ...], str, bool]] = []

    def visit(located: Located, template: tuple[str, ...], depth: int, definite: bool) -> None:
        schema = located.schema
        if not isinstance(schema, dict) or depth > 24:
            return
        name = store.def_name(located)
        if name in def_names:
            found.append((template, name, definite))
            return
        if "$ref" in schema:
            visit(store.resolve(schema["$ref"], located.base), template, depth + 1, definite)
        for key, sub in schema.get("properties", {}).items():
            visit(Located(sub, located.base), (*template, key), depth + 1, definite)
        if isinstance(schema.get("items"), dict):
            visit(Located(schema["items"], located.base), (*template, WILDCARD), depth + 1, definite)
        for sub in schema.get("allOf", []):
            visit(Located(sub, located.base), template, depth + 1, definite)
        for keyword in ("anyOf", "oneOf"):
            for sub in schema.get(keyword, []):
                visit(Located(sub, located.base), template, depth + 1, False)
        for keyword in ("then", "else"):
            if isinstance(schema.get(keyword), dict):
                visit(Located(schema[keyword], located.base), template, depth + 1, False)

    visit(root, (), 0, True)
    return found
