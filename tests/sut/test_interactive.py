"""Interactive mode: the step model, the two operator front ends, the loopback relay and `InteractiveDriver`
(with a scripted operator and a fake national evidence that "receives" the SUT's sync when the step is done)."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from harness.core.errors import UsageError
from harness.sut import AttachedFile, DossierRef, DossierRequest, SutDriver, SutRequestRejected
from harness.sut._interactive import ExchangeNotObserved, InteractiveDriver
from harness.sut._operator import JsonlOperator, Operator, TerminalOperator
from harness.sut._relay import OperatorRelay, RemoteOperator
from harness.sut._steps import (
    Answer,
    OperatorGone,
    OperatorProtocolError,
    Step,
    StepCannot,
    action_step,
    create_dossier_step,
    payment_step,
)

CCCD = "038090001234"
NAME = "Nguyễn Văn An"
REQUEST = DossierRequest(
    procedure_code="1.001193",
    channel="2",
    applicant=NAME,
    applicant_type="1",
    id_number=CCCD,
    phone="0912345678",
    email="an@example.vn",
    summary="Đề nghị giải quyết thủ tục 1.001193 cho Nguyễn Văn An",
    files=(AttachedFile("to-khai.pdf", b"%PDF-1.4 to khai"), AttachedFile("../anh.jpg", b"JPEG")),
)
STEP = Step("step-1", ("TT22-D3-K4",), "Tiếp nhận hồ sơ H1", "Receive dossier H1", {"MaHoSo": "H1"})
STEP_KEYS = {"type", "id", "requirement_ids", "text_vi", "text_en", "data"}
NATIONAL = "http://127.0.0.1:9/dvcqg"


# --- Answer.parse ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("not json at all", "the answer to step-1 is not JSON: 'not json at all'"),
        ("", "the answer to step-1 is not JSON: an empty line"),
        ('["done"]', "the answer to step-1 must be a JSON object, got array"),
        ('"done"', "the answer to step-1 must be a JSON object, got string"),
        ('{"status": "done"}', 'the answer to step-1 lacks "id": expected "id": "step-1"'),
        (
            '{"id": "step-2", "status": "done"}',
            "names step string \"step-2\": the step waiting for an answer is 'step-1'",
        ),
        ('{"id": 1, "status": "done"}', "names step integer 1: the step waiting for an answer is 'step-1'"),
        ('{"id": "step-1", "status": "maybe"}', 'status must be "done" or "cannot", got string "maybe"'),
        ('{"id": "step-1"}', 'status must be "done" or "cannot", got nothing'),
        ('{"id": "step-1", "status": "done", "note": 5}', "note must be a string, got integer 5"),
        ('{"id": "step-1", "status": "done", "note": null}', "note must be a string, got null"),
        ('{"id": "step-1", "status": "done", "reason": "x"}', "unknown key(s) 'reason'"),
        ('{"type": "step", "id": "step-1", "status": "done"}', "type string \"step\"; an answer's type is 'answer'"),
    ],
)
def test_a_bad_answer_is_one_clear_line_without_a_traceback(line: str, expected: str) -> None:
    with pytest.raises(OperatorProtocolError) as caught:
        Answer.parse(line + "\n", "step-1")
    message = str(caught.value)
    assert expected in message
    assert message.startswith("the answer to step-1")
    assert "\n" not in message
    assert isinstance(caught.value, UsageError) and caught.value.exit_code == 2
    error = caught.value  # raised with no chained exception: the CLI shows one line, no traceback
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_good_answers_parse() -> None:
    assert Answer.parse('{"id": "step-1", "status": "done"}', "step-1") == Answer("step-1", "done", "")
    said = '{"type": "answer", "id": "step-1", "status": "cannot", "note": " Không có quyền "}'
    assert Answer.parse(said, "step-1") == Answer("step-1", "cannot", "Không có quyền")
    assert Answer("step-1", "done", "").to_json() == {"id": "step-1", "status": "done", "note": ""}


def test_step_json_has_exactly_the_documented_keys_and_round_trips() -> None:
    data = STEP.to_json()
    assert set(data) == STEP_KEYS
    assert data["type"] == "step" and data["requirement_ids"] == ["TT22-D3-K4"]
    assert Step.from_json(json.loads(json.dumps(data))) == STEP
    with pytest.raises(ValueError, match="step id"):
        Step("step 1\n", (), "a", "b", {})


# --- builders --------------------------------------------------------------------------------------------------


def test_the_create_step_gives_the_data_to_type_and_writes_the_files(tmp_path: Path) -> None:
    step = create_dossier_step(REQUEST, "step-4", attachments_dir=tmp_path, requirement_ids=("R-1",))
    data = step.data
    assert step.id == "step-4" and step.requirement_ids == ("R-1",)
    assert data["MaTTHC"] == "1.001193" and data["KenhThucHien"] == "2" and data["TenKenhThucHien"] == "Trực tuyến"
    assert data["ChuHoSo"] == NAME and data["SoDinhDanh"] == CCCD and data["TenLoaiDoiTuong"] == "Công dân"
    assert (data["SoDienThoai"], data["Email"], data["TrichYeuHoSo"]) == (REQUEST.phone, REQUEST.email, REQUEST.summary)
    paths = [Path(path) for path in data["TepDinhKem"]]
    assert [path.name for path in paths] == ["to-khai.pdf", "anh.jpg"]  # "../" cannot escape the folder
    assert all(path.parent == (tmp_path / "step-4").resolve() for path in paths)
    assert paths[0].read_bytes() == b"%PDF-1.4 to khai"
    assert "trực tuyến" in step.text_vi and CCCD in step.text_vi and CCCD in step.text_en
    counter = create_dossier_step(
        DossierRequest(**{**_fields(REQUEST), "channel": "1", "files": ()}), "step-5", attachments_dir=tmp_path
    )
    assert counter.data["TenKenhThucHien"] == "Tại bộ phận một cửa" and counter.data["TepDinhKem"] == []
    assert "bộ phận một cửa" in counter.text_vi
    postal = DossierRequest(**{**_fields(REQUEST), "channel": "3", "files": ()})
    assert create_dossier_step(postal, "s", attachments_dir=tmp_path).data["TenKenhThucHien"] == (
        "Qua dịch vụ bưu chính công ích"
    )


def test_a_file_name_too_long_for_the_disk_is_written_short_and_named_in_the_step(tmp_path: Path) -> None:
    long_name = "Đơn đề nghị " * 40 + ".pdf"  # about 600 bytes in UTF-8: more than a file system holds
    request = DossierRequest(**{**_fields(REQUEST), "files": (AttachedFile(long_name, b"%PDF-1.4"),)})
    step = create_dossier_step(request, "step-9", attachments_dir=tmp_path)
    (written,) = step.data["TepDinhKem"]
    assert Path(written).name == "tep-1.pdf" and Path(written).read_bytes() == b"%PDF-1.4"
    assert step.data["TenTepDinhKem"] == [long_name]


def test_action_and_payment_steps_name_the_action_in_vietnamese() -> None:
    step = action_step("H1", "reject", "Hồ sơ không thuộc thẩm quyền giải quyết", None, "step-2")
    assert step.data == {
        "MaHoSo": "H1",
        "ThaoTac": "reject",
        "TenThaoTac": "Từ chối hồ sơ",
        "LyDo": "Hồ sơ không thuộc thẩm quyền giải quyết",
    }
    assert "«Từ chối hồ sơ»" in step.text_vi and "Hồ sơ không thuộc thẩm quyền giải quyết" in step.text_vi
    fee = action_step("H1", "request_fee", None, 50_000, "step-3", officer="Lê Thị Mai")
    assert fee.data["TenThaoTac"] == "Yêu cầu nộp phí, lệ phí" and fee.data["SoTien"] == 50_000
    assert "50.000 đồng" in fee.text_vi and "50,000 VND" in fee.text_en and fee.data["NguoiXuLy"] == "Lê Thị Mai"
    names = {action: action_step("H", action, None, None, "s").data["TenThaoTac"] for action in ("receive", "stop")}
    assert names == {"receive": "Tiếp nhận hồ sơ", "stop": "Dừng xử lý"}
    pay = payment_step("H1", 50_000, "step-9")
    assert pay.data == {"MaHoSo": "H1", "SoTien": 50_000} and "KHÔNG" in pay.text_vi


# --- JsonlOperator ---------------------------------------------------------------------------------------------


def test_jsonl_operator_writes_the_step_and_reads_the_answer() -> None:
    out = io.StringIO()
    answers = io.StringIO(
        '\n  \n{"id": "step-1", "status": "done"}\n{"id": "step-2", "status": "cannot", "note": "x"}\n'
    )
    operator = JsonlOperator(answers, out)
    assert operator.ask(STEP) == Answer("step-1", "done", "")
    second = Step("step-2", (), "vi", "en", {})
    assert operator.ask(second) == Answer("step-2", "cannot", "x")
    operator.result("step-1", {"outcome": "observed", "id": "ignored", "MaHoSo": "H1"})
    operator.end(0)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert set(lines[0]) == STEP_KEYS and lines[0] == STEP.to_json()
    assert lines[1]["id"] == "step-2"
    assert lines[2] == {"type": "result", "id": "step-1", "outcome": "observed", "MaHoSo": "H1"}
    assert lines[3] == {"type": "end", "exit_code": 0}
    assert "Tiếp nhận" in out.getvalue()  # UTF-8, not \u escapes


def test_jsonl_operator_eof_means_the_operator_is_gone() -> None:
    with pytest.raises(OperatorGone, match=r"^the operator's input closed during step step-1$"):
        JsonlOperator(io.StringIO("\n"), io.StringIO()).ask(STEP)


def test_jsonl_operator_rejects_an_answer_to_another_step() -> None:
    operator = JsonlOperator(io.StringIO('{"id": "step-7", "status": "done"}\n'), io.StringIO())
    with pytest.raises(OperatorProtocolError, match="the step waiting for an answer is 'step-1'"):
        operator.ask(STEP)


# --- TerminalOperator ------------------------------------------------------------------------------------------


def _console() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, width=400, force_terminal=False, color_system=None), screen


def _script(*replies: str) -> tuple[Callable[[str], str], list[str]]:
    prompts: list[str] = []
    pending = list(replies)

    def read(prompt: str) -> str:
        prompts.append(prompt)
        if not pending:
            raise EOFError
        return pending.pop(0)

    return read, prompts


def test_terminal_operator_shows_the_step_and_takes_cannot_with_a_reason(tmp_path: Path) -> None:
    console, screen = _console()
    read, prompts = _script("maybe", "c", "", "Không có tài khoản cán bộ")
    operator = TerminalOperator(console, read, total=12)
    step = create_dossier_step(REQUEST, "step-3", attachments_dir=tmp_path, requirement_ids=("TT22-D3-K4",))
    assert operator.ask(step) == Answer("step-3", "cannot", "Không có tài khoản cán bộ")
    shown = screen.getvalue()
    assert "Bước 1/12" in shown and "step-3" in shown
    assert "nộp hồ sơ trực tuyến" in shown and "submit an online dossier" in shown
    assert CCCD in shown and "Số định danh cá nhân (CCCD)" in shown and "to-khai.pdf" in shown
    assert "TT22-D3-K4" in shown
    assert "Trả lời d" in shown and "Cần nêu lý do" in shown  # the bad reply and the empty reason were re-asked
    assert len(prompts) == 4 and prompts[0].startswith("Đã làm xong?")


def test_terminal_operator_done_result_and_eof() -> None:
    console, screen = _console()
    read, _ = _script("d")
    operator = TerminalOperator(console, read)
    assert operator.ask(STEP) == Answer("step-1", "done", "")
    operator.result("step-1", {"outcome": "observed", "MaHoSo": "H1", "TrangThaiHoSo": "2"})
    operator.end(0)
    assert "Bước 1 ·" in screen.getvalue() and "✓ step-1" in screen.getvalue() and "H1" in screen.getvalue()
    with pytest.raises(OperatorGone, match="during step step-1"):
        operator.ask(STEP)  # the script is exhausted: EOFError


# --- the relay -------------------------------------------------------------------------------------------------


@pytest.fixture
def relay_of() -> Iterator[Callable[[Operator], OperatorRelay]]:
    relays: list[OperatorRelay] = []

    def start(operator: Operator) -> OperatorRelay:
        relay = OperatorRelay(operator)
        relay.start()
        relays.append(relay)
        return relay

    yield start
    for relay in relays:
        relay.close()


def test_steps_and_answers_round_trip_over_loopback_and_eof_reaches_the_child(
    relay_of: Callable[[Operator], OperatorRelay],
) -> None:
    out = io.StringIO()
    answers = '{"id": "step-1", "status": "done"}\n{"id": "step-2", "status": "cannot", "note": "không làm được"}\n'
    relay = relay_of(JsonlOperator(io.StringIO(answers), out))
    assert relay.address.startswith("127.0.0.1:")
    with RemoteOperator(relay.address, timeout_s=10) as remote:
        assert remote.ask(STEP) == Answer("step-1", "done", "")
        remote.result("step-1", {"outcome": "observed", "MaHoSo": "H1"})
        assert remote.ask(Step("step-2", (), "vi", "en", {"x": [1]})) == Answer("step-2", "cannot", "không làm được")
        assert relay.error is None
        with pytest.raises(OperatorGone, match=r"^the operator's input closed during step step-3$"):
            remote.ask(Step("step-3", (), "vi", "en", {}))
        with pytest.raises(OperatorGone, match="step-3"):  # once gone, every later message hears it
            remote.ask(Step("step-4", (), "vi", "en", {}))
    assert isinstance(relay.error, OperatorGone)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0] == STEP.to_json()
    assert lines[1] == {"type": "result", "id": "step-1", "outcome": "observed", "MaHoSo": "H1"}
    assert [line["id"] for line in lines] == ["step-1", "step-1", "step-2", "step-3"]


def test_a_protocol_error_of_the_operator_reaches_the_child(relay_of: Callable[[Operator], OperatorRelay]) -> None:
    relay = relay_of(JsonlOperator(io.StringIO('{"id": "step-9", "status": "done"}\n'), io.StringIO()))
    with RemoteOperator(relay.address, timeout_s=10) as remote, pytest.raises(OperatorProtocolError, match="'step-1'"):
        remote.ask(STEP)
    assert isinstance(relay.error, OperatorProtocolError)


def test_the_child_hears_a_lost_connection_and_a_silent_operator(
    relay_of: Callable[[Operator], OperatorRelay],
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def hang_up() -> None:  # reads the step, then closes without answering
            connection = server.accept()[0]
            with connection:
                connection.recv(65536)

        threading.Thread(target=hang_up, daemon=True).start()
        remote = RemoteOperator(f"127.0.0.1:{port}", timeout_s=5)
        with pytest.raises(OperatorGone, match="closed the connection during step step-1"):
            remote.ask(STEP)
        remote.close()
    with pytest.raises(OperatorGone, match=f"cannot reach the operator relay at 127.0.0.1:{port}"):
        RemoteOperator(f"127.0.0.1:{port}")

    release = threading.Event()

    class Silent:
        def ask(self, step: Step) -> Answer:
            release.wait(10)
            return Answer(step.id, "done")

        def result(self, step_id: str, outcome: Mapping[str, Any]) -> None: ...

        def end(self, exit_code: int) -> None: ...

    relay = relay_of(Silent())
    try:
        with (
            RemoteOperator(relay.address, timeout_s=0.2) as remote,
            pytest.raises(OperatorGone, match=r"within 0\.2 s"),
        ):
            remote.ask(STEP)
    finally:
        release.set()


# --- InteractiveDriver -----------------------------------------------------------------------------------------


class National:
    """The national mock's evidence, as `exchanges(service, since)` reads it."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def add(
        self,
        service: str,
        data: list[dict[str, Any]] | dict[str, Any],
        *,
        channel: str = "dvcqg",
        response: dict[str, Any] | None = None,
        codes: tuple[str, ...] = (),
    ) -> None:
        with self.lock:
            seq = len(self.rows) + 1
            body = data if service == "INIT" else {"service": service, "data": data}
            self.rows.append(
                {
                    "seq": seq,
                    "ts": 1_710_000_000.0 + seq,
                    "direction": "inbound",
                    "channel": channel,
                    "service": service,
                    "ma_ho_so": list(codes),
                    "status": 200,
                    "url": f"http://mock/{service}",
                    "request": {"body": body},
                    "response": {"body": response if response is not None else {"error_code": 0, "message": ""}},
                }
            )

    def sync(self, code: str, status: str, **extra: Any) -> None:
        self.add("DongBoHoSoMC", [{"MaHoSo": code, "TrangThaiHoSo": status, **extra}], codes=(code,))

    def exchanges(self, service: str | None, since: int | None) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.rows if (service is None or r["service"] == service) and r["seq"] > (since or 0)]


