"""Fuzz the live service from its own OpenAPI document (schemathesis): a client's mistake is never a 500.

Schemathesis reads ``/openapi.json`` from a real ``atc-dmn serve``, generates
requests for every operation, valid ones from each model's case schema and
invalid ones (wrong types, unknown fields, values outside the lists, bad path
parameters), and checks each response against the document: no server error,
a documented status, the documented content type and a body that fits the
documented schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode
from service_server import Service

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
# (method, path, modes, examples per mode): the bodies get the most; a route without parameters, a few.
OPERATIONS = [
    ("POST", "/evaluate", (POSITIVE, NEGATIVE), 120),
    ("POST", "/models/{model_id}/evaluate", (POSITIVE, NEGATIVE), 120),
    ("GET", "/models/{model_id}", (POSITIVE, NEGATIVE), 25),
    ("GET", "/models/{model_id}/schema", (POSITIVE, NEGATIVE), 25),
    ("GET", "/models/{model_id}/render", (POSITIVE, NEGATIVE), 15),
    ("HEAD", "/models/{model_id}/render", (POSITIVE,), 2),
    ("GET", "/models", (POSITIVE,), 3),
    ("GET", "/health", (POSITIVE,), 3),
    ("GET", "/ready", (POSITIVE,), 3),
    ("HEAD", "/health", (POSITIVE,), 2),
    ("HEAD", "/ready", (POSITIVE,), 2),
    ("GET", "/cds-services", (POSITIVE,), 3),
    ("POST", "/cds-services/{service_id}", (POSITIVE, NEGATIVE), 60),
    ("POST", "/cds-services/{service_id}/feedback", (POSITIVE, NEGATIVE), 40),
]


@pytest.fixture(scope="module")
def fuzzed(shipped_path: Path) -> Iterator[Service]:
    with Service(["--model", shipped_path, "--max-cases", 20]) as running:
        yield running


@pytest.fixture(scope="module")
def api_schema(fuzzed: Service) -> Any:
    return schemathesis.openapi.from_url(fuzzed.url + "/openapi.json")


def test_every_documented_operation_is_fuzzed(api_schema):
    paths = api_schema.raw_schema["paths"].items()
    documented = {(method.upper(), path) for path, item in paths for method in item}
    page = {(m, p) for m, p in documented if p == "/" or p.startswith("/static/")}  # HTML, tested in a browser
    assert documented - page == {(method, path) for method, path, _, _ in OPERATIONS}


@pytest.mark.parametrize(
    ("method", "path", "mode", "examples"),
    [(m, p, mode, n) for m, p, modes, n in OPERATIONS for mode in modes],
    ids=[f"{m} {p} {mode.value}" for m, p, modes, _ in OPERATIONS for mode in modes],
)
def test_generated_requests_get_documented_answers(api_schema, fuzzed, method, path, mode, examples):
    operation = api_schema[path][method]
    statuses: list[int] = []

    @given(operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Any) -> None:
        statuses.append(case.call_and_validate(base_url=fuzzed.url, checks=CHECKS).status_code)

    run()
    # The generator reached both sides: valid requests answered, invalid ones refused (a 4xx, checked above).
    if mode is POSITIVE and (not path.startswith("/cds-services/") or _cds_services(fuzzed)):
        assert 200 in statuses
    elif method == "POST":
        assert any(400 <= s < 500 for s in statuses)


def _cds_services(service: Service) -> list[Any]:
    """The CDS services served (a model is one once its workbook has a FHIR and a Cards sheet)."""
    import httpx

    return httpx.get(service.url + "/cds-services", timeout=10).json()["services"]
