"""JSON Schema → Hypothesis strategy, for the subset our packet schemas use.

Named scalar types and `x-gen` hints get realistic providers; the rest follows the keywords (const,
enum, pattern, object, array, integer, boolean). Objects with conditional parts (`if`/`then`) are
generated with every property, so that whichever branch applies is satisfied.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

from harness.generation._providers import BY_DEF, BY_HINT, Strategy, texts, typed
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
            target = self._store.deref(located).schema
            return _narrowed(typed(BY_HINT[hint](), target.get("type")), {**target, **schema})
        if "$ref" in schema:
            name = self._store.def_name(located)
            if name in BY_DEF:
                return _narrowed(BY_DEF[name](), schema)
            target_strategy = self._build(self._store.resolve(schema["$ref"], located.base), depth + 1)
            return _narrowed(target_strategy, schema)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        if isinstance(hint, str) and hint in BY_HINT:
            return _narrowed(typed(BY_HINT[hint](), schema.get("type")), schema)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = kind[0]
        if "anyOf" in schema or "oneOf" in schema:
            branches: list[Any] = schema.get("anyOf") or schema.get("oneOf") or []
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
            strategy: Strategy = st.from_regex(
                schema["pattern"], fullmatch=True, alphabet=st.characters(codec="ascii", exclude_categories=["Cc"])
            )
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
        conditionals = [c for c in schema.get("allOf", ()) if isinstance(c, dict) and "if" in c]
        if "if" in schema:
            conditionals.append(schema)
        key = _discriminator(conditionals)
        if conditionals and key is None:
            raise TypeError("conditional object without a single const/enum discriminator: cannot generate")
        if key is None:
            return self._variant(located, depth, {}, set(), {})
        branches: list[Strategy] = []
        covered: list[Any] = []
        for conditional in conditionals:
            condition = conditional["if"]["properties"][key]
            values = [condition["const"]] if "const" in condition else list(condition["enum"])
            covered += values
            then = conditional.get("then", {})
            branches.append(
                self._variant(
                    located,
                    depth,
                    {key: st.sampled_from(values)},
                    set(then.get("required", ())),
                    then.get("properties", {}),
                )
            )
        otherwise = self._variant(located, depth, {}, set(), {})
        branches.append(otherwise.filter(lambda obj: obj.get(key, covered[0]) not in covered))
        return st.one_of(branches)

    def _variant(
        self,
        located: Located,
        depth: int,
        pinned: dict[str, Strategy],
        also_required: set[str],
        narrowing: dict[str, Any],
    ) -> Strategy:
        """The object with some properties pinned, more required, and some subschemas narrowed."""
        schema = located.schema
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ())) | also_required | set(pinned)
        fixed = {}
        optional = {}
        for name, sub in properties.items():
            if name in pinned:
                strategy = pinned[name]
            elif name in narrowing:
                strategy = self._build(Located({**sub, **narrowing[name]}, located.base), depth + 1)
            else:
                strategy = self._build(Located(sub, located.base), depth + 1)
            if name in required:
                fixed[name] = strategy
            else:
                optional[name] = strategy
        return st.fixed_dictionaries(fixed, optional=optional)


def _discriminator(conditionals: list[dict[str, Any]]) -> str | None:
    """The one property every `if` tests with const/enum (how our schemas write conditional parts)."""
    keys = set()
    for conditional in conditionals:
        tested = conditional["if"].get("properties", {})
        if len(tested) != 1:
            return None
        ((key, condition),) = tested.items()
        if "const" not in condition and "enum" not in condition:
            return None
        keys.add(key)
    return keys.pop() if len(keys) == 1 else None


def _narrowed(strategy: Strategy, schema: dict[str, Any]) -> Strategy:
    """Apply a site's own length and pattern constraints on top of a named type's provider."""
    if schema.get("type") not in (None, "string"):
        return strategy
    low, high, pattern = schema.get("minLength", 0), schema.get("maxLength"), schema.get("pattern")
    if low:
        strategy = strategy.filter(lambda s: len(s) >= low)
    if high is not None:
        strategy = strategy.filter(lambda s: len(s) <= high)
    if pattern is not None:
        compiled = re.compile(pattern.replace("$", r"\Z"))
        strategy = strategy.filter(lambda s: compiled.search(s) is not None)
    return strategy
