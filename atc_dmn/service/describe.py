"""What a client can learn of a model before sending a case: identity, inputs, outputs, a JSON Schema.

Everything here is read from the workbook (via the loaded model): the runtime
knows the format, not the algorithm.
"""

from __future__ import annotations

from typing import Any

from ..engine import DecisionModel
from ..inputs import MAX_STRING
from ..model import InputSpec

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
# A temporal input's JSON Schema string format (ISO 8601 text, as the normaliser reads it).
FORMATS = {
    "date": "date",
    "time": "time",
    "date and time": "date-time",
    "days and time duration": "duration",
    "years and months duration": "duration",
}


def identity(model: DecisionModel) -> dict[str, Any]:
    """The model's identity with its description, source and notice."""
    info = model.info
    return {
        **model.identity.to_dict(),
        "description": info.description,
        "source": info.source,
        "notice": info.notice,
    }


def outputs(model: DecisionModel) -> list[dict[str, Any]]:
    """Each output key with the codes its wording covers, and their wording."""
    found = []
    wording = model.model.wording
    for var in model.model.variables_with_role("output"):
        codes = [{"code": code, "text": text} for (key, code), text in wording.items() if key == var.key]
        found.append({"name": var.key, "label": var.name, "meaning": var.meaning, "codes": codes})
    return found


def description(model: DecisionModel) -> dict[str, Any]:
    """``GET /models/{id}``'s body, less the serving state."""
    return {
        "model": identity(model),
        "inputs": [spec.to_dict() for spec in model.inputs],
        "outputs": outputs(model),
    }


def case_schema(model: DecisionModel) -> dict[str, Any]:
    """A JSON Schema (2020-12) of one case: every input, its type and allowed values; nothing else."""
    properties = {spec.key: _input_schema(spec) for spec in model.inputs}
    required = [spec.key for spec in model.inputs if not spec.optional and spec.default is None]
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA,
        "title": f"A case for {model.info.name} {model.info.version}",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def _input_schema(spec: InputSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"title": spec.name, "description": spec.meaning}
    allowed = [v for v in spec.allowed if v is not None]
    if spec.kind == "boolean":
        out["type"] = ["boolean", "null"]
    elif spec.kind == "category" and allowed:
        out["enum"] = [*allowed, None]
    elif spec.kind == "number":
        if allowed:
            out["enum"] = [*allowed, None]
        else:
            out["type"] = ["number", "null"]
    elif spec.kind in FORMATS:
        out["type"] = ["string", "null"]
        out["format"] = FORMATS[spec.kind]
    elif spec.kind == "string":
        if allowed:
            out["enum"] = [*allowed, None]
        else:
            out["type"] = ["string", "null"]
            out["maxLength"] = MAX_STRING
    else:  # an untyped input: any plain value
        out["type"] = ["string", "number", "boolean", "null"]
    if spec.default is not None:
        out["default"] = spec.default
    return out