Reaction = Callable[[Step], Answer]


class Scripted:
    """An operator that answers each step with the next reaction (which may make the 'SUT' sync first)."""

    def __init__(self, *reactions: Reaction) -> None:
        self.reactions = list(reactions)
        self.steps: list[Step] = []
        self.results: list[tuple[str, dict[str, Any]]] = []

    def ask(self, step: Step) -> Answer:
        self.steps.append(step)
        return self.reactions.pop(0)(step)

    def result(self, step_id: str, outcome: Mapping[str, Any]) -> None:
        self.results.append((step_id, dict(outcome)))

    def end(self, exit_code: int) -> None: ...


def done(*effects: Callable[[], None]) -> Reaction:
    def react(step: Step) -> Answer:
        for effect in effects:
            effect()
        return Answer(step.id, "done")

    return react


def later(delay_s: float, effect: Callable[[], None]) -> Callable[[], None]:
    return lambda: threading.Timer(delay_s, effect).start()


def driver(operator: Operator, national: National, tmp_path: Path, wait_s: float = 5.0) -> InteractiveDriver:
    return InteractiveDriver(
        operator,
        national.exchanges,
        sync_delay_s=10,
        attachments_dir=tmp_path,
        requirement_ids=lambda: ("SYNC-STATUS-EVERY-CHANGE",),
        wait_s=wait_s,
        poll_s=0.01,
        national_url=NATIONAL,
    )


