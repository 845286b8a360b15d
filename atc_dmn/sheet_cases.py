"""What the cells of the Test sheet mean, and whether they can mean it.

Shared by ``atc-dmn validate`` (:mod:`.validate.cases` reports the findings)
and ``atc-dmn test`` (which names the same cells when a case fails), so both
read a cell the same way. Imports nothing heavy: ``atc-dmn test`` on a cached
model needs no openpyxl.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from .errors import InputError
from .feel_value import Value, show
from .findings import Findings
from .inputs import coerce
from .model import Model

SHEET = "Test"
# TestCase.cells keys: an input's key; "expected." and an output's key (an input and an output may
# share a key); "expected.error" for the Expected error cell; "id" for the case id. As in case files.
EXPECTED = "expected."
ERROR, ID = EXPECTED + "error", "id"
LISTS = ("C", "R", "O")  # hit policies whose outputs are lists


def sheet_findings(model: Model, findings: Findings | None = None) -> Findings:
    """The Test sheet findings of ``model`` (each at its cell), added to ``findings`` and returned."""
    out = findings if findings is not None else Findings()
    specs = {spec.key: spec for spec in model.inputs}
    codes = output_codes(model)
    inputs = model.variables_with_role("input")
    seen: dict[str, str] = {}
    for case in model.tests:
        where = case.cells.get(ID)
        if case.id in seen:
            out.warning(
                "TEST_CASE_DUPLICATE",
                f"case id '{case.id}' is used twice (also at {SHEET}!{seen[case.id]})",
                SHEET,
                where,
                "Give every case its own id, so that a failure names one row.",
            )
        elif where:
            seen[case.id] = where
        for key, raw in case.inputs.items():
            spec = specs.get(key)
            if spec is None:
                continue  # an input no table reads is reported as INPUT_UNUSED
            try:
                coerce(spec, sheet_value(raw))
            except InputError as error:
                out.warning(
                    "TEST_INPUT_VALUE",
                    f"case {case.id}: {error}",
                    SHEET,
                    case.cells.get(key),
                    "Type a value the input allows (atc-dmn inputs lists them): true or false for yes/no, "
                    "codes exactly as listed, capitals included.",
                )
        for key, raw in case.expected.items():
            if key not in codes:
                continue
            listed, allowed = codes[key]
            items = expected_items(raw) if listed else [scalar(raw)]
            known = {scalar(v) for v in allowed}
            wrong = [item for item in items if item not in known]
            if wrong:
                out.warning(
                    "TEST_EXPECTED_VALUE",
                    f"case {case.id} expects {key} {_shown(wrong)}, which {'is' if len(wrong) == 1 else 'are'} "
                    f"not {'a code' if len(wrong) == 1 else 'codes'} {key} can take"
                    + _close(wrong[0], [scalar(v) for v in allowed]),
                    SHEET,
                    case.cells.get(EXPECTED + key),
                    f"Correct the cell to codes {key} can take ({', '.join(scalar(v) for v in allowed)}); "
                    "a typo here makes the case fail in atc-dmn test.",
                )
        if case.expected_error is not None:
            named = case.expected_error.strip()
            if named not in specs and not any(v.name == named for v in inputs):
                out.warning(
                    "TEST_EXPECTED_ERROR",
                    f"case {case.id}: Expected error '{named}' names no input" + _close(named, list(specs)),
                    SHEET,
                    case.cells.get(ERROR),
                    "Write the input the refusal must name (its key, as atc-dmn inputs lists them), "
                    "or clear the cell if the case must be decided.",
                )
    return out


def output_codes(model: Model) -> dict[str, tuple[bool, tuple[Value, ...]]]:
    """For each output key: whether its value is a list, and the values it can take.

    The values are the deciding column's allowed list, else the values its rules give.
    """
    out: dict[str, tuple[bool, tuple[Value, ...]]] = {}
    for table in model.tables:
        for j, column in enumerate(table.outputs):
            var = model.variables.get(column.variable)
            if var is None or var.role != "output":
                continue
            values = column.enumeration
            if values is None:
                values = tuple(dict.fromkeys((type(r.outputs[j]), r.outputs[j]) for r in table.rules))
                values = tuple(v for _, v in values)
            out[var.key] = (table.hit_policy in LISTS, values)
    return out


def _shown(items: list[str]) -> str:
    return ", ".join(show(i) for i in items) if len(items) > 1 else f"= {show(items[0])}"


def _close(value: Any, choices: list[str]) -> str:
    text = str(value)
    same_case = [c for c in choices if c.lower() == text.lower()]
    close = same_case or difflib.get_close_matches(text, choices, n=1)
    return f" (did you mean {show(close[0])}?)" if close else ""


def sheet_value(value: Any) -> Any:
    """A Test sheet input cell as a case value: "IVB" in quotes or not, null for missing.

    Shared by ``atc-dmn test`` (which runs the case) and ``validate`` (which checks the cell), so both
    read a cell the same way.
    """
    if isinstance(value, str):
        text = value.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            return text[1:-1]
        if text == "null":
            return None
        return text
    return value


def scalar(value: Any) -> str:
    """A value as comparable text: 5 and "5" and 5.0 agree, true and "TRUE" agree, "x" and x agree."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    text = str(value).strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return text.lower() if text.lower() in ("true", "false", "null") else text


def expected_items(value: Any) -> list[str]:
    """The items of an expected list cell (``a, b``, ``a; b`` or ``[a, b]``), each as :func:`scalar` text."""
    if isinstance(value, list | tuple):
        return [scalar(v) for v in value]
    if value is None:
        return []
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [scalar(part.strip()) for part in re.split(r"[;,]", text) if part.strip()]
