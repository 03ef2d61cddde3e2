"""The XML encoding of the packets that QCVN 120:2019 allows in XML as well as JSON.

`packet_to_xml` / `xml_to_packet` map a JSON value to and from an XML document (lossless for every
packet that is valid under its JSON Schema); `xsd_errors` validates a document against the XSD that
`python -m harness.xml.xsdgen` generates from the same JSON Schema.
"""

from __future__ import annotations

from harness.xml._common import NS, XmlFormError
from harness.xml._mapping import packet_to_xml, xml_to_packet
from harness.xml._xsd import load_xsd, xsd_errors, xsd_path

__all__ = ["NS", "XmlFormError", "load_xsd", "packet_to_xml", "xml_to_packet", "xsd_errors", "xsd_path"]
