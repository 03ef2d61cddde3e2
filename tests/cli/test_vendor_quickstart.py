"""docs/vendor-quickstart.md, followed literally: its console commands and its sut.toml, in order, with the
bundled reference portal as the staging system. Only the two port numbers are swapped for free ones (tests run in
parallel) and step 1 (installing) is skipped: the package under test is installed already."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_portal.server import free_port
from tests.cli._servers import wait_until_up

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "vendor-quickstart.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def blocks() -> list[tuple[str, str]]:
    """(language, text) of every fenced block after step 1 (installing), in order."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("## 2.")
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(text, start)]


def command(line: str) -> list[str]:
    words = shlex.split(line)
    programs = {"dvc-harness": [sys.executable, "-m", "harness"], "pytest": [sys.executable, "-m", "pytest"]}
    return programs.get(words[0], [words[0]]) + words[1:]


@pytest.fixture
def ports() -> dict[str, str]:
    return {"8787": str(free_port()), "8788": str(free_port())}


def swap(text: str, ports: dict[str, str]) -> str:
    for old, new in ports.items():
        text = text.replace(old, new)
    return text


@pytest.fixture
def background() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.slow  # two full runs (about 2 minutes): .ci/run runs it after the README's test command
def test_the_vendor_quickstart_runs_verbatim(
    tmp_path: Path, ports: dict[str, str], background: list[subprocess.Popen[str]]
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ran: list[str] = []
    for language, text in blocks():
        text = swap(text, ports)
        if language == "toml":
            (tmp_path / "sut.toml").write_text(text, encoding="utf-8")
            continue
        if language != "console":
            continue
        for line in (line[2:] for line in text.splitlines() if line.startswith("$ ")):
            ran.append(line)
            if line.endswith("&"):
                log = (tmp_path / f"background-{len(background)}.log").open("w", encoding="utf-8")
                background.append(
                    subprocess.Popen(command(line[:-1]), cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
                )
                port = re.search(r"--port (\d+)", line)
                assert port, line
                wait_until_up(f"http://127.0.0.1:{port.group(1)}/")
                continue
            done = subprocess.run(command(line), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
            output = done.stdout[-4000:] + done.stderr[-4000:]
            assert done.returncode == 0, f"$ {line}\n{output}"
            assert "Traceback" not in done.stderr, output
    assert [line.split()[0] for line in ran] == ["dvc-harness", "dvc-harness", "pytest", "dvc-harness", "dvc-harness"]
    assert (tmp_path / "reports" / "staging" / "certificate.pdf").is_file()
    assert (tmp_path / "junit.xml").is_file()
