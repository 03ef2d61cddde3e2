"""`dvc-harness certify --interactive=jsonl`: a scripted operator plays every step through the reference portal's
officer and public endpoints (never the control API) and the run reaches the control-API run's verdicts; bad
operator input ends the run with exit 2 and one line, never a traceback or a hang."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

import httpx
import pytest

from mock_portal.server import free_port
from mock_portal.sso import AccountChooser
from tests.cli._servers import wait_until_up

ROOT = Path(__file__).resolve().parents[2]
SELECTED = "TT01-D16-LOOKUP-ANONYMOUS"  # a counter dossier, received, then looked up by anyone
OFFICER = ("canbo", "canbo")
CAPABILITIES = ("payment", "sso", "inbound", "ratings", "statistics", "public_lookup", "catalogue", "web")


@dataclass
class Staging:
    mock_url: str
    portal_url: str
    folder: Path

    def sut(self, name: str, *, interactive: bool) -> Path:
        """The staging system's sut.toml as the vendor quick-start writes it; with or without the control API."""
        control = '[control]\nmode = "interactive"\n' if interactive else ""
        token = "" if interactive else 'control_token = "demo-control"\n'
        path = self.folder / name
        path.write_text(
            f'[sut]\nname = "Staging"\nbase_url = "{self.portal_url}"\n{token}'
            '[national]\nusername = "demo"\npassword = "demo"\nmadonvi = "000.00.00.H56"\n'
            f'[payment]\nma_doi_tac = "DEMO"\nipn_url = "{self.portal_url}/payment/ipn"\nsecret = "demo-secret"\n'
            f'[sso]\nclient_id = "demo-client"\nredirect_uri = "{self.portal_url}/auth/callback"\n'
            f"[capabilities]\ndeclared = {json.dumps(list(CAPABILITIES))}\n"
            "[timing]\nsync_delay_s = 10\n" + control,
            encoding="utf-8",
        )
        return path


