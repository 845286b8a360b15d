"""The OpenAPI document: FastAPI's, with each served model's case schema and identifier filled in.

Bodies are read by our own JSON reader, so FastAPI cannot infer their
schemas; this adds them, so that a client generator (or a fuzzer) knows a
case's inputs and allowed values for every served model.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .problems import ERROR_CODES
from .registry import Registry

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "enum": sorted(ERROR_CODES)},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
                "allowed": {"type": "array"},
            },
        }
    },
}


def openapi_document(app: FastAPI, registry: Registry) -> dict[str, Any]:
    """The document for the models loaded now (kept once every model has loaded)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    ids = [slot.identifier for slot in registry.slots if slot.current is not None]
    refs = []
    for slot in registry.slots:
        if slot.current is None:
            continue
        name = "Case_" + "".join(ch if ch.isalnum() else "_" for ch in slot.identifier)
        schema = copy.deepcopy(slot.current.schema)
        schema.pop("$schema", None)
        schemas[name] = schema
        refs.append({"$ref": f"#/components/schemas/{name}"})
    default_ref = refs[0] if refs else {"type": "object"}
    from .cds import is_cds_service

    services = [slot.identifier for slot in registry.slots if is_cds_service(slot.current)]
    for path, item in doc.get("paths", {}).items():
        if path.startswith("/cds-services"):  # CDS Hooks: its own bodies and OperationOutcome errors (service/cds.py)
            for operation in item.values():
                for param in operation.get("parameters", []):
                    if param.get("name") == "service_id" and services:
                        param["schema"] = {"type": "string", "enum": services}
            continue
        for operation in item.values():
            for param in operation.get("parameters", []):
                if param.get("name") == "model_id" and ids:
                    param["schema"] = {"type": "string", "enum": ids}
            if "requestBody" in operation:
                one = {"anyOf": refs} if path.startswith("/models/") and len(refs) > 1 else default_ref
                batch = {
                    "type": "object",
                    "required": ["cases"],
                    "properties": {"cases": {"type": "array", "items": one}},
                    "additionalProperties": False,
                }
                operation["requestBody"]["content"]["application/json"]["schema"] = {"anyOf": [one, batch]}
            for status, response in operation.get("responses", {}).items():
                if status.startswith("4") or status.startswith("5"):
                    response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    if registry.ready():
        app.openapi_schema = doc
    return doc
