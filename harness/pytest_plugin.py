"""pytest plugin (entry point `dvc_harness`): the conformance suites' options, markers and fixtures
(`dvc_env`, `dvc_sut`, `dvc_evidence`, `dvc_observe`, `dvc_stateful_examples`, `wait_for_exchange`; see
harness/conformance/_plugin.py), and fixtures for the mock national portal:

- `dvc_mock_server`: the mock over real HTTP on a free loopback port (session scope); `.url`.
- `dvc_mock_inprocess`: the same application without sockets (session scope), state reset per use.
- `dvc_mock_respx`: a started respx router sending httpx traffic for the mock's URL to it.
- `dvc_mock_responses`: a started `responses` mock doing the same for `requests`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.conformance._plugin import (  # noqa: F401 - hooks and fixtures pytest discovers by name
    dvc_env,
    dvc_evidence,
    dvc_observe,
    dvc_seed,
    dvc_stateful_examples,
    dvc_sut,
    pytest_addhooks,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_fixture_setup,
    pytest_report_collectionfinish,
    pytest_runtest_call,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    pytest_sessionfinish,
    wait_for_exchange,
)


@pytest.fixture(scope="session")
def dvc_mock_server() -> Iterator[Any]:
    from harness.launcher import start_mock

    mock = start_mock()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture(scope="session")
def _dvc_mock_inprocess_session() -> Iterator[Any]:
    from harness.launcher import in_process_mock

    mock = in_process_mock()
    try:
        yield mock
    finally:
        mock.close()


@pytest.fixture
def dvc_mock_inprocess(_dvc_mock_inprocess_session: Any) -> Any:
    state = _dvc_mock_inprocess_session.app.mock
    state.reset()
    state.store.clear()
    return _dvc_mock_inprocess_session


@pytest.fixture
def dvc_mock_respx(dvc_mock_inprocess: Any) -> Iterator[Any]:
    router = dvc_mock_inprocess.respx_router()
    with router:
        yield router


@pytest.fixture
def dvc_mock_responses(dvc_mock_inprocess: Any) -> Iterator[Any]:
    mock = dvc_mock_inprocess.responses_mock()
    with mock:
        yield mock