@pytest.fixture(scope="module")
def staging(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Staging]:
    folder = tmp_path_factory.mktemp("staging")
    mock_port, portal_port = free_port(), free_port()
    mock_url, portal_url = f"http://127.0.0.1:{mock_port}", f"http://127.0.0.1:{portal_port}"
    harness = [sys.executable, "-m", "harness"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    servers = [
        subprocess.Popen([*harness, "mock", "serve", "--port", str(mock_port), "--store", "memory"], cwd=folder),
        subprocess.Popen(
            [*harness, "sut", "serve", "--port", str(portal_port), "--national-url", mock_url, "--db", "p.sqlite"],
            cwd=folder,
            env=env,
        ),
    ]
    try:
        wait_until_up(mock_url + "/_admin/health")
        wait_until_up(portal_url + "/")
        yield Staging(mock_url, portal_url, folder)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


def certify(staging: Staging, sut: Path, out: str, *extra: str, select: str | None = SELECTED) -> list[str]:
    chosen = ["--select", select] if select else []
    return [
        sys.executable, "-m", "harness", "certify", "--sut", str(sut), "--mock-url", staging.mock_url,
        *chosen, "--seed", "7", "--out", str(staging.folder / out), *extra,
    ]  # fmt: skip


@dataclass
class ScriptedOperator:
    """Reads the harness's JSON lines and performs each step as a person would: the officer through the portal's
    officer API (counter intake and the one-stop actions, HTTP Basic login), the citizen signed in through the
    national SSO with the test account the step names (online submission, online payment)."""

    portal_url: str
    answer: Callable[[dict[str, Any]], dict[str, Any] | str | None] | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None
    browsers: dict[str, httpx.Client] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)  # steps the portal refused (answered "cannot" with its error)

    def perform(self, step: dict[str, Any]) -> dict[str, Any]:
        data = step["data"]
        if "ThaoTac" in data:
            with httpx.Client(base_url=self.portal_url, auth=OFFICER, timeout=30) as officer:
                body = {"action": data["ThaoTac"]}
                body.update({k: v for k, v in (("reason", data.get("LyDo")), ("amount", data.get("SoTien"))) if v})
                answer = officer.post(f"/api/officer/dossiers/{data['MaHoSo']}/actions", json=body)
        elif "MaTTHC" not in data:  # an online payment, signed in as the applicant
            wanted = {"SoTien": data["SoTien"]} if "SoTien" in data else {}
            answer = self.citizen(data["TaiKhoanDVCQG"]).post(
                f"/api/my/dossiers/{data['MaHoSo']}/payments", json=wanted
            )
        else:
            paths = data.get("TepDinhKem", [])
            names = data.get("TenTepDinhKem") or [Path(p).name for p in paths]  # the step names them when it must
            files = [
                {"TenTepDinhKem": name, "content_base64": base64.b64encode(Path(p).read_bytes()).decode()}
                for p, name in zip(paths, names, strict=True)
            ]
            if data["KenhThucHien"] == "2":  # the applicant's own submission: name and ID number from the login
                keys: tuple[str, ...] = ("MaTTHC", "SoDienThoai", "Email", "DiaChi", "TrichYeuHoSo")
                body = {key: data[key] for key in keys if key in data} | {"files": files}
                answer = self.citizen(data["TaiKhoanDVCQG"]).post("/api/dossiers", json=body)
            else:
                keys = ("MaTTHC", "KenhThucHien", "ChuHoSo", "LoaiDoiTuong", "SoDinhDanh", "SoDienThoai", "Email")
                body = {key: data[key] for key in (*keys, "TrichYeuHoSo") if key in data} | {"files": files}
                with httpx.Client(base_url=self.portal_url, auth=OFFICER, timeout=30) as officer:
                    answer = officer.post("/api/officer/dossiers", json=body)
        if answer.status_code not in (200, 201):
            self.refused.add(step["id"])
            return {"id": step["id"], "status": "cannot", "note": f"HTTP {answer.status_code}: {answer.text[:300]}"}
        return {"id": step["id"], "status": "done", "note": f"HTTP {answer.status_code}"}

    def citizen(self, account: str) -> httpx.Client:
        """A browser signed in to the portal as this national test account (the provider's account chooser)."""
        if account not in self.browsers:
            browser = httpx.Client(base_url=self.portal_url, timeout=30)
            start = browser.get("/auth/login")
            assert start.status_code in (302, 303, 307), start.text[:300]
            page = browser.get(start.headers["location"])
            chooser = AccountChooser()
            chooser.feed(page.text)
            chosen = browser.post(urljoin(str(page.url), chooser.target), data={**chooser.fields, "user": account})
            assert chosen.status_code in (302, 303), chosen.text[:300]
            callback = browser.get(chosen.headers["location"])
            assert callback.status_code < 400, callback.text[:300]
            self.browsers[account] = browser
        return self.browsers[account]

    def play(self, out: IO[str], into: IO[str]) -> None:
        for line in out:
            message = json.loads(line)
            if message["type"] == "step":
                self.steps.append(message)
                reply = self.answer(message) if self.answer is not None else None
                if reply is None:
                    reply = self.perform(message)
                if reply == "close":
                    into.close()
                    continue
                into.write((reply if isinstance(reply, str) else json.dumps(reply)) + "\n")
                into.flush()
            elif message["type"] == "result":
                self.results.append(message)
            elif message["type"] == "end":
                self.end = message


def run_with(operator: ScriptedOperator, command: list[str]) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    errors: list[str] = []
    stderr = process.stderr
    reader = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
    reader.start()
    with contextlib.suppress(BrokenPipeError, ValueError):  # the harness stopped reading: its exit code says why
        operator.play(process.stdout, process.stdin)
    code = process.wait(timeout=300)
    reader.join(timeout=10)
    return code, "".join(errors)


def verdicts(directory: Path) -> dict[str, str]:
    report = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    return {r["id"]: r["verdict"] for a in report["articles"] for r in a["requirements"]}


