"""``GET /models/{id}/render`` on a real ``atc-dmn serve``: the same page and text as ``atc-dmn render``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from service_server import Service

from atc_dmn.cli import main

REPO = Path(__file__).resolve().parent.parent
TOKEN = "render-test-token-81c2"


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    with Service(["--no-reload"], env={"ATC_DMN_TOKEN": TOKEN}) as running:
        yield running


def _get(service: Service, path: str, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(service.url + path, headers=headers, timeout=10)


def test_the_service_serves_what_the_command_writes(service, model):
    ident = model.identity
    page = _get(service, f"/models/{ident.identifier}/render")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-model-sha256"] == ident.sha256
    assert page.text == CliRunner().invoke(main, ["render"]).stdout
    text = _get(service, f"/models/{ident.identifier}/render?format=markdown")
    assert text.status_code == 200
    assert text.headers["content-type"] == "text/markdown; charset=utf-8"
    assert text.text == (REPO / "decisions" / "atc_treatment.md").read_text(encoding="utf-8")


def test_a_wrong_request_is_named_never_a_500(service, model):
    bad = _get(service, f"/models/{model.identity.identifier}/render?format=pdf")
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["field"] == "format" and error["allowed"] == ["html", "markdown"]
    unknown = _get(service, "/models/no-such-model/render")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "UNKNOWN_MODEL"
    assert _get(service, f"/models/{model.identity.identifier}/render", token=None).status_code == 401
