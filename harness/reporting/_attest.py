"""`dvc-harness attest`: the certification officer's verdict on an item only a person can judge (an attestation
item, the unverified rest of a partial, a requirement no test could reach), with the evidence attached.

The run directory must verify intact first (an attestation never launders a tampered report). The files are
copied into `attachments/<REQ-ID>/` (never over an existing file), the record (who, verdict, when, note, files
with their sha256, the signing key) is added to report.json, the verdicts, totals and overall verdict are
recomputed, report.html and certificate.pdf are rendered again and the whole directory is signed again.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from harness.core.errors import UsageError
from harness.reporting._codec import ReportFormatError
from harness.reporting._integrity import sha256_file
from harness.reporting.certify import write_report
from harness.reporting.model import (
    ArticleGroup,
    AttachedFile,
    AttestationRecord,
    Report,
    RequirementVerdict,
    Signing,
)
from harness.reporting.verdicts import ATTESTABLE, attested_verdict, overall_verdict, totals_of
from harness.signing import load_signing_key, verify_directory

ATTACHMENTS = "attachments"


def attest(
    directory: Path, requirement: str, files: list[str], *, by: str, verdict: str, note: str, sign_key: str
) -> Report:
    """Record the attestation and re-sign; raises `UsageError` (exit 2) with one line for anything unusable."""
    key = load_signing_key(sign_key)
    if verdict not in ("pass", "fail"):
        raise UsageError(f"--verdict {verdict}: must be pass or fail")
    if not by.strip():
        raise UsageError("--by: the officer's name is required")
    sources = [_readable(Path(name)) for name in files]
    if not sources:
        raise UsageError("--file: attach at least one file (the evidence the item asks for)")
    checked = verify_directory(directory)
    if not checked.ok:
        raise UsageError(f"{directory} does not verify ({'; '.join(checked.problems[:3])}): attest only an intact run")
    report = _read_report(directory)
    target = _requirement(report, requirement)
    stored = _copy(directory, requirement, sources)
    record = AttestationRecord(
        requirement=requirement,
        by=by.strip(),
        verdict=verdict,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        note=note,
        files=tuple(stored),
        key_fingerprint=key.fingerprint,
    )
    attested = replace(
        with_attestation(report, target, record),
        signing=Signing(key.fingerprint, key.algorithm, authority=True),
    )
    return write_report(attested, directory, key)


def with_attestation(report: Report, target: RequirementVerdict, record: AttestationRecord) -> Report:
    """The report with `target` settled by the officer's verdict, and every total recomputed."""
    verdict, note = attested_verdict(record, target.verdict, target.note)
    settled = replace(target, verdict=verdict, note=note, attested_by=record.by)
    articles = tuple(
        ArticleGroup(g.regulation, g.article, tuple(settled if r.id == target.id else r for r in g.requirements))
        for g in report.articles
    )
    verdicts = [r for group in articles for r in group.requirements]
    totals = totals_of(verdicts, report.other_tests)
    overall = overall_verdict(verdicts, totals.gating_failures, partial_run=report.partial_run)
    return replace(
        report,
        articles=articles,
        totals=totals,
        conformant=totals.gating_failures == 0,
        verdict=overall,
        attested=(*report.attested, record),
    )


def _readable(path: Path) -> Path:
    if not path.is_file():
        raise UsageError(f"--file {path}: not a readable file")
    return path


def _read_report(directory: Path) -> Report:
    import json

    try:
        return Report.from_json(json.loads((directory / "report.json").read_text(encoding="utf-8")))
    except OSError as exc:
        raise UsageError(f"{directory}/report.json cannot be read ({exc.strerror or exc})") from None
    except (ValueError, ReportFormatError) as exc:
        raise UsageError(f"{directory}/report.json is not a certification report: {exc}") from None


def _requirement(report: Report, requirement: str) -> RequirementVerdict:
    found = next((r for r in report.requirements if r.id == requirement), None)
    if found is None:
        raise UsageError(f"--item {requirement}: not a requirement of this report's profile ({report.run.profile})")
    if found.verdict not in ATTESTABLE and not found.attested_by:
        raise UsageError(
            f"--item {requirement}: its verdict is {found.verdict.label} from the run's tests; only items that "
            f"need a person ({', '.join(sorted(v.label for v in ATTESTABLE))}) can be attested"
        )
    return found


def _copy(directory: Path, requirement: str, sources: list[Path]) -> list[AttachedFile]:
    folder = directory / ATTACHMENTS / requirement
    targets = [folder / source.name for source in sources]
    taken = [str(t.relative_to(directory)) for t in targets if t.exists()]
    if taken or len({t.name for t in targets}) != len(targets):
        raise UsageError(f"attachments already there or named twice ({', '.join(taken) or 'same name'}): rename them")
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for source, target in zip(sources, targets, strict=True):
        shutil.copyfile(source, target)
        relative = target.relative_to(directory).as_posix()
        stored.append(AttachedFile(relative, sha256_file(target), target.stat().st_size))
    return stored
