"""certificate.pdf: the run on one A4 page, Vietnamese first and English beside it in smaller type.

The page summarises report.json (which stays the document of record): the system under test, the profile, the
overall verdict, the SHALL counts and reasons, the run and the signing key. Every value has a line budget and
is cut with "…" beyond it; should the page still overflow, it is drawn again smaller, so it is always one page.

Fonts: fpdf2's core fonts are latin-1, so the page uses DejaVu Sans (regular, bold), bundled in `fonts/` as
subsets (Latin, Vietnamese, punctuation, a few symbols; licence in `fonts/LICENSE-DejaVu.txt`), made from the
DejaVu 2.37 files of Debian's fonts-dejavu-core with fontTools:

    U="U+0020-007E,U+00A0-00FF,U+0100-017F,U+0180-024F,U+0300-036F,U+1E00-1EFF,U+2000-206F,U+20A0-20CF"
    U="$U,U+2116,U+2122,U+2190-2193,U+2212,U+2713,U+2717"
    for f in DejaVuSans DejaVuSans-Bold; do
      pyftsubset /usr/share/fonts/truetype/dejavu/$f.ttf --unicodes="$U" --no-hinting \\
        --layout-features='*' --name-IDs='*' --name-languages='*' --output-file=harness/reporting/fonts/$f.ttf
    done

fpdf2 subsets them again into the PDF, with a ToUnicode map (text can be searched and extracted).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.fonts import TTFFont

from harness.reporting.model import Overall, Report, Verdict

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"

PER_RUN_KEY_VI = "Chữ ký bằng khóa tạm thời của lần chạy, không phải chữ ký của cơ quan có thẩm quyền"
PER_RUN_KEY_EN = "Signed with a per-run key: not an authority's signature"
CERTIFIES_NOTHING_VI = "KHÔNG CÓ GIÁ TRỊ CHỨNG NHẬN"
CERTIFIES_NOTHING_EN = "certifies nothing"

_PAGE_W, _PAGE_H = 210.0, 297.0
_MARGIN = 16.0
_WIDTH = _PAGE_W - 2 * _MARGIN
_FOOTER_H = 19.0
_SCALES = (1.0, 0.92, 0.85, 0.78, 0.72, 0.66, 0.6)
_MAX_REASONS = 5
_PT = 25.4 / 72  # mm per point

Rgb = tuple[int, int, int]
_INK: Rgb = (25, 25, 25)
_MUTED: Rgb = (95, 95, 95)
_RULE: Rgb = (190, 190, 190)
_WARN: Rgb = (165, 20, 20)
_COLOURS: dict[Overall, tuple[Rgb, Rgb]] = {  # (ink, fill)
    Overall.PASS: ((20, 110, 50), (232, 245, 236)),
    Overall.FAIL: ((170, 25, 25), (251, 233, 233)),
    Overall.CONDITIONAL: ((160, 95, 0), (253, 243, 224)),
}
_VOID: tuple[Rgb, Rgb] = ((90, 90, 90), (238, 238, 238))


def render_certificate(report: Report, path: Path) -> None:
    """Write the one-page certificate of `report` to `path`."""
    for scale in _SCALES:
        page = _Page(report, scale)
        if page.draw() and page.pdf.pages_count == 1:
            break
    # every value has a line budget: with all of them spent (widest glyphs) the page fits at 0.78 of full size
    page.pdf.output(str(path))


def vietnam_time(iso: str) -> str:
    """`2025-01-02T03:04:05+00:00` → `02/01/2025 10:04` (Asia/Ho_Chi_Minh); naive times are taken as UTC."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_vietnam()).strftime("%d/%m/%Y %H:%M")


def _vietnam() -> tzinfo:
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:  # no tz database (e.g. Windows without tzdata): UTC+7 since 1975
        return timezone(timedelta(hours=7), "ICT")


def _base_url(sut: Mapping[str, object]) -> str:
    section = sut.get("sut")
    value = section.get("base_url") if isinstance(section, Mapping) else None
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class _Notice:
    vi: str
    en: str


def _void_notices(report: Report) -> tuple[_Notice, ...]:
    """Why this run certifies nothing: a self-test against the reference portal, or a partial (`--select`) run."""
    run = report.run
    notices = []
    if run.reference_defects:
        notices.append(
            _Notice(
                f"Lần chạy tự kiểm thử (cổng tham chiếu với lỗi cài sẵn: {', '.join(run.reference_defects)})",
                "Self-test run against the reference portal with injected defects",
            )
        )
    if run.selection:
        notices.append(
            _Notice(
                f"Lần chạy một phần (--select {', '.join(run.selection)})",
                "Partial run: only the selected requirements were tested",
            )
        )
    return tuple(notices)


