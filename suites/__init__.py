"""The conformance suites (`pytest suites/`, or `pytest --pyargs suites` from an installed package).

Every test names the requirement IDs it verifies (`@pytest.mark.req(...)`, catalogue in
`suites/requirements/`); fixtures come from the `dvc_harness` pytest plugin (harness/conformance).
"""
