"""Shared pieces of the XML encoding: namespace, error type, safe parser, schema navigation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from harness.core.errors import UnknownPacketTypeError
from harness.core.jsontypes import json_type
from harness.specs.catalogue import PacketType, load_catalogue
from harness.specs.store import Located, SchemaStore, load_store

NS = "https://schemas.dvc-harness.org/v1/xml"
ITEM = "item"

# An XML 1.0 NCName restricted to ASCII: enough for every key of our packets, and a clear error otherwise.
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")


class XmlFormError(ValueError):
    """The XML document (or a packet to be written as XML) cannot be mapped at all."""


def xml_types() -> dict[str, PacketType]:
    """Packet types with an XML form (`xml = true` in the catalogue), by name."""
    return {name: ptype for name, ptype in sorted(load_catalogue().types.items()) if ptype.xml}


def xml_type(type_name: str) -> PacketType:
    try:
        ptype = load_catalogue().packet_type(type_name)
    except UnknownPacketTypeError as exc:
        raise XmlFormError(str(exc)) from None
    if not ptype.xml:
        known = ", ".join(xml_types())
        raise XmlFormError(f"packet type {type_name!r} has no XML form; types with one: {known}")
    return ptype


def root_schema(ptype: PacketType, store: SchemaStore | None = None) -> Located:
    store = store or load_store()
    schema_id = store.id_for_path(ptype.schema)
    return Located(store.by_id(schema_id), schema_id)


def safe_parser() -> etree.XMLParser:
    """A parser that never loads DTDs, never expands entities and never touches the network.

    Comments and processing instructions are dropped while parsing, so the text around them is one
    string again (`a<!-- x -->b` reads as "ab") for both the mapping and the XSD validation.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(data: bytes) -> etree._Element:
    """Parse untrusted bytes; documents with a DOCTYPE are refused (no entity tricks possible)."""
    if not isinstance(data, bytes | bytearray):
        raise XmlFormError(f"XML input must be bytes, not {type(data).__name__}")
    try:
        root = etree.fromstring(bytes(data), safe_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlFormError(f"malformed XML: {one_line(str(exc))}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlFormError("XML with a DOCTYPE (DTD or entity declarations) is not accepted")
    return root


def one_line(text: str) -> str:
    return " ".join(text.split())


def local_name(tag: str) -> tuple[str | None, str]:
    """(namespace or None, local name) of an lxml tag."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


# --- schema navigation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class View:
    """What the XML mapping needs to know about a subschema after following its `$ref` chain."""

    kind: str | None
    properties: dict[str, Located]
    items: Located | None


def ref_target(located: Located) -> str:
    """Absolute `uri#fragment` of the `$ref` in `located` (used as a stable identity of a `$def`)."""
    ref: str = located.schema["$ref"]
    return urljoin(located.base, ref)


def chain(located: Located, store: SchemaStore) -> list[Located]:
    """`located` followed by every subschema its `$ref` chain leads to."""
    out = [located]
    seen: set[str] = set()
    while isinstance(located.schema, dict) and isinstance(located.schema.get("$ref"), str):
        target = ref_target(located)
        if target in seen:
            break
        seen.add(target)
        located = store.resolve(located.schema["$ref"], located.base)
        out.append(located)
    return out


def _kind_of_values(values: list[Any]) -> str | None:
    kinds = {json_type(v) for v in values}
    return kinds.pop() if len(kinds) == 1 else None


def view(located: Located, store: SchemaStore) -> View:
    kind: str | None = None
    properties: dict[str, Located] | None = None
    items: Located | None = None
    for node in chain(located, store):
        schema = node.schema
        if not isinstance(schema, dict):
            continue
        if kind is None:
            declared = schema.get("type")
            if isinstance(declared, str):
                kind = declared
            elif "const" in schema:
                kind = _kind_of_values([schema["const"]])
            elif isinstance(schema.get("enum"), list):
                kind = _kind_of_values(schema["enum"])
        if properties is None and isinstance(schema.get("properties"), dict):
            properties = {k: Located(v, node.base) for k, v in schema["properties"].items()}
        if items is None and isinstance(schema.get("items"), dict):
            items = Located(schema["items"], node.base)
    if kind is None:
        if properties is not None:
            kind = "object"
        elif items is not None:
            kind = "array"
    return View(kind, properties or {}, items)
