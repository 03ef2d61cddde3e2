"""Downloading a file link the SUT published (DuongDanTaiTepTin, DuongDanTepTinKetQua) as DVCQG or a citizen would."""

from __future__ import annotations

import httpx


def download_problem(client: httpx.Client, url: str) -> str:
    """ "" when the file comes back (HTTP 200, not empty, not an HTML page such as a login form); otherwise what
    went wrong."""
    try:
        answer = client.get(url)
    except httpx.HTTPError as exc:
        return f"unreachable ({type(exc).__name__}: {exc})"
    if answer.status_code != 200:
        return f"HTTP {answer.status_code} {answer.text[:120]!r}"
    head = answer.content[:200].lstrip().lower()
    if "text/html" in answer.headers.get("content-type", "") or head.startswith((b"<!doctype html", b"<html")):
        return f"an HTML page, not the file: {answer.text[:120]!r}"
    return "" if answer.content else "HTTP 200 with an empty body"
