"""The repository carries the domain reference it cites (docs/reference/README.md).

Every citation of a file under docs/reference — `"docs/reference/dvcqg-interfaces.md §11.1(a) (…) [H]"`,
`"docs/reference/regulations.md §1.2 (TT22-Đ3-k1); §4.2"` — names a file that exists and sections that are
headings of it; the schemas and the requirement catalogue no longer use the bare pre-publication names
(`dvcqg-interfaces §N`); and nothing in the repository points at material outside it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference"
THIS = Path(__file__).resolve()

#: directories never scanned: tooling, caches, virtualenvs, runtime stores
SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".dvc-mock",
}
#: files larger than this are data or evidence, not text that cites anything
MAX_BYTES = 5_000_000
#: spelled in pieces so that this file does not contain them
FORBIDDEN = ("/work/" + "shared", ".." + "/shared", "PRODUCT" + ".md")

#: a section number as cited and as it heads a section: 3, 3.1, 3.3b, 11.1(a)
SECTION = r"\d+(?:\.\d+)*[a-z]?(?:\([a-z]\))?"
HEADING = re.compile(rf"^#{{1,6}}\s+§?\s*({SECTION})\.?(?=\s|$)", re.MULTILINE)
ANCHOR = re.compile(rf"""<a\s+(?:id|name)=["'](?:§|sec-)?({SECTION})["']""")
CITATION = re.compile(r"docs/reference/([\w.-]+\.md)")
#: inside docs/reference, the files cite each other by relative links: [regulations.md §6](regulations.md)
LOCAL_CITATION = re.compile(r"\[([\w.-]+\.md)(?=\s*§)")
REF = re.compile(rf"§\s?({SECTION})")
#: between two § of one citation: a list separator, a range dash, or "and"
JOIN = re.compile(r"\s*(?:,|;|-|–|and)\s*(?=§)")
#: a letter range written after a section: §11.1(b)-(d)
LETTER_RANGE = re.compile(r"-\(([a-z])\)")
#: the pre-publication names, bare (not as a docs/reference path)
BARE = re.compile(r"(?<![\w/.\-])(?:dvcqg-interfaces|regulations)(?:\.md)?\s*§")


def text_files(*tops: Path) -> Iterator[Path]:
    for top in tops:
        if top.is_file():
            yield top
            continue
        for directory, subdirs, files in os.walk(top):
            subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
            for name in sorted(files):
                path = Path(directory, name)
                if path != THIS and path.stat().st_size <= MAX_BYTES:
                    yield path


def read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


@cache
def sections(name: str) -> frozenset[str]:
    """The section numbers a reference file defines, as headings or explicit anchors."""
    text = (REFERENCE / name).read_text(encoding="utf-8")
    return frozenset(HEADING.findall(text)) | frozenset(ANCHOR.findall(text))


def skip_parenthesis(text: str, at: int) -> int:
    """Index after the balanced parenthesis opening at `at` (or `at` when there is none)."""
    if at >= len(text) or text[at] != "(":
        return at
    depth = 0
    for index in range(at, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def expand(section: str, tail: str) -> list[str]:
    """`11.1(b)` followed by `-(d)` → 11.1(b), 11.1(c), 11.1(d)."""
    found = [section]
    letter = re.fullmatch(r"(.*)\(([a-z])\)", section)
    if letter and (dash := LETTER_RANGE.match(tail)):
        base, first = letter.groups()
        found += [f"{base}({chr(c)})" for c in range(ord(first) + 1, ord(dash.group(1)) + 1)]
    return found


def skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def cited_sections(text: str, start: int) -> tuple[list[str], str]:
    """The § sections of the citation whose file name ends at `start`, and its first parenthesis."""
    found: list[str] = []
    position = skip_spaces(text, start)
    if not REF.match(text, position):
        if text.startswith("(", position):  # a citation without §: docs/reference/glossary.md (MST)
            return found, text[position + 1 : skip_parenthesis(text, position) - 1]
        return found, ""
    while match := REF.match(text, position):
        position = match.end()
        found += expand(match.group(1), text[position:])
        if letters := LETTER_RANGE.match(text, position):
            position = letters.end()
        # what follows one section: an optional (note), then a separator and the next §, or the end
        position = skip_parenthesis(text, skip_spaces(text, position))
        join = JOIN.match(text, position)
        if not join:
            break
        position = join.end()
    return found, ""


def citations() -> Iterator[tuple[str, str, list[str], str]]:
    """(where, file, sections, parenthesis) for every docs/reference citation in the repository's text."""
    for path in text_files(ROOT):
        text = read(path)
        if text is None:
            continue
        pattern = LOCAL_CITATION if path.parent == REFERENCE else CITATION
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found, note = cited_sections(text, match.end())
            yield f"{path.relative_to(ROOT)}:{line}", match.group(1), found, note


CITATIONS = list(citations())


def test_the_reference_is_there() -> None:
    for name in ("README.md", "dvcqg-interfaces.md", "regulations.md", "glossary.md"):
        assert (REFERENCE / name).is_file(), name
    # the sections the schemas lean on most, as a smoke test of the heading parser
    assert {"2.3", "3.1", "3.3b", "8.1", "10", "11.1(a)", "11.1(d)", "12", "14.4"} <= sections("dvcqg-interfaces.md")
    assert {"0", "1.2", "2.2", "3.3", "4.2", "4.4b", "6"} <= sections("regulations.md")


def test_schemas_and_requirements_cite_the_reference() -> None:
    where = {c[0].split(":")[0] for c in CITATIONS}
    assert any(w.startswith("schemas/") and w.endswith(".json") for w in where)
    assert any(w.startswith("suites/requirements/") for w in where)
    assert any(w.startswith("docs/reference/") for w in where)


def test_every_citation_resolves() -> None:
    problems = []
    for where, name, found, note in CITATIONS:
        if not (REFERENCE / name).is_file():
            problems.append(f"{where}: docs/reference/{name} does not exist")
            continue
        missing = [s for s in found if s not in sections(name)]
        if missing:
            problems.append(f"{where}: docs/reference/{name} has no section {', '.join('§' + s for s in missing)}")
        if not found and note and name == "glossary.md" and note not in (REFERENCE / name).read_text("utf-8"):
            problems.append(f"{where}: docs/reference/{name} has no entry {note!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("top", ["schemas", "suites/requirements", "docs", "README.md"])
def test_no_bare_reference_names(top: str) -> None:
    """`dvcqg-interfaces §N` / `regulations §N` were names of notes the repository does not carry."""
    problems = []
    for path in text_files(ROOT / top):
        text = read(path)
        if text is None or path.parent == REFERENCE:  # the reference links its own files relatively
            continue
        for match in BARE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)!r}")
    assert not problems, "cite docs/reference/<file>.md §N instead:\n" + "\n".join(problems)


def test_nothing_points_outside_the_repository() -> None:
    problems = []
    needles = [n.encode() for n in FORBIDDEN]
    for path in text_files(ROOT):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        problems += [f"{path.relative_to(ROOT)}: {n.decode()}" for n in needles if n in data]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("docs/reference/dvcqg-interfaces.md §9.4 yyyyMMddHHmmss [H]", ["9.4"]),
        ("docs/reference/dvcqg-interfaces.md §2.2, §14.2 (madonvi) [H]", ["2.2", "14.2"]),
        ("docs/reference/regulations.md §1.2 (TT22-Đ3-k1); §4.2 (NĐ 61/2018 Đ25)", ["1.2", "4.2"]),
        ("docs/reference/dvcqg-interfaces.md §8.1 (6 → 4), §11.1(b)-(d)", ["8.1", "11.1(b)", "11.1(c)", "11.1(d)"]),
        ("docs/reference/dvcqg-interfaces.md §2-§4", ["2", "4"]),
        ("docs/reference/dvcqg-interfaces.md §12; RFC 6749 §5.1, OpenID Connect Core §3.1.3.3", ["12"]),
        ("docs/reference/dvcqg-interfaces.md §3.1, §4, §14.3 (lengths); rule catalogue", ["3.1", "4", "14.3"]),
    ],
)
def test_citation_parser(text: str, expected: list[str]) -> None:
    match = CITATION.search(text)
    assert match
    assert cited_sections(text, match.end())[0] == expected
