"""All schema files, loaded once, addressable by `$id` and by path, resolvable across files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import orjson
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from harness.core.errors import HarnessError
from harness.specs.paths import schema_root

Schema = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Located:
    """A subschema together with the base URI its relative `$ref`s resolve against."""

    schema: Any
    base: str


class SchemaStore:
    """The schema files under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._by_id: dict[str, Schema] = {}
        self._by_path: dict[str, str] = {}
        for path in sorted(root.rglob("*.schema.json")):
            try:
                document = orjson.loads(path.read_bytes())
            except orjson.JSONDecodeError as exc:
                raise HarnessError(f"schema file {path} is not valid JSON: {exc}") from exc
            schema_id = document.get("$id")
            if not isinstance(schema_id, str):
                raise HarnessError(f"schema file {path} has no $id")
            self._by_id[schema_id] = document
            self._by_path[path.relative_to(root).as_posix()] = schema_id
        self.registry: Registry[Any] = Registry().with_resources(
            (sid, Resource.from_contents(doc, default_specification=DRAFT202012)) for sid, doc in self._by_id.items()
        )

    def ids(self) -> Iterator[str]:
        return iter(self._by_id)

    def documents(self) -> Iterator[tuple[str, Schema]]:
        """(path relative to the root, document) for every schema file."""
        for path, sid in self._by_path.items():
            yield path, self._by_id[sid]

    def id_for_path(self, relative_path: str) -> str:
        try:
            return self._by_path[relative_path]
        except KeyError:
            raise HarnessError(f"no schema file {relative_path} under {self.root}") from None

    def by_id(self, schema_id: str) -> Schema:
        return self._by_id[schema_id]

    def resolve(self, ref: str, base: str) -> Located:
        """Follow a `$ref` written inside the resource at `base`."""
        target = urljoin(base, ref)
        uri, fragment = urldefrag(target)
        node: Any = self._by_id[uri]
        if fragment:
            for part in fragment.lstrip("/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return Located(node, uri)

    def deref(self, located: Located) -> Located:
        """Follow `$ref` chains until a subschema that is more than a reference."""
        while isinstance(located.schema, dict) and "$ref" in located.schema:
            located = self.resolve(located.schema["$ref"], located.base)
        return located

    def def_name(self, located: Located) -> str | None:
        """`Timestamp` for a subschema that is `{"$ref": ".../scalars.schema.json#/$defs/Timestamp", ...}`."""
        ref = located.schema.get("$ref") if isinstance(located.schema, dict) else None
        if not isinstance(ref, str) or "#/$defs/" not in ref:
            return None
        return ref.rsplit("/", 1)[1]


@cache
def load_store(root: Path | None = None) -> SchemaStore:
    return SchemaStore(root or schema_root())
