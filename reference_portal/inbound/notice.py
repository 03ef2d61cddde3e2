"""The land-tax notice file of NhanThongBaoThueDat: base64 of an XML document whose MA_HSO elements
(under /DATA/BODY/ROW_LIST) name the province's dossiers (dvcqg-interfaces §10; TD and OpenCPS read them).

The file comes from outside, so it is parsed like hostile input: no DTD, no entity expansion, no network,
no huge trees; a document that declares a DOCTYPE is refused outright.
"""

from __future__ import annotations

import base64
import binascii

from lxml import etree

MAX_CODES = 1000


class NoticeError(ValueError):
    """The file is not a tax-notice XML the portal can read."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def notice_codes(file_base64: str) -> list[str]:
    """The dossier codes (MA_HSO) of a notice, in document order, without repeats."""
    try:
        data = base64.b64decode(file_base64, validate=True)
    except (binascii.Error, ValueError):
        raise NoticeError("FileThongBaoThue is not base64") from None
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise NoticeError(f"FileThongBaoThue is not well-formed XML ({' '.join(str(exc).split())})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise NoticeError("FileThongBaoThue declares a DOCTYPE (DTDs and entities are not accepted)")
    codes: list[str] = []
    for element in root.iter("{*}MA_HSO"):
        code = (element.text or "").strip()
        if code and code not in codes:
            codes.append(code)
        if len(codes) > MAX_CODES:
            raise NoticeError(f"FileThongBaoThue names more than {MAX_CODES} dossiers")
    if not codes:
        raise NoticeError("FileThongBaoThue has no MA_HSO element (the dossier codes under /DATA/BODY/ROW_LIST)")
    return codes
