"""Where a named value sits in what the evidence stores, whatever the form: JSON (any nesting, JSON or XML
inside a string), URL-encoded forms and query strings (any encoding of the value), XML and SOAP (elements
and attributes), multipart parts, plain text (`name: value`, `name=value`).

Redaction (secrets) and pseudonymisation (personal data) both replace values chosen by their field name;
they share this module so that both cover the same forms. The rewrite changes only the values it replaces:
the rest of a text body keeps its bytes (a JSON body is re-serialised only when something changed).
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, Final
from urllib.parse import quote, quote_plus, unquote_plus

import orjson

#: what a rewrite returns to leave a value as it is
KEEP: Final = object()
#: (field name, value, where) → the new value, or KEEP; `where` locates the value (a JSON pointer, a form or
#: XML name) for the caller's own record
Rewrite = Callable[[str, Any, str], Any]

_NOT_JSON: Final = object()
_FORM_SAFE = "*@:"  # characters a replacement keeps unencoded in a form (the mask `***`, e-mail tokens)


class Markup(str):
    """The content of an XML element that has child elements: a rewrite may replace it whole (a secret) or
    leave it, and then the child elements are looked at one by one."""


@dataclass(frozen=True)
class Names:
    """Field names to look for, case-insensitively: exact names, and words any matching name contains."""

    exact: frozenset[str]
    words: tuple[str, ...] = ()
    _seen: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        known = self._seen.get(name)
        if known is None:
            low = name.lower()
            known = low in self.exact or any(word in low for word in self.words)
            if len(self._seen) < 10_000:  # names come from clients: bounded
                self._seen[name] = known
        return known

    @cached_property
    def pattern(self) -> str:
        """A regular expression (to use with IGNORECASE) matching one whole name."""
        exact = sorted(self.exact, key=len, reverse=True)
        options = [re.escape(name) for name in exact]
        options += [rf"[\w.-]*{re.escape(word)}[\w.-]*" for word in self.words]
        return "(?:" + "|".join(options) + ")"


@dataclass(frozen=True)
class _Patterns:
    tag: re.Pattern[str]
    attribute: re.Pattern[str]
    sweep: re.Pattern[str]


@cache
def _patterns(names: Names) -> _Patterns:
    n = names.pattern
    # an opening, closing or empty tag of a named element (any namespace prefix)
    tag = re.compile(rf"<(?P<close>/)?(?:[\w.-]+:)?(?P<name>{n})(?=[\s/>])[^<>]*?(?P<self>/)?>", re.IGNORECASE)
    attribute = re.compile(
        rf"(?<=\s)(?:[\w.-]+:)?(?P<name>{n})\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)')", re.IGNORECASE
    )
    # `name: value`, `name=value`, `"name": "value"`: a quoted value to its closing quote, else to the end of
    # the line or the next `&`
    sweep = re.compile(
        rf"(?<![\w.%-])(?P<q>[\"']?)(?P<name>{n})(?P=q)[ \t]*[:=][ \t]*"
        r"(?:\"(?P<dq>(?:[^\"\\]|\\.)*)\"|'(?P<sq>[^']*)'|(?P<bare>[^&\r\n]*))",
        re.IGNORECASE,
    )
    return _Patterns(tag, attribute, sweep)


# --- entry points ----------------------------------------------------------------------------------------------
def rewrite_body(body: bytes, content_type: str, names: Names, rewrite: Rewrite) -> bytes:
    """`body` with the values of the named fields rewritten; the same object when nothing changed."""
    if not body:
        return body
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = _NOT_JSON
    if document is not _NOT_JSON:
        new, changed = _json(document, "", names, rewrite)
        return orjson.dumps(new) if changed else body
    text, encoding = decode(body)
    new_text = _text(text, content_type, names, rewrite, "")
    return body if new_text is text else new_text.encode(encoding, "surrogateescape")


def rewrite_value(value: Any, names: Names, rewrite: Rewrite) -> Any:
    """A parsed JSON value with the values of the named fields rewritten (the same object when unchanged)."""
    return _json(value, "", names, rewrite)[0]


def rewrite_url(url: str, names: Names, rewrite: Rewrite) -> str:
    """A URL (or a path with its query) with the named query and fragment parameters rewritten."""
    if "?" not in url and "#" not in url:
        return url
    base, hash_mark, fragment = url.partition("#")
    path, question, query = base.partition("?")
    new_query = _apply(query, _form_spans(query, names, ""), rewrite) if query else query
    new_fragment = _apply(fragment, _form_spans(fragment, names, "#"), rewrite) if fragment else fragment
    if new_query is query and new_fragment is fragment:
        return url
    return f"{path}{question}{new_query}{hash_mark}{new_fragment}"


def content_type_of(headers: Mapping[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return value
    return ""


def decode(body: bytes) -> tuple[str, str]:
    """Text of a body: UTF-8, else Latin-1 (byte for byte, so the names still match and nothing is lost)."""
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("latin-1"), "latin-1"


# --- JSON --------------------------------------------------------------------------------------------------------
def _json(value: Any, path: str, names: Names, rewrite: Rewrite) -> tuple[Any, bool]:
    # hot: every admin read walks every row's bodies, so the common case (a plain scalar) is kept cheap
    if isinstance(value, dict):
        out: dict[str, Any] | None = None
        seen = names._seen
        for key, sub in value.items():
            named = seen.get(key)
            if named is None:
                named = key in names
            if named:
                new = rewrite(key, sub, _pointer(path, key))
                if new is not KEEP:
                    out = out if out is not None else dict(value)
                    out[key] = new
                    continue
            kind = type(sub)
            if kind is dict or kind is list or (kind is str and _may_embed(sub)):
                new, changed = _json(sub, _pointer(path, key), names, rewrite)
                if changed:
                    out = out if out is not None else dict(value)
                    out[key] = new
        return (out, True) if out is not None else (value, False)
    if isinstance(value, list):
        items: list[Any] | None = None
        for index, sub in enumerate(value):
            kind = type(sub)
            if kind is dict or kind is list or (kind is str and _may_embed(sub)):
                new, changed = _json(sub, f"{path}/{index}", names, rewrite)
                if changed:
                    items = items if items is not None else list(value)
                    items[index] = new
        return (items, True) if items is not None else (value, False)
    if isinstance(value, str) and _may_embed(value):
        new_text = _embedded(value, path, names, rewrite)
        return (new_text, True) if new_text is not value else (value, False)
    return value, False


def _pointer(path: str, key: str) -> str:
    return f"{path}/{key.replace('~', '~0').replace('/', '~1')}"


def _may_embed(value: str) -> bool:
    """Whether a JSON string may hold a document or a URL with parameters (cheap: most strings do not)."""
    if len(value) < 3:
        return False
    return value[0] in _OPENERS or ("=" in value and ("?" in value or "#" in value))


_OPENERS = frozenset("{[< \t\r\n")


def _embedded(text: str, path: str, names: Names, rewrite: Rewrite) -> str:
    """A string holding a document (JSON, XML) or a URL with a query: its named values too."""
    start = text[0]
    if start.isspace():
        start = text.lstrip()[:1]
    if start in ("{", "["):
        try:
            document = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
        new, changed = _json(document, path, names, rewrite)
        return orjson.dumps(new).decode() if changed else text
    if start == "<":
        return _text(text, "", names, rewrite, path + "/")
    if ("?" in text or "#" in text) and "=" in text and not any(c.isspace() for c in text):
        return rewrite_url(text, names, rewrite)
    return text


# --- text forms ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Span:
    """A value found in a text: where it is, whose it is, how to read it and how to write a replacement."""

    start: int
    end: int
    name: str
    where: str
    read: Callable[[str], Any]
    write: Callable[[str], str]
    rank: int  # which finder: a lower rank wins where two overlap


def _text(text: str, content_type: str, names: Names, rewrite: Rewrite, where: str) -> str:
    boundary = _boundary(text, content_type)
    if boundary is not None:
        return _multipart(text, boundary, names, rewrite, where)
    spans = _xml_spans(text, names, where) if text.lstrip()[:1] == "<" else _form_spans(text, names, where)
    spans += _sweep_spans(text, names, where)
    return _apply(text, spans, rewrite)


def _apply(text: str, spans: list[_Span], rewrite: Rewrite) -> str:
    """Replace what the rewrite changes; of overlapping spans the first by rank, then position, then length
    wins (an element replaced whole hides its children; a span left as it is hides nothing)."""
    if not spans:
        return text
    taken: list[tuple[int, int, str]] = []  # kept sorted by start; never overlapping
    for span in sorted(spans, key=lambda s: (s.rank, s.start, s.start - s.end)):
        at = bisect.bisect_left(taken, (span.start,))
        if (at > 0 and taken[at - 1][1] > span.start) or (at < len(taken) and taken[at][0] < span.end):
            continue
        value = span.read(text[span.start : span.end])
        if value in ("", None):
            continue
        new = rewrite(span.name, value, span.where)
        if new is KEEP:
            continue
        taken.insert(at, (span.start, span.end, span.write(str(new))))
    if not taken:
        return text
    out: list[str] = []
    position = 0
    for start, end, replacement in taken:
        out += [text[position:start], replacement]
        position = end
    out.append(text[position:])
    return "".join(out)


def _form_spans(text: str, names: Names, where: str) -> list[_Span]:
    """`name=value` segments between `&`: the name decoded (any percent or plus encoding), the value as it
    stands up to the next `&` (spaces, newlines and anything else included)."""
    spans: list[_Span] = []
    position = 0
    for segment in text.split("&"):
        key, equals, _ = segment.partition("=")
        if equals:
            name = unquote_plus(key).strip()
            if name in names and not any(c.isspace() for c in name):  # else not a form: the sweep's business
                start = position + len(key) + 1
                spans.append(_Span(start, position + len(segment), name, where + name, unquote_plus, _form_value, 1))
        position += len(segment) + 1
    return spans


def _form_value(value: str) -> str:
    return quote_plus(value, safe=_FORM_SAFE)


def _xml_spans(text: str, names: Names, where: str) -> list[_Span]:
    """The content of each named element (paired with its closing tag; an element never closed runs to the
    next tag) and each named attribute's value. Tags are paired with a stack: linear in the text, whatever
    a hostile body nests or leaves open."""
    patterns = _patterns(names)
    spans: list[_Span] = []
    opened: list[tuple[str, int]] = []  # (lower-case name, where its content starts)
    ends: list[tuple[int, int, str]] = []
    for tag in patterns.tag.finditer(text):
        name = tag.group("name")
        if tag.group("self"):
            continue
        if not tag.group("close"):
            opened.append((name.lower(), tag.end()))
            continue
        for depth in range(len(opened) - 1, -1, -1):
            if opened[depth][0] == name.lower():
                ends.append((opened[depth][1], tag.start(), name))
                del opened[depth:]
                break
    for low, start in opened:  # never closed (malformed): the content up to the next tag
        following = text.find("<", start)
        ends.append((start, len(text) if following < 0 else following, low))
    for start, end, name in ends:
        content = text[start:end]
        read = _xml_text if "<" not in _without_cdata(content) else Markup
        spans.append(_Span(start, end, name, where + name, read, _xml_escape, 0))
    for match in patterns.attribute.finditer(text):
        start, end = match.span("dq") if match.group("dq") is not None else match.span("sq")
        spans.append(_Span(start, end, match.group("name"), where + "@" + match.group("name"), html.unescape,
                           _xml_escape, 0))  # fmt: skip
    return spans


_CDATA_OPEN, _CDATA_CLOSE = "<![CDATA[", "]]>"


def _cdata_parts(content: str) -> list[tuple[bool, str]]:
    """(is CDATA, text) pieces of an element's content, in order (an unclosed section runs to the end)."""
    parts: list[tuple[bool, str]] = []
    position = 0
    while True:
        start = content.find(_CDATA_OPEN, position)
        if start < 0:
            parts.append((False, content[position:]))
            return parts
        parts.append((False, content[position:start]))
        end = content.find(_CDATA_CLOSE, start + len(_CDATA_OPEN))
        stop = len(content) if end < 0 else end
        parts.append((True, content[start + len(_CDATA_OPEN) : stop]))
        if end < 0:
            return parts
        position = end + len(_CDATA_CLOSE)


