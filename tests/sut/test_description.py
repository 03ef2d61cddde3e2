"""sut.toml: the documented example loads; every bad input is one clear line (file and key) with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.errors import UsageError
from harness.sut import (
    CAPABILITIES,
    NationalCredentials,
    PaymentSettings,
    SsoSettings,
    SutConfigError,
    SutDescription,
    load_sut,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sut.toml"

MINIMAL = """\
[sut]
base_url = "https://staging.example.vn/"
control_token = "t0ken"

[national]
username = "acme"
password = "s3cret"
madonvi = "000.00.01.H22"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sut.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_example_describes_the_reference_portal() -> None:
    sut = load_sut(EXAMPLE, env={})
    assert sut.base_url == sut.control_url == "http://127.0.0.1:8788"
    assert sut.control_token == "demo-control"
    assert sut.national == NationalCredentials("demo", "demo", "000.00.00.H56")
    assert sut.national.province == "H56"
    assert sut.payment == PaymentSettings("DEMO", "http://127.0.0.1:8788/payment/ipn")
    assert sut.sso == SsoSettings("demo-client", "http://127.0.0.1:8788/auth/callback")
    assert sut.capabilities == {
        "payment",
        "sso",
        "inbound",
        "ratings",
        "statistics",
        "public_lookup",
        "catalogue",
        "web",
    }
    assert sut.declares("payment") and not sut.declares("qa")
    assert sut.sync_delay_s == 10.0
    assert sut.driver is None
    assert sut.source == str(EXAMPLE)


def test_defaults_of_a_minimal_description(tmp_path: Path) -> None:
    sut = load_sut(write(tmp_path, MINIMAL), env={})
    assert sut.base_url == "https://staging.example.vn"  # trailing slash dropped
    assert sut.control_url == sut.base_url
    assert sut.name == "staging.example.vn"
    assert sut.payment is None and sut.sso is None
    assert sut.capabilities == frozenset()
    assert sut.sync_delay_s == 10.0


def test_secrets_stay_out_of_repr_and_redacted_dicts(tmp_path: Path) -> None:
    sut = load_sut(write(tmp_path, MINIMAL), env={})
    assert "t0ken" not in repr(sut) and "s3cret" not in repr(sut)
    redacted = sut.as_dict()
    assert redacted["sut"]["control_token"] == redacted["national"]["password"] == "***"
    assert sut.as_dict(redact=False)["national"]["password"] == "s3cret"
    assert SutDescription.from_mapping(sut.as_dict(redact=False), env={}) == sut


def test_environment_overrides_every_kind_of_key(tmp_path: Path) -> None:
    env = {
        "DVC_SUT_SUT_CONTROL_TOKEN": "from-env",
        "DVC_SUT_SUT_CONTROL_URL": "http://10.0.0.5:9000/api",
        "DVC_SUT_NATIONAL_MADONVI": "000.00.00.H22",
        "DVC_SUT_TIMING_SYNC_DELAY_S": "2.5",
        "DVC_SUT_CAPABILITIES_DECLARED": "payment, qa",
        "DVC_SUT_PAYMENT_MA_DOI_TAC": "ACME",
        "DVC_SUT_PAYMENT_IPN_URL": "https://staging.example.vn/ipn",
        "PATH": "/usr/bin",  # not ours: ignored
    }
    sut = load_sut(write(tmp_path, MINIMAL), env=env)
    assert sut.control_token == "from-env"
    assert sut.control_url == "http://10.0.0.5:9000/api"
    assert sut.national.madonvi == "000.00.00.H22"
    assert sut.sync_delay_s == 2.5
    assert sut.capabilities == {"payment", "qa"}
    assert sut.payment == PaymentSettings("ACME", "https://staging.example.vn/ipn")


