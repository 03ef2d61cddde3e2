"""JSON value ⇄ XML document.

JSON → XML needs no schema: objects become child elements named by their keys (in key order),
arrays become a wrapper whose children are `<item>`s, scalars become text. XML → JSON walks the
packet type's JSON Schema alongside the document, because the text `12` may be the string "12" or
the integer 12 depending on where it sits.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from harness.specs.store import Located, SchemaStore, load_store
from harness.xml._common import (
    ITEM,
    NAME_RE,
    NS,
    XmlFormError,
    local_name,
    parse,
    root_schema,
    view,
    xml_type,
    xml_types,
)

# Characters XML 1.0 can carry; anything else (NUL, most C0 controls, U+FFFE, lone surrogates) cannot.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_INT = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


# --- JSON → XML --------------------------------------------------------------------------------


def packet_to_xml(packet: Any, type_name: str) -> bytes:
    """The XML form of `packet` as packet type `type_name` (UTF-8, with an XML declaration)."""
    xml_type(type_name)
    root = etree.Element(f"{{{NS}}}{type_name}", nsmap={None: NS})
    _fill(root, packet, "")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _fill(element: etree._Element, value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if not isinstance(key, str) or not NAME_RE.fullmatch(key):
                raise XmlFormError(f"key {key!r} at {path or '/'} cannot be an XML element name")
            _fill(etree.SubElement(element, f"{{{NS}}}{key}"), child, f"{path}/{key}")
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            _fill(etree.SubElement(element, f"{{{NS}}}{ITEM}"), child, f"{path}/{index}")
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, int | float):
        element.text = repr(value)
    elif isinstance(value, str):
        bad = _NOT_XML_CHAR.search(value)
        if bad:
            raise XmlFormError(f"string at {path or '/'} contains {bad.group()!r}, which XML 1.0 cannot represent")
        element.text = value
    elif value is None:
        pass  # JSON null has no XML form; an empty element is the closest (it reads back as "").
    else:
        raise XmlFormError(f"value at {path or '/'} is a {type(value).__name__}, not a JSON value")


# --- XML → JSON --------------------------------------------------------------------------------


def xml_to_packet(data: bytes) -> tuple[str, Any]:
    """(packet type name from the root element, JSON value of the document)."""
    root = parse(data)
    ns, name = local_name(root.tag)
    if ns != NS:
        where = f"namespace {ns!r}" if ns else "no namespace"
        raise XmlFormError(f"root element <{name}> is in {where}; expected namespace {NS!r}")
    if name not in xml_types():
        known = ", ".join(xml_types())
        raise XmlFormError(f"root element <{name}> is not a packet type with an XML form ({known})")
    store = load_store()
    return name, _Reader(store).read(root, root_schema(xml_type(name), store))


def _children(element: etree._Element) -> list[etree._Element]:
    """Child elements (the parser already dropped comments and PIs; entity nodes never get here)."""
    return [child for child in element if isinstance(child.tag, str)]


def _text(element: etree._Element) -> str:
    """Character content, verbatim."""
    return str(element.text or "")


def _key(element: etree._Element) -> str:
    ns, local = local_name(element.tag)
    # An element outside our namespace keeps its full name, so it is never mistaken for a known field.
    return local if ns == NS else str(element.tag)


class _Reader:
    def __init__(self, store: SchemaStore) -> None:
        self.store = store

    def read(self, element: etree._Element, located: Located | None) -> Any:
        children = _children(element)
        info = view(located, self.store) if located is not None else None
        kind = info.kind if info is not None else None
        if info is not None and kind in ("array", "object"):
            if not children and _text(element).strip():
                return _text(element)  # text where a structure belongs: let JSON validation say so
            if kind == "array":
                return [self.read(child, info.items) for child in children]
            return {
                _key(child): self.read(child, info.properties.get(_key(child)) if _in_ns(child) else None)
                for child in children
            }
        if children:
            return _schemaless(element)
        return _scalar(_text(element), kind)


def _in_ns(element: etree._Element) -> bool:
    return local_name(element.tag)[0] == NS


def _scalar(text: str, kind: str | None) -> Any:
    """Text read as the JSON type the schema expects; text that does not fit stays a string."""
    if kind == "integer":
        if _INT.fullmatch(text):
            return _to_int(text)
        if _NUMBER.fullmatch(text) and float(text).is_integer():
            return float(text)  # e.g. 5.0, which JSON Schema counts as an integer
    elif kind == "number" and _NUMBER.fullmatch(text):
        return _to_int(text) if _INT.fullmatch(text) else float(text)
    elif kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _to_int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:  # more digits than Python's int-from-string limit
        return text


def _schemaless(element: etree._Element) -> Any:
    """Structure that the schema does not describe: `<item>` lists, other children objects."""
    children = _children(element)
    if not children:
        return _text(element)
    if all(_key(child) == ITEM for child in children):
        return [_schemaless(child) for child in children]
    return {_key(child): _schemaless(child) for child in children}
