"""certificate.pdf: one A4 page, Vietnamese read back exactly, the verdict, the run, the key, and the warnings."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from harness.reporting._certificate import (
    CERTIFIES_NOTHING_EN,
    CERTIFIES_NOTHING_VI,
    FONTS,
    PER_RUN_KEY_EN,
    PER_RUN_KEY_VI,
    render_certificate,
    vietnam_time,
)
from harness.reporting.model import Overall, Report, Verdict
from tests.reporting._factory import FINGERPRINT, RUN_ID, SUT_NAME, make_report

A4_POINTS = (595.28, 841.89)
LONG_NAME = "Cổng Dịch vụ công và Hệ thống thông tin một cửa điện tử tập trung của Ủy ban nhân dân tỉnh Thanh Hóa " * 6
THIRTY_REASONS = tuple(
    f"{n} yêu cầu cần cán bộ có thẩm quyền xác nhận bằng văn bản / {n} attestations pending, a certifier must attach "
    "the documents listed for each of them"
    for n in range(1, 31)
)


def render(tmp_path: Path, report: Report) -> PdfReader:
    path = tmp_path / "certificate.pdf"
    render_certificate(report, path)
    return PdfReader(path)


def text_of(reader: PdfReader) -> str:
    """The page's text, whitespace collapsed (a wrapped value reads with a space where the line broke)."""
    return " ".join(reader.pages[0].extract_text().split())


def pdf_text(tmp_path: Path, **overrides: Any) -> str:
    reader = render(tmp_path, make_report(**overrides))
    assert len(reader.pages) == 1
    return text_of(reader)


def test_one_a4_page_with_the_system_profile_run_and_key(tmp_path: Path) -> None:
    reader = render(tmp_path, make_report())
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=0.5)
    text = text_of(reader)
    assert "GIẤY CHỨNG NHẬN KẾT QUẢ KIỂM THỬ SỰ PHÙ HỢP" in text
    assert "Conformance test certificate" in text
    assert SUT_NAME in text
    assert "https://dichvucong.thanhhoa.gov.vn" in text
    assert "tt22-2019" in text
    assert "TT 22/2019/TT-BTTTT with QCVN 120:2019, NĐ 61/2018 and TT 01/2018" in text
    assert RUN_ID in text
    assert f"{FINGERPRINT} (ES256)" in text
    assert "1375902617" in text
    assert "0.1.0" in text


def test_the_system_name_reads_back_with_its_diacritics_exactly(tmp_path: Path) -> None:
    lines = render(tmp_path, make_report()).pages[0].extract_text().splitlines()
    assert "Cổng Dịch vụ công tỉnh Thanh Hóa" in [line.strip() for line in lines]


def test_decomposed_vietnamese_is_written_precomposed_and_unknown_glyphs_as_question_marks(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", SUT_NAME)
    assert decomposed != SUT_NAME
    text = pdf_text(tmp_path, sut_name=f"{decomposed} 漢")
    assert f"{SUT_NAME} ?" in text


@pytest.mark.parametrize("overall", list(Overall))
def test_the_overall_verdict_in_both_languages(tmp_path: Path, overall: Overall) -> None:
    text = pdf_text(tmp_path, overall=overall)
    assert f"{overall.label_vi} {overall.label_en}" in text
    others = {o.label_en for o in Overall} - {overall.label_en}
    assert not [label for label in others if re.search(rf"(?<![A-Z ]){label}\b", text)]


def test_the_shall_counts_per_verdict_and_the_totals(tmp_path: Path) -> None:
    shall = {v.value: 10 + i for i, v in enumerate(Verdict)}
    text = pdf_text(tmp_path, shall=shall)
    for verdict in Verdict:
        assert f"{shall[verdict.value]} {verdict.label_vi} {verdict.label}" in text
    total = sum(shall.values())
    assert f"Tổng số yêu cầu: 9 (bắt buộc: {total}) · Số bài kiểm thử: 7" in text
    assert f"Requirements: 9 (SHALL: {total}) · Tests: 7" in text


def test_the_reasons(tmp_path: Path) -> None:
    text = pdf_text(tmp_path)
    assert "• 1 yêu cầu cần xác nhận / 1 attestation pending" in text
    assert "• 1 yêu cầu chưa kiểm tra / 1 requirement not tested" in text
    assert "more, see report.html" not in text


def test_dates_in_vietnam_time_and_iso(tmp_path: Path) -> None:
    text = pdf_text(tmp_path)
    assert "02/01/2025 10:04 (giờ Việt Nam) · 2025-01-02T03:04:05+00:00" in text
    assert "02/01/2025 10:19 (giờ Việt Nam) · 2025-01-02T03:19:47+00:00" in text


def test_vietnam_time() -> None:
    assert vietnam_time("2025-12-31T17:30:00+00:00") == "01/01/2026 00:30"
    assert vietnam_time("2025-12-31T17:30:00") == "01/01/2026 00:30"  # naive: UTC
    assert vietnam_time("2026-01-01T00:30:00+07:00") == "01/01/2026 00:30"
    assert vietnam_time("") == ""


def test_a_per_run_key_is_said_not_to_be_an_authoritys_signature(tmp_path: Path) -> None:
    text = pdf_text(tmp_path, authority=False)
    assert PER_RUN_KEY_VI in text
    assert PER_RUN_KEY_EN in text


def test_an_authority_key_has_no_per_run_statement(tmp_path: Path) -> None:
    text = pdf_text(tmp_path, authority=True)
    assert FINGERPRINT in text
    assert "khóa tạm thời" not in text
    assert "per-run key" not in text


def test_where_the_full_report_is_and_how_to_verify_it(tmp_path: Path) -> None:
    text = pdf_text(tmp_path)
    assert "Báo cáo đầy đủ: report.html và report.json" in text
    assert "dvc-harness verify <thư mục>" in text
    assert "Check the signature and integrity with: dvc-harness verify <dir>" in text


def test_a_full_run_does_not_say_it_certifies_nothing(tmp_path: Path) -> None:
    text = pdf_text(tmp_path)
    assert CERTIFIES_NOTHING_VI not in text
    assert CERTIFIES_NOTHING_EN not in text


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"reference_defects": ("dates-iso", "sync-drop")}, "cổng tham chiếu với lỗi cài sẵn: dates-iso, sync-drop"),
        ({"selection": ("FMT-DATETIME",)}, "Lần chạy một phần (--select FMT-DATETIME)"),
    ],
    ids=["self-test", "partial"],
)
def test_a_self_test_or_partial_run_certifies_nothing(tmp_path: Path, overrides: dict[str, Any], why: str) -> None:
    text = pdf_text(tmp_path, overall=Overall.PASS, **overrides)
    assert f"{CERTIFIES_NOTHING_VI} / This run {CERTIFIES_NOTHING_EN}" in text
    assert why in text
    # the banner comes before the system and the verdict
    assert text.index(CERTIFIES_NOTHING_VI) < text.index("HỆ THỐNG ĐƯỢC KIỂM THỬ") < text.index("ĐẠT PASS")