def test_a_python_driver_replaces_the_control_token(tmp_path: Path) -> None:
    text = MINIMAL.replace('control_token = "t0ken"', 'driver = "acme_sut.driver:make"')
    sut = load_sut(write(tmp_path, text), env={})
    assert sut.driver == "acme_sut.driver:make"
    assert sut.control_token == ""
    assert SutDescription.from_mapping(sut.as_dict(redact=False), env={}) == sut


def test_interactive_mode_needs_no_control_token(tmp_path: Path) -> None:
    text = MINIMAL.replace('control_token = "t0ken"\n', "") + '[control]\nmode = "interactive"\n'
    sut = load_sut(write(tmp_path, text), env={})
    assert sut.interactive and sut.control_token == ""
    assert SutDescription.from_mapping(sut.as_dict(redact=False), env={}) == sut
    assert not load_sut(write(tmp_path, MINIMAL), env={}).interactive


def test_the_wiring_keys_are_read_and_redacted(tmp_path: Path) -> None:
    text = MINIMAL + (
        '[payment]\nma_doi_tac = "ACME"\nipn_url = "https://s.example.vn/ipn"\nsecret = "pay-s3cret"\n'
        '[sso]\nclient_id = "acme"\nredirect_uri = "https://s.example.vn/cb"\nclient_secret = "sso-s3cret"\n'
        'post_logout_redirect_uri = "https://s.example.vn/bye"\n'
    )
    sut = load_sut(write(tmp_path, text), env={})
    assert sut.payment is not None and sut.payment.secret == "pay-s3cret"
    assert sut.sso is not None and sut.sso.client_secret == "sso-s3cret"
    assert sut.sso.post_logout_redirect_uri == "https://s.example.vn/bye"
    shown = sut.as_dict()
    assert shown["payment"]["secret"] == "***" and shown["sso"]["client_secret"] == "***"
    assert "s3cret" not in repr(sut)


BAD_DOCUMENTS = {
    "syntax": (MINIMAL.replace('username = "acme"', "username = acme"), "is not valid TOML", "line 6"),
    "unknown key": (MINIMAL.replace("base_url", "bse_url"), "unknown key [sut] bse_url", "did you mean base_url"),
    "unknown section": (MINIMAL + "[paymnet]\nma_doi_tac = 'X'\n", "unknown section [paymnet]", "did you mean payment"),
    "key outside a section": ('base_url = "http://x"\n' + MINIMAL, "key base_url must be inside", "[sut] base_url"),
    "section not a table": ("national = 1\n" + MINIMAL.split("[national]")[0], "[national] must be", "a table"),
    "wrong type": (MINIMAL.replace('username = "acme"', "username = 42"), "[national] username", "an integer 42"),
    "secret of a wrong type": (MINIMAL.replace('password = "s3cret"', "password = 1234"), "[national] password", ""),
    "token not for a header": (MINIMAL.replace('"t0ken"', '"tôken 1"'), "[sut] control_token", "printable ASCII"),
    "empty value": (MINIMAL.replace('username = "acme"', 'username = ""'), "[national] username", "not be empty"),
    "non-http URL": (
        MINIMAL.replace("https://staging.example.vn/", "ftp://staging.example.vn"),
        "[sut] base_url",
        "http",
    ),
    "URL without host": (MINIMAL.replace("https://staging.example.vn/", "http://"), "[sut] base_url", "with a host"),
    "agency code": (MINIMAL.replace("000.00.01.H22", "H22.01"), "[national] madonvi", "000.00.00.H56"),
    "missing key": (MINIMAL.replace('control_token = "t0ken"\n', ""), "[sut] control_token is missing", "DVC_SUT_SUT_"),
    "missing section": (MINIMAL.split("[national]")[0], "section [national] is missing", "username"),
    "bad delay": (MINIMAL + "[timing]\nsync_delay_s = 'ten'\n", "[timing] sync_delay_s", "number of seconds"),
    "negative delay": (MINIMAL + "[timing]\nsync_delay_s = -1\n", "[timing] sync_delay_s", "positive"),
    "boolean delay": (MINIMAL + "[timing]\nsync_delay_s = true\n", "[timing] sync_delay_s", "a boolean"),
    "unknown capability": (MINIMAL + "[capabilities]\ndeclared = ['paymnt']\n", "unknown capability", "payment"),
    "capabilities not a list": (MINIMAL + "[capabilities]\ndeclared = 'payment'\n", "[capabilities] declared", "array"),
    "declared without section": (
        MINIMAL + "[capabilities]\ndeclared = ['sso']\n",
        "capability sso is declared",
        "[sso]",
    ),
    "incomplete section": (MINIMAL + "[payment]\nma_doi_tac = 'X'\n", "[payment] ipn_url is missing", "IPN_URL"),
    "empty section": (MINIMAL + "[sso]\n", "[sso] client_id is missing", "DVC_SUT_SSO_CLIENT_ID"),
    "bad driver": (MINIMAL.replace('control_token = "t0ken"', 'driver = "acme.driver"'), "[sut] driver", "module:"),
    "no control API, no interactive mode": (
        MINIMAL.replace('control_token = "t0ken"\n', ""),
        "[sut] control_token is missing",
        'mode = "interactive"',
    ),
    "bad control mode": (MINIMAL + "[control]\nmode = 'manual'\n", "[control] mode", '"interactive"'),
}


