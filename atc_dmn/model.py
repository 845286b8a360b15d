"""The typed decision model built from a workbook: what every later stage works on.

These are plain, immutable records. Building them (``loader``) is where a
workbook is checked; compiling them (``compiler``) makes them fast; nothing
here knows anything clinical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .cards import CardRules
from .feel import UnaryTest, Value
from .fhir_mapping import MappingRow
from .origin import NOWHERE, Origin

ROLES = ("input", "output", "intermediate", "check")
HIT_POLICIES = ("U", "A", "P", "F", "R", "O", "C", "C+", "C<", "C>", "C#")
SINGLE_HIT = ("U", "A", "P", "F")
# The annotation column of a decision table whose cells are citation numbers, not notes.
CITATIONS_HEADING = "Citations"
# A check variable with this value lets the case through; any other value refuses it.
CHECK_PASSED = "none"
PAIRING_STATUSES = ("proposed", "confirmed")  # how sure a citation's pairing with a reference entry is


@dataclass(frozen=True)
class Variable:
    """One glossary row: ``name`` is what tables use, ``key`` is what cases and results use."""

    name: str
    concept: str
    attribute: str
    role: str
    default: Value = None
    meaning: str = ""
    origin: Origin = NOWHERE  # its Glossary row
    type: str = ""  # a FEEL type name (temporal.TYPES) from the Glossary's Type column; "" when not declared

    @property
    def cell(self) -> str:
        return self.origin.location

    @property
    def key(self) -> str:
        return self.attribute


def with_role(variables: Mapping[str, Variable], role: str) -> list[Variable]:
    """The variables of one role (input, output, check, intermediate), in glossary order."""
    return [v for v in variables.values() if v.role == role]


@dataclass(frozen=True)
class Column:
    variable: str
    origin: Origin  # its heading
    allowed: UnaryTest | None = None  # the allowed-values row, parsed
    allowed_origin: Origin | None = None

    @property
    def cell(self) -> str:
        return self.origin.location

    @property
    def allowed_cell(self) -> str:
        return self.allowed_origin.location if self.allowed_origin is not None else ""

    @property
    def enumeration(self) -> tuple[Value, ...] | None:
        """The allowed values when they are a plain list of literals, else None."""
        if self.allowed is None or self.allowed.any or self.allowed.negated or not self.allowed.only_literals:
            return None
        return self.allowed.literals


@dataclass(frozen=True)
class Rule:
    id: str
    origin: Origin  # its id cell
    tests: tuple[UnaryTest, ...]
    outputs: tuple[Value, ...]
    annotations: dict[str, str] = field(default_factory=dict)
    citations: tuple[int | str, ...] = ()
    cells: tuple[str, ...] = ()  # coordinates of input cells then output cells

    @property
    def row(self) -> int:
        return self.origin.row

    @property
    def annotation(self) -> str:
        """The first annotation column's text (the rationale)."""
        return next(iter(self.annotations.values()), "")


@dataclass(frozen=True)
class DecisionTable:
    name: str
    origin: Origin  # its name cell
    hit_policy: str
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    rules: tuple[Rule, ...]
    annotation_headings: tuple[str, ...] = ()
    description: str = ""
    purpose: str = ""

    @property
    def sheet(self) -> str:
        return self.origin.source

    @property
    def cell(self) -> str:
        return self.origin.location


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    identifier: str = ""
    effective_date: str = ""
    description: str = ""
    source: str = ""
    notice: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list, as the source gives it."""

    entry: str  # a label: A, B, ... for the source's list; a short name such as AJCC8 for a model source
    title: str
    kind: str = ""
    source: str = ""
    year: str = ""
    own: bool = False  # the model's own source, not the guideline's


@dataclass(frozen=True)
class Citation:
    """What a citation in a rule points to.

    ``number`` is the source's citation number, or a model source's label;
    ``status`` is ``proposed`` or ``confirmed`` for a pairing, ``unpaired``,
    or ``model_source``; ``reason`` says why (or why not).
    """

    number: int | str
    entry: str | None = None
    status: str = "unpaired"
    reason: str = ""


@dataclass(frozen=True)
class TestCase:
    id: str
    description: str
    origin: Origin  # its id cell
    inputs: dict[str, Any]
    expected: dict[str, Any]
    expected_error: str | None = None
    reason: str = ""  # why the expected values are right (the optional Reason column)
    cells: dict[str, str] = field(default_factory=dict)  # input key, "expected.<output>", "id" -> its cell

    @property
    def row(self) -> int:
        return self.origin.row


@dataclass(frozen=True)
class InputSpec:
    """A model input as callers see it: key, allowed values, meaning, default."""

    key: str
    name: str
    kind: str  # "boolean", "category", "number", "any", or (a typed input) "string" or a temporal type name
    allowed: tuple[Value, ...]
    meaning: str
    default: Value = None
    optional: bool = True
    test: UnaryTest | None = None
    type: str = ""  # its variable's declared FEEL type, "" when not declared

    def to_dict(self) -> dict[str, Any]:
        found = {
            "name": self.key,
            "label": self.name,
            "type": self.kind,
            "allowed": [v for v in self.allowed if v is not None],
            "optional": self.optional,
            "default": self.default,
            "meaning": self.meaning,
        }
        if self.type:
            found["feel_type"] = self.type
        return found


@dataclass(frozen=True)
class Model:
    """Everything read from one workbook, before compilation."""

    path: str
    sha256: str
    info: ModelInfo
    variables: dict[str, Variable]
    tables: tuple[DecisionTable, ...]
    wording: dict[tuple[str, Any], str]
    citations: dict[int | str, Citation]
    references: tuple[Reference, ...]
    tests: tuple[TestCase, ...]
    inputs: tuple[InputSpec, ...]
    # (output key, code) -> the origins of its output-key and code cells on the Wording sheet
    wording_origins: dict[tuple[str, Any], tuple[Origin, Origin]] = field(default_factory=dict)
    # The FHIR sheet (fhir_mapping.MappingRow, each with its origin) and the Cards sheet (cards.CardRules);
    # empty / None for a workbook without them, such as one imported from DMN XML.
    fhir_mapping: tuple[MappingRow, ...] = ()
    cards: CardRules | None = None

    def variables_with_role(self, role: str) -> list[Variable]:
        """The glossary's variables of one role, in glossary order (:func:`with_role`)."""
        return with_role(self.variables, role)