def test_a_scripted_operator_reaches_the_control_api_runs_verdicts(staging: Staging) -> None:
    api = subprocess.run(
        certify(staging, staging.sut("api.toml", interactive=False), "api"),
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert api.returncode == 0, api.stderr[-3000:]
    operator = ScriptedOperator(staging.portal_url)
    code, errors = run_with(operator, certify(staging, staging.sut("tester.toml", interactive=True), "tester",
                                              "--interactive=jsonl"))  # fmt: skip
    assert code == 0, errors[-3000:]
    assert operator.end == {"type": "end", "exit_code": 0}
    by_hand, by_api = verdicts(staging.folder / "tester"), verdicts(staging.folder / "api")
    assert by_hand[SELECTED] == by_api[SELECTED] and by_api[SELECTED] in ("pass", "partial")
    assert by_hand == by_api
    # the wiring check's counter dossier, then the test's dossier and its receipt: each a step with its data
    done = [s["data"].get("ThaoTac", "create") for s in operator.steps]
    assert done[:3] == ["create", "create", "receive"], done
    assert SELECTED in operator.steps[1]["requirement_ids"]
    assert all(s["text_vi"] and s["text_en"] for s in operator.steps)
    assert [r.get("outcome") for r in operator.results] == ["observed"] * len(operator.steps)


def unreachable_by_a_tester() -> set[str]:
    """The requirements docs/sut.md lists under "What a tester cannot reach" (the table's last column)."""
    text = (ROOT / "docs" / "sut.md").read_text(encoding="utf-8")
    section = text.split("**What a tester cannot reach.**", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[-2] for line in section.splitlines() if line.startswith("| `")]
    return {rid.strip() for row in rows for rid in row.split(",")}


@pytest.mark.slow
def test_the_whole_run_by_a_scripted_operator_reaches_the_control_api_runs_verdicts(staging: Staging) -> None:
    """Every suite, every step by hand (the officer's screens, the citizen signed in through the national SSO):
    every requirement gets the control-API run's verdict, except those docs/sut.md lists as out of a tester's
    reach, which are omitted with the reason."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    api_sut, tester_sut = staging.sut("api.toml", interactive=False), staging.sut("tester.toml", interactive=True)
    api = subprocess.run(
        certify(staging, api_sut, "whole-api", select=None), capture_output=True, text=True, timeout=900, env=env
    )
    assert api.returncode == 0, api.stderr[-3000:]
    operator = ScriptedOperator(staging.portal_url)
    code, errors = run_with(operator, certify(staging, tester_sut, "whole-tester", "--interactive=jsonl", select=None))
    assert code == 0, errors[-3000:]
    by_hand, by_api = verdicts(staging.folder / "whole-tester"), verdicts(staging.folder / "whole-api")
    differ = {rid: (by_api.get(rid), by_hand.get(rid)) for rid in by_api.keys() | by_hand.keys()
              if by_api.get(rid) != by_hand.get(rid)}  # fmt: skip
    omitted = {rid for rid, (_, hand) in differ.items() if hand == "omitted"}
    assert omitted == unreachable_by_a_tester(), "docs/sut.md's table must list exactly what a tester cannot reach"
    assert not {rid: pair for rid, pair in differ.items() if rid not in omitted}
    # every kind of step was played: counter and online intake, the officer's actions, the citizen's payment
    data = [step["data"] for step in operator.steps]
    assert any(d.get("KenhThucHien") == "1" for d in data) and any("ThaoTac" in d for d in data)
    assert all(d.get("TaiKhoanDVCQG") for d in data if d.get("KenhThucHien") == "2")
    assert any(d.get("KenhThucHien") == "2" for d in data)
    assert any("MaTTHC" not in d and "ThaoTac" not in d for d in data), "no online payment step"
    # every step played was observed; the only steps not played are inputs the portal refused (past a length limit)
    refused = {s["id"] for s in operator.steps if s["id"] in operator.refused}
    assert all(r.get("outcome") == "observed" or r["id"] in refused for r in operator.results), [
        r for r in operator.results if r.get("outcome") != "observed"
    ][:3]


def test_a_step_the_operator_cannot_do_omits_its_requirements_with_the_reason(staging: Staging) -> None:
    def cannot_after_wiring(step: dict[str, Any]) -> dict[str, Any] | None:
        if step["id"] == "step-1":
            return None  # perform the wiring check's dossier
        return {"id": step["id"], "status": "cannot", "note": "Không có quyền tiếp nhận tại quầy"}

    operator = ScriptedOperator(staging.portal_url, cannot_after_wiring)
    code, errors = run_with(
        operator, certify(staging, staging.sut("tester.toml", interactive=True), "cannot", "--interactive=jsonl")
    )
    assert code == 0, errors[-3000:]
    report = json.loads((staging.folder / "cannot" / "report.json").read_text(encoding="utf-8"))
    selected = next(r for a in report["articles"] for r in a["requirements"] if r["id"] == SELECTED)
    assert selected["verdict"] == "omitted" and "Không có quyền tiếp nhận tại quầy" in selected["note"]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("this is not json", "not JSON"),
        ('{"id": "step-99", "status": "done"}', "step-1"),
        ("close", "closed"),
    ],
)
def test_bad_operator_input_ends_the_run_with_exit_2_and_one_line(staging: Staging, reply: str, message: str) -> None:
    operator = ScriptedOperator(staging.portal_url, lambda step: reply)
    out = f"bad-{abs(hash(reply))}"
    code, errors = run_with(
        operator, certify(staging, staging.sut("tester.toml", interactive=True), out, "--interactive=jsonl")
    )
    assert code == 2, errors[-3000:]
    assert message in errors and "Traceback" not in errors
    assert len([line for line in errors.splitlines() if line.startswith("dvc-harness:")]) == 1