@pytest.mark.parametrize(("text", "expected", "hint"), BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS.keys())
def test_bad_documents_give_one_clear_line(tmp_path: Path, text: str, expected: str, hint: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SutConfigError) as caught:
        load_sut(path, env={})
    message = str(caught.value)
    assert isinstance(caught.value, UsageError) and caught.value.exit_code == 2
    assert str(path) in message, message
    assert expected in message and hint in message, message
    assert "\n" not in message
    assert "s3cret" not in message and "1234" not in message  # secrets are never echoed


BAD_ENV = {
    "unknown variable": ({"DVC_SUT_SUT_CONTROLTOKEN": "x"}, "DVC_SUT_SUT_CONTROLTOKEN", "DVC_SUT_SUT_CONTROL_TOKEN"),
    "bad URL": ({"DVC_SUT_SUT_BASE_URL": "localhost:8788"}, "DVC_SUT_SUT_BASE_URL", "[sut] base_url"),
    "bad number": ({"DVC_SUT_TIMING_SYNC_DELAY_S": "soon"}, "DVC_SUT_TIMING_SYNC_DELAY_S", "number of seconds"),
    "bad capability": ({"DVC_SUT_CAPABILITIES_DECLARED": "payment,teleport"}, "DECLARED", "'teleport'"),
}


@pytest.mark.parametrize(("env", "expected", "hint"), BAD_ENV.values(), ids=BAD_ENV.keys())
def test_bad_environment_names_the_variable(tmp_path: Path, env: dict[str, str], expected: str, hint: str) -> None:
    with pytest.raises(SutConfigError) as caught:
        load_sut(write(tmp_path, MINIMAL), env=env)
    message = str(caught.value)
    assert expected in message and hint in message and "\n" not in message, message


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "absent.toml", "does not exist"),
        (lambda tmp: tmp, "is a directory"),
        (lambda tmp: (tmp / "latin1.toml").write_bytes(b'[sut]\nname = "H\xf4"\n') and tmp / "latin1.toml", "UTF-8"),
    ],
    ids=["missing", "directory", "not UTF-8"],
)
def test_unreadable_files(tmp_path: Path, make: object, expected: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(SutConfigError, match=expected) as caught:
        load_sut(path, env={})
    assert str(path) in str(caught.value) and caught.value.exit_code == 2


def test_every_capability_is_documented() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "sut.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in guide for name in CAPABILITIES)


def test_a_message_in_full(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("base_url", "bse_url"))
    with pytest.raises(SutConfigError) as caught:
        load_sut(path, env={})
    assert str(caught.value) == (
        f"{path}: unknown key [sut] bse_url (known in [sut]: name, base_url, control_url, control_token, driver); "
        "did you mean base_url?"
    )