class _Page:
    """One drawing of the certificate at one scale of type and spacing."""

    def __init__(self, report: Report, scale: float) -> None:
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.report = report
        self.scale = scale
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        self.pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.pdf.set_font(FONT, "", 10)
        font = self.pdf.current_font
        self._glyphs = frozenset(font.cmap) if isinstance(font, TTFFont) else frozenset()
        run = report.run
        self.pdf.set_title(f"Giấy chứng nhận kết quả kiểm thử / Conformance test certificate · {run.sut_name}")
        self.pdf.set_subject(f"{run.profile} {run.run_id}")
        self.pdf.set_creator(f"dvc-harness {run.harness_version}")
        self.pdf.set_producer("dvc-harness (fpdf2)")
        self.pdf.set_lang("vi")
        try:
            created = datetime.fromisoformat(run.finished_at)
            self.pdf.set_creation_date(created if created.tzinfo else created.replace(tzinfo=UTC))
        except ValueError:
            pass
        self.pdf.add_page()

    # -- text primitives ------------------------------------------------------------------------------------

    def clean(self, text: str) -> str:
        """NFC (precomposed Vietnamese: no shaping engine here), one line, glyphs outside the fonts as `?`."""
        text = " ".join(unicodedata.normalize("NFC", text).split())
        return "".join(c if ord(c) in self._glyphs or not self._glyphs else "?" for c in text)

    def style(self, size: float, bold: bool = False, colour: Rgb = _INK) -> None:
        self.pdf.set_font(FONT, "B" if bold else "", size * self.scale)
        self.pdf.set_text_color(*colour)

    def lines(self, text: str, width: float, max_lines: int) -> list[str]:
        """`text` wrapped to `width` in the current font, cut to `max_lines` with an ellipsis."""
        text = self.clean(text)
        if not text:
            return []
        wrapped = self.pdf.multi_cell(width, text=text, align="L", dry_run=True, output=MethodReturnValue.LINES)
        lines = [str(line) for line in cast("list[str]", wrapped)]
        if len(lines) > max_lines:
            last = lines[max_lines - 1].rstrip()
            while last and self.pdf.get_string_width(last + " …") > width:
                last = last[:-1].rstrip()
            lines = [*lines[: max_lines - 1], f"{last} …" if last else "…"]
        return lines

    def text_block(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: Rgb = _INK,
        x: float = _MARGIN,
        width: float = _WIDTH,
        max_lines: int = 1,
        align: str = "L",
        leading: float = 1.25,
    ) -> None:
        """Wrapped text from the current y at `x`; y moves below it."""
        self.style(size, bold, colour)
        height = size * self.scale * _PT * leading
        for line in self.lines(text, width, max_lines):
            self.pdf.set_xy(x, self.pdf.get_y())
            self.pdf.cell(width, height, line, align=align)
            self.pdf.set_y(self.pdf.get_y() + height)

    def run_of(self, parts: list[tuple[str, float, bool, Rgb]], x: float, height: float) -> None:
        """Pieces of differing type on one line, a space apart (no wrapping: each piece is short)."""
        self.pdf.set_x(x)
        for index, (text, size, bold, colour) in enumerate(parts):
            self.style(size, bold, colour)
            if index:
                self.pdf.set_x(self.pdf.get_x() + self.pdf.get_string_width(" "))
            cleaned = self.clean(text)
            self.pdf.cell(self.pdf.get_string_width(cleaned), height, cleaned)

    def gap(self, mm: float) -> None:
        self.pdf.set_y(self.pdf.get_y() + mm * self.scale)

    def rule(self) -> None:
        self.pdf.set_draw_color(*_RULE)
        self.pdf.set_line_width(0.2)
        self.pdf.line(_MARGIN, self.pdf.get_y(), _MARGIN + _WIDTH, self.pdf.get_y())

    def heading(self, vi: str, en: str) -> None:
        height = 10.5 * self.scale * _PT
        self.run_of([(vi.upper(), 8.5, True, _MUTED), (f"· {en}", 7.5, False, _MUTED)], _MARGIN, height)
        self.pdf.set_y(self.pdf.get_y() + height * 1.3)

    # -- the page -------------------------------------------------------------------------------------------

    def draw(self) -> bool:
        """Draw the page; False when the flow ran into the footer (draw again smaller)."""
        self.pdf.set_y(_MARGIN)
        self.title_block()
        notices = _void_notices(self.report)
        if notices:
            self.void_banner(notices)
        self.subject()
        self.verdict_box(bool(notices))
        self.counts()
        self.reasons()
        self.details()
        fits = self.pdf.get_y() <= _PAGE_H - _MARGIN - _FOOTER_H
        self.footer_block()
        return fits

    def title_block(self) -> None:
        banner = "Kiểm thử tự động bằng dvc-harness / Automated testing with dvc-harness"
        self.text_block(banner, 8, colour=_MUTED, align="C")
        self.gap(1.5)
        self.text_block("GIẤY CHỨNG NHẬN KẾT QUẢ KIỂM THỬ SỰ PHÙ HỢP", 16, bold=True, align="C", max_lines=2)
        self.text_block("Conformance test certificate", 11, colour=_MUTED, align="C")
        self.gap(3)
        self.rule()
        self.gap(3)

    def void_banner(self, notices: tuple[_Notice, ...]) -> None:
        top = self.pdf.get_y()
        inner = _WIDTH - 8
        self.pdf.set_y(top + 2.5 * self.scale)
        self.text_block(
            f"{CERTIFIES_NOTHING_VI} / This run {CERTIFIES_NOTHING_EN}",
            12,
            bold=True,
            colour=_WARN,
            x=_MARGIN + 4,
            width=inner,
            align="C",
            max_lines=2,
        )
        for notice in notices:
            self.text_block(notice.vi, 9, colour=_WARN, x=_MARGIN + 4, width=inner, align="C", max_lines=2)
            self.text_block(notice.en, 7.5, colour=_WARN, x=_MARGIN + 4, width=inner, align="C")
        bottom = self.pdf.get_y() + 2.5 * self.scale
        self.pdf.set_draw_color(*_WARN)
        self.pdf.set_line_width(0.8)
        self.pdf.rect(_MARGIN, top, _WIDTH, bottom - top)
        self.pdf.set_y(bottom)
        self.gap(4)

    def subject(self) -> None:
        run = self.report.run
        self.heading("Hệ thống được kiểm thử", "System under test")
        self.text_block(run.sut_name or "(không có tên / unnamed)", 13, bold=True, max_lines=3)
        url = _base_url(run.sut)
        if url:
            self.text_block(url, 9, colour=_MUTED, max_lines=2)
        self.gap(3)
        self.heading("Bộ yêu cầu áp dụng", "Regulation profile")
        self.text_block(run.profile_title or run.profile, 10.5, bold=True, max_lines=2)
        self.text_block(f"Mã hồ sơ yêu cầu / Profile ID: {run.profile}", 8.5, colour=_MUTED, max_lines=2)
        self.gap(4)

    def verdict_box(self, void: bool) -> None:
        verdict = self.report.verdict
        ink, fill = _VOID if void else _COLOURS.get(verdict.overall, _VOID)
        top = self.pdf.get_y()
        height = (31 if void else 27) * self.scale
        self.pdf.set_fill_color(*fill)
        self.pdf.set_draw_color(*ink)
        self.pdf.set_line_width(0.8)
        self.pdf.rect(_MARGIN, top, _WIDTH, height, style="DF")
        self.pdf.set_y(top + 3 * self.scale)
        self.text_block("KẾT QUẢ CHUNG / Overall verdict", 8.5, colour=_MUTED, align="C")
        self.text_block(verdict.label_vi, 26, bold=True, colour=ink, align="C", max_lines=1, leading=1.2)
        self.text_block(verdict.label_en, 12, bold=True, colour=ink, align="C")
        if void:
            self.text_block(f"({CERTIFIES_NOTHING_VI.lower()} / {CERTIFIES_NOTHING_EN})", 8, colour=ink, align="C")
        self.pdf.set_y(max(self.pdf.get_y(), top + height))
        self.gap(4)

    def counts(self) -> None:
        report = self.report
        self.heading("Yêu cầu bắt buộc (SHALL) theo kết quả", "SHALL requirements by verdict")
        columns = 4
        cell_w = _WIDTH / columns
        row_h = 13.5 * self.scale
        for index, verdict in enumerate(Verdict):
            row, column = divmod(index, columns)
            x = _MARGIN + column * cell_w
            y0 = self.pdf.get_y() + row * row_h
            count = int(report.verdict.shall.get(verdict.value, 0))
            self.pdf.set_xy(x, y0)
            self.style(13, bold=True, colour=_INK if count else _MUTED)
            self.pdf.cell(cell_w, 13 * self.scale * _PT * 1.15, str(count))
            self.pdf.set_y(y0 + 13 * self.scale * _PT * 1.15)
            self.text_block(verdict.label_vi, 8, x=x, width=cell_w - 2)
            self.text_block(verdict.label, 7, colour=_MUTED, x=x, width=cell_w - 2)
            self.pdf.set_y(y0 - row * row_h)
        rows = -(-len(Verdict) // columns)
        self.pdf.set_y(self.pdf.get_y() + rows * row_h)
        totals = report.totals
        shall = sum(int(n) for n in report.verdict.shall.values())
        self.text_block(
            f"Tổng số yêu cầu: {totals.requirements} (bắt buộc: {shall}) · Số bài kiểm thử: {totals.tests}",
            9,
            max_lines=2,
        )
        self.text_block(
            f"Requirements: {totals.requirements} (SHALL: {shall}) · Tests: {totals.tests}", 7.5, colour=_MUTED
        )
        self.gap(3.5)

    def reasons(self) -> None:
        reasons = [r for r in self.report.verdict.reasons if r.strip()]
        if not reasons:
            return
        self.heading("Lý do", "Reasons")
        shown = reasons if len(reasons) <= _MAX_REASONS else reasons[: _MAX_REASONS - 1]
        for reason in shown:
            self.bullet(reason)
        if len(shown) < len(reasons):
            more = len(reasons) - len(shown)
            self.bullet(f"… và {more} lý do khác, xem report.html / … and {more} more, see report.html", _MUTED)
        self.gap(3)

    def bullet(self, text: str, colour: Rgb = _INK) -> None:
        y = self.pdf.get_y()
        self.style(9, colour=colour)
        self.pdf.set_xy(_MARGIN + 1, y)
        self.pdf.cell(4, 9 * self.scale * _PT * 1.25, "•")
        self.pdf.set_y(y)
        self.text_block(text, 9, colour=colour, x=_MARGIN + 5, width=_WIDTH - 5, max_lines=2)

    def details(self) -> None:
        signing = self.report.signing
        self.rule()
        self.gap(3)
        self.heading("Thông tin lần chạy", "Run")
        for vi, en, value in self._detail_rows():
            self.detail(vi, en, value)
        self.gap(1.5)
        if not signing.authority:
            self.text_block(PER_RUN_KEY_VI, 8.5, bold=True, colour=_WARN, max_lines=2)
            self.text_block(PER_RUN_KEY_EN, 7.5, colour=_WARN)

    def _detail_rows(self) -> Iterator[tuple[str, str, str]]:
        run, signing = self.report.run, self.report.signing
        yield "Mã lần chạy", "Run ID", run.run_id
        for vi, en, iso in (("Bắt đầu", "Started", run.started_at), ("Kết thúc", "Finished", run.finished_at)):
            local = vietnam_time(iso)
            yield vi, en, f"{local} (giờ Việt Nam) · {iso}" if local else iso
        yield "Phiên bản dvc-harness", "Harness version", run.harness_version
        yield "Giá trị khởi tạo ngẫu nhiên", "Seed", str(run.seed)
        if signing.key_fingerprint:
            key = f"{signing.key_fingerprint} ({signing.algorithm})" if signing.algorithm else signing.key_fingerprint
        else:
            key = "chưa ký / not signed"
        yield "Khóa ký (vân tay)", "Signing key fingerprint", key

    def detail(self, vi: str, en: str, value: str) -> None:
        label_w = 62.0
        y = self.pdf.get_y()
        height = 9 * self.scale * _PT * 1.3
        self.run_of([(vi, 8.5, False, _INK), (f"/ {en}", 7, False, _MUTED)], _MARGIN, height)
        self.pdf.set_y(y + (height - 9 * self.scale * _PT * 1.25) / 2)
        self.text_block(value, 8.5, x=_MARGIN + label_w, width=_WIDTH - label_w, max_lines=2)
        self.pdf.set_y(max(self.pdf.get_y(), y + height))

    def footer_block(self) -> None:
        """At the foot of the page whatever the flow above: where the full report is and how to check it."""
        top = _PAGE_H - _MARGIN - _FOOTER_H + 2
        self.pdf.set_draw_color(*_RULE)
        self.pdf.set_line_width(0.2)
        self.pdf.line(_MARGIN, top, _MARGIN + _WIDTH, top)
        self.pdf.set_y(top + 1.5)
        self.text_block("Báo cáo đầy đủ: report.html và report.json, trong cùng thư mục với tệp này.", 8)
        self.text_block("Kiểm tra chữ ký và tính toàn vẹn bằng lệnh: dvc-harness verify <thư mục>", 8)
        self.text_block(
            "Full report: report.html and report.json, in the same directory as this file. "
            "Check the signature and integrity with: dvc-harness verify <dir>",
            7,
            colour=_MUTED,
            max_lines=2,
        )