def owner(cccd: str = CCCD, name: str = NAME) -> dict[str, Any]:
    return {"ChuHoSo": name, "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": cccd}]}


def test_create_finds_the_dossier_by_cccd_among_the_syncs_after_the_step(tmp_path: Path) -> None:
    national = National()
    national.sync("OLD-1", "1", **owner())  # the same applicant, before the step: not this dossier
    operator = Scripted(
        done(
            lambda: national.sync("OTHER-1", "1", **owner("038090009999", "Trần Thị Bình")),
            lambda: national.add(  # one batch: the same CCCD under another name, then this applicant
                "DongBoHoSoMC",
                [
                    {"MaHoSo": "TYPO-1", "TrangThaiHoSo": "1", **owner(name="Nguyễn Văn Ân")},
                    {"MaHoSo": "H1", "TrangThaiHoSo": "1", **owner(name="NGUYỄN  VĂN AN")},
                ],
            ),
        )
    )
    sut = driver(operator, national, tmp_path)
    assert isinstance(sut, SutDriver)
    assert sut.create_dossier(REQUEST) == DossierRef("H1", "1")
    step = operator.steps[0]
    assert step.id == "step-1" and step.requirement_ids == ("SYNC-STATUS-EVERY-CHANGE",)
    assert step.data["SoDinhDanh"] == CCCD and Path(step.data["TepDinhKem"][0]).is_file()
    assert operator.results[0][0] == "step-1"
    assert operator.results[0][1] | {"seq": 0} == {
        "outcome": "observed",
        "service": "DongBoHoSoMC",
        "seq": 0,
        "MaHoSo": "H1",
        "TrangThaiHoSo": "1",
    }