def test_a_long_name_and_thirty_reasons_stay_on_one_page_above_the_footer(tmp_path: Path) -> None:
    report = make_report(
        sut_name=LONG_NAME,
        sut={"sut": {"base_url": "https://" + "dichvucong-thanhhoa-" * 30 + ".gov.vn"}},
        profile_title="TT 22/2019/TT-BTTTT with QCVN 120:2019, NĐ 61/2018 and TT 01/2018 " * 8,
        reasons=THIRTY_REASONS,
        reference_defects=("dates-iso",),
        selection=tuple(f"TT22-D9-PL5-{n}" for n in range(40)),
    )
    reader = render(tmp_path, report)
    assert len(reader.pages) == 1
    text = text_of(reader)
    assert text.count("…") >= 3  # the name, the URL and the profile title were cut
    assert LONG_NAME.strip() not in text
    assert "Cổng Dịch vụ công và Hệ thống thông tin một cửa điện tử" in text
    assert THIRTY_REASONS[0] in text
    assert THIRTY_REASONS[29] not in text
    assert "… và 26 lý do khác, xem report.html / … and 26 more, see report.html" in text
    for kept in (RUN_ID, FINGERPRINT, PER_RUN_KEY_EN, CERTIFIES_NOTHING_VI, "ĐẠT CÓ ĐIỀU KIỆN"):
        assert kept in text

    footer = ("Báo cáo đầy đủ", "Kiểm tra chữ ký", "Full report", "Check the signature", "<dir>", "mục>")
    baselines: list[tuple[float, str]] = []

    def visit(chunk: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if chunk.strip():
            baselines.append((tm[5] * cm[3] + cm[5], chunk.strip()))

    reader.pages[0].extract_text(visitor_text=visit)
    lowest_flow = min(y for y, chunk in baselines if not chunk.startswith(footer))
    highest_footer = max(y for y, chunk in baselines if chunk.startswith(footer))
    assert lowest_flow > highest_footer + 10  # points: the flow ends above the footer's rule
    assert min(y for y, _ in baselines) > 0


def test_the_same_report_gives_the_same_bytes(tmp_path: Path) -> None:
    """certificate.pdf is in the signed manifest: a re-render must not change it."""
    report = make_report()
    render_certificate(report, tmp_path / "a.pdf")
    render_certificate(report, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_the_fonts_are_embedded_subsets_with_a_unicode_map(tmp_path: Path) -> None:
    reader = render(tmp_path, make_report())
    resources: Any = reader.pages[0]["/Resources"]
    fonts = [font.get_object() for font in resources["/Font"].values()]
    assert sorted(str(font["/BaseFont"]).split("+")[1] for font in fonts) == ["DejaVuSansBold", "DejaVuSansBook"]
    assert all("/ToUnicode" in font for font in fonts)
    assert (tmp_path / "certificate.pdf").stat().st_size < 100_000


def test_the_bundled_fonts_are_small_and_licensed() -> None:
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert (FONTS / name).stat().st_size < 150_000
    licence = (FONTS / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera Fonts Copyright" in licence
    assert "Arev Fonts Copyright" in licence
