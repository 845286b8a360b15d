"""Tools for testing a CDS Hooks service from the outside: a stub FHIR server, the response checker, JWTs.

- :class:`StubFhirServer`: a FHIR server on loopback (a threaded ``http.server`` on a
  free port) answering ``Patient/{id}``, ``Condition?patient=`` and
  ``Observation?patient=`` from a patient file's prefetch, recording every request
  with its ``Authorization`` header; it can be told to fail or to be too slow.
- :func:`response_problems` / :func:`assert_valid_response`: the CDS Hooks 2.0.1
  response rules, with the invariants cds-resp-1..7 (HL7/cds-hooks
  input/fsh/invariants/, their FHIRPath written out in Python at the element each
  applies to in CDSHooksResponse.fsh) and the card's required fields; every problem
  names its rule.
- :class:`JwtFactory`: ES384 and RS384 keys made per test session, their JWK Set
  file, and CDS Hooks client tokens (``iss``, ``aud``, ``exp``, ``iat``, ``jti``) in
  the variants a service must accept or refuse.
- :func:`load_patient`, :func:`hook_request`: a patient file (tests/data/cds) as the
  request an EHR sends, its prefetch keyed as the service's discovery asks.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

DATA = Path(__file__).resolve().parent / "data" / "cds"
INDICATORS = ("info", "warning", "critical")
SELECTION = ("at-most-one", "any")
ACTION_TYPES = ("create", "update", "delete")
LINK_TYPES = ("absolute", "smart")
SUMMARY_LIMIT = 140  # "<140-character summary"


# -- patient files ---------------------------------------------------------------------------------------------


def patient_files() -> list[Path]:
    return sorted(DATA.glob("patient-*.json"))


def load_patient(name_or_path: str | Path) -> dict[str, Any]:
    """A patient file by path or by its name (``05-ivc-undecided`` or ``patient-05-ivc-undecided``)."""
    path = Path(name_or_path)
    if not path.exists():
        stem = str(name_or_path).removeprefix("patient-").removesuffix(".json")
        path = DATA / f"patient-{stem}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def load_spec_example(name: str) -> Any:
    """One of the CDS Hooks 2.0.1 specification's examples kept in tests/data/cds (``spec-<name>.json``)."""
    return json.loads((DATA / f"spec-{name}.json").read_text(encoding="utf-8"))


_TEMPLATE_TYPE = re.compile(r"^\s*([A-Z][A-Za-z]+)\b")


def prefetch_keys(service: Mapping[str, Any]) -> dict[str, str]:
    """A discovery entry's prefetch keys by the resource type of their template (``Patient``, ``Condition``, ...)."""
    found: dict[str, str] = {}
    for key, template in (service.get("prefetch") or {}).items():
        match = _TEMPLATE_TYPE.match(str(template))
        if match:
            found.setdefault(match.group(1), key)
    return found


_FILE_KEYS = {"patient": "Patient", "conditions": "Condition", "observations": "Observation"}


def hook_request(
    patient: Mapping[str, Any],
    keys: Mapping[str, str] | None = None,
    *,
    leave_out: Iterable[str] = (),
    null: Iterable[str] = (),
    fhir_server: str | None = None,
    access_token: str | None = None,
    hook_instance: str | None = None,
) -> dict[str, Any]:
    """The ``patient-view`` request for a patient file.

    ``keys`` maps resource types to the service's prefetch keys (:func:`prefetch_keys`);
    without it the file's own keys are used. ``leave_out`` (resource types) are keys
    the EHR did not satisfy (absent); ``null`` are keys whose query found nothing.
    """
    keys = dict(keys or {v: k for k, v in _FILE_KEYS.items()})
    leave_out, null = set(leave_out), set(null)
    prefetch: dict[str, Any] = {}
    for file_key, value in patient["prefetch"].items():
        kind = _FILE_KEYS[file_key]
        if kind in leave_out or kind not in keys:
            continue
        prefetch[keys[kind]] = None if kind in null else copy.deepcopy(value)
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": hook_instance or str(uuid.uuid4()),
        "context": copy.deepcopy(patient["context"]),
        "prefetch": prefetch,
    }
    if fhir_server is not None:
        body["fhirServer"] = fhir_server
    if access_token is not None:
        body["fhirAuthorization"] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/Patient.read user/Condition.read user/Observation.read",
            "subject": "atc-dmn",
        }
    return body


