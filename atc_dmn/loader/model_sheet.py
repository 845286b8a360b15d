"""The Model sheet: the model's name, version and other properties, one per row under 'Property' | 'Value'."""

from __future__ import annotations

from ..model import ModelInfo
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
    row = r + 1
    while sheet.text(row, c):
        props[sheet.text(row, c).lower()] = sheet.text(row, c + 1)
        row += 1
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
