"""The clinicians' page at ``/`` of a real ``atc-dmn serve``: in headless Chromium, and over plain HTTP.

The page must show what the API answers for the same case (``POST /evaluate``),
and the spec's pathway for it (../shared/spec/decision-model.md). The browser
is Debian's Chromium driven by Playwright, with JavaScript off where the page
must work without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_server import Service

TOKEN = "page-test-token-5f1c"
REPO = Path(__file__).resolve().parent.parent
TYPED_DMN = REPO / "tests/tck/TestCases/compliance-level-3/0036-dt-variable-input/0036-dt-variable-input.dmn"

# Three cases of the spec, with the pathway (and outputs) it gives for each.
MULTIMODAL = {  # Pathway rule 5: stage IVA/IVB, resectable -> multimodal_therapy (stage IVB from T4a N1b M0)
    "diagnosis_confirmed": True,
    "t_category": "T4a",
    "n_category": "N1b",
    "m_category": "M0",
    "resectable": True,
    "patient_preference": "active_treatment",
    "airway_compromise": False,
    "targetable_alteration": "none",
}
MULTIMODAL_EXPECTED = {
    "stage": "IVB",
    "pathway": "multimodal_therapy",
    "surgery": "total_thyroidectomy_with_neck_dissection",
    "radiotherapy": "adjuvant_ebrt",
    "systemic_therapy": "chemotherapy",
    "molecular_testing": "completed",
}
TRIAL = {  # Pathway rule 8: stage IVC (M1), active treatment, a trial open -> clinical_trial
    "diagnosis_confirmed": True,
    "m_category": "M1",
    "patient_preference": "active_treatment",
    "clinical_trial_available": True,
}
TRIAL_EXPECTED = {"stage": "IVC", "pathway": "clinical_trial", "systemic_therapy": "clinical_trial"}
CONFLICT = {"diagnosis_confirmed": True, "stage": "IVA", "m_category": "M1"}  # M1 allows only IVC: refused


def _form_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _form(case: dict[str, Any]) -> dict[str, str]:
    return {key: _form_value(value) for key, value in case.items()}


# -- the servers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def audit_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("page") / "audit.jsonl"


@pytest.fixture(scope="module")
def service(audit_file: Path) -> Iterator[Service]:
    env = {"ATC_DMN_TOKEN": ""}
    with Service(["--no-reload", "--audit-log", audit_file, "--max-body", "4096"], env=env) as running:
        yield running


@pytest.fixture(scope="module")
def guarded() -> Iterator[Service]:
    with Service(["--no-reload"], env={"ATC_DMN_TOKEN": TOKEN}) as running:
        yield running


@pytest.fixture(scope="module")
def two_models() -> Iterator[Service]:
    shipped = REPO / "decisions" / "atc_treatment.xlsx"
    with Service(["--no-reload", "--model", shipped, "--model", TYPED_DMN], env={"ATC_DMN_TOKEN": ""}) as running:
        yield running


def _api(service: Service, case: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(service.url + "/evaluate", json=case, headers=headers, timeout=10)


def _labels(service: Service, headers: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    described = httpx.get(service.url + "/models/atc-treatment", headers=headers, timeout=10).json()
    return {spec["name"]: spec for spec in described["inputs"]}


def _fill(page: Any, case: dict[str, Any], inputs: dict[str, dict[str, Any]]) -> None:
    """Choose each value in the drop-down its label names: yes/no for booleans, the code otherwise."""
    for key, value in case.items():
        field = page.get_by_label(inputs[key]["label"], exact=True)
        if isinstance(value, bool):
            field.select_option(label="yes" if value else "no")
        else:
            field.select_option(value=value)


def _submit(page: Any) -> Any:
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Evaluate").click()
    page.wait_for_load_state()
    return posted.value


def _shown(page: Any) -> dict[str, Any]:
    """Every output the page shows, by output key, from its data attributes."""
    found = page.eval_on_selector_all(
        "output[data-output]", "els => els.map(e => [e.dataset.output, e.dataset.value, e.id])"
    )
    return {key: (json.loads(value), ident) for key, value, ident in found}


# -- in the browser ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected"), [(MULTIMODAL, MULTIMODAL_EXPECTED), (TRIAL, TRIAL_EXPECTED)], ids=["multimodal", "ivc-trial"]
)
def test_the_page_shows_what_the_api_answers(service: Service, chromium: Any, case: dict, expected: dict) -> None:
    api = _api(service, case)
    assert api.status_code == 200
    answer = api.json()
    inputs = _labels(service)
    context = chromium.new_context(java_script_enabled=False)  # the page must work without JavaScript
    page = context.new_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(service.url + "/")
    _fill(page, case, inputs)
    response = _submit(page)
    assert response.status == 200

    shown = _shown(page)
    assert {key: value for key, (value, _) in shown.items()} == answer["decision"]
    for key, value in expected.items():
        assert shown[key][0] == value, key
        assert shown[key][1] == f"decision-{key}"
        assert page.locator(f"#decision-{key}").inner_text().strip() == value
    for text in answer["text"].values():  # the workbook's wording beside each code
        for line in text if isinstance(text, list) else [text]:
            assert line in page.locator("section.answer").inner_text()
    fired = [rule["id"] for table in answer["trace"] for rule in table["rules"]]
    assert page.eval_on_selector_all("[data-rule]", "els => els.map(e => e.dataset.rule)") == fired
    cited = [str(ref["citation"]) for ref in answer["references"]]
    assert page.eval_on_selector_all("[data-citation]", "els => els.map(e => e.dataset.citation)") == cited
    assert " ".join(answer["notice"].split()) in " ".join(page.locator("body").inner_text().split())
    for key, value in case.items():  # the choices are kept
        assert page.locator(f'[name="{key}"]').input_value() == _form_value(value)
    assert all(url.startswith(service.url + "/") for url in asked), asked  # nothing from elsewhere
    assert service.url + "/static/page.css" in asked
    page.emulate_media(media="print")  # printed: the answer, without the form
    assert page.locator("section.answer").is_visible() and not page.locator("form.case").is_visible()
    context.close()


def test_a_refused_case_shows_its_error_next_to_its_field(service: Service, chromium: Any) -> None:
    api = _api(service, CONFLICT)
    assert api.status_code == 422
    error = api.json()["error"]
    assert error["code"] == "CONFLICT" and error["field"] == "stage"
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(service.url + "/")
    _fill(page, CONFLICT, _labels(service))
    response = _submit(page)
    assert response.status == 422
    assert error["message"] in page.locator("[role=alert]").inner_text()
    stage = page.locator('[name="stage"]')
    assert stage.get_attribute("aria-invalid") == "true"
    described = stage.get_attribute("aria-describedby").split()
    next_to = [page.locator(f"#{ident}").inner_text() for ident in described]
    assert error["message"] in next_to
    assert page.locator("output[data-output]").count() == 0  # no recommendation
    for key, value in CONFLICT.items():
        assert page.locator(f'[name="{key}"]').input_value() == _form_value(value)
    context.close()


def test_the_page_fits_a_narrow_screen(service: Service, chromium: Any) -> None:
    page = chromium.new_page(viewport={"width": 360, "height": 740})
    page.goto(service.url + "/")
    _fill(page, CONFLICT, _labels(service))  # the longest message, at the top and beside its field
    _submit(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    page.close()


def test_the_form_explains_each_input(service: Service, chromium: Any) -> None:
    inputs = _labels(service)
    page = chromium.new_page()
    page.goto(service.url + "/")
    for key, spec in inputs.items():
        field = page.get_by_label(spec["label"], exact=True)
        options = field.locator("option")
        assert options.first.get_attribute("value") == "" and options.first.inner_text().startswith("unknown")
        assert field.input_value() == ""  # unknown is the first choice, and the default one
        values = options.evaluate_all("os => os.map(o => o.value)")[1:]
        assert values == [_form_value(v) for v in spec["allowed"]], key
        helps = [page.locator(f"#{i}").inner_text() for i in field.get_attribute("aria-describedby").split()]
        assert spec["meaning"] in helps
    assert page.get_by_label("Access token").count() == 0  # no token, no token field
    page.close()


def test_with_a_token_the_form_asks_for_it(guarded: Service, chromium: Any) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    inputs = _labels(guarded, bearer)
    expected = _api(guarded, MULTIMODAL, bearer).json()["decision"]
    page = chromium.new_page()
    assert page.goto(guarded.url + "/").status == 200  # the empty form is public
    token = page.get_by_label("Access token")
    assert token.get_attribute("type") == "password"

    _fill(page, MULTIMODAL, inputs)
    page.get_by_label("Access token").fill("not-the-token")
    assert _submit(page).status == 401
    assert "access token is not right" in page.locator("[role=alert]").inner_text()
    assert page.locator("output[data-output]").count() == 0
    assert page.locator('[name="resectable"]').input_value() == "true"  # the choices are kept

    page.get_by_label("Access token").fill(TOKEN)
    assert _submit(page).status == 200
    assert {key: value for key, (value, _) in _shown(page).items()} == expected
    assert _shown(page)["pathway"][0] == "multimodal_therapy"
    page.close()


# -- over HTTP, without a browser ---------------------------------------------------


def test_get_and_post_without_a_browser(service: Service, audit_file: Path) -> None:
    empty = httpx.get(service.url + "/", timeout=10)
    assert empty.status_code == 200
    assert empty.headers["content-type"].startswith("text/html")
    assert empty.headers["x-model-id"] == "atc-treatment"
    html = empty.text
    sha = httpx.get(service.url + "/models/atc-treatment", timeout=10).json()["model"]["sha256"]
    assert sha[:12] in html and "1.1.0" in html and "2026-12-01" in html
    assert "<script" not in html and "http://" not in html.replace(service.url, "") and "https://" not in html

    before = audit_file.read_text(encoding="utf-8").splitlines() if audit_file.exists() else []
    posted = httpx.post(service.url + "/", data=_form(MULTIMODAL), timeout=10)
    assert posted.status_code == 200
    assert posted.headers["cache-control"] == "no-store"
    assert re.search(
        r'<output id="decision-pathway" data-output="pathway" data-value="&quot;multimodal_therapy&quot;"', posted.text
    )
    lines = audit_file.read_text(encoding="utf-8").splitlines()[len(before) :]
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["source"] == "serve" and line["request_id"] == posted.headers["x-request-id"]

    css = httpx.get(service.url + "/static/page.css", timeout=10)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_an_empty_form_is_a_case_with_every_input_unknown(service: Service) -> None:
    posted = httpx.post(service.url + "/", data={key: "" for key in MULTIMODAL}, timeout=10)
    assert posted.status_code == 200
    assert 'data-value="&quot;diagnostic_workup&quot;"' in posted.text  # Pathway rule 1: no diagnosis yet


def test_markup_in_a_value_comes_back_escaped(service: Service) -> None:
    refused = httpx.post(service.url + "/", data={"stage": "<script>alert(1)</script>"}, timeout=10)
    assert refused.status_code == 422  # not an allowed stage: the message quotes it
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in refused.text and "<script" not in refused.text
    unknown = httpx.post(service.url + "/", data={"<b>stage</b>": "IVB"}, timeout=10)
    assert unknown.status_code == 422  # an unknown input: the message names it
    assert "&lt;b&gt;stage&lt;/b&gt;" in unknown.text and "<b>" not in unknown.text


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b'{"stage": "IVB"}', {"Content-Type": "application/json"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b"stage=" + b"I" * 5000, {"Content-Type": "application/x-www-form-urlencoded"}, 413, "BODY_TOO_LARGE"),
        (b"stage=IVA&stage=IVB", {"Content-Type": "application/x-www-form-urlencoded"}, 400, "DUPLICATE_KEY"),
        (b"stage=%ff", {"Content-Type": "application/x-www-form-urlencoded"}, 400, "BAD_TEXT"),
    ],
    ids=["json", "too-large", "twice", "not-utf8"],
)
def test_what_is_not_a_form_is_refused(service: Service, body: bytes, headers: dict, status: int, code: str) -> None:
    response = httpx.post(service.url + "/", content=body, headers=headers, timeout=10)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_the_token_is_checked_by_the_form_only_on_the_page(guarded: Service) -> None:
    missing = httpx.post(guarded.url + "/", data=_form(MULTIMODAL), timeout=10)
    assert missing.status_code == 401
    assert "Enter the service" in missing.text and "output id=" not in missing.text
    right = httpx.post(guarded.url + "/", data={**_form(MULTIMODAL), "-token": TOKEN}, timeout=10)
    assert right.status_code == 200 and 'id="decision-pathway"' in right.text
    assert httpx.post(guarded.url + "/evaluate", json=MULTIMODAL, timeout=10).status_code == 401  # the API still


def test_several_models_each_with_its_own_form(two_models: Service) -> None:
    listed = httpx.get(two_models.url + "/models", timeout=10).json()
    ids = [m["id"] for m in listed["models"]]
    assert len(ids) == 2
    page = httpx.get(two_models.url + "/", timeout=10).text
    for ident in ids:
        assert f'<option value="{ident}"' in page
    other = ids[1]
    typed = httpx.get(two_models.url + "/", params={"model": other}, timeout=10)
    assert typed.status_code == 200 and typed.headers["x-model-id"] == other
    kinds = {
        name: kind for kind, name in re.findall(r'<input type="([a-z-]+)" id="in-[^"]*" name="([^"]+)"', typed.text)
    }
    assert kinds["Complex_aNumber"] == "number" and kinds["Complex_aDate"] == "date"
    assert kinds["Complex_aTime"] == "time" and kinds["Complex_aDateTime"] == "datetime-local"
    assert kinds["Complex_aString"] == "text"
    case = {"Complex_aNumber": 10, "Another_number": 10, "Complex_aDate": "2017-01-02", "Complex_aTime": "10:20:00"}
    api = httpx.post(f"{two_models.url}/models/{other}/evaluate", json=case, timeout=10).json()
    form = {**{k: str(v) for k, v in case.items()}, "Complex_aTime": "10:20"}  # as a browser's time field sends it
    posted = httpx.post(two_models.url + "/", params={"model": other}, data=form, timeout=10)
    assert posted.status_code == 200
    for key, value in api["decision"].items():
        assert f'data-output="{key}" data-value="{json.dumps(value).replace(chr(34), "&quot;")}"' in posted.text
    missing = httpx.get(two_models.url + "/", params={"model": "no-such-model"}, timeout=10)
    assert missing.status_code == 404 and "no-such-model" in missing.text
