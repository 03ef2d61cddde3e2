"""`dvc-harness validate` as the README specifies it: detection, JSON and XML, --json, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.core.errors import UsageError
from harness.validation.files import read_bytes

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "examples"


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        input=stdin.decode() if stdin is not None else None,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **env} if env else None,
    )


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    packet = json.loads((GOLDEN / "DongBoHoSoMC.opencps-batch.json").read_text(encoding="utf-8"))
    packet["data"][0]["NgayTiepNhan"] = "2024-03-15T08:30:00"
    packet["data"][1]["TrangThaiHoSo"] = 10
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(packet, ensure_ascii=False), encoding="utf-8")
    return path


def test_valid_file_exits_0_and_says_its_type() -> None:
    result = run("validate", str(GOLDEN / "DongBoHoSoMC.opencps-batch.json"))
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "DongBoHoSoMC" in result.stdout


def test_invalid_file_exits_1_and_lists_rule_pointer_message_source(broken: Path) -> None:
    result = run("validate", str(broken))
    assert result.returncode == 1
    assert "FMT-DATETIME" in result.stdout and "/data/0/NgayTiepNhan" in result.stdout
    assert "FMT-STRING-SCALAR" in result.stdout and "/data/1/TrangThaiHoSo" in result.stdout
    assert "docs/reference/dvcqg-interfaces.md §9.4" in result.stdout  # the source
    assert "Traceback" not in result.stderr


def test_json_output_shape_for_one_file(broken: Path) -> None:
    result = run("validate", "--json", str(broken))
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False and payload["type"] == "DongBoHoSoMC"
    assert {"rule", "pointer", "message", "source"} <= set(payload["violations"][0])
    assert ("FMT-DATETIME", "/data/0/NgayTiepNhan") in {(v["rule"], v["pointer"]) for v in payload["violations"]}


def test_json_output_is_an_array_for_several_files_and_xml_is_accepted(broken: Path) -> None:
    result = run(
        "validate",
        "--json",
        str(broken),
        str(EXAMPLES / "xml" / "DongBoHoSoMC.xml"),
        str(EXAMPLES / "packets" / "payment.INIT.json"),
    )
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert [p["valid"] for p in payload] == [False, True, True]
    assert [p["type"] for p in payload] == ["DongBoHoSoMC", "DongBoHoSoMC", "payment.INIT"]


def test_type_option_and_lenient_profile(broken: Path) -> None:
    result = run("validate", "--type", "DongBoHoSoMC", "--profile", "lenient", "--json", str(broken))
    rules = {v["rule"] for v in json.loads(result.stdout)["violations"]}
    assert rules == {"FMT-DATETIME"}  # the integer status is read as "10" leniently
    assert result.returncode == 1


def test_secret_option_changes_the_checksum_verdict() -> None:
    path = str(EXAMPLES / "packets" / "payment.INIT.json")
    assert run("validate", path).returncode == 0
    wrong = run("validate", "--secret", "not-the-secret", "--json", path)
    assert wrong.returncode == 1
    assert [v["rule"] for v in json.loads(wrong.stdout)["violations"]] == ["PAY-CHECKSUM"]


def test_stdin_is_read_with_a_dash() -> None:
    data = (GOLDEN / "CapNhatTienDoHoSoMC.json").read_bytes()
    result = run("validate", "-", stdin=data)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is not a packet", "neither JSON nor XML"),
        (b"", "empty file"),
        (b"<DongBoHoSoMC><unclosed></DongBoHoSoMC>", "not a usable XML packet"),
        (b'{"service": "KhongTonTai", "madonvi": "000.00.00.H56"}', "cannot detect the packet type"),
        (b"[1, 2, 3]", "cannot detect the packet type"),
    ],
)
def test_unusable_input_is_one_clear_line_and_exit_2(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "input.dat"
    path.write_bytes(content)
    result = run("validate", str(path))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_path_directory_and_unknown_type_exit_2(tmp_path: Path) -> None:
    for args, expected in (
        (["validate", str(tmp_path / "missing.json")], "no such file"),
        (["validate", str(tmp_path)], "is a directory"),
        (["validate", "--type", "KhongCo", str(GOLDEN / "CapNhatTienDoHoSoMC.json")], "unknown packet type"),
    ):
        result = run(*args)
        assert result.returncode == 2, args
        assert expected in result.stderr
        assert "Traceback" not in result.stderr


def test_a_bad_file_among_good_ones_loses_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = run("validate", "--json", str(GOLDEN / "CapNhatTienDoHoSoMC.json"), str(bad))
    assert result.returncode == 2
    payload = json.loads(result.stdout)
    assert payload[0]["valid"] is True
    assert payload[1]["valid"] is False and "neither JSON nor XML" in payload[1]["error"]


def test_types_and_rules_listings() -> None:
    types = json.loads(run("types", "--json").stdout)
    assert {"DongBoHoSoMC", "payment.INIT", "sso.userinfo"} <= {t["type"] for t in types}
    rules = json.loads(run("rules", "--json", "--profile", "lenient").stdout)
    ids = {r["id"] for r in rules}
    assert "FMT-DATETIME" in ids and "FMT-STRING-SCALAR" not in ids


def test_console_script_and_version() -> None:
    script = Path(sys.executable).parent / "dvc-harness"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "dvc-harness" in result.stdout


# --- bounds: input size (--max-bytes) and violations listed (--max-violations) ------------------------


def write(tmp_path: Path, packet: Any, name: str = "packet.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(packet, ensure_ascii=False), encoding="utf-8")
    return str(path)


def empty_dossiers(count: int) -> dict[str, Any]:
    packet = json.loads((GOLDEN / "DongBoHoSoMC.extended.json").read_text(encoding="utf-8"))
    return {**packet, "data": [{}] * count}


def test_input_larger_than_max_bytes_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = str(GOLDEN / "DongBoHoSoMC.extended.json")
    size = Path(path).stat().st_size
    for result in (
        run("validate", "--max-bytes", str(size - 1), path),
        run("validate", path, env={"DVC_HARNESS_VALIDATE_MAX_BYTES": str(size - 1)}),
        run("validate", "--max-bytes", "100", "-", stdin=Path(path).read_bytes()),
    ):
        assert result.returncode == 2, result.stderr
        assert "larger than" in result.stderr and "--max-bytes" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert run("validate", "--max-bytes", str(size), path).returncode == 0


def test_max_bytes_reads_at_most_one_byte_past_the_limit() -> None:
    class Endless:
        """A stream that never ends: reading it whole would never return."""

        def __init__(self) -> None:
            self.asked: list[int | None] = []

        def read(self, size: int | None = -1) -> bytes:
            self.asked.append(size)
            if size is None or size < 0:
                raise AssertionError("read the whole stream")
            return b"x" * size

    stream = Endless()
    with pytest.raises(UsageError, match="larger than 1000 bytes"):
        read_bytes("-", stdin=stream, max_bytes=1000)
    assert stream.asked == [1001]


def test_a_hostile_packet_lists_the_cap_and_says_more(tmp_path: Path) -> None:
    path = write(tmp_path, empty_dossiers(10_000))
    result = run("validate", "--json", path)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert len(payload["violations"]) == 100
    assert payload["violations_truncated"] is True and payload["violation_count"] is None

    human = run("validate", "--max-violations", "5", path)
    assert human.returncode == 1
    assert "5 of more than 5 violations shown" in human.stdout
    assert human.stdout.count("source:") == 5 and "--max-violations" in human.stdout


def test_violations_past_the_cap_are_counted_when_cheap(tmp_path: Path) -> None:
    packet = json.loads((GOLDEN / "DongBoHoSoMC.extended.json").read_text(encoding="utf-8"))
    dossier = packet["data"][0]
    packet["data"] = [
        {**dossier, "MaHoSo": f"{dossier['MaHoSo'][:-4]}{i + 1:04d}", "TrangThaiHoSo": "10", "NgayTra": ""}
        for i in range(30)
    ]  # a semantic rule broken 30 times: rule findings are counted past the cap
    result = run("validate", "--json", "--max-violations", "5", write(tmp_path, packet))
    payload = json.loads(result.stdout)
    assert result.returncode == 1
    assert len(payload["violations"]) == 5 and payload["violation_count"] == 30
    assert "5 of 30 violations shown" in run("validate", "--max-violations", "5", write(tmp_path, packet)).stdout
