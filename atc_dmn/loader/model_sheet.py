"""The Model sheet: the model's name, version and other properties, one per row under 'Property' | 'Value'."""

from __future__ import annotations

from ..model import ModelInfo
from ..no_match import CHOICES, PROPERTY
from .context import Context, Stop, coord

KNOWN = ("name", "version", "identifier", "effective date", "description", "source", "notice")


def read_model_info(ctx: Context) -> ModelInfo:
    findings = ctx.findings
    sheet = ctx.sheet("Model")
    if sheet is None:
        raise Stop
    heads = sheet.find("Property")
    if not heads:
        findings.error(
            "MODEL_INFO",
            "the Model sheet has no 'Property' heading",
            "Model",
            "B2",
            "Put 'Property' and 'Value' headings above the model's name and version.",
        )
        raise Stop
    r, c = heads[0].row, heads[0].col
    props: dict[str, str] = {}
    rows: dict[str, int] = {}
    row = r + 1
    while sheet.text(row, c):
        props[sheet.text(row, c).lower()] = sheet.text(row, c + 1)
        rows[sheet.text(row, c).lower()] = row
        row += 1
    if PROPERTY in props:
        props[PROPERTY] = props[PROPERTY].strip().lower()
        if props[PROPERTY] not in CHOICES:
            findings.error(
                "MODEL_INFO",
                f"'No match' is {props[PROPERTY]!r}; it must be error or null",
                "Model",
                coord(rows[PROPERTY], c + 1),
                "Write error (a table that matches no rule stops the evaluation: the default) "
                "or null (DMN's semantics: the outputs' defaults, else null).",
            )
    for key in ("name", "version"):
        if not props.get(key):
            findings.error(
                "MODEL_INFO",
                f"the Model sheet gives no {key}",
                "Model",
                coord(row, c),
                f"Add a row '{key.capitalize()}' with its value.",
            )
    return ModelInfo(
        props.get("name", ""),
        props.get("version", ""),
        props.get("identifier", ""),
        props.get("effective date", ""),
        props.get("description", ""),
        props.get("source", ""),
        props.get("notice", ""),
        {k: v for k, v in props.items() if k not in KNOWN},
    )
