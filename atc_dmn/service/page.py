"""The clinicians' page at ``/``: a form built from the model's inputs, and the answer with its reasons.

Server-rendered HTML and one stylesheet served from the package: it works with
JavaScript off and loads nothing from elsewhere. Every field, label, choice and
text comes from the served workbook (inputs, wording, rules, references,
notice), so the page knows the format, not the algorithm. A submitted case is
evaluated and audited exactly as ``POST /evaluate`` does it. The form posts
``application/x-www-form-urlencoded``, read here with the standard library.
"""

from __future__ import annotations

import hmac
import json
import re
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..errors import InputError
from ..feel_types import EXAMPLES, json_value
from ..model import InputSpec
from ..result import Result
from .body import read_limited
from .evaluation import evaluate_audited
from .problems import Problem, status_of
from .registry import ModelSlot, Registry, Serving

router = APIRouter(include_in_schema=False)

FORM_TYPE = "application/x-www-form-urlencoded"
TOKEN_FIELD = "-token"  # not a possible input key: input keys are the Glossary's attribute names
SHA_PREFIX = 12
# A browser's field for an input without a list of values, by the input's kind.
FIELD_TYPES = {"number": "number", "date": "date", "time": "time", "date and time": "datetime-local"}
STATUS_WORDS = {
    "proposed": "proposed pairing",
    "confirmed": "confirmed pairing",
    "unpaired": "not paired with a listed reference",
    "model_source": "the model's own source",
}
# The page's answers hold a patient's case: no cache keeps them.
NO_STORE = {"Cache-Control": "no-store"}


class PageError(Exception):
    """A submission the page refuses before evaluating it: its message, the field at fault and the status."""

    def __init__(self, message: str, status: int, field: str | None = None) -> None:
        self.message = message
        self.status = status
        self.field = field
        super().__init__(message)


@router.api_route("/static/page.css", methods=["GET", "HEAD"])
async def stylesheet() -> Response:
    """The page's one stylesheet, read from the installed package."""
    css = resources.files("atc_dmn.service").joinpath("static", "page.css").read_bytes()
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.api_route("/", methods=["GET", "HEAD"])
async def form(request: Request, model: str | None = None) -> Response:
    """The empty form for the default model, or for ``?model=<id>``."""
    found = _choose(request, model)
    if isinstance(found, Response):
        return found
    slot, serving = found
    return _page(request, slot, serving, {}, None, None)


@router.post("/")
async def submit(request: Request, model: str | None = None) -> Response:
    """Evaluate the submitted form (empty fields are missing inputs) and show the answer or the refusal."""
    found = _choose(request, model)
    if isinstance(found, Response):
        return found
    slot, serving = found
    config = request.app.state.config
    fields = _fields(await _read_form(request, config.max_body))
    given = {k: v for k, v in fields.items() if k != TOKEN_FIELD}
    token = config.token
    if token is not None:
        sent = fields.get(TOKEN_FIELD, "")
        if not hmac.compare_digest(sent.encode(), token.encode()):
            why = "Enter the service's access token." if not sent else "The access token is not right; enter it again."
            return _page(request, slot, serving, given, None, PageError(why, 401, TOKEN_FIELD))
    outcome = _evaluate(request, serving, _case(serving, given))
    if isinstance(outcome, PageError):
        return _page(request, slot, serving, given, None, outcome, token=token)
    return _page(request, slot, serving, given, outcome, None, token=token)


# -- reading the submission ---------------------------------------------------------


