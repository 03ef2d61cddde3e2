"""report.html: the report model rendered with one jinja2 template (inline CSS, no script, no external assets).

The reader is a certification officer who reads Vietnamese: every label is Vietnamese first with the English
beside it (`lang="en"`). The page reflows on a phone (no horizontal scrolling at 390 px) and prints on paper.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from harness.reporting._exchanges import exchange_path
from harness.reporting.model import Report, TestState, Verdict

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: exchange links shown inline per requirement (or root cause); the rest go in a <details>
INLINE_LINKS = 20

TEST_STATES_VI = {
    TestState.PASS: "Đạt",
    TestState.FAIL: "Không đạt",
    TestState.ERROR: "Lỗi",
    TestState.SKIP: "Bỏ qua",
    TestState.OMIT: "Không áp dụng",
    TestState.DEVIATION: "Sai lệch đã biết",
    TestState.BLOCKED: "Bị chặn",
}

LEVELS_VI = {"SHALL": "Bắt buộc", "SHOULD": "Khuyến nghị", "MAY": "Tùy chọn"}

TESTABILITY_VI = {
    "automated": ("Tự động", "automated"),
    "partial": ("Tự động một phần", "partly automated"),
    "attestation": ("Xác nhận thủ công", "attestation"),
    "not_tested": ("Không kiểm tra", "not tested"),
}

# a scheme (`javascript:`, `https:`) or a leading slash: not a file beside the report
_NOT_RELATIVE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|[/\\])")


def local_href(path: str) -> str | None:
    """`path` as a link target when it names a file inside the report directory, else None (shown as text)."""
    if not path or _NOT_RELATIVE.match(path) or any(part == ".." for part in re.split(r"[/\\]", path)):
        return None
    return path


def bilingual(sentence: str) -> tuple[str, str]:
    """A "Vietnamese / English" sentence split in two; the English half is empty when there is none."""
    vi, sep, en = sentence.partition(" / ")
    return (vi, en) if sep else (sentence, "")


def verdict_labels(value: str) -> tuple[str, str]:
    """(Vietnamese, English) label of a verdict value; an unknown value is shown as given."""
    try:
        verdict = Verdict(value)
    except ValueError:
        return value, ""
    return verdict.label_vi, verdict.label


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _load_rows(load_result: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(key), _plain(value)) for key, value in load_result.items()]


def _split(items: Sequence[Any]) -> tuple[Sequence[Any], Sequence[Any]]:
    return items[:INLINE_LINKS], items[INLINE_LINKS:]


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["exchange_path"] = exchange_path
    env.filters["local_href"] = local_href
    env.globals.update(
        bilingual=bilingual,
        verdict_labels=verdict_labels,
        split_links=_split,
        test_states_vi={state.value: label for state, label in TEST_STATES_VI.items()},
        levels_vi=LEVELS_VI,
        testability_vi=TESTABILITY_VI,
    )
    return env


def render_html(report: Report, artefacts: Mapping[str, str] | None = None) -> str:
    """The page; `artefacts` are the sha256 of the files beside it (junit.xml, evidence.ndjson, ...)."""
    template = _environment().get_template("report.html.j2")
    attested = {record.requirement for record in report.attested}
    return template.render(
        report=report,
        run=report.run,
        totals=report.totals,
        overall=report.verdict,
        verdicts=list(Verdict),
        fail=Verdict.FAIL,
        blocked=Verdict.BLOCKED,
        failing=[r for r in report.requirements if r.verdict is Verdict.FAIL],
        attested_ids=attested,
        by_id={r.id: r for r in report.requirements},
        sut_text=json.dumps(report.run.sut, ensure_ascii=False, indent=2),
        load_rows=_load_rows(report.run.load_result),
        artefacts=dict(artefacts or {}),
    )
