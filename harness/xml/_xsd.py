"""The generated XSDs: where they are, loading them once, validating documents against them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import xmlschema

from harness.specs.paths import schema_root
from harness.xml._common import NS, XmlFormError, one_line, parse, xml_type


def xsd_path(type_name: str) -> Path:
    """`schemas/xml/<type>.xsd` of a packet type with an XML form."""
    xml_type(type_name)
    return schema_root() / "xml" / f"{type_name}.xsd"


@cache
def load_xsd(type_name: str) -> xmlschema.XMLSchema10:
    path = xsd_path(type_name)
    if not path.is_file():
        raise XmlFormError(f"no XSD for {type_name} at {path}; run `python -m harness.xml.xsdgen`")
    return xmlschema.XMLSchema10(str(path))


def xsd_errors(data: bytes, type_name: str, *, limit: int | None = None) -> list[str]:
    """`<path>: <reason> (line N)` for every XSD violation of the document (empty when valid), or only the
    first `limit` (xmlschema's errors are lazy: the rest are not computed).

    The document is parsed with the safe parser first, so malformed XML or a DOCTYPE raises
    XmlFormError instead of reaching xmlschema.
    """
    schema = load_xsd(type_name)
    root = parse(data)
    errors: list[str] = []
    for error in schema.iter_errors(root.getroottree(), namespaces={"": schema.target_namespace}):
        reason = one_line(error.reason or error.message).replace(f"{{{NS}}}", "")
        line = f" (line {error.sourceline})" if error.sourceline else ""
        errors.append(f"{error.path or '/'}: {reason}{line}")
        if limit is not None and len(errors) >= limit:
            break
    return errors
