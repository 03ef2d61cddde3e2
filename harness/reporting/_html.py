"""report.html: the report model rendered with one jinja2 template (inline CSS, no external assets)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import jinja2

from harness.reporting.model import Report, Verdict

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report, artefacts: Mapping[str, str] | None = None) -> str:
    """The page; `artefacts` are the sha256 of the files beside it (junit.xml, evidence.ndjson, ...)."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        run=report.run,
        totals=report.totals,
        verdicts=list(Verdict),
        fail=Verdict.FAIL,
        failing=[r for r in report.requirements if r.verdict is Verdict.FAIL],
        sut_text=json.dumps(report.run.sut, ensure_ascii=False, indent=2),
        artefacts=dict(artefacts or {}),
    )
