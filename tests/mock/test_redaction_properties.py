"""Redaction, as properties: a secret generated into any position of any body form the evidence stores never
appears in an export row, in the mock's NDJSON export, in a report's `exchanges/<seq>.json`, or in a log line.

Positions: a secret-named field at any depth of JSON (also JSON inside a JSON string), a URL-encoded form field
(the value `+`- or `%`-encoded or raw, with spaces, newlines and any Unicode; the name itself percent-encoded),
an XML/SOAP element (namespaced, with attributes, CDATA) or attribute at any depth, a multipart part (named
like a secret, or holding JSON), a `name: value` line of plain text, a query-string or fragment parameter, and
the credential headers. Secret names are drawn from `redact.secret_keys()` (the one list), in any case, and
from names containing a secret word. A leak is the secret as it stands or in any of its encodings (URL, XML,
JSON); a secret that the body would contain anyway (a coincidence with the generated scaffold) is discarded.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from harness.reporting._exchanges import write_exchanges
from mock_portal.config import MockConfig
from mock_portal.evidence import Exchange, redact_exchange
from mock_portal.evidence.redact import SECRET_WORDS, is_secret, secret_keys
from mock_portal.testing import InProcessMock

PLACEHOLDER = "QQplaceholderQQ"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- what a leak is ----------------------------------------------------------------------------------------------
def encodings(secret: str) -> set[str]:
    return {
        secret,
        quote_plus(secret),
        quote(secret, safe=""),
        quote(secret),
        html.escape(secret),
        html.escape(secret, quote=False),
        orjson.dumps(secret).decode()[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def leaks(secret: str, text: str) -> bool:
    return any(variant and variant in text for variant in encodings(secret))


def export_text(exchange: Exchange) -> str:
    """The row as the NDJSON export writes it and as a report writes `exchanges/<seq>.json`."""
    row = redact_exchange(exchange).to_dict()
    return orjson.dumps(row).decode() + "\n" + json.dumps(row, ensure_ascii=False, indent=2)


# --- strategies ----------------------------------------------------------------------------------------------------
@dataclass
class Case:
    """A request (and its response) with a hole for the secret; `build(value)` fills it."""

    form: str
    build: Callable[[str], Exchange]
    secrets: st.SearchStrategy[str]
    meta: dict[str, Any] = field(default_factory=dict)


NAMES = sorted(secret_keys())
Strings = st.SearchStrategy[str]
CASES: tuple[Callable[[str], str], ...] = (str, str.upper, str.lower, str.title)


def secret_names() -> st.SearchStrategy[str]:
    exact = st.tuples(st.sampled_from(NAMES), st.sampled_from(CASES)).map(lambda t: t[1](t[0]))
    worded = st.tuples(
        st.sampled_from(["new_", "Old", "X-", "db."]), st.sampled_from(SECRET_WORDS), st.sampled_from(["", "_2", "Moi"])
    ).map("".join)
    return st.one_of(exact, worded)


filler_keys = st.from_regex(r"[A-Z][a-zA-Z]{1,8}", fullmatch=True).filter(lambda k: not is_secret(k))
filler_values = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ", max_size=6)
pairs = st.lists(st.tuples(filler_keys, filler_values), max_size=3)


def texts(*, banned: str = "", control: bool = True, one_line: bool = False, trim: bool = False) -> Strings:
    """8 to 24 characters of any Unicode but surrogates and what is `banned`, at least eight of them not blank;
    `control=False`: no control characters but tab and newline; `one_line`: no line breaks at all."""
    categories: list[Any] = ["Cs"]
    if one_line:
        categories += ["Cc", "Zl", "Zp"]
    elif not control:
        categories.append("Cc")
    tab_newline = "\t\n" if "Cc" in categories and not one_line else None
    alphabet = st.characters(exclude_categories=categories, exclude_characters=banned, include_characters=tab_newline)
    strings = st.text(alphabet, min_size=8, max_size=24).filter(lambda s: len(s.strip()) >= 8)
    return strings.filter(lambda s: s == s.strip()) if trim else strings


#: any Unicode
any_text = texts()
#: what a form value may hold raw (unencoded): anything but the separator, no blank ends
raw_form_text = texts(banned="&", trim=True)
#: one line of plain text (a quoted value: no quotes or backslashes in it)
line_text = texts(banned="&\"'\\", one_line=True, trim=True)
#: what XML can carry: no control characters but tab and newline, no end of a CDATA section
xml_text = texts(control=False).filter(lambda s: "]]>" not in s)
#: what a header value can carry over HTTP (Latin-1, no control characters; no cookie separators)
header_text = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_characters=";,\x7f"), min_size=8, max_size=24
).filter(lambda s: not any(0x80 <= ord(c) < 0xA0 for c in s))


def exchange(url: str = "/x", body: bytes = b"", content_type: str = "", *, response: bool = False,
             headers: dict[str, str] | None = None) -> Exchange:  # fmt: skip
    typed = {"content-type": content_type} if content_type else {}
    if response:
        return Exchange("inbound", "other", "POST", url, {}, b"{}", 200, {**typed, **(headers or {})}, body)
    return Exchange("inbound", "other", "POST", url, {**typed, **(headers or {})}, body, 200, {}, b"{}")


@st.composite
def json_cases(draw: st.DrawFn) -> Case:
    name = draw(secret_names())
    path = draw(st.lists(st.one_of(filler_keys, st.integers(0, 2)), max_size=4))
    siblings = draw(st.dictionaries(filler_keys, filler_values, max_size=3))
    in_string = draw(st.booleans())  # the document sent as a JSON string inside JSON (a gateway's wrapper)
    response = draw(st.booleans())

    def build(value: str) -> Exchange:
        node: Any = {**siblings, name: value}
        for step in reversed(path):
            node = [*([None] * step), node] if isinstance(step, int) else {**siblings, step: node}
        document = {"error_code": "0", "message": orjson.dumps(node).decode()} if in_string else node
        return exchange(body=orjson.dumps(document), content_type="application/json", response=response)

    return Case("json", build, any_text)


def _percent_all(text: str) -> str:
    return "".join(f"%{byte:02X}" for byte in text.encode())


ENCODERS: dict[str, Callable[[str], str]] = {"as is": str, "percent": _percent_all, "plus": quote_plus}


@st.composite
def form_cases(draw: st.DrawFn) -> Case:
    name = draw(secret_names())
    encoding = draw(st.sampled_from(["plus", "percent", "raw"]))
    encode_name = ENCODERS[draw(st.sampled_from(["as is", "percent", "plus"]))]
    before, after = draw(pairs), draw(pairs)
    typed = draw(st.booleans())

    def build(value: str) -> Exchange:
        encoded = {"plus": quote_plus(value), "percent": quote(value, safe=""), "raw": value}[encoding]
        items = [f"{quote_plus(k)}={quote_plus(v)}" for k, v in before]
        items.append(f"{encode_name(name)}={encoded}")
        items += [f"{quote_plus(k)}={quote_plus(v)}" for k, v in after]
        content_type = "application/x-www-form-urlencoded" if typed else ""
        return exchange(body="&".join(items).encode(), content_type=content_type)

    return Case("form", build, raw_form_text if encoding == "raw" else any_text, {"encoding": encoding})


@st.composite
def xml_cases(draw: st.DrawFn) -> Case:
    name = draw(secret_names())
    prefix = draw(st.sampled_from(["", "s:", "ns1:"]))
    as_attribute = draw(st.booleans())
    cdata = draw(st.booleans())
    depth = draw(st.integers(0, 3))
    siblings = draw(st.lists(st.tuples(filler_keys, filler_values), max_size=2))
    soap = draw(st.booleans())
    content_type = draw(st.sampled_from(["text/xml", "application/soap+xml", ""]))

    def build(value: str) -> Exchange:
        if as_attribute:
            leaf = f'<Item id="1" {prefix}{name}="{html.escape(value)}"/>'
        else:
            content = f"<![CDATA[{value}]]>" if cdata else html.escape(value, quote=False)
            leaf = f'<{prefix}{name} type="x">{content}</{prefix}{name}>'
        extra = "".join(f"<{k}>{html.escape(v)}</{k}>" for k, v in siblings)
        node = extra + leaf
        for level in range(depth):
            node = f"<Level{level}>{node}{extra}</Level{level}>"
        if soap:
            node = (
                '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"'
                f' xmlns:ns1="urn:x"><s:Header/><s:Body>{node}</s:Body></s:Envelope>'
            )
        return exchange(body=node.encode(), content_type=content_type)

    return Case("xml", build, xml_text)


@st.composite
def multipart_cases(draw: st.DrawFn) -> Case:
    name = draw(secret_names())
    kind = draw(st.sampled_from(["named", "json", "form"]))
    typed = draw(st.booleans())
    boundary = "----dvcBoundary7MA4YWxkTrZu0gW"

    def build(value: str) -> Exchange:
        if kind == "named":
            part = f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'
        elif kind == "json":
            inner = orjson.dumps({"HoSo": {name: value}}).decode()
            part = f'Content-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n{inner}'
        else:
            part = f'Content-Disposition: form-data; name="f"\r\n\r\nx=1&{name}={quote_plus(value)}'
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
            f"--{boundary}\r\n{part}\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc\r\n'
            f"--{boundary}--\r\n"
        )
        content_type = f"multipart/form-data; boundary={boundary}" if typed else ""
        return exchange(body=body.encode(), content_type=content_type)

    secrets = any_text.filter(lambda s: boundary not in s and "\r\n--" not in s)
    return Case("multipart", build, secrets)


@st.composite
def text_cases(draw: st.DrawFn) -> Case:
    name = draw(secret_names())
    layout = draw(st.sampled_from(["{n}: {v}", "{n}={v}", "{n} = {v}", '"{n}": "{v}"', "{n}='{v}'"]))
    before = draw(st.lists(filler_values, max_size=3))
    after = draw(st.lists(filler_values, max_size=3))
    content_type = draw(st.sampled_from(["text/plain", "", "application/json"]))  # a broken JSON body is text

    def build(value: str) -> Exchange:
        lines = [*before, layout.format(n=name, v=value), *after]
        return exchange(body="\n".join(lines).encode(), content_type=content_type)

    return Case("text", build, line_text)


@st.composite
def query_cases(draw: st.DrawFn) -> Case:
    name = draw(secret_names())
    place = draw(st.sampled_from(["query", "fragment", "location", "referer"]))
    encode = ENCODERS[draw(st.sampled_from(["plus", "percent"]))]
    before, after = draw(pairs), draw(pairs)

    def build(value: str) -> Exchange:
        items = [*(f"{k}={quote_plus(v)}" for k, v in before), f"{name}={encode(value)}"]
        items += [f"{k}={quote_plus(v)}" for k, v in after]
        query = "&".join(items)
        if place == "query":
            return exchange(url=f"/sso/authorize?{query}")
        if place == "fragment":
            return exchange(headers={"Location": f"https://sut.example/cb#{query}"}, response=True)
        header = "Location" if place == "location" else "Referer"
        return exchange(headers={header: f"https://sut.example/cb?{query}"}, response=place == "location")

    return Case("query", build, any_text)


@st.composite
def header_cases(draw: st.DrawFn) -> Case:
    header = draw(st.sampled_from(["Authorization", "authorization", "Cookie", "Set-Cookie", "Proxy-Authorization",
                                   "X-Auth-Token", "X-Api-Key"]))  # fmt: skip
    response = header == "Set-Cookie"

    def build(value: str) -> Exchange:
        text = {
            "Cookie": f"lang=vi; sid={value}",
            "Set-Cookie": f"sid={value}; Path=/; HttpOnly",
        }.get(header, f"Bearer {value}" if "auth" in header.lower() else value)
        return exchange(headers={header: text}, response=response)

    return Case("header", build, header_text)


def check(case: Case, secret: str) -> None:
    baseline = export_text(case.build(PLACEHOLDER))
    assume(not leaks(secret, baseline))  # the scaffold itself would contain it: nothing to learn
    text = export_text(case.build(secret))
    assert not leaks(secret, text), f"{case.form} {case.meta}: {secret!r} leaked:\n{text}"


@st.composite
def case_and_secret(draw: st.DrawFn, cases: st.SearchStrategy[Case]) -> tuple[Case, str]:
    case = draw(cases)
    return case, draw(case.secrets)


# --- properties: one exchange, every body form ---------------------------------------------------------------------
@FAST
@given(case_and_secret(json_cases()))
def test_json_secrets_at_any_depth_never_leave(drawn: tuple[Case, str]) -> None:
    check(*drawn)


@FAST
@given(case_and_secret(form_cases()))
def test_form_secrets_in_any_encoding_never_leave(drawn: tuple[Case, str]) -> None:
    check(*drawn)


@FAST
@given(case_and_secret(xml_cases()))
def test_xml_element_and_attribute_secrets_never_leave(drawn: tuple[Case, str]) -> None:
    check(*drawn)


@FAST
@given(case_and_secret(multipart_cases()))
def test_multipart_secrets_never_leave(drawn: tuple[Case, str]) -> None:
    check(*drawn)


@FAST
@given(case_and_secret(text_cases()))
def test_plain_text_secrets_never_leave(drawn: tuple[Case, str]) -> None:
    check(*drawn)


@FAST
@given(case_and_secret(query_cases()))
def test_query_and_redirect_secrets_never_leave(drawn: tuple[Case, str]) -> None:
    check(*drawn)


@FAST
@given(case_and_secret(header_cases()))
def test_credential_headers_never_leave(drawn: tuple[Case, str]) -> None:
    check(*drawn)


def test_an_echoed_secret_is_masked_wherever_it_appears() -> None:
    """A server that quotes the secret it refused (in its error message) must not carry it into an export."""
    echoed = Exchange(
        "inbound", "sso", "POST", "/sso/token", {"content-type": "application/x-www-form-urlencoded"},
        b"grant_type=client_credentials&client_secret=s3cr%C3%AAt+value", 401, {"content-type": "application/json"},
        orjson.dumps({"error": "invalid_client", "error_description": "unknown secret s3crêt value"}),
    )  # fmt: skip
    assert not leaks("s3crêt value", export_text(echoed))


def test_redaction_keeps_the_rest_of_a_text_body_byte_for_byte() -> None:
    body = b"grant_type=authorization_code&code=abc%20def&redirect_uri=https%3A%2F%2Fsut%2Fcb&client_id=demo-client"
    redacted = redact_exchange(exchange(body=body, content_type="application/x-www-form-urlencoded")).request_body
    assert (
        redacted == b"grant_type=authorization_code&code=***&redirect_uri=https%3A%2F%2Fsut%2Fcb&client_id=demo-client"
    )


# --- the same, through the mock: its export, a report made from it, its logs ---------------------------------------
@pytest.fixture(scope="module")
def mock() -> Iterator[InProcessMock]:
    running = InProcessMock(MockConfig())
    yield running
    running.close()


ADMIN = [("authorization", "Bearer demo-admin")]
ENDPOINTS = ("/dvcqg/integration", "/dvcqg/auth", "/sso/token", "/sso/userinfo", "/payment/init", "/soap/Service")
request_cases = st.one_of(
    json_cases(), form_cases(), xml_cases(), multipart_cases(), text_cases(), header_cases(), query_cases()
)


def _request_side(case: Case, secret: str) -> Exchange | None:
    built = case.build(secret)
    if built.response_body != b"{}" or built.response_headers:  # a response-side case: the mock answers itself
        return None
    return built


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(drawn=case_and_secret(request_cases), endpoint=st.sampled_from(ENDPOINTS))
def test_secrets_sent_to_the_mock_stay_out_of_its_export_reports_and_logs(
    mock: InProcessMock, drawn: tuple[Case, str], endpoint: str
) -> None:
    case, secret = drawn
    sent = _request_side(case, secret)
    assume(sent is not None)
    assert sent is not None
    assume(all(ord(c) < 0x100 for value in sent.request_headers.values() for c in value))
    assume(not leaks(secret, export_text(case.build(PLACEHOLDER))))
    base = mock.base_url
    mock.handle("POST", base + "/_admin/reset", ADMIN, b"")
    query = sent.url.partition("?")[2]
    url = f"{base}{endpoint}" + (f"?{query}" if query else "")
    handler, stderr = _Lines(), io.StringIO()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with contextlib.redirect_stderr(stderr):
            mock.handle(sent.method, url, list(sent.request_headers.items()), sent.request_body)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    status, _, export = mock.handle("GET", base + "/_admin/exchanges.ndjson", ADMIN, b"")
    assert status == 200
    _, _, queried = mock.handle("GET", base + "/_admin/exchanges", ADMIN, b"")
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        (directory / "evidence.ndjson").write_bytes(export)
        seqs = {int(orjson.loads(line)["seq"]) for line in export.splitlines() if line.strip()}
        write_exchanges(directory, seqs)
        reports = "".join(path.read_text(encoding="utf-8") for path in (directory / "exchanges").glob("*.json"))
    everything = {
        "export": export.decode("utf-8", "replace"),
        "query API": queried.decode("utf-8", "replace"),
        "report": reports,
        "logs": "\n".join(handler.lines) + stderr.getvalue(),
    }
    leaked = [where for where, text in everything.items() if leaks(secret, text)]
    assert not leaked, f"{case.form} to {endpoint}: {secret!r} leaked into {leaked}"