# -- the stub FHIR server --------------------------------------------------------------------------------------


@dataclass
class SeenRequest:
    """One request the stub FHIR server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None
    accept: str | None


@dataclass
class _Behaviour:
    status: int = 200  # answered to every request when not 200
    delay: float = 0.0  # seconds before answering
    patients: dict[str, dict[str, Any]] = field(default_factory=dict)  # patient id -> the file's prefetch


class StubFhirServer:
    """A FHIR R4 server on 127.0.0.1 that serves patient files' data; ``with StubFhirServer() as fhir: ...``.

    ``fhir.add(patient_file)`` serves that patient; ``fhir.url`` is the ``fhirServer``
    base; ``fhir.requests`` lists what it was asked, with the Authorization header.
    ``fhir.fail(status)`` answers every request with ``status`` (an OperationOutcome),
    ``fhir.slow(seconds)`` answers late, ``fhir.reset()`` undoes both and forgets
    the requests.
    """

    def __init__(self) -> None:
        self.requests: list[SeenRequest] = []
        self._behaviour = _Behaviour()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/fhir"
        self._thread = threading.Thread(target=self._server.serve_forever, name="stub-fhir", daemon=True)

    def __enter__(self) -> StubFhirServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, patient: Mapping[str, Any]) -> StubFhirServer:
        with self._lock:
            self._behaviour.patients[patient["context"]["patientId"]] = copy.deepcopy(dict(patient["prefetch"]))
        return self

    def fail(self, status: int = 500) -> None:
        self._behaviour.status = status

    def slow(self, seconds: float) -> None:
        self._behaviour.delay = seconds

    def reset(self) -> None:
        with self._lock:
            self._behaviour.status = 200
            self._behaviour.delay = 0.0
            self.requests.clear()

    def seen(self, path_prefix: str = "") -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    def _answer(self, seen: SeenRequest) -> tuple[int, dict[str, Any]]:
        behaviour = self._behaviour
        if behaviour.status != 200:
            return behaviour.status, _outcome(
                "exception", f"the stub FHIR server was told to answer {behaviour.status}"
            )
        parts = seen.path.removeprefix("/fhir").strip("/").split("/")
        if len(parts) == 2 and parts[0] == "Patient":
            data = behaviour.patients.get(parts[1])
            if data is None:
                return 404, _outcome("not-found", f"Patient/{parts[1]} is not known")
            return 200, data["patient"]
        if len(parts) == 1 and parts[0] in ("Condition", "Observation"):
            wanted = (seen.query.get("patient") or seen.query.get("subject") or [""])[0].removeprefix("Patient/")
            data = behaviour.patients.get(wanted)
            key = "conditions" if parts[0] == "Condition" else "observations"
            if data is None:
                return 200, {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
            return 200, data[key]
        return 404, _outcome("not-supported", f"{seen.path} is not a read or search this server answers")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                seen = SeenRequest(
                    "GET",
                    split.path,
                    parse_qs(split.query),
                    self.headers.get("Authorization"),
                    self.headers.get("Accept"),
                )
                with stub._lock:
                    stub.requests.append(seen)
                    delay = stub._behaviour.delay
                if delay:
                    time.sleep(delay)
                status, body = stub._answer(seen)
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/fhir+json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the service gave up waiting (a timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _outcome(code: str, text: str) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}


# -- the response checker --------------------------------------------------------------------------------------


def _exists(value: Any) -> bool:
    """FHIRPath ``exists()`` on a JSON value: present, and not null, an empty string or an empty list."""
    return value is not None and value != "" and value != []


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _uuid_ok(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        return str(uuid.UUID(text.removeprefix("urn:uuid:"))) == text.removeprefix("urn:uuid:").lower()
    except ValueError:
        return False


def _action_problems(action: Any, where: str, problems: list[str]) -> None:
    if not isinstance(action, Mapping):
        problems.append(f"{where}: an Action is a JSON object")
        return
    if action.get("type") not in ACTION_TYPES:
        problems.append(f"{where}.type: {action.get('type')!r} is not one of {', '.join(ACTION_TYPES)}")
    # cds-resp-2: (type = 'delete') implies (resourceId.exists() and resource.empty())
    if action.get("type") == "delete" and not (
        _exists(action.get("resourceId")) and not _exists(action.get("resource"))
    ):
        problems.append(f"cds-resp-2 {where}: a delete action gives a resourceId and no resource")


def response_problems(response: Any) -> list[str]:
    """Every way ``response`` (a parsed CDS Hooks response body) breaks the 2.0.1 rules; each names its rule."""
    if not isinstance(response, Mapping):
        return ["the response is a JSON object"]
    problems: list[str] = []
    cards = response.get("cards")
    if not isinstance(cards, list):
        problems.append("cards: REQUIRED, an array of Cards")
        cards = []
    for number, card in enumerate(cards):
        at = f"cards[{number}]"
        if not isinstance(card, Mapping):
            problems.append(f"{at}: a Card is a JSON object")
            continue
        summary = card.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            problems.append(f"{at}.summary: REQUIRED, a string")
        elif len(summary) >= SUMMARY_LIMIT:
            problems.append(f"{at}.summary: {len(summary)} characters; a summary is <{SUMMARY_LIMIT}")
        if card.get("indicator") not in INDICATORS:
            problems.append(f"{at}.indicator: {card.get('indicator')!r} is not one of {', '.join(INDICATORS)}")
        source = card.get("source")
        if not isinstance(source, Mapping) or not isinstance(source.get("label"), str) or not source["label"].strip():
            problems.append(f"{at}.source.label: REQUIRED, a string")
        elif "topic" in source and not isinstance(source["topic"], Mapping):
            problems.append(f"{at}.source.topic: a Coding")
        if "uuid" in card and not _uuid_ok(card["uuid"]):
            problems.append(f"{at}.uuid: {card['uuid']!r} is not a UUID")
        if "detail" in card and not isinstance(card["detail"], str):
            problems.append(f"{at}.detail: Markdown text")
        suggestions = _items(card.get("suggestions"))
        behaviour = card.get("selectionBehavior")
        if behaviour is not None and behaviour not in SELECTION:
            problems.append(f"{at}.selectionBehavior: {behaviour!r} is not one of {', '.join(SELECTION)}")
        # cds-resp-1: (selectionBehavior = 'at-most-one') implies suggestions.where(isRecommended).count() <= 1
        if behaviour == "at-most-one":
            recommended = sum(1 for s in suggestions if isinstance(s, Mapping) and s.get("isRecommended") is True)
            if recommended > 1:
                problems.append(
                    f"cds-resp-1 {at}: {recommended} suggestions recommended with selectionBehavior at-most-one"
                )
        # cds-resp-6: suggestions.exists() implies selectionBehavior.exists()
        if suggestions and not _exists(behaviour):
            problems.append(f"cds-resp-6 {at}: suggestions without selectionBehavior")
        for s_number, suggestion in enumerate(suggestions):
            s_at = f"{at}.suggestions[{s_number}]"
            if not isinstance(suggestion, Mapping):
                problems.append(f"{s_at}: a Suggestion is a JSON object")
                continue
            if not isinstance(suggestion.get("label"), str) or not suggestion["label"]:
                problems.append(f"{s_at}.label: REQUIRED, a string")
            if "uuid" in suggestion and not _uuid_ok(suggestion["uuid"]):
                problems.append(f"{s_at}.uuid: {suggestion['uuid']!r} is not a UUID")
            actions = _items(suggestion.get("actions"))
            # cds-resp-5: actions.all(description.exists())
            for a_number, action in enumerate(actions):
                if not isinstance(action, Mapping) or not _exists(action.get("description")):
                    problems.append(f"cds-resp-5 {s_at}.actions[{a_number}]: an action without a description")
            # cds-resp-7: actionSelectionBehavior.empty() or one of 'all', 'any', 'at-most-one'
            chosen = suggestion.get("actionSelectionBehavior")
            if _exists(chosen) and chosen not in ("all", "any", "at-most-one"):
                problems.append(f"cds-resp-7 {s_at}: actionSelectionBehavior {chosen!r} is not all, any or at-most-one")
            for a_number, action in enumerate(actions):
                _action_problems(action, f"{s_at}.actions[{a_number}]", problems)
        # cds-resp-4 (on each overrideReason Coding): all(display.exists())
        for r_number, reason in enumerate(_items(card.get("overrideReasons"))):
            if not isinstance(reason, Mapping) or not _exists(reason.get("display")):
                problems.append(f"cds-resp-4 {at}.overrideReasons[{r_number}]: a reason's Coding without a display")
        for l_number, link in enumerate(_items(card.get("links"))):
            l_at = f"{at}.links[{l_number}]"
            if not isinstance(link, Mapping):
                problems.append(f"{l_at}: a Link is a JSON object")
                continue
            for name in ("label", "url"):
                if not isinstance(link.get(name), str) or not link[name]:
                    problems.append(f"{l_at}.{name}: REQUIRED, a string")
            if link.get("type") not in LINK_TYPES:
                problems.append(f"{l_at}.type: {link.get('type')!r} is not one of {', '.join(LINK_TYPES)}")
            # cds-resp-3: (type != 'smart') implies (appContext.empty())
            if link.get("type") != "smart" and _exists(link.get("appContext")):
                problems.append(f"cds-resp-3 {l_at}: appContext on a link whose type is not smart")
    # systemActions share the Action definition (a contentReference), so cds-resp-2 holds for them too.
    for a_number, action in enumerate(_items(response.get("systemActions"))):
        _action_problems(action, f"systemActions[{a_number}]", problems)
    return problems


def assert_valid_response(response: Any, *, uuids: bool = True) -> None:
    """Fail with every problem :func:`response_problems` finds; with ``uuids``, each card must have one (feedback)."""
    problems = response_problems(response)
    if uuids and isinstance(response, Mapping):
        for number, card in enumerate(_items(response.get("cards"))):
            if isinstance(card, Mapping) and "uuid" not in card:
                problems.append(f"cards[{number}].uuid: missing; feedback needs it")
    assert not problems, "the CDS Hooks response breaks its rules:\n- " + "\n- ".join(problems)


def is_operation_outcome(body: Any) -> bool:
    """A FHIR R4 OperationOutcome with at least one issue, each with severity and code."""
    if not isinstance(body, Mapping) or body.get("resourceType") != "OperationOutcome":
        return False
    issues = body.get("issue")
    return (
        isinstance(issues, list)
        and bool(issues)
        and all(isinstance(i, Mapping) and i.get("severity") and i.get("code") for i in issues)
    )


# -- JWTs ------------------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class JwtFactory:
    """A CDS Client's signing keys (one ES384, one RS384) and the tokens it sends, made once per test session.

    ``factory.write(folder)`` writes the JWK Set (public keys only) to ``jwks.json`` and
    returns its path; ``factory.token(aud)`` is a valid token for the service URL ``aud``;
    the keyword arguments make the variants a service must refuse.
    """

    def __init__(self, iss: str = "https://ehr.example.org", *, kid_prefix: str = "ehr") -> None:
        self.iss = iss
        self.ec_key = ec.generate_private_key(ec.SECP384R1())
        self.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec_kid = f"{kid_prefix}-es384"
        self.rsa_kid = f"{kid_prefix}-rs384"

    def jwks(self) -> dict[str, Any]:
        keys = [
            {
                **ECAlgorithm.to_jwk(self.ec_key.public_key(), as_dict=True),
                "kid": self.ec_kid,
                "use": "sig",
                "alg": "ES384",
            },
            {
                **RSAAlgorithm.to_jwk(self.rsa_key.public_key(), as_dict=True),
                "kid": self.rsa_kid,
                "use": "sig",
                "alg": "RS384",
            },
        ]
        return {"keys": keys}

    def write(self, folder: Path, name: str = "jwks.json") -> Path:
        path = Path(folder) / name
        path.write_text(json.dumps(self.jwks(), indent=2), encoding="utf-8")
        return path

    def claims(self, aud: str | list[str], *, now: float | None = None, lifetime: float = 300, **extra: Any) -> dict:
        issued = int(time.time() if now is None else now)
        claims = {"iss": self.iss, "aud": aud, "exp": issued + int(lifetime), "iat": issued, "jti": str(uuid.uuid4())}
        claims.update(extra)
        return {k: v for k, v in claims.items() if v is not None}

    def token(
        self,
        aud: str | list[str],
        *,
        alg: str = "ES384",
        now: float | None = None,
        lifetime: float = 300,
        jti: str | None = None,
        iss: str | None = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A signed token (ES384 or RS384) for ``aud``; ``lifetime`` < 0 makes one that has expired."""
        body = self.claims(aud, now=now, lifetime=lifetime, **claims)
        if jti is not None:
            body["jti"] = jti
        if iss is not None:
            body["iss"] = iss
        key, kid = (self.ec_key, self.ec_kid) if alg == "ES384" else (self.rsa_key, self.rsa_kid)
        return jwt.encode(body, key, algorithm=alg, headers={"kid": kid, "typ": "JWT", **(headers or {})})

    def expired(self, aud: str) -> str:
        """Issued ten minutes ago, expired five minutes ago."""
        return self.token(aud, now=time.time() - 600, lifetime=300)

    def unsigned(self, aud: str) -> str:
        """``alg: none``: no signature at all (CDS Hooks: SHALL NOT be used)."""
        header = {"alg": "none", "typ": "JWT", "kid": self.ec_kid}
        return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(self.claims(aud)).encode())}."

    def hs256(self, aud: str, secret: bytes | None = None) -> str:
        """HMAC-signed (HS256), with the EC public key's JWK text as the secret: the classic key-confusion try."""
        secret = secret if secret is not None else json.dumps(self.jwks()["keys"][0], sort_keys=True).encode()
        header = {"alg": "HS256", "typ": "JWT", "kid": self.ec_kid}
        signing = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(self.claims(aud)).encode())}"
        signature = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
        return f"{signing}.{_b64(signature)}"

    def stranger(self, aud: str) -> str:
        """Signed by a key of an issuer the service was not told about."""
        other = JwtFactory("https://unknown-ehr.example.net", kid_prefix="stranger")
        return other.token(aud)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the workbook's Cards sheet, read as a clinician sees it -------------------------------------------------


