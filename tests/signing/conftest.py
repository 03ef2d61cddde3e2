"""A directory shaped like a certification run, and helpers to look at verification problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.signing import SigningKey, Verification, generate_key_files, load_signing_key

RUN_FILES: dict[str, bytes] = {
    "report.json": b'{"run": {"run_id": "20261125T200102Z-3f9a"}, "conformant": true}\n',
    "report.html": "<!doctype html><title>Báo cáo chứng nhận</title><p>Đạt</p>\n".encode(),
    "junit.xml": b'<?xml version="1.0"?><testsuites><testsuite name="s" tests="1"/></testsuites>\n',
    "evidence.ndjson": b'{"seq": 1, "kind": "exchange"}\n{"seq": 2, "kind": "exchange"}\n',
    "pytest.log": b"collected 1 item\n\nPASSED\n",
    "certificate.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    "exchanges/000001.json": b'{"request": {"service": "DongBoHoSoMC"}, "response": {"error_code": "0"}}\n',
    "attachments/x.pdf": b"%PDF-1.4\n" + bytes(range(256)) + b"\n%%EOF\n",
}


def write_run(directory: Path) -> Path:
    for rel, data in RUN_FILES.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return directory


def kinds(result: Verification) -> list[str]:
    """Each problem without its explanation: "CHANGED report.json", "BAD-SIGNATURE"..."""
    return [problem.split(" — ", 1)[0] for problem in result.problems]


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_run(tmp_path / "run")


@pytest.fixture
def key_files(tmp_path: Path) -> tuple[Path, Path]:
    return generate_key_files(tmp_path / "keys")


@pytest.fixture
def key(key_files: tuple[Path, Path]) -> SigningKey:
    return load_signing_key(key_files[0])
