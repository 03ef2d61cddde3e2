"""report.html: Vietnamese first, the overall verdict and the root causes at the top, evidence links, attestations,
the signing statement, escaping, and a layout that neither overflows a 390 px phone nor hides failures on paper."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections import Counter
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from harness.reporting import render_html
from harness.reporting.model import (
    ArticleGroup,
    AttachedFile,
    Attestation,
    AttestationRecord,
    Overall,
    OverallVerdict,
    Report,
    RequirementVerdict,
    RootCause,
    RunInfo,
    Signing,
    TestOutcome,
    TestState,
    Totals,
    Verdict,
)

HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
FINGERPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
LONG_ID = "TT22-D9-PL5-DONGBOHOSOMOTCUA-TRANGTHAIXULY-KHONGMATDULIEU-KHIMATKETNOI"
LONG_NODEID = (
    "suites/national/test_sync_dossiers_to_the_national_portal.py::"
    "test_a_dossier_synchronised_while_the_national_side_is_down_is_retried_until_acknowledged[DongBoHoSoMC-opencps]"
)
ATTACHMENT = "attachments/TT22-D9-ARCH/quyet-dinh-1234-QD-UBND-phe-duyet-kien-truc.pdf"
LONG_URL = (
    "https://dichvucong.thanhhoa.gov.vn/api/v1/dongbo/hoso/motcua/trangthai?madonvi=000.00.12.H56&page=1&size=100"
)


def _test(nodeid: str, state: TestState, rid: str, message: str = "", **kw: Any) -> TestOutcome:
    return TestOutcome(nodeid=nodeid, state=state, requirements=(rid,), message=message, **kw)


def _req(rid: str, verdict: Verdict, **kw: Any) -> RequirementVerdict:
    fields: dict[str, Any] = {
        "id": rid,
        "citation": "TT 22/2019/TT-BTTTT, Điều 9, Phụ lục V",
        "level": "SHALL",
        "testability": "automated",
        "area": "sync",
        "summary_en": f"{rid}: dossiers are synchronised to the national portal.",
        "text_vi": f"{rid}: hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia.",
        "verdict": verdict,
    }
    fields.update(kw)
    return RequirementVerdict(**fields)


def _requirements() -> tuple[ArticleGroup, ...]:
    d5 = (
        _req(
            "TT22-D5-K1",
            Verdict.PASS,
            exchanges=tuple(range(30, 75)),
            steps=7,
            tests=(_test("suites/test_d5.py::test_sync", TestState.PASS, "TT22-D5-K1", exchanges=(42,)),),
        ),
        _req(
            "TT22-D5-AUTH",
            Verdict.FAIL,
            tests=(_test(LONG_NODEID, TestState.FAIL, "TT22-D5-AUTH", "expected 200, got 500\n" + "x" * 300),),
        ),
        _req(
            "TT22-D5-K3",
            Verdict.PARTIAL,
            testability="partial",
            exchanges=(3,),
            unverified=("thời hạn lưu trữ hồ sơ / the retention period", "the operator's backup procedure"),
            evidence=("Quy trình sao lưu",),
        ),
        _req("TT22-D5-K4", Verdict.OMITTED, note="the SUT does not declare the capability payments"),
        _req("TT22-D5-K5", Verdict.PASS),  # neither exchanges nor steps: should not occur, renders gracefully
    )
    d9 = (
        _req("TT22-D9-DEV", Verdict.DEVIATION, level="SHOULD", note="expected deviation: ticket DVC-1"),
        _req(
            "TT22-D9-ARCH",
            Verdict.ATTESTATION_REQUIRED,
            testability="attestation",
            evidence=("Quyết định phê duyệt kiến trúc",),
            attested_by="Nguyễn Văn An",
        ),
        _req("TT22-D9-STATS", Verdict.NOT_TESTED, note="no conformance test verifies it yet"),
        _req(LONG_ID, Verdict.BLOCKED, blocked_by="TT22-D5-AUTH", note="blocked: TT22-D5-AUTH failed"),
        _req("TT22-D9-PAY", Verdict.BLOCKED, blocked_by="TT22-D5-AUTH", level="MAY"),
    )
    return (
        ArticleGroup("TT 22/2019/TT-BTTTT", "Điều 5", d5),
        ArticleGroup("TT 22/2019/TT-BTTTT", "Điều 9", d9),
    )


def make_report(**overrides: Any) -> Report:
    """A report with every verdict, a root cause, an attestation record and long unbreakable values; `overrides`
    go to `Report`, or to `RunInfo` / `OverallVerdict` / `Signing` by field name."""
    articles = _requirements()
    requirements = [r for group in articles for r in group.requirements]
    tests = [t for r in requirements for t in r.tests]
    verdicts = Counter(r.verdict.value for r in requirements)
    states = Counter(t.state.value for t in tests)
    shall = Counter(r.verdict.value for r in requirements if r.level == "SHALL")
    run = RunInfo(
        run_id="20250102T030405Z-3f9a",
        profile="tt22-2019",
        profile_title="TT 22/2019/TT-BTTTT with QCVN 120:2019",
        seed=1375902617,
        reproduce="dvc-harness certify --seed 1375902617 --profile tt22-2019 --sut /home/officer/cert/sut.toml",
        sut_name="Cổng Dịch vụ công tỉnh Thanh Hóa",
        sut={"sut": {"name": "Cổng Dịch vụ công tỉnh Thanh Hóa", "base_url": LONG_URL, "token": "***"}},
        national_url=LONG_URL,
        harness_version="0.1.0",
        python_version="3.11.9",
        pytest_version="8.3.3",
        platform="Linux-6.1.0-28-amd64-x86_64-with-glibc2.36",
        started_at="2025-01-02T03:04:05+00:00",
        finished_at="2025-01-02T03:19:47+00:00",
        duration_s=942.0,
        load_result={"path": "loadtests/results/20250102-tt22-d7-perf.json", "users_reached": 500, "p95_ms": 812.5},
    )
    record = AttestationRecord(
        requirement="TT22-D9-ARCH",
        by="Nguyễn Văn An",
        verdict="pass",
        at="2025-01-03T09:00:00+07:00",
        note="Đã đối chiếu quyết định số 1234/QĐ-UBND",
        files=(AttachedFile(ATTACHMENT, HASH, 48213),),
        key_fingerprint=FINGERPRINT,
    )
    fields: dict[str, Any] = {
        "run": run,
        "conformant": False,
        "verdict": OverallVerdict(
            overall=Overall.FAIL,
            shall={v.value: shall[v.value] for v in Verdict},
            reasons=("1 yêu cầu bắt buộc không đạt / 1 SHALL requirement failed",),
        ),
        "totals": Totals(
            requirements=len(requirements),
            verdicts={v.value: verdicts[v.value] for v in Verdict},
            gating_failures=1,
            tests=len(tests),
            test_states={s.value: states[s.value] for s in TestState},
        ),
        "articles": articles,
        "attestations": (
            Attestation(
                "TT22-D9-ARCH",
                "TT 22/2019/TT-BTTTT, Điều 9",
                "SHALL",
                "Architecture approved.",
                "Only a document shows it.",
                ("Quyết định phê duyệt kiến trúc",),
            ),
        ),
        "other_tests": (_test(LONG_NODEID, TestState.PASS, "UNKNOWN-REQ"),),
        "root_causes": (
            RootCause(
                requirement="TT22-D5-AUTH",
                prerequisite="đăng nhập vào trục liên thông / login to the national exchange",
                test=LONG_NODEID,
                message="401 Unauthorized: " + "A" * 120,
                blocked=(LONG_ID, "TT22-D9-PAY"),
            ),
        ),
        "attested": (record,),
        "signing": Signing(FINGERPRINT, "ES256", authority=False),
    }
    for cls, key in ((RunInfo, "run"), (OverallVerdict, "verdict"), (Signing, "signing")):
        names = {f.name for f in dataclasses.fields(cls)}
        mine = {name: overrides.pop(name) for name in list(overrides) if name in names}
        fields[key] = dataclasses.replace(fields[key], **mine)
    fields.update(overrides)
    return Report(**fields)


ARTEFACTS = {"junit.xml": HASH, "evidence.ndjson": HASH, "pytest.log": HASH}


def render(report: Report | None = None) -> str:
    return render_html(report or make_report(), ARTEFACTS)


def tree(page: str) -> Any:
    return lxml_html.fromstring(page)


def text(element: Any) -> str:
    return " ".join(element.text_content().split())


def style(page: str) -> str:
    return "\n".join(tree(page).xpath("//style/text()"))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


# --- language and self-containment ---------------------------------------------------------------------------------


def test_the_page_is_vietnamese_with_english_beside_every_heading() -> None:
    page = render()
    root = tree(page)
    assert root.get("lang") == "vi"
    headings = root.xpath("//h1 | //h2 | //h3[not(ancestor::table)]")
    assert len(headings) >= 10
    for heading in headings:
        english = heading.xpath(".//span[@lang='en']")
        first = (heading.text or "").strip()
        assert first, f"heading without Vietnamese first: {text(heading)}"
        if heading.tag != "h3" or "Điều" not in first:  # article headings cite the regulation itself
            assert english, f"heading without English: {text(heading)}"
    assert "Kết quả tổng thể" in page and "Nguyên nhân gốc" in page and "Xác nhận của cán bộ" in page


def test_every_verdict_is_named_in_vietnamese_with_the_english_beside() -> None:
    root = tree(render())
    badges = {text(b) for b in root.xpath("//div[@class='counts']//span[contains(@class, 'badge')]")}
    for verdict in Verdict:
        assert f"{verdict.label_vi} {verdict.label}" in badges
    row = root.get_element_by_id("TT22-D9-PAY")
    badge = row.xpath(".//span[contains(@class, 'badge')]")[0]
    assert (badge.text or "").strip() == "Bị chặn" and badge.xpath("./span[@lang='en']")[0].text == "blocked"


def test_a_requirement_shows_the_vietnamese_text_first_and_the_english_summary_below() -> None:
    cell = tree(render()).get_element_by_id("TT22-D5-K1").xpath(".//td[contains(@class, 'req')]")[0]
    vi, en = cell.xpath("./div")[:2]
    assert text(vi).startswith("TT22-D5-K1: hồ sơ được đồng bộ")
    assert en.get("lang") == "en" and "dossiers are synchronised" in text(en)


def test_the_page_has_no_script_and_no_external_asset() -> None:
    page = render()
    assert not any(tag == "script" for tag, _ in tags(page)) and "<script" not in page
    for _tag, attrs in tags(page):
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not re.match(r"(?i)\s*(https?:|//|javascript:)", value), (name, value)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page) and "@import" not in page


def test_a_script_in_a_message_or_the_sut_name_is_escaped() -> None:
    evil = "<script>alert('x')</script>"
    report = make_report(sut_name=f"Cổng {evil}")
    failing = dataclasses.replace(report.articles[0].requirements[1], note=evil)
    cause = dataclasses.replace(report.root_causes[0], message=evil)
    group = dataclasses.replace(report.articles[0], requirements=(failing, *report.articles[0].requirements[2:]))
    page = render(dataclasses.replace(report, articles=(group, report.articles[1]), root_causes=(cause,)))
    assert "<script" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert not any(tag == "script" for tag, _ in tags(page))


def test_an_attached_file_outside_the_directory_is_not_linked() -> None:
    report = make_report()
    files = (AttachedFile("javascript:alert(1)", HASH, 1), AttachedFile("https://evil.example/x.pdf", HASH, 1))
    record = dataclasses.replace(report.attested[0], files=files)
    page = render(dataclasses.replace(report, attested=(record,)))
    assert "javascript:alert(1)" in page and 'href="javascript' not in page and 'href="https' not in page


# --- the overall verdict and root causes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overall", "vi", "en"),
    [
        (Overall.PASS, "ĐẠT", "PASS"),
        (Overall.FAIL, "KHÔNG ĐẠT", "FAIL"),
        (Overall.CONDITIONAL, "ĐẠT CÓ ĐIỀU KIỆN", "CONDITIONAL PASS"),
    ],
)
def test_the_banner_shows_the_overall_verdict(overall: Overall, vi: str, en: str) -> None:
    root = tree(render(make_report(overall=overall, conformant=overall is not Overall.FAIL)))
    (banner,) = root.xpath("//section[contains(@class, 'verdict')]")
    assert f"o-{overall.value}" in banner.get("class")
    assert text(banner.xpath(".//*[@class='overall-vi']")[0]) == vi
    assert text(banner.xpath(".//p[@class='overall']/span[@lang='en']")[0]) == en
    assert root.xpath("//title")[0].text.startswith(vi)
    assert ("1 lỗi không phù hợp" in text(banner)) is (overall is Overall.FAIL)


def test_the_banner_gives_the_reasons_and_the_shall_counts() -> None:
    banner = tree(render()).xpath("//section[contains(@class, 'verdict')]")[0]
    (reason,) = banner.xpath(".//ul[@class='reasons']/li")
    assert (reason.text or "").strip() == "1 yêu cầu bắt buộc không đạt"
    assert reason.xpath("./span[@lang='en']")[0].text == "1 SHALL requirement failed"
    assert "1 conformance failure(s)" in text(banner)
    counts = [text(span) for span in banner.xpath(".//div[contains(@class, 'shall-counts')]/span")]
    assert "Bị chặn blocked 1" in counts and "Không đạt fail 1" in counts  # the MAY blocked one is not counted
    assert not any("Sai lệch" in count for count in counts)  # the SHOULD deviation neither


def test_the_root_causes_come_right_after_the_verdict_and_before_the_requirement_tables() -> None:
    root = tree(render())
    sections = [s.get("id") for s in root.xpath("//main/section")]
    assert sections[:2] == ["verdict", "root-causes"]
    order = list(root.iter())
    causes = root.get_element_by_id("root-causes")
    first_table = root.xpath("//table")[0]
    assert order.index(causes) < order.index(first_table)
    assert order.index(causes) < order.index(root.get_element_by_id("TT22-D5-AUTH"))
    (cause,) = causes.xpath(".//li[@class='cause']")
    prerequisite = "Điều kiện tiên quyết Prerequisite: đăng nhập vào trục liên thông login to the national exchange"
    assert prerequisite in text(cause)
    assert "Đã chặn 2 yêu cầu" in text(cause) and "blocked 2 requirement(s)" in text(cause)
    links = cause.xpath(".//div[@class='blocked-list']/span[@class='links']/a/@href")
    assert links == [f"#{LONG_ID}", "#TT22-D9-PAY"]
    assert cause.xpath(".//a")[0].get("href") == "#TT22-D5-AUTH"
    assert "401 Unauthorized" in text(cause.xpath(".//pre")[0]) and LONG_NODEID in text(cause)


def test_a_root_cause_blocking_many_requirements_keeps_the_rest_in_a_details() -> None:
    report = make_report()
    blocked = tuple(f"TT22-X-{n}" for n in range(25))
    page = render(
        dataclasses.replace(report, root_causes=(dataclasses.replace(report.root_causes[0], blocked=blocked),))
    )
    (listing,) = tree(page).xpath("//li[@class='cause']/div[@class='blocked-list']")
    assert "Đã chặn 25 yêu cầu" in text(listing)
    assert len(listing.xpath("./span[@class='links']/a")) == 20 and len(listing.xpath("./details//a")) == 5


def test_no_root_cause_section_without_root_causes() -> None:
    assert 'id="root-causes"' not in render(make_report(root_causes=()))


# --- per-requirement evidence -----------------------------------------------------------------------------------------


def test_the_judged_packets_are_counted_and_linked_to_their_exchange_files() -> None:
    row = tree(render()).get_element_by_id("TT22-D5-K1")
    (packets,) = row.xpath(".//div[@class='packets']")
    assert "45 gói tin đã được đánh giá" in text(packets) and "45 packets judged" in text(packets)
    inline = packets.xpath("./span[@class='links']/a/@href")
    hidden = packets.xpath(".//details//a/@href")
    assert len(inline) == 20 and len(hidden) == 25
    assert inline[0] == "exchanges/000030.json" and "exchanges/000042.json" in inline
    assert hidden[-1] == "exchanges/000074.json"
    assert all(re.fullmatch(r"exchanges/\d{6}\.json", href) for href in inline + hidden)
    assert "7 bước thao tác" in text(row) and "7 steps" in text(row)


def test_a_requirement_with_few_packets_has_no_details_and_one_without_any_renders() -> None:
    root = tree(render())
    partial = root.get_element_by_id("TT22-D5-K3")
    assert partial.xpath(".//div[@class='packets']//a/@href") == ["exchanges/000003.json"]
    assert not partial.xpath(".//div[@class='packets']//details") and "bước thao tác" not in text(partial)
    bare = root.get_element_by_id("TT22-D5-K5")
    assert "Không ghi nhận gói tin hay bước thao tác nào" in text(bare) and "packets judged" not in text(bare)


def test_a_partial_requirement_lists_what_stays_unverified() -> None:
    row = tree(render()).get_element_by_id("TT22-D5-K3")
    (box,) = row.xpath(".//div[@class='unverified']")
    assert "Chưa kiểm chứng" in text(box) and box.xpath(".//span[@lang='en']")[0].text == "Not verified"
    assert [text(li) for li in box.xpath(".//li")] == [
        "thời hạn lưu trữ hồ sơ / the retention period",
        "the operator's backup procedure",
    ]
    assert "Quy trình sao lưu" in text(row)  # evidence to attach


def test_a_blocked_requirement_names_its_root_cause() -> None:
    row = tree(render()).get_element_by_id(LONG_ID)
    assert "blocked" in row.get("class")
    (line,) = row.xpath(".//p[@class='blocked-by']")
    assert "Bị chặn bởi" in text(line) and "Blocked by" in text(line)
    assert line.xpath(".//a/@href") == ["#TT22-D5-AUTH", "#root-causes"]


def test_a_failing_test_message_is_shown_outside_any_details() -> None:
    row = tree(render()).get_element_by_id("TT22-D5-AUTH")
    (failing,) = row.xpath(".//div[@class='failing']")
    assert "expected 200, got 500" in text(failing) and LONG_NODEID in text(failing)
    assert not failing.xpath("ancestor::details") and "Không đạt" in text(failing)


# --- attestations, signing, run --------------------------------------------------------------------------------------


def test_the_officer_attestations_are_listed_with_their_files() -> None:
    root = tree(render())
    section = root.get_element_by_id("attested")
    assert text(section.xpath("./h2")[0]) == "Xác nhận của cán bộ Officer attestations"
    row = root.get_element_by_id("attest-TT22-D9-ARCH")
    assert "Nguyễn Văn An" in text(row) and "2025-01-03T09:00:00+07:00" in text(row) and "Đạt pass" in text(row)
    assert "1234/QĐ-UBND" in text(row) and HASH in text(row) and FINGERPRINT in text(row) and "48213 byte" in text(row)
    assert row.xpath(".//a/@href") == ["#TT22-D9-ARCH", ATTACHMENT]
    requirement = root.get_element_by_id("TT22-D9-ARCH")
    (line,) = requirement.xpath(".//p[@class='attested-by']")
    assert "Đã được xác nhận bởi" in text(line) and "Nguyễn Văn An" in text(line)
    assert line.xpath(".//a/@href") == ["#attest-TT22-D9-ARCH"]
    checklist = section.xpath(".//table")[1]
    assert "Danh mục cần xác nhận" in text(section) and "#attest-TT22-D9-ARCH" in checklist.xpath(".//a/@href")


def test_without_records_the_attestation_section_says_none_is_recorded() -> None:
    section = tree(render(make_report(attested=()))).get_element_by_id("attested")
    assert "Chưa có xác nhận nào được ghi nhận" in text(section) and "No attestation recorded yet." in text(section)


def test_a_per_run_key_is_said_to_prove_integrity_only() -> None:
    section = tree(render()).get_element_by_id("signing")
    assert FINGERPRINT in text(section) and "ES256" in text(section)
    (statement,) = section.xpath(".//p[contains(@class, 'per-run')]")
    assert "do dvc-harness tự sinh ra" in text(statement) and "không phải chữ ký của cơ quan có thẩm quyền" in text(
        statement
    )
    assert "A per-run key generated by the harness" in text(statement) and "not an authority's signature" in text(
        statement
    )
    verify = text(section.xpath(".//p[@class='verify']")[0])
    assert "dvc-harness verify <thư mục này>" in verify and "dvc-harness verify <this directory>" in verify


def test_an_authority_key_is_not_called_a_per_run_key() -> None:
    section = tree(render(make_report(authority=True))).get_element_by_id("signing")
    assert not section.xpath(".//p[contains(@class, 'per-run')]") and "--sign-key" in text(section)
    unsigned = tree(render(make_report(key_fingerprint="", algorithm=""))).get_element_by_id("signing")
    assert "chưa được ký" in text(unsigned) and not unsigned.xpath(".//p[contains(@class, 'per-run')]")


def test_the_run_table_shows_the_load_result_only_when_there_is_one() -> None:
    run = tree(render()).get_element_by_id("run")
    assert "Kết quả kiểm thử tải" in text(run) and "users_reached: 500" in text(run) and "p95_ms: 812.5" in text(run)
    assert "Kết quả kiểm thử tải" not in render(make_report(load_result={}))


def test_the_existing_content_stays() -> None:
    page = render()
    root = tree(page)
    report = make_report()
    for requirement in report.requirements:
        assert f'id="{requirement.id}"' in page
    assert report.run.reproduce in page and "TT 22/2019/TT-BTTTT — Điều 5" in page
    assert root.get_element_by_id("failing").xpath(".//a/@href") == ["#TT22-D5-AUTH"]
    assert LONG_NODEID in text(root.get_element_by_id("other-tests"))
    artefacts = root.get_element_by_id("artefacts")
    assert artefacts.xpath(".//a/@href") == list(ARTEFACTS) and HASH in text(artefacts)
    defects = render(make_report(reference_defects=("dates-iso",)))
    assert "This report certifies nothing" in defects and "không chứng nhận" in defects


_VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}
_BLOCK = {"div", "p", "ul", "ol", "table", "pre", "details", "section", "h1", "h2", "h3", "footer", "li", "tr", "td"}


class _Nesting(HTMLParser):
    """Every element closed in order, and no block element inside a <p> (a browser would close the <p> early)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if tag in _BLOCK and "p" in self.stack:
            self.errors.append(f"<{tag}> inside <p> at line {self.getpos()[0]}")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> at line {self.getpos()[0]}")
            return
        self.stack.pop()


