"""Length limits of what the SUT forwards to DVCQG: an officer's note or reason, the dossier's summary, a file's
name, the officer's name are typed into the SUT with no national limit in sight, and forwarded into packet fields
that have one (QCVN 120 as the national side enforces it). Each input is driven at the field's limit and past it:
the SUT may refuse the input (a clear error at intake) or keep it and send what fits (truncate), but DVCQG must
never refuse the sync. Inputs whose field must not be empty are also driven blank (only spaces): the SUT refuses
them at input or sends a value, never an empty field.

The limits are read from the packet schemas (schemas/dvcqg/objects.schema.json), not typed here again.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import pytest

from harness.conformance import ConformanceEnvironment, Exchange, ExchangeNotReceived, Observe, accepted, items
from harness.specs import load_store
from harness.specs.store import Located
from harness.sut import AttachedFile, StepCannot, SutDriver, SutRequestRejected
from suites._support import REASONS, applicant

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = pytest.mark.dvc_needs("dossier-sync")

OBJECTS = "dvcqg/objects.schema.json"
#: a sentence of a real note (Vietnamese, with diacritics: limits count characters, not bytes)
#: what a person leaves in a field they did not fill: spaces (a SUT that trims them must still send a value)
BLANK = "   "
NOTE = "Đề nghị bổ sung bản sao có chứng thực giấy khai sinh và xác nhận cư trú của người nộp hồ sơ. "


@cache
def limit(definition: str, name: str) -> int:
    """maxLength of a property of a $defs object of the DVCQG packet schemas."""
    store = load_store()
    schema = store.by_id(store.id_for_path(OBJECTS))
    value = schema["$defs"][definition]["properties"][name]["maxLength"]
    assert isinstance(value, int), (definition, name, value)
    return value


@cache
def minimum(definition: str, name: str) -> int:
    """The largest minLength on the property's `$ref` chain (NonEmptyText says 1): 0 when it may be empty."""
    store = load_store()
    base = store.id_for_path(OBJECTS)
    located = Located(store.by_id(base)["$defs"][definition]["properties"][name], base)
    found = 0
    while True:
        found = max(found, int(located.schema.get("minLength", 0)))
        if "$ref" not in located.schema:
            return found
        located = store.resolve(located.schema["$ref"], located.base)


