"""The published catalogue of online public services (TT 22/2019 Điều 6 k1 c "công bố danh mục DVCTT", k1 k
search by criteria; Điều 5 k1 a; TT 01/2018 Điều 16: procedure information synchronised from the national
procedure database): `GET {base_url}/api/procedures` lists the procedures with their code, name, field and
online service level (`MucDo` 4 toàn trình / 3 một phần, `MucDoDichVu` its name), and what it publishes
agrees with the national catalogue DVCQG serves (LayDVC for the levels, LayThuTuc for each procedure).

The national side is read through the mock's DVCQG API with the SUT's own integration account.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness.conformance import ConformanceEnvironment
from suites._national import NationalCatalogue
from suites.portal._http import poll, public_client

pytestmark = pytest.mark.capability("catalogue")

LEVEL_NAMES = {4: "toàn trình", 3: "một phần"}


@dataclass(frozen=True)
class NationalProcedure:
    code: str
    name: str
    fields: frozenset[str]  # MALINHVUC of LINHVUCTHUCHIEN
    levels: frozenset[int]  # MUCDO of the LayDVC services applied by agencies of the SUT's province (else any)


@dataclass(frozen=True)
class Catalogues:
    national: dict[str, NationalProcedure]  # every online public service LayDVC lists, by MaTTHC
    province: frozenset[str]  # those applied by an agency of the SUT's province or ministry
    published: list[dict[str, Any]]  # GET /api/procedures → procedures
    public: httpx.Client


def _national(dvc_env: ConformanceEnvironment) -> tuple[dict[str, NationalProcedure], frozenset[str]]:
    province = "." + dvc_env.description.national.province
    dvcqg = NationalCatalogue(dvc_env)
    try:
        services = (dvcqg.call("LayDVC") or {}).get("data") or []
        national: dict[str, NationalProcedure] = {}
        mine: set[str] = set()
        for service in services:
            code = str(service["MATTHC"])
            applied = service.get("APDUNGDVC") or []
            local = [a for a in applied if str(a.get("MACOQUANTHUCHIEN", "")).endswith(province)]
            if local:
                mine.add(code)
            detail = (dvcqg.call("LayThuTuc", maTTHC=code) or [{}])[0]
            national[code] = NationalProcedure(
                code,
                str(detail.get("TENTTHC", service.get("TENTTHC", ""))),
                frozenset(str(f.get("MALINHVUC")) for f in detail.get("LINHVUCTHUCHIEN") or []),
                frozenset(int(a["MUCDO"]) for a in (local or applied) if str(a.get("MUCDO", "")).isdigit()),
            )
    finally:
        dvcqg.close()
    return national, frozenset(mine)


def _listing(public: httpx.Client, **params: str) -> list[dict[str, Any]]:
    answer = public.get("/api/procedures", params=params)
    assert answer.status_code == 200, f"GET /api/procedures {params or ''} answered HTTP {answer.status_code}"
    procedures = answer.json().get("procedures")
    assert isinstance(procedures, list), f"GET /api/procedures must answer {{'procedures': [...]}}: {answer.text[:200]}"
    return procedures


def _code(published: dict[str, Any]) -> str:
    """The national code of a published MaTTHC (the local form 1.003560.000.00.00.H56 names 1.003560)."""
    return str(published.get("MaTTHC", "")).split(".000.")[0]


@pytest.fixture(scope="module")
def catalogues(dvc_env: ConformanceEnvironment) -> Iterator[Catalogues]:
    national, province = _national(dvc_env)
    public = public_client(dvc_env)
    # the SUT may still be pulling the catalogue at start: give it the sync delay to publish its province's
    published = poll(
        lambda: _listing(public),
        lambda listed: province <= {_code(p) for p in listed},
        dvc_env.description.sync_delay_s,
    )
    yield Catalogues(national, province, published, public)
    public.close()


def _level(published: dict[str, Any]) -> int | None:
    value = published.get("MucDo")
    return int(value) if isinstance(value, int | str) and str(value) in ("3", "4") else None


@pytest.mark.req(
    "TT22-D6-K1-C",
    partial="checks the published list against DVCQG (every online service of the province, with its "
    "service level); the agency and the field shown for each service are not checked here",
)
def test_every_online_service_of_the_province_is_published(catalogues: Catalogues) -> None:
    missing = sorted(catalogues.province - {_code(p) for p in catalogues.published})
    assert not missing, (
        f"{len(missing)} online public service(s) DVCQG lists for the province's agencies (LayDVC) are not in "
        f"GET /api/procedures: {', '.join(missing[:20])}"
    )


@pytest.mark.req(
    "TT22-D6-K1-C",
    partial="checks the published list against DVCQG (every online service of the province, with its "
    "service level); the agency and the field shown for each service are not checked here",
)
def test_published_procedures_carry_their_service_level(catalogues: Catalogues) -> None:
    problems = []
    for published in catalogues.published:
        code, level = _code(published), _level(published)
        if code not in catalogues.national and published.get("MucDo") is None:
            continue  # not an online public service: no level to publish
        name = str(published.get("MucDoDichVu", ""))
        if level is None:
            problems.append(
                f"{code}: MucDo {published.get('MucDo', '(absent)')!r} is not 4 (toàn trình) or 3 (một phần)"
            )
        elif LEVEL_NAMES[level] not in name.casefold():
            problems.append(f"{code}: MucDo {level} but MucDoDichVu {name!r} (expected {LEVEL_NAMES[level]!r})")
    assert catalogues.published, "GET /api/procedures publishes no procedure"
    assert not problems, "procedures published without their online service level:\n" + "\n".join(problems[:30])


@pytest.mark.req("TT01-D16-TTHC-SYNC", "TT21-D5-K1-CATALOGUE")
@pytest.mark.req(
    "TT22-D6-K1-C",
    partial="checks the published list against DVCQG (every online service of the province, with its "
    "service level); the agency and the field shown for each service are not checked here",
)
def test_published_levels_agree_with_the_national_catalogue(catalogues: Catalogues) -> None:
    problems = []
    for published in catalogues.published:
        code, level = _code(published), _level(published)
        national = catalogues.national.get(code)
        if national is None or level is None or not national.levels:
            continue  # an unknown procedure or a missing level is reported by the tests above and below
        if level not in national.levels:
            problems.append(f"{code}: published level {level}, DVCQG's LayDVC says {sorted(national.levels)}")
    assert not problems, "service levels that differ from the national catalogue:\n" + "\n".join(problems[:30])


@pytest.mark.req("TT01-D16-TTHC-SYNC", "ND61-D25-K2-B")
@pytest.mark.req(
    "TT22-D5-K1-A",
    partial="compares the published procedures' code, name and field with DVCQG only; the dossier "
    "components and forms of each procedure, and editing the catalogue, are not checked",
)
@pytest.mark.req(
    "TT22-D3-K1",
    partial="checks only that the published procedures are those of the national procedure database "
    "(DVCQG); integration with the population and business-registry databases, payment and DVCQG sync is "
    "not checked by this test, and one portal and one system per province is a document to attest",
)
def test_published_procedures_are_the_national_ones(catalogues: Catalogues) -> None:
    problems = []
    for published in catalogues.published:
        code = _code(published)
        national = catalogues.national.get(code)
        if national is None:
            problems.append(f"{published.get('MaTTHC')!r} is not an online public service of DVCQG (LayDVC)")
            continue
        if " ".join(str(published.get("TenTTHC", "")).split()) != " ".join(national.name.split()):
            problems.append(f"{code}: TenTTHC {published.get('TenTTHC')!r}, DVCQG says {national.name!r}")
        if national.fields and published.get("MaLinhVuc") not in national.fields:
            problems.append(f"{code}: MaLinhVuc {published.get('MaLinhVuc')!r}, DVCQG says {sorted(national.fields)}")
    assert not problems, "published procedures that differ from DVCQG's (LayThuTuc):\n" + "\n".join(problems[:30])


@pytest.mark.req(
    "TT22-D6-K1-K",
    partial="checks filtering of the published catalogue (GET /api/procedures) by level, field and "
    "keyword, one value each; search by agency is not checked",
)
@pytest.mark.req(
    "TT21-D5-K1-LOOKUP",
    partial="checks lookup of procedures by level, field and keyword; lookup of a dossier by its code is "
    "checked by the lookup suite",
)
def test_the_catalogue_can_be_searched_by_level_field_and_keyword(catalogues: Catalogues) -> None:
    published, public = catalogues.published, catalogues.public
    assert published, "GET /api/procedures publishes no procedure"
    problems = []
    for level in (4, 3):
        expected = sorted(_code(p) for p in published if _level(p) == level)
        found = sorted(_code(p) for p in _listing(public, MucDo=str(level)))
        if found != expected:
            problems.append(f"?MucDo={level}: {found}, expected {expected}")
    field = str(published[0].get("MaLinhVuc", ""))
    expected = sorted(_code(p) for p in published if p.get("MaLinhVuc") == field)
    found = sorted(_code(p) for p in _listing(public, MaLinhVuc=field))
    if found != expected:
        problems.append(f"?MaLinhVuc={field}: {found}, expected {expected}")
    target = published[-1]
    words = str(target.get("TenTTHC", "")).split()
    keyword = " ".join(words[-2:])
    if _code(target) not in [_code(p) for p in _listing(public, q=keyword)]:
        problems.append(f"?q={keyword!r} does not find {_code(target)} ({target.get('TenTTHC')!r})")
    assert not problems, "the catalogue cannot be searched by level, field and keyword:\n" + "\n".join(problems)