def test_the_markup_is_well_nested() -> None:
    for report in (make_report(), make_report(root_causes=(), attested=(), load_result={}, key_fingerprint="")):
        checker = _Nesting()
        checker.feed(render(report))
        checker.close()
        assert checker.errors == [] and checker.stack == []


# --- layout -----------------------------------------------------------------------------------------------------------


def test_the_css_has_a_print_block_and_a_narrow_screen_reflow() -> None:
    css = style(render())
    assert re.search(r"@media print\s*{", css) and re.search(r"@media[^{]*max-width:\s*700px", css)
    assert "overflow-wrap: anywhere" in css and "break-inside: avoid" in css and "attr(data-label)" in css
    print_block = css[css.index("@media print") :]
    assert "print-header" in print_block and "details-content" in print_block
    root = tree(render())
    assert root.xpath("//p[@class='print-header']//code")[0].text == "20250102T030405Z-3f9a"
    for table in root.xpath("//table[contains(@class, 'rf') and not(contains(@class, 'meta'))]"):
        for cell in table.xpath("./tbody/tr/td"):
            assert cell.get("data-label"), "a reflowed cell needs its caption"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
# headless Chromium keeps its window at least 500 px wide: the page goes in a 390 px iframe (srcdoc: same origin, so
# the probe can read it); its media queries see the iframe's width. The probe exists in this test's copy only.
PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="phone" style="width:390px;height:900px;border:0;display:block" srcdoc="{page}"></iframe>
<script>window.addEventListener("load", () => {{
  const doc = document.getElementById("phone").contentDocument, out = document.createElement("p");
  const root = doc.documentElement;
  out.textContent = "scrollWidth=" + root.scrollWidth + " clientWidth=" + root.clientWidth;
  document.body.appendChild(out);
}});</script></body></html>"""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH")
def test_a_390px_phone_does_not_scroll_sideways(tmp_path: Path) -> None:
    probe = tmp_path / "probe.html"
    probe.write_text(PROBE.format(page=escape(render(), quote=True)), encoding="utf-8")
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=500,1000"]
    command = [CHROMIUM, *flags, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    command += ["--dump-dom", probe.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False).stdout
    found = re.search(r"scrollWidth=(\d+) clientWidth=(\d+)", dom)
    assert found, dom[-2000:]
    assert int(found.group(2)) == 390 and int(found.group(1)) <= 390