def test_create_waits_for_a_late_sync_and_matches_the_owner_id_field(tmp_path: Path) -> None:
    national = National()
    operator = Scripted(done(later(0.15, lambda: national.sync("H2", "2", SoGiayToChuHoSo=CCCD))))
    assert driver(operator, national, tmp_path).create_dossier(REQUEST) == DossierRef("H2", "2")


def test_act_returns_the_new_status_once_it_reached_the_national_side(tmp_path: Path) -> None:
    national = National()
    operator = Scripted(
        done(lambda: national.sync("H1", "1", **owner())),
        done(
            lambda: national.add("CapNhatTienDoHoSoMC", [{"MaHoSo": "H1", "TrangThai": "1"}]),  # no change yet
            lambda: national.sync("OTHER", "2"),
            later(0.1, lambda: national.sync("H1", "2")),
        ),
        done(lambda: national.add("CapNhatTienDoHoSoMC", [{"MaHoSo": "H1", "TrangThai": "2"}, _progress("H1", "4")])),
    )
    sut = driver(operator, national, tmp_path)
    code = sut.create_dossier(REQUEST).ma_ho_so
    assert sut.act(code, "receive", officer="Lê Thị Mai") == DossierRef("H1", "2")
    assert operator.steps[1].id == "step-2" and operator.steps[1].data["TenThaoTac"] == "Tiếp nhận hồ sơ"
    assert sut.act(code, "process") == DossierRef("H1", "4")  # the newest step of a progress batch
    national.sync("H1", "4")
    view = sut.view(code)
    assert (view.ma_ho_so, view.status) == ("H1", "4")
    assert [(step.status, step.action) for step in view.history] == [
        ("1", "create"),
        ("2", "receive"),
        ("4", "process"),
    ]
    assert view.history[2].officer == "Trần Văn Cán" and view.history[2].at == "20240315103000"
    assert view.history[0].at == "20240309230001"  # the national side's receipt time, Vietnam time
    assert view.sync.acknowledged == 3 and view.sync.pending == 0 and view.sync.last_error is None