async def _read_form(request: Request, limit: int) -> bytes:
    """The form's body: refused past ``limit`` bytes, or when it is not a form, as the JSON routes refuse theirs."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != FORM_TYPE:
        raise Problem(
            "UNSUPPORTED_MEDIA_TYPE",
            f"the body is {kind[:60] or 'of no type'}; the page's form is sent as {FORM_TYPE}",
            allowed=[FORM_TYPE],
        )
    return await read_limited(request, limit)


def _fields(body: bytes) -> dict[str, str]:
    """The form's fields by name; a name given twice is refused (a case names each input once)."""
    try:
        parsed = parse_qs(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Problem("BAD_TEXT", "the form's body is not URL-encoded UTF-8 text") from None
    fields = {}
    for name, values in parsed.items():
        if len(values) > 1:
            raise Problem("DUPLICATE_KEY", f"the form gives '{name[:60]}' {len(values)} times", field=name[:60])
        fields[name] = values[0]
    return fields


def _case(serving: Serving, given: dict[str, str]) -> dict[str, Any]:
    """The case the form describes: empty fields are missing; a listed choice is its value (a boolean for yes/no).

    Any other text goes to the model as typed, which takes or refuses it as it does in JSON.
    """
    specs = {spec.key: spec for spec in serving.model.inputs}
    case: dict[str, Any] = {}
    for key, text in given.items():
        if text == "":
            continue
        spec = specs.get(key)
        if spec is None:
            case[key] = text  # an unknown input: the model refuses it by name
            continue
        listed = {_value_text(v): v for v in _choices(spec)}
        case[key] = listed[text] if text in listed else _browser_text(spec, text)
    return case


def _browser_text(spec: InputSpec, text: str) -> str:
    """A browser's time field may leave out zero seconds ("14:30"), which ISO 8601 text for a FEEL time needs."""
    if spec.kind in ("time", "date and time") and re.fullmatch(r"(.*T)?\d\d:\d\d", text):
        return text + ":00"
    return text


def _evaluate(request: Request, serving: Serving, case: dict[str, Any]) -> Result | PageError:
    """The model's answer for the case, evaluated and audited as the API does it (source "serve", the request id)."""
    answer = evaluate_audited(serving, case, request.app.state.audit, request.scope.get("atc_request_id"))
    if isinstance(answer, Result):
        return answer
    field = answer.field if isinstance(answer, InputError) else None
    return PageError(str(getattr(answer, "message", "") or answer), status_of(answer), field)


def _choose(request: Request, wanted: str | None) -> tuple[ModelSlot, Serving] | Response:
    """The model the page is for: ``?model=<id>`` or the default; a page saying why when there is none."""
    registry: Registry = request.app.state.registry
    slot = registry.by_id.get(wanted) if wanted else registry.default
    if slot is None:
        served = ", ".join(sorted(registry.by_id)) or "none yet"
        what = f"No served model is called '{wanted}'." if wanted else "No model is served."
        return _plain(request, "Model not found", f"{what} Served models: {served}.", 404)
    if slot.current is None:
        name = slot.identifier or slot.path.rsplit("/", 1)[-1]
        return _plain(request, "Model loading", f"No version of {name} has loaded yet; try again shortly.", 503)
    return slot, slot.current


# -- rendering --------------------------------------------------------------------


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", key)


def _value_text(value: Any) -> str:
    """A value as the form sends it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return str(json_value(value))


def _show(value: Any) -> str:
    """A value as a person reads it: yes/no for booleans, "unknown" for a missing value."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value) or "none"
    return _value_text(value)


def _shown_code(value: Any) -> str:
    """An output's code as shown: a table that decided nothing gives no value, which is not "unknown"."""
    return "no value" if value is None else _value_text(value)


def _choices(spec: InputSpec) -> list[Any]:
    listed = [v for v in spec.allowed if v is not None]
    if spec.kind == "boolean" and not listed:
        return [True, False]
    return listed


def _plain(request: Request, title: str, message: str, status: int) -> Response:
    body = f'<main class="page"><h1>{_e(title)}</h1><p role="alert" class="alert">{_e(message)}</p></main>'
    return HTMLResponse(_document(title, body, ""), status, headers=NO_STORE)


def _document(title: str, body: str, classes: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n"
        '<link rel="stylesheet" href="/static/page.css">\n</head>\n'
        f'<body class="{classes}">\n{body}\n</body>\n</html>\n'
    )


def _page(
    request: Request,
    slot: ModelSlot,
    serving: Serving,
    given: dict[str, str],
    result: Result | None,
    refusal: PageError | None,
    token: str | None = None,
) -> Response:
    """The whole page: identity, notice, the form with the choices kept, and the answer or the refusal."""
    registry: Registry = request.app.state.registry
    model = serving.model
    info = model.info
    action = "/?model=" + quote(slot.identifier, safe="") + "#recommendation"
    parts = [
        _masthead(serving, registry, slot),
        '<main class="page">',
        f'<aside class="notice" aria-labelledby="notice-title"><h2 id="notice-title">Notice</h2>'
        f"<p>{_e(info.notice)}</p></aside>"
        if info.notice
        else "",
    ]
    if refusal is not None:
        parts.append(
            '<div class="alert" role="alert" id="form-error"><h2>The case was not evaluated</h2>'
            f"<p>{_e(refusal.message)}</p></div>"
        )
    parts.append('<div class="columns">')
    parts.append(_form(request, serving, given, refusal, action, token))
    if result is not None:
        parts.append(_answer(serving, result))
    parts.append("</div></main>")
    title = f"{info.name} {info.version}"
    status = refusal.status if refusal is not None else 200
    html = _document(title, "\n".join(p for p in parts if p), "has-result" if result is not None else "")
    headers = {**serving.headers, **NO_STORE}
    if status == 401:  # the form's token field is the scheme; a program sends the bearer token to the API
        headers["WWW-Authenticate"] = 'Bearer realm="atc-dmn"'
    return HTMLResponse(html, status, headers=headers)


def _masthead(serving: Serving, registry: Registry, current: ModelSlot) -> str:
    ident = serving.model.identity
    info = serving.model.info
    items = [
        ("Identifier", _e(ident.identifier or "—")),
        ("Version", _e(ident.version)),
        ("Effective date", _e(ident.effective_date or "—")),
        ("SHA-256", f'<code title="{_e(ident.sha256)}">{_e(ident.sha256[:SHA_PREFIX])}</code>'),
    ]
    facts = "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in items)
    chooser = ""
    served = [s for s in registry.slots if s.identifier]
    if len(served) > 1:
        options = "".join(
            f'<option value="{_e(s.identifier)}"{" selected" if s is current else ""}>'
            f"{_e(s.current.model.info.name if s.current else s.identifier)} ({_e(s.identifier)})</option>"
            for s in served
        )
        chooser = (
            '<form method="get" action="/" class="chooser"><label for="model-choice">Model</label> '
            f'<select id="model-choice" name="model">{options}</select> <button type="submit">Open</button></form>'
        )
    description = f'<p class="description">{_e(info.description)}</p>' if info.description else ""
    return (
        f'<header class="masthead"><div class="page"><h1>{_e(info.name)}</h1>{description}'
        f'<dl class="identity" aria-label="Model identity">{facts}</dl>{chooser}</div></header>'
    )


def _form(
    request: Request,
    serving: Serving,
    given: dict[str, str],
    refusal: PageError | None,
    action: str,
    token: str | None,
) -> str:
    fields = "\n".join(_field(spec, given.get(spec.key, ""), refusal) for spec in serving.model.inputs)
    access = ""
    if request.app.state.config.token is not None:
        bad = refusal is not None and refusal.field == TOKEN_FIELD
        kept = f' value="{_e(token)}"' if token is not None else ""
        error = f'<p class="field-error" id="error-token">{_e(refusal.message)}</p>' if bad else ""
        described = (
            ' aria-describedby="help-token error-token" aria-invalid="true"'
            if bad
            else (' aria-describedby="help-token"')
        )
        access = (
            '<fieldset class="access"><legend>Access</legend><div class="field">'
            f'<label for="in-token">Access token</label>{error}'
            f'<input type="password" id="in-token" name="{_e(TOKEN_FIELD)}" autocomplete="current-password"'
            f" required{kept}{described}>"
            '<p class="help" id="help-token">The service asks for its token before it evaluates a case.</p>'
            "</div></fieldset>"
        )
    return (
        f'<form method="post" action="{_e(action)}" class="case" aria-labelledby="case-title">'
        '<h2 id="case-title">The case</h2>'
        '<p class="help">Choose "unknown" for what is not known.</p>'
        f"<fieldset><legend>Inputs</legend>\n{fields}\n</fieldset>{access}"
        '<div class="actions"><button type="submit">Evaluate</button> '
        f'<a href="{_e(action.split("#", 1)[0])}">Clear the form</a></div></form>'
    )


def _field(spec: InputSpec, kept: str, refusal: PageError | None) -> str:
    slug = _slug(spec.key)
    field_id, help_id, error_id = f"in-{slug}", f"help-{slug}", f"error-{slug}"
    bad = refusal is not None and refusal.field == spec.key
    described = " ".join(i for i in (help_id if spec.meaning else "", error_id if bad else "") if i)
    aria = (f' aria-describedby="{described}"' if described else "") + (' aria-invalid="true"' if bad else "")
    name = _e(spec.key)
    choices = _choices(spec)
    if choices:
        unknown = "unknown" if spec.default is None else f"unknown (taken as {_show(spec.default)})"
        options = [f'<option value=""{" selected" if kept == "" else ""}>{_e(unknown)}</option>']
        for value in choices:
            text = _value_text(value)
            selected = " selected" if text == kept else ""
            options.append(f'<option value="{_e(text)}"{selected}>{_e(_show(value))}</option>')
        control = f'<select id="{field_id}" name="{name}"{aria}>{"".join(options)}</select>'
    else:
        kind = FIELD_TYPES.get(spec.kind, "text")
        extra = ' step="any"' if kind == "number" else ' step="1"' if kind in ("time", "datetime-local") else ""
        if spec.default is not None:
            extra += f' placeholder="unknown (taken as {_e(_show(spec.default))})"'
        elif kind == "text" and spec.kind in EXAMPLES:
            extra += f' placeholder="e.g. {_e(EXAMPLES[spec.kind].strip(chr(34)))}"'
        control = f'<input type="{kind}" id="{field_id}" name="{name}" value="{_e(kept)}"{extra}{aria}>'
    help_text = f'<p class="help" id="{help_id}">{_e(spec.meaning)}</p>' if spec.meaning else ""
    error = f'<p class="field-error" id="{error_id}">{_e(refusal.message)}</p>' if bad else ""
    return (
        f'<div class="field{" invalid" if bad else ""}"><label for="{field_id}">{_e(spec.name or spec.key)}</label>'
        f"{error}{control}{help_text}</div>"
    )


def _answer(serving: Serving, result: Result) -> str:
    labels = {o["name"]: o["label"] for o in serving.description["outputs"]}
    return (
        '<section class="answer" aria-labelledby="recommendation">'
        + _recommendation(result, labels)
        + _case_seen(serving, result)
        + _rules(result)
        + _cited(result)
        + _reference_list(result)
        + "</section>"
    )


def _recommendation(result: Result, labels: dict[str, str]) -> str:
    rows = []
    for key, value in result.decision.items():
        slug = _slug(key)
        wording = result.text.get(key)
        data = f'data-output="{_e(key)}" data-value="{_e(json.dumps(value, default=json_value))}"'
        if isinstance(value, list):
            items = "".join(
                f'<li><code class="code">{_e(_value_text(code))}</code> {_e(text)}</li>'
                for code, text in zip(value, wording or [])
            )
            body = f'<output id="decision-{slug}" {data}><ul class="codes">{items}</ul></output>'
            if not value:
                body = f'<output id="decision-{slug}" {data}><p>none</p></output>'
        else:
            body = (
                f'<output id="decision-{slug}" {data}><code class="code">{_e(_shown_code(value))}</code></output>'
                f'<p class="wording">{_e(wording if wording is not None else "")}</p>'
            )
        rows.append(f'<div class="output"><h3>{_e(labels.get(key, key))}</h3>{body}</div>')
    return f'<h2 id="recommendation">Recommendation</h2><div class="outputs">{"".join(rows)}</div>'


def _case_seen(serving: Serving, result: Result) -> str:
    names = {spec.key: spec.name or spec.key for spec in serving.model.inputs}
    rows = "".join(
        f'<tr><th scope="row">{_e(names.get(k, k))}</th><td>{_e(_show(v))}</td></tr>' for k, v in result.inputs.items()
    )
    return (
        '<h2 id="case-seen">The case as evaluated</h2>'
        '<p class="help">Missing inputs with a default are shown with the default the model used.</p>'
        f'<table class="seen"><thead><tr><th scope="col">Input</th><th scope="col">Value</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _rules(result: Result) -> str:
    tables = []
    for step in result.trace:
        seen = ", ".join(f"{name}: {_show(v)}" for name, v in step.inputs.items())
        rules = []
        for rule in step.rules:
            notes = dict(rule.annotations) or ({"": rule.annotation} if rule.annotation else {})
            text = "".join(
                f'<p class="annotation">{f"<span class=note-name>{_e(k)}:</span> " if len(notes) > 1 else ""}'
                f"{_e(v)}</p>"
                for k, v in notes.items()
            )
            cites = ""
            if rule.citations:
                links = ", ".join(f'<a href="#cite-{_slug(str(c))}">[{_e(c)}]</a>' for c in rule.citations)
                cites = f'<p class="citations">Cites {links}</p>'
            rules.append(
                f'<li class="rule" data-rule="{_e(rule.id)}"><code class="rule-id">{_e(rule.id)}</code>'
                f'<span class="where">{_e(rule.sheet)}, row {_e(rule.row)}</span>{text}{cites}</li>'
            )
        fired = f'<ol class="rules">{"".join(rules)}</ol>' if rules else '<p class="help">No rule fired.</p>'
        tables.append(
            f'<div class="table-trace" data-table="{_e(step.table)}"><h3>{_e(step.table)} '
            f'<span class="policy">hit policy {_e(step.hit_policy)}</span></h3>'
            f'<p class="seen-inputs">Saw {_e(seen) or "no inputs"}</p>{fired}</div>'
        )
    return f'<h2 id="rules-fired">The rules that fired</h2>{"".join(tables)}'


def _entry(entry: dict[str, Any]) -> str:
    parts = [entry.get("title"), entry.get("source"), entry.get("year")]
    kind = f' <span class="kind">({_e(entry["kind"])})</span>' if entry.get("kind") else ""
    return _e(". ".join(str(p) for p in parts if p)) + kind


def _cited(result: Result) -> str:
    if not result.references:
        return '<h2 id="references-cited">References cited</h2><p class="help">The rules that fired cite none.</p>'
    items = []
    for ref in result.references:
        n = ref["citation"]
        status = STATUS_WORDS.get(ref["status"], ref["status"])
        entry = ref["entry"]
        what = (
            f'<a href="#entry-{_slug(str(entry["entry"]))}">{_e(entry["entry"])}</a>: {_entry(entry)}'
            if entry
            else "no listed reference"
        )
        reason = f'<p class="reason">{_e(ref["reason"])}</p>' if ref.get("reason") else ""
        items.append(
            f'<li id="cite-{_slug(str(n))}" data-citation="{_e(n)}" data-status="{_e(ref["status"])}">'
            f'<span class="cite">[{_e(n)}]</span> {what} <span class="status">{_e(status)}</span>{reason}</li>'
        )
    return f'<h2 id="references-cited">References cited</h2><ul class="references">{"".join(items)}</ul>'


def _reference_list(result: Result) -> str:
    if not result.reference_list:
        return ""
    items = "".join(
        f'<li id="entry-{_slug(str(e["entry"]))}"><span class="cite">{_e(e["entry"])}</span> {_entry(e)}</li>'
        for e in result.reference_list
    )
    return f'<h2 id="reference-list">Reference list</h2><ul class="references">{items}</ul>'
