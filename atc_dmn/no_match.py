"""What a single-hit table gives when no rule matches: the Model sheet's ``No match`` property.

``error`` (the default, which the clinical model keeps): a gap is a located
error when the model is checked, and an evaluation that matches no rule is
refused, so a case never gets a silently missing recommendation. ``null``:
DMN's semantics, for models from elsewhere: the table gives each output's
default (the Glossary's *Default when missing*, DMN's ``defaultOutputEntry``),
else null, and gaps are warnings. Multiple-hit tables are the same under
both: an empty list, ``0`` for C#, null for C+, C< and C>.
"""

from __future__ import annotations

import dataclasses

from .model import InputSpec, ModelInfo

PROPERTY = "no match"  # as the Model sheet's loader keys it (lower case)
ERROR = "error"
NULL = "null"
CHOICES = (ERROR, NULL)


def no_match(info: ModelInfo) -> str:
    """The model's choice, ``error`` or ``null`` (the loader has refused any other value)."""
    value = str(info.extra.get(PROPERTY, "") or "").strip().lower()
    return value if value in CHOICES else ERROR


def with_dmn_nulls(specs: tuple[InputSpec, ...], info: ModelInfo) -> tuple[InputSpec, ...]:
    """Under ``null``, every input may be missing, as in DMN (a missing input is null, and a table
    that cannot decide gives null); under ``error`` the inputs keep what the Glossary says."""
    if no_match(info) != NULL:
        return specs
    return tuple(s if s.optional else dataclasses.replace(s, optional=True) for s in specs)