@dataclass(frozen=True)
class CardsSheet:
    """The Cards sheet's three tables as openpyxl reads the cells (never through atc_dmn)."""

    summaries: dict[tuple[str, str], str]  # (output, code) -> summary
    indicators: list[tuple[str, str, str]]  # (indicator, output, code), in order; ("x", "", "") is "otherwise"
    situations: dict[str, tuple[str, str]]  # situation -> (indicator, summary)

    def summary_for(self, decision: Mapping[str, Any]) -> str | None:
        output = next(iter(self.summaries))[0] if self.summaries else ""
        return self.summaries.get((output, _text(decision.get(output))))

    def indicator_for(self, decision: Mapping[str, Any]) -> str:
        """The first row whose output has the code (a list output has each code it lists); else ``info``."""
        for indicator, output, code in self.indicators:
            if not output and not code:
                return indicator
            value = decision.get(output)
            values = [_text(v) for v in value] if isinstance(value, list | tuple) else [_text(value)]
            if code in values:
                return indicator
        return "info"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).strip()


def read_cards_sheet(workbook: Path) -> CardsSheet:
    """The three tables, each found by its heading row (Output | Code | Summary, and so on)."""
    import openpyxl

    sheet = openpyxl.load_workbook(workbook, read_only=True, data_only=True)["Cards"]
    grid = [[_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]

    def table(*heads: str) -> list[list[str]]:
        for r, row in enumerate(grid):
            for c in range(len(row)):
                if [h.lower() for h in row[c : c + len(heads)]] == [h.lower() for h in heads]:
                    found = []
                    for below in grid[r + 1 :]:
                        cells = (below[c : c + len(heads)] + [""] * len(heads))[: len(heads)]
                        if not any(cells):
                            break
                        found.append(cells)
                    return found
        raise LookupError(f"the Cards sheet has no table headed {' | '.join(heads)}")

    summaries = {(o, code): s for o, code, s in table("Output", "Code", "Summary")}
    indicators = [(i, o, code) for i, o, code in table("Indicator", "Output", "Code")]
    situations = {name: (i, s) for name, i, s in table("Situation", "Indicator", "Summary")}
    return CardsSheet(summaries, indicators, situations)


# -- reading a card's detail -----------------------------------------------------------------------------------

_ESCAPED = re.compile(r"\\([\\`*_\[\]<>|~&!#])")


def plain(markdown: str) -> str:
    """Markdown with its backslash escapes undone, so references and codes can be found as text."""
    return _ESCAPED.sub(r"\1", markdown)


def section(detail: str, heading: str) -> str:
    """The text of one ``### heading`` section of a card's detail ("" when it has none)."""
    found = re.search(rf"^###\s+{re.escape(heading)}\s*$(.*?)(?=^###\s|\Z)", detail, re.M | re.S)
    return found.group(1) if found else ""


def codes_in(text: str) -> list[str]:
    """The code spans of a Markdown text, in order (``code`` and ```` `` code `` ````)."""
    return [m.group(2).strip() for m in re.finditer(r"(`+)(.+?)\1", text)]


# -- a site's copy of the workbook, its FHIR sheet reading the stage group -------------------------------------

SITE_ID = "atc-treatment-site"
LOCAL_STAGE = "http://hospital.example.org/fhir/CodeSystem/ajcc-stage-group"  # as tests/make_cds_bundles.py
STAGE_GROUP_CODES = (("http://snomed.info/sct", "399537006"), ("http://loinc.org", "21908-9"))


def site_workbook(shipped: Path, folder: Path) -> Path:
    """A copy of the shipped workbook as a site would adapt it in Excel (openpyxl here), served as ``SITE_ID``.

    Its FHIR sheet gains three mapping rows reading the recorded AJCC stage group from the
    hospital's local codes (the shipped sheet reads no stage group: mCODE lists no SNOMED CT
    code for IVA, IVB or IVC), and the criterion "stage group" they require (mCODE's
    stage group codes). Nothing else changes.
    """
    import openpyxl

    book = openpyxl.load_workbook(shipped)
    model = book["Model"]
    label = next(c for row in model.iter_rows() for c in row if c.value == "Identifier")
    model.cell(row=label.row, column=label.column + 1, value=SITE_ID)
    sheet = book["FHIR"]

    def heading(text: str, second: str) -> tuple[int, int]:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value == text and sheet.cell(row=cell.row, column=cell.column + 1).value == second:
                    return cell.row, cell.column
        raise LookupError(f"the FHIR sheet has no list headed {text} | {second}")

    def last_row(top: int, col: int) -> int:
        row = top + 1
        while sheet.cell(row=row, column=col).value is not None:
            row += 1
        return row - 1

    top, col = heading("Input", "Value")
    end = last_row(top, col)
    sheet.insert_rows(end + 1, 3)
    for offset, stage in enumerate(("IVA", "IVB", "IVC"), 1):
        cells = [
            "stage",
            stage,
            "Observation",
            "value",
            LOCAL_STAGE,
            stage,
            "stage group",
            None,
            "unverified",
            "This hospital's local AJCC stage group code.",
        ]
        for index, value in enumerate(cells):
            sheet.cell(row=end + offset, column=col + index, value=value)
    top, col = heading("Criterion", "Element")
    end = last_row(top, col)
    for offset, (system, code) in enumerate(STAGE_GROUP_CODES, 1):
        for index, value in enumerate(
            ("stage group", "code", system, code, "mCODE 4.0.0 TNMStageGroupStagingTypeMaxVS")
        ):
            sheet.cell(row=end + offset, column=col + index, value=value)
    path = Path(folder) / "atc_treatment_site.xlsx"
    book.save(path)
    return path