def _without_cdata(content: str) -> str:
    return "".join(piece for cdata, piece in _cdata_parts(content) if not cdata)


def _xml_text(content: str) -> str:
    return "".join(piece if cdata else html.unescape(piece) for cdata, piece in _cdata_parts(content))


def _xml_escape(value: str) -> str:
    return html.escape(value, quote=True)


def _sweep_spans(text: str, names: Names, where: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _patterns(names).sweep.finditer(text):
        group = next(g for g in ("dq", "sq", "bare") if match.group(g) is not None)
        start, end = match.span(group)
        if group == "bare":
            value = match.group(group)
            end -= len(value) - len(value.rstrip())
        spans.append(_Span(start, end, match.group("name"), where + match.group("name"), _same, _same, 2))
    return spans


def _same(value: str) -> str:
    return value


# --- multipart -------------------------------------------------------------------------------------------------
_BOUNDARY_PARAM = re.compile(r"boundary=(?:\"([^\"]+)\"|([^;\s]+))", re.IGNORECASE)
_BOUNDARY_LINE = re.compile(r"--([0-9A-Za-z'()+_,./:=?-]{1,70})\r?\n")
_PART_NAME = re.compile(r"\bname=(?:\"([^\"]*)\"|([^;\s]+))", re.IGNORECASE)
_PART_TYPE = re.compile(r"^content-type:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)


def _boundary(text: str, content_type: str) -> str | None:
    if "multipart/" in content_type.lower():
        found = _BOUNDARY_PARAM.search(content_type)
        if found:
            return found.group(1) or found.group(2)
    line = _BOUNDARY_LINE.match(text)
    if line and f"--{line.group(1)}--" in text:
        return line.group(1)
    return None


def _multipart(text: str, boundary: str, names: Names, rewrite: Rewrite, where: str) -> str:
    """Each part: its content replaced when its name is wanted, else looked into (JSON, a form, XML, text);
    its headers swept (a part may carry an Authorization line)."""
    delimiter = f"--{boundary}"
    pieces = text.split(delimiter)
    out = [pieces[0]]
    for piece in pieces[1:]:
        if piece.startswith("--"):
            out.append(piece)
            continue
        separator = "\r\n\r\n" if "\r\n\r\n" in piece else "\n\n"
        head, found, content = piece.partition(separator)
        if not found:
            out.append(_text(piece, "", names, rewrite, where))
            continue
        tail = "\r\n" if content.endswith("\r\n") else "\n" if content.endswith("\n") else ""
        content = content[: len(content) - len(tail)]
        named = _PART_NAME.search(head)
        name = (named.group(1) or named.group(2) or "") if named else ""
        kind = _PART_TYPE.search(head)
        new_content: Any = KEEP
        if name in names and content:
            new_content = rewrite(name, content, where + name)
        if new_content is KEEP:
            new_content = _part(content, kind.group(1) if kind else "", names, rewrite, f"{where}{name}/")
        new_head = _apply(head, _sweep_spans(head, names, where), rewrite)
        out.append(f"{new_head}{separator}{new_content}{tail}")
    return delimiter.join(out)


def _part(content: str, content_type: str, names: Names, rewrite: Rewrite, where: str) -> str:
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError:
        return _text(content, content_type, names, rewrite, where)
    new, changed = _json(document, where.rstrip("/"), names, rewrite)
    return orjson.dumps(new).decode() if changed else content


# --- replacing known strings wherever they occur ----------------------------------------------------------------
class Replacer:
    """Replaces every occurrence of each key of `mapping` (as it stands, or URL-, XML- or JSON-encoded) by its
    value, encoded alike, in bodies and texts; `count` says how many were replaced. A JSON body stays JSON
    (only its string values change). Cheap when nothing is there: a plain search before any regex."""

    def __init__(self, mapping: Mapping[str, str], *, ignore_case: bool = False) -> None:
        fold = str.lower if ignore_case else _same
        table: dict[str, str] = {}
        for raw, new in mapping.items():
            for encode in _ENCODINGS:
                table.setdefault(fold(encode(raw)), encode(new))
        table.pop("", None)
        self._fold = fold
        self._table = table
        self._needles = [key.encode() for key in table]
        self._ignore_case = ignore_case
        self._pattern: re.Pattern[str] | None = None
        self.count = 0

    def body(self, body: bytes) -> bytes:
        if not body or not self._table:
            return body
        if not self._ignore_case and b"\\" not in body and not any(key in body for key in self._needles):
            return body  # not there in any encoding (a JSON escape would hide it: those are looked into)
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            document = _NOT_JSON
        before = self.count
        if document is not _NOT_JSON:
            if not self._found_in(orjson.dumps(document).decode()):  # the usual case: nothing quoted
                return body
            new_document = self._walk(document)
            return orjson.dumps(new_document) if self.count > before else body
        text, encoding = decode(body)
        new_text = self.text(text)
        return new_text.encode(encoding, "surrogateescape") if self.count > before else body

    def text(self, text: str) -> str:
        if not text or not self._table or not self._found_in(text):
            return text
        if self._pattern is None:
            alternatives = "|".join(re.escape(k) for k in sorted(self._table, key=len, reverse=True))
            self._pattern = re.compile(alternatives, re.IGNORECASE if self._ignore_case else 0)
        new, count = self._pattern.subn(lambda m: self._table.get(self._fold(m.group(0)), m.group(0)), text)
        self.count += count
        return new

    def _found_in(self, text: str) -> bool:
        folded = self._fold(text)
        return any(key in folded for key in self._table)

    def _walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


_ENCODINGS: tuple[Callable[[str], str], ...] = (
    _same,
    lambda s: quote_plus(s, safe=_FORM_SAFE),
    lambda s: quote(s, safe=_FORM_SAFE),
    lambda s: html.escape(s, quote=True),
    lambda s: orjson.dumps(s).decode()[1:-1],
)
