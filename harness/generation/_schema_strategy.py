"""JSON Schema → Hypothesis strategy, for the subset our packet schemas use.

Named scalar types and `x-gen` hints get realistic providers; the rest follows the keywords (const,
enum, pattern, object, array, integer, boolean). Objects with conditional parts (`if`/`then`) are
generated with every property, so that whichever branch applies is satisfied.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from harness.generation._providers import BY_DEF, BY_HINT, Strategy, texts
from harness.specs.store import Located, SchemaStore

_MAX_ITEMS = 3


class SchemaStrategies:
    def __init__(self, store: SchemaStore) -> None:
        self._store = store
        self._cache: dict[tuple[int, str], Strategy] = {}

    def for_located(self, located: Located) -> Strategy:
        key = (id(located.schema), located.base)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._build(located, depth=0)
            self._cache[key] = cached
        return cached

    def _build(self, located: Located, depth: int) -> Strategy:
        schema = located.schema
        if depth > 20:
            raise ValueError("schema nesting too deep for generation")
        if schema is True or schema == {}:
            return texts()
        if not isinstance(schema, dict):
            raise TypeError(f"cannot generate from schema {schema!r}")
        hint = schema.get("x-gen")
        if isinstance(hint, str) and hint in BY_HINT and "$ref" in schema:
            return BY_HINT[hint]()
        if "$ref" in schema:
            name = self._store.def_name(located)
            if name in BY_DEF:
                high = schema.get("maxLength")
                provided = BY_DEF[name]()
                return provided if high is None else provided.filter(lambda s: len(s) <= high)
            return self._build(self._store.resolve(schema["$ref"], located.base), depth + 1)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        if isinstance(hint, str) and hint in BY_HINT:
            return BY_HINT[hint]()
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = kind[0]
        if "anyOf" in schema or "oneOf" in schema:
            branches = schema.get("anyOf") or schema.get("oneOf")
            return st.one_of([self._build(Located(b, located.base), depth + 1) for b in branches])
        if kind == "object" or "properties" in schema:
            return self._object(located, depth)
        if kind == "array":
            return self._array(located, depth)
        if kind == "integer":
            low = schema.get("minimum", 0)
            return st.integers(low, schema.get("maximum", low + 1000))
        if kind == "number":
            return st.integers(0, 1000).map(float)
        if kind == "boolean":
            return st.booleans()
        if kind == "string":
            return self._string(schema)
        raise TypeError(f"cannot generate from schema without a type: {sorted(schema)}")

    def _string(self, schema: dict[str, Any]) -> Strategy:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if "pattern" in schema:
            strategy: Strategy = st.from_regex(schema["pattern"], fullmatch=True, alphabet=st.characters(
                codec="ascii", exclude_categories=("Cc",)))
        else:
            strategy = texts() if low else st.one_of(st.just(""), texts())
        if high is not None or low:
            strategy = strategy.filter(lambda s: len(s) >= low and (high is None or len(s) <= high))
        return strategy

    def _array(self, located: Located, depth: int) -> Strategy:
        schema = located.schema
        items = schema.get("items", {})
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", _MAX_ITEMS), max(low, _MAX_ITEMS))
        return st.lists(self._build(Located(items, located.base), depth + 1), min_size=low, max_size=high)

    def _object(self, located: Located, depth: int) -> Strategy:
        schema = located.schema
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        conditional = any(k in schema for k in ("if", "allOf", "dependentRequired", "dependentSchemas"))
        fixed = {}
        optional = {}
        for name, sub in properties.items():
            strategy = self._build(Located(sub, located.base), depth + 1)
            if name in required or conditional:
                fixed[name] = strategy
            else:
                optional[name] = strategy
        return st.fixed_dictionaries(fixed, optional=optional)