def test_a_view_waits_for_the_step_log_that_follows_the_status_change(tmp_path: Path) -> None:
    """The status change arrives in DongBoHoSoMC; its CapNhatTienDoHoSoMC (who, when) a moment later."""
    national = National()
    national.add("CapNhatTienDoHoSoMC", [_progress("OLD", "4")])  # this SUT logs its steps
    operator = Scripted(
        done(lambda: national.sync("H1", "1", **owner())),
        done(lambda: national.sync("H1", "2"), later(0.3, lambda: national.add(
            "CapNhatTienDoHoSoMC", [{**_progress("H1", "2"), "NguoiXuLy": "Lê Thị Mai"}]))),
    )  # fmt: skip
    sut = driver(operator, national, tmp_path)
    code = sut.create_dossier(REQUEST).ma_ho_so
    assert sut.act(code, "receive") == DossierRef("H1", "2")
    assert [(step.status, step.officer) for step in sut.view(code).history] == [("1", ""), ("2", "Lê Thị Mai")]


def test_act_on_a_dossier_known_only_from_the_evidence_compares_with_its_last_synced_status(tmp_path: Path) -> None:
    national = National()
    national.sync("H7", "2")  # created before this driver (another run, or by hand)
    operator = Scripted(done(lambda: national.sync("H7", "4")))
    assert driver(operator, national, tmp_path, wait_s=0.5).act("H7", "process") == DossierRef("H7", "4")


