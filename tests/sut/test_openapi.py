"""schemas/control/openapi.yaml: valid OpenAPI 3.1, the documented operations, examples that validate,
and the driver's parsers agree with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml  # type: ignore[import-untyped]
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.specs.openapi.definitions import OPENAPI_31

from harness.specs import load_store
from harness.sut import (
    ACTIONS,
    CAPABILITIES,
    AttachedFile,
    DossierRef,
    DossierRequest,
    DossierView,
    Health,
    PaymentRef,
    SyncReport,
    control_api_spec,
)

SPEC_PATH = control_api_spec()
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
# the document's own URI, so that its relative $refs reach the schema files it shares its tree with
SPEC_URI = "https://schemas.dvc-harness.org/v1/control/openapi.yaml"

Parser = Callable[..., object] | None
OPERATIONS: dict[tuple[str, str], dict[str, Parser]] = {
    ("get", "/_control/health"): {"200": Health.from_json},
    ("post", "/_control/dossiers"): {"201": DossierRef.from_json},
    ("get", "/_control/dossiers/{MaHoSo}"): {"200": DossierView.from_json},
    ("post", "/_control/dossiers/{MaHoSo}/actions"): {"200": DossierRef.from_json},
    ("post", "/_control/payments"): {"201": PaymentRef.from_json},
    ("post", "/_control/sync"): {"200": SyncReport.from_json},
    ("post", "/_control/reset"): {"200": None},
    # optional operations (a capability each); the driver does not wrap them
    ("get", "/_control/payments/{MaThamChieu}"): {"200": None},
    ("post", "/_control/ratings"): {"201": None},
    ("post", "/_control/statistics/sync"): {"202": None},
    ("get", "/_control/inbound"): {"200": None},
    ("get", "/_control/clock"): {"200": None},
    ("post", "/_control/clock"): {"200": None},
}
ERRORS = {"400", "401", "404", "409", "422"}


def test_the_spec_is_where_the_package_says() -> None:
    assert Path(__file__).resolve().parents[2] / "schemas" / "control" / "openapi.yaml" == SPEC_PATH


def test_valid_against_the_openapi_3_1_meta_schema() -> None:
    assert SPEC["openapi"].startswith("3.1.")
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(OPENAPI_31).iter_errors(SPEC)
    ]
    assert not errors, errors


def test_every_operation_is_there_and_bearer_protected() -> None:
    present = {(method, path) for path, item in SPEC["paths"].items() for method in item if method != "parameters"}
    assert present == set(OPERATIONS)
    assert SPEC["components"]["securitySchemes"]["controlToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": SPEC["components"]["securitySchemes"]["controlToken"]["description"],
    }
    assert SPEC["security"] == [{"controlToken": []}]
    for (method, path), answers in OPERATIONS.items():
        operation = SPEC["paths"][path][method]
        assert "security" not in operation, f"{method} {path} must not override the bearer requirement"
        assert set(answers) <= set(operation["responses"]), (method, path)
        assert "401" in operation["responses"], (method, path)
        assert set(operation["responses"]) - set(answers) <= ERRORS, (method, path)
    actions = SPEC["paths"]["/_control/dossiers/{MaHoSo}/actions"]["post"]["responses"]
    assert {"404", "409", "422"} <= set(actions)


def test_the_enumerations_match_the_package() -> None:
    schemas = SPEC["components"]["schemas"]
    assert tuple(schemas["Action"]["enum"]) == ACTIONS and len(set(ACTIONS)) == 10
    full = DossierRequest(
        procedure_code="1.001234", channel="2", applicant="A", applicant_type="1", id_number="038090001234",
        phone="", email="", summary="S", address="D", tech_id="T", files=(AttachedFile("a.pdf", b"%PDF"),),
    )  # fmt: skip
    body = full.to_json()
    assert set(body) == set(schemas["DossierRequest"]["properties"])
    assert set(body["files"][0]) == set(schemas["AttachedFile"]["properties"])
    assert set(schemas["DossierRequest"]["required"]) == set(body) - {"DiaChi", "MaDoiTuong"}
    health_example = SPEC["paths"]["/_control/health"]["get"]["responses"]["200"]["content"]["application/json"]
    assert set(health_example["examples"]["reference"]["value"]["capabilities"]) <= set(CAPABILITIES)


def registry() -> Registry[Any]:
    store = load_store()
    resources = [
        (sid, Resource.from_contents(store.by_id(sid), default_specification=DRAFT202012)) for sid in store.ids()
    ]
    spec = Resource.from_contents(SPEC, default_specification=DRAFT202012)
    return Registry().with_resources([*resources, (SPEC_URI, spec)])


def examples() -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """(where, status or "request", schema, example value) for every example of the document."""
    responses = SPEC["components"]["responses"]
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for name, example in body["examples"].items():
                    yield f"{method} {path} request {name}", "request", body["schema"], example["value"]
            for status, answer in operation["responses"].items():
                if "$ref" in answer:
                    answer = responses[answer["$ref"].rsplit("/", 1)[1]]
                media = answer["content"]["application/json"]
                for name, example in media["examples"].items():
                    yield f"{method} {path} {status} {name}", status, media["schema"], example["value"]


EXAMPLES = list(examples())


def anchored(node: Any) -> Any:
    """`node` with its document-local references (`#/components/...`) made absolute (the spec's URI)."""
    if isinstance(node, dict):
        return {k: SPEC_URI + v if k == "$ref" and v.startswith("#") else anchored(v) for k, v in node.items()}
    if isinstance(node, list):
        return [anchored(item) for item in node]
    return node


@pytest.mark.parametrize(("where", "status", "schema", "value"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_every_example_validates_against_its_schema(
    where: str, status: str, schema: dict[str, Any], value: Any
) -> None:
    wrapped = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SPEC_URI + ".example",
        **anchored(schema),
    }
    validator = Draft202012Validator(wrapped, registry=registry())
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]
    assert not problems, problems


def test_every_operation_has_examples_for_its_bodies() -> None:
    covered = {where.rsplit(" ", 2)[0] for where, *_ in EXAMPLES}
    assert covered == {f"{method} {path}" for method, path in OPERATIONS}


@pytest.mark.parametrize(("method", "path"), list(OPERATIONS), ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_driver_reads_every_documented_answer(method: str, path: str) -> None:
    for status, parse in OPERATIONS[(method, path)].items():
        media = SPEC["paths"][path][method]["responses"][status]["content"]["application/json"]
        for example in media["examples"].values():
            if parse is not None:
                parse(example["value"], endpoint=f"{method.upper()} {path}")


def test_the_request_the_driver_sends_is_the_documented_one() -> None:
    """DossierRequest.to_json() of the documented example gives back the example (keys and values)."""
    media = SPEC["paths"]["/_control/dossiers"]["post"]["requestBody"]["content"]["application/json"]
    for example in media["examples"].values():
        value = example["value"]
        request = DossierRequest(
            procedure_code=value["MaTTHC"],
            channel=value["KenhThucHien"],
            applicant=value["ChuHoSo"],
            applicant_type=value["LoaiDoiTuong"],
            id_number=value["SoDinhDanh"],
            phone=value["SoDienThoai"],
            email=value["Email"],
            summary=value["TrichYeuHoSo"],
            address=value.get("DiaChi"),
            tech_id=value.get("MaDoiTuong"),
        )
        sent = request.to_json()
        assert {k: v for k, v in sent.items() if k != "files"} == {k: v for k, v in value.items() if k != "files"}


def test_openapi_tools_read_it_with_its_relative_references() -> None:
    """schemathesis (a test dependency) loads the file and resolves ../common/scalars.schema.json."""
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    labels = sorted(result.ok().label for result in schema.get_all_operations())  # type: ignore[union-attr]
    assert labels == sorted(f"{method.upper()} {path}" for method, path in OPERATIONS)
