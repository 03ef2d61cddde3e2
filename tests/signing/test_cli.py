"""`dvc-harness keys generate` and `dvc-harness verify`: output and exit codes, one line for every bad input."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest

from harness.cli._main import cli, main
from harness.signing import SigningKey, ephemeral_key, load_signing_key, sign_directory

from .conftest import RUN_FILES

DVC_HARNESS = Path(sys.executable).parent / "dvc-harness"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`dvc-harness ARGS` in process, through the same error handling as the installed command."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2, (code, out, err)
    assert out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dvc-harness: "), err
    return lines[0]


@pytest.fixture
def signed(run_dir: Path, key: SigningKey) -> Path:
    sign_directory(run_dir, key)
    return run_dir


def test_keys_generate_prints_the_paths_and_the_fingerprint(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "keys", "generate", "--out", str(tmp_path / "keys"))
    assert code == 0
    private_path, public_path = tmp_path / "keys" / "signing-key.jwk", tmp_path / "keys" / "signing-key.pub.jwk"
    assert str(private_path) in out and str(public_path) in out
    assert f"fingerprint: {load_signing_key(private_path).fingerprint}" in out.splitlines()
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600


def test_keys_generate_over_existing_files_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "keys", "generate", "--out", str(tmp_path))[0] == 0
    before = (tmp_path / "signing-key.jwk").read_bytes()
    assert "already exists" in one_line_error(*run(capsys, "keys", "generate", "--out", str(tmp_path)))
    assert (tmp_path / "signing-key.jwk").read_bytes() == before


def test_keys_generate_into_an_unwritable_place_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert "cannot create directory" in one_line_error(*run(capsys, "keys", "generate", "--out", f"{tmp_path}/file/k"))


def test_verify_ok_says_the_key_was_not_checked(
    capsys: pytest.CaptureFixture[str], signed: Path, key: SigningKey
) -> None:
    code, out, _ = run(capsys, "verify", str(signed))
    assert code == 0
    first, second = out.splitlines()
    assert first == f"OK {len(RUN_FILES)} files, signed by key {key.fingerprint}"
    assert second.startswith("key not checked")


def test_verify_ok_with_the_signers_key(
    capsys: pytest.CaptureFixture[str], signed: Path, key_files: tuple[Path, Path]
) -> None:
    code, out, _ = run(capsys, "verify", str(signed), "--key", str(key_files[1]))
    assert code == 0
    assert out.splitlines()[1] == f"key checked: the signing key is the one of {key_files[1]}"


def test_verify_key_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, signed: Path, tmp_path: Path
) -> None:
    other = ephemeral_key()
    (tmp_path / "other.pub.jwk").write_text(json.dumps(other.public_jwk), encoding="utf-8")
    monkeypatch.setenv("DVC_HARNESS_VERIFY_KEY", str(tmp_path / "other.pub.jwk"))
    code, out, _ = run(capsys, "verify", str(signed))
    assert code == 3 and out.startswith("UNTRUSTED-KEY — ") and len(out.splitlines()) == 1


def test_verify_prints_one_line_per_problem_and_exits_3(capsys: pytest.CaptureFixture[str], signed: Path) -> None:
    (signed / "report.html").write_bytes(b"<p>edited</p>")
    (signed / "certificate.pdf").unlink()
    (signed / "attachments" / "z.pdf").write_bytes(b"%PDF")
    code, out, err = run(capsys, "verify", str(signed))
    assert code == 3 and err == ""
    assert [line.split(" — ")[0] for line in out.splitlines()] == [
        "EXTRA attachments/z.pdf",
        "MISSING certificate.pdf",
        "CHANGED report.html",
    ]


def test_verify_a_resigned_run_against_the_first_key_exits_3(
    capsys: pytest.CaptureFixture[str], signed: Path, key_files: tuple[Path, Path]
) -> None:
    sign_directory(signed, ephemeral_key())
    code, out, _ = run(capsys, "verify", str(signed), "--key", str(key_files[1]))
    assert code == 3 and out.startswith("UNTRUSTED-KEY")
    assert run(capsys, "verify", str(signed))[0] == 0


def test_verify_a_bad_signature_exits_3(capsys: pytest.CaptureFixture[str], signed: Path) -> None:
    manifest = (signed / "manifest.json").read_bytes()
    (signed / "manifest.json").write_bytes(manifest.replace(b'"size": ', b'"size":  ', 1))
    code, out, _ = run(capsys, "verify", str(signed))
    assert code == 3 and out.splitlines() == [
        "BAD-SIGNATURE — manifest.json does not match its signature (changed after signing)"
    ]


@pytest.mark.parametrize("case", ["missing dir", "a file", "unsigned dir", "manifest not json", "not a manifest"])
def test_verify_unusable_directory_exits_2(capsys: pytest.CaptureFixture[str], signed: Path, case: str) -> None:
    target = signed
    if case == "missing dir":
        target = signed / "nowhere"
    elif case == "a file":
        target = signed / "report.json"
    elif case == "unsigned dir":
        (signed / "manifest.json").unlink()
    elif case == "manifest not json":
        (signed / "manifest.json").write_bytes(b"{")
    else:
        (signed / "manifest.json").write_bytes(b'{"format": "something else"}')
    one_line_error(*run(capsys, "verify", str(target)))


@pytest.mark.parametrize("content", [None, b"not json", b'{"kty": "oct", "k": "c2VjcmV0"}'])
def test_verify_with_an_unusable_key_file_exits_2(
    capsys: pytest.CaptureFixture[str], signed: Path, tmp_path: Path, content: bytes | None
) -> None:
    key_file = tmp_path / "trusted.jwk"
    if content is not None:
        key_file.write_bytes(content)
    assert "key file" in one_line_error(*run(capsys, "verify", str(signed), "--key", str(key_file)))


def test_a_public_key_given_for_signing_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, run_dir: Path, key_files: tuple[Path, Path]
) -> None:
    """Through the CLI's error handling, as `certify --sign-key` and `attest` will use load_signing_key."""

    @click.command("sign-for-test")
    @click.argument("directory")
    @click.option("--sign-key", required=True)
    def sign_for_test(directory: str, sign_key: str) -> None:
        sign_directory(Path(directory), load_signing_key(sign_key))

    monkeypatch.setitem(cli.commands, "sign-for-test", sign_for_test)
    line = one_line_error(*run(capsys, "sign-for-test", str(run_dir), "--sign-key", str(key_files[1])))
    assert "holds a public key; signing needs the private key written by `dvc-harness keys generate`" in line
    assert not (run_dir / "manifest.json").exists()


def test_the_installed_command_verifies_and_fails_without_traceback(signed: Path, tmp_path: Path) -> None:
    ok = subprocess.run([str(DVC_HARNESS), "verify", str(signed)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.startswith(f"OK {len(RUN_FILES)} files"), ok.stderr
    (signed / "manifest.json").write_text("not json", encoding="utf-8")
    bad = subprocess.run([str(DVC_HARNESS), "verify", str(signed)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == "" and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "is not JSON" in bad.stderr
    keys = subprocess.run(
        [str(DVC_HARNESS), "keys", "generate", "--out", str(tmp_path / "new-keys")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert keys.returncode == 0 and (tmp_path / "new-keys" / "signing-key.jwk").exists()
    again = subprocess.run(
        [str(DVC_HARNESS), "keys", "generate", "--out", str(tmp_path / "new-keys")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1 and "Traceback" not in again.stderr