def test_nothing_arriving_is_exchange_not_observed_quickly(tmp_path: Path) -> None:
    national = National()
    operator = Scripted(done(lambda: national.sync("OTHER", "1", **owner("038090009999"))))
    started = time.monotonic()
    with pytest.raises(ExchangeNotObserved) as caught:
        driver(operator, national, tmp_path, wait_s=0.3).create_dossier(REQUEST)
    assert time.monotonic() - started < 3
    message = str(caught.value)
    assert message.startswith(f"no DongBoHoSoMC for CCCD {CCCD} ")
    assert "within 0.3 s after step-1" in message and NATIONAL in message and "none matching" in message
    assert "\n" not in message and caught.value.exit_code == 4 and caught.value.step_id == "step-1"
    assert operator.results[-1][1]["outcome"] == "not_observed"


def test_an_action_without_a_status_change_is_not_observed(tmp_path: Path) -> None:
    national = National()
    operator = Scripted(done(lambda: national.sync("H1", "2", **owner())), done(lambda: national.sync("H1", "2")))
    sut = driver(operator, national, tmp_path, wait_s=0.2)
    sut.create_dossier(REQUEST)
    with pytest.raises(ExchangeNotObserved, match=r"changing the status of H1 \(from 2\) after «process».*step-2"):
        sut.act("H1", "process")


def test_cannot_is_step_cannot_with_the_reason_and_no_wait(tmp_path: Path) -> None:
    national = National()
    operator = Scripted(lambda step: Answer(step.id, "cannot", "Hệ thống không có kênh bưu chính"))
    started = time.monotonic()
    with pytest.raises(StepCannot) as caught:
        driver(operator, national, tmp_path, wait_s=30).create_dossier(REQUEST)
    assert time.monotonic() - started < 2
    assert caught.value.reason == "Hệ thống không có kênh bưu chính" and caught.value.step.id == "step-1"
    assert operator.results == [("step-1", {"outcome": "cannot", "reason": "Hệ thống không có kênh bưu chính"})]