def text_of(length: int) -> str:
    return (NOTE * (length // len(NOTE) + 1))[:length]


Drive = Callable[[SutDriver, random.Random, str], str]


def _reason(action: str, before: tuple[str, ...] = ()) -> Drive:
    def drive(driver: SutDriver, rng: random.Random, value: str) -> str:
        code = driver.create_dossier(applicant(rng, channel="1")).ma_ho_so
        for step in before:
            driver.act(code, step, reason=REASONS.get(step))
        driver.act(code, action, reason=value)  # type: ignore[arg-type]
        return code

    return drive


def _summary(driver: SutDriver, rng: random.Random, value: str) -> str:
    return driver.create_dossier(replace(applicant(rng, channel="1"), summary=value)).ma_ho_so


def _file_name(driver: SutDriver, rng: random.Random, value: str) -> str:
    name = value[: max(len(value) - 4, 1)] + ".pdf" if value.strip() else value
    request = replace(applicant(rng, channel="1"), files=(AttachedFile(name, b"%PDF-1.4 ban sao"),))
    return driver.create_dossier(request).ma_ho_so


def _officer(driver: SutDriver, rng: random.Random, value: str) -> str:
    code = driver.create_dossier(applicant(rng, channel="1")).ma_ho_so
    driver.act(code, "receive", officer=value)
    return code


@dataclass(frozen=True)
class Boundary:
    """One input of the SUT and the packet field it ends up in."""

    name: str
    input: str  # what a person types, in words
    packet: str
    definition: str  # the $defs object of the field
    field: str
    drive: Drive

    @property
    def limit(self) -> int:
        return limit(self.definition, self.field)

    @property
    def required(self) -> bool:
        """The field must carry a value (its schema sets a minimum length)."""
        return minimum(self.definition, self.field) > 0


BOUNDARIES = (
    Boundary("refusal-reason", "the reason for refusing a dossier", "DongBoHoSoMC", "Dossier", "GhiChu",
             _reason("reject")),
    Boundary("stop-reason", "the reason for stopping processing", "DongBoHoSoMC", "Dossier", "GhiChu",
             _reason("stop", ("receive", "process"))),
    Boundary("withdrawal-reason", "the applicant's reason for withdrawing", "DongBoHoSoMC", "Dossier", "GhiChu",
             _reason("withdraw", ("receive", "process"))),
    Boundary("summary", "the dossier's summary (trích yếu)", "DongBoHoSoMC", "Dossier", "TrichYeuHoSo", _summary),
    Boundary("file-name", "the name of an attached file", "DongBoHoSoMC", "SubmittedFile", "TenTepDinhKem",
             _file_name),
    Boundary("officer-name", "the name of the officer in charge", "CapNhatTienDoHoSoMC", "ProgressStep", "NguoiXuLy",
             _officer),
)  # fmt: skip


@dataclass
class Attempt:
    boundary: Boundary
    length: int
    code: str | None = None
    refused_at_input: str = ""  # the SUT's clear error, when it refused the input
    rows: list[Exchange] = field(default_factory=list)

    def label(self) -> str:
        where = f"{self.boundary.input} ({self.boundary.packet}.{self.boundary.field}"
        if self.blank:
            return f"{where}, must not be empty) left blank ({BLANK!r})"
        return f"{where}, limit {self.boundary.limit}) at {self.length} characters"

    @property
    def blank(self) -> bool:
        return self.length == 0


@pytest.fixture(scope="module")
def attempts(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Iterator[dict[str, list[Attempt]]]:
    rng = random.Random(f"{dvc_seed}:boundaries")
    driver = dvc_env.driver
    found: dict[str, list[Attempt]] = {}
    for boundary in BOUNDARIES:
        tried = found[boundary.name] = []
        lengths = (boundary.limit, boundary.limit + max(500, boundary.limit // 4)) + ((0,) if boundary.required else ())
        for length in lengths:
            attempt = Attempt(boundary, length)
            try:
                attempt.code = boundary.drive(driver, rng, text_of(length) if length else BLANK)
            except SutRequestRejected as exc:  # refused at input: allowed, with a clear error
                attempt.refused_at_input = str(exc)[:300]
            except StepCannot as exc:  # interactive: the tester could not enter it (the SUT refused it)
                attempt.refused_at_input = f"the tester could not enter it: {exc.reason}"[:300]
            tried.append(attempt)
    for tried in found.values():
        for attempt in tried:
            if attempt.code is not None:
                attempt.rows = _settled(dvc_env, attempt)
    yield found


def _settled(env: ConformanceEnvironment, attempt: Attempt) -> list[Exchange]:
    """The dossier's packets once the SUT's current status reached DVCQG (or the wait ran out)."""
    assert attempt.code is not None
    code, status = attempt.code, env.driver.view(attempt.code).status
    with contextlib.suppress(ExchangeNotReceived):
        env.evidence.wait_for(
            "DongBoHoSoMC",
            code,
            timeout=2 * env.description.sync_delay_s,
            where=lambda row: accepted(row) and any(i.get("TrangThaiHoSo") == status for i in items(row)),
            nudge=env.driver.flush_sync,
        )
    return [r for r in env.evidence.exchanges(ma_ho_so=code) if r.get("service") == attempt.boundary.packet]


def _refusal(row: Exchange) -> str:
    return str(((row.get("response") or {}).get("body") or {}).get("message", ""))[:300]


def _lengths(row: Exchange, name: str) -> list[int]:
    """The lengths of the field's values in the packet (at any depth: file lists are nested)."""

    def walk(value: Any) -> Iterator[int]:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == name and isinstance(inner, str):
                    yield len(inner)
                else:
                    yield from walk(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from walk(inner)

    return list(walk((row.get("request") or {}).get("body")))


def _judge(tried: list[Attempt], dvc_observe: Observe, must: str) -> None:
    """DVCQG accepted every packet the attempts made the SUT send; a refusal at input is allowed."""
    problems: list[str] = []
    judged: list[Exchange] = []
    for attempt in tried:
        outcome = f"refused at input ({attempt.refused_at_input})" if attempt.refused_at_input else attempt.code
        dvc_observe.step(f"{attempt.label()}: {outcome}")
        if attempt.refused_at_input:
            continue
        judged += attempt.rows
        refused = [row for row in attempt.rows if not accepted(row)]
        for row in refused:
            lengths = _lengths(row, attempt.boundary.field)
            sent = min(lengths, default=0) if attempt.blank else max(lengths, default=0)
            problems.append(
                f"{attempt.label()}: DVCQG refused {attempt.boundary.packet} seq {row['seq']} of {attempt.code} "
                f"({attempt.boundary.field} sent with {sent} characters): {_refusal(row)!r}"
            )
        if not refused and not any(accepted(row) for row in attempt.rows):
            problems.append(f"{attempt.label()}: no {attempt.boundary.packet} of {attempt.code} reached DVCQG")
    if not judged and all(a.refused_at_input for a in tried):
        pytest.skip("nothing observed: the SUT refused every input at intake, so nothing was forwarded")
    dvc_observe.exchanges(judged)
    shown = "\n".join(problems[:8]) + (f"\n... and {len(problems) - 8} more" if len(problems) > 8 else "")
    assert not problems, f"{must}:\n{shown}"


@pytest.mark.req("QCVN120-LENGTH")
@pytest.mark.parametrize("boundary", [b.name for b in BOUNDARIES])
def test_an_input_at_and_past_the_limit_never_makes_dvcqg_refuse_the_sync(
    boundary: str, attempts: dict[str, list[Attempt]], dvc_observe: Observe
) -> None:
    _judge(
        [a for a in attempts[boundary] if not a.blank],
        dvc_observe,
        "what the SUT forwards must fit the national field (truncate it, or refuse the input with a clear error)",
    )


@pytest.mark.req("FMT-NON-EMPTY")
@pytest.mark.parametrize("boundary", [b.name for b in BOUNDARIES if b.required])
def test_a_blank_input_never_reaches_dvcqg_as_an_empty_field(
    boundary: str, attempts: dict[str, list[Attempt]], dvc_observe: Observe
) -> None:
    _judge(
        [a for a in attempts[boundary] if a.blank],
        dvc_observe,
        "a field DVCQG needs filled must not be sent empty (refuse the blank input with a clear error, or send a "
        "value)",
    )