def test_start_payment_reads_the_init_reply(tmp_path: Path) -> None:
    national = National()
    init = {"MaThamChieu": "TT-1", "SoTien": "50000", "ThongTinBienLai": {"MaHoSo": "H1"}}
    reply = {"MaLoi": "00", "MoTaLoi": "OK", "MaThamChieu": "TT-1", "UrlThanhToan": "http://mock/payment/pay/TT-1"}
    operator = Scripted(
        done(
            lambda: national.add("INIT", {**init, "ThongTinBienLai": {"MaHoSo": "OTHER"}}, channel="payment"),
            lambda: national.add("INIT", init, channel="payment", response=reply, codes=("H1",)),
        ),
        done(
            lambda: national.add("INIT", {**init, "MaThamChieu": "TT-2"}, channel="payment", response={"MaLoi": "07"})
        ),
    )
    sut = driver(operator, national, tmp_path)
    ref = sut.start_payment("H1")
    assert (ref.ma_tham_chieu, ref.url, ref.amount) == ("TT-1", "http://mock/payment/pay/TT-1", 50_000)
    assert operator.steps[0].data == {"MaHoSo": "H1"}
    with pytest.raises(SutRequestRejected, match=r"refused the SUT's INIT for dossier H1 \(MaLoi 07"):
        sut.start_payment("H1", 60_000)


def test_the_rest_of_the_protocol_needs_no_operator(tmp_path: Path) -> None:
    operator = Scripted()
    sut = driver(operator, National(), tmp_path, wait_s=0.2)
    assert sut.health().ok and sut.health().version == "interactive"
    assert (sut.flush_sync().sent, sut.flush_sync().pending, sut.flush_sync().failed) == (0, 0, 0)
    sut.reset()
    with pytest.raises(ExchangeNotObserved, match="no DongBoHoSoMC for dossier H9"):
        sut.view("H9")
    assert operator.steps == []
    assert InteractiveDriver(operator, National().exchanges, sync_delay_s=10, attachments_dir=tmp_path).wait_s == 60
    assert InteractiveDriver(operator, National().exchanges, sync_delay_s=90, attachments_dir=tmp_path).wait_s == 90


def test_view_waits_for_a_dossier_the_sut_took_outside_a_step(tmp_path: Path) -> None:
    """A dossier submitted on the SUT's own portal (not a step) is read back once its first sync arrives."""
    national = National()
    sut = driver(Scripted(), national, tmp_path)
    later(0.2, lambda: national.sync("WEB-1", "1", **owner()))()
    view = sut.view("WEB-1")
    assert (view.ma_ho_so, view.status, [step.action for step in view.history]) == ("WEB-1", "1", ["create"])


def test_online_and_payment_steps_name_the_applicants_sso_account(tmp_path: Path) -> None:
    national = National()
    asked: list[str] = []

    def account(request: DossierRequest) -> str:
        asked.append(request.id_number)
        return request.id_number

    sut = InteractiveDriver(
        Scripted(done(lambda: national.sync("ONL-1", "1", **owner())), done(lambda: national.add(
            "INIT", {"MaHoSo": "ONL-1", "SoTien": "8000"}, channel="payment", codes=("ONL-1",),
            response={"MaLoi": "00", "MaThamChieu": "TT-9", "UrlThanhToan": "http://mock/pay/TT-9"},
        ))),
        national.exchanges, sync_delay_s=10, attachments_dir=tmp_path, wait_s=5, poll_s=0.01, accounts=account,
    )  # fmt: skip
    operator = sut.operator
    assert isinstance(operator, Scripted)
    sut.create_dossier(DossierRequest(**{**_fields(REQUEST), "files": ()}))
    sut.start_payment("ONL-1")
    online, payment = operator.steps
    assert online.data["TaiKhoanDVCQG"] == payment.data["TaiKhoanDVCQG"] == CCCD and asked == [CCCD, CCCD]
    assert f"tài khoản thử nghiệm {CCCD}" in online.text_vi and f"test account {CCCD}" in online.text_en
    assert f"tài khoản thử nghiệm {CCCD}" in payment.text_vi
    counter = InteractiveDriver(
        Scripted(done(lambda: national.sync("CNT-1", "1", **owner()))), national.exchanges, sync_delay_s=10,
        attachments_dir=tmp_path, wait_s=5, poll_s=0.01, accounts=account,
    )  # fmt: skip
    counter.create_dossier(DossierRequest(**{**_fields(REQUEST), "channel": "1", "files": ()}))
    assert asked == [CCCD, CCCD], "a counter dossier needs no SSO account"


# --- helpers ---------------------------------------------------------------------------------------------------


def _progress(code: str, status: str) -> dict[str, Any]:
    return {
        "MaHoSo": code,
        "NguoiXuLy": "Trần Văn Cán",
        "ThoiDiemXuLy": "20240315103000",
        "NoiDungXuLy": "Chuyển xử lý",
        "TrangThai": status,
        "PhongBanXuLy": "Phòng Tư pháp",
    }


def _fields(request: DossierRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in request.__dataclass_fields__}
