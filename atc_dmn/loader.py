"""Build the typed :class:`Model` from a read workbook, checking every cell on the way.

The workbook follows pyDMNrules' layout (Glossary, Decision, one table per
decision with its hit policy under its name and double borders between
inputs, outputs and annotations) plus four sheets of our own: Model,
Wording, References and Test. Every problem becomes a located finding;
loading stops only when it cannot go on, so a clinician sees all the
mistakes of a cell-level kind at once.
"""

from __future__ import annotations

import re
from typing import Any

from .feel import FeelError, UnaryTest, Value, cell_text, parse_literal, parse_output, parse_unary_tests, show
from .findings import Findings
from .model import (
    HIT_POLICIES,
    ROLES,
    Citation,
    Column,
    DecisionTable,
    InputSpec,
    Model,
    ModelInfo,
    Reference,
    Rule,
    TestCase,
    Variable,
)
from .workbook import RawWorkbook, Sheet, get_column_letter

RESERVED = ("Glossary", "Decision", "Test", "Model", "Wording", "References")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CITATIONS_HEADING = "Citations"


def coord(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def build_model(raw: RawWorkbook, findings: Findings | None = None) -> Model:
    """Build the model; raise :class:`ModelError` (with every finding) if any error was found."""
    own = findings if findings is not None else Findings()
    model = _Builder(raw, own).build()
    own.raise_if_errors()
    assert model is not None
    return model


class _Stop(Exception):
    """Raised inside the builder when going on would only produce noise."""


class _Builder:
    def __init__(self, raw: RawWorkbook, findings: Findings) -> None:
        self.raw = raw
        self.f = findings
        self.variables: dict[str, Variable] = {}
        # False once a table could not be built: what it reads and decides is then unknown, so
        # "unused" and "not produced" findings would only repeat its error in misleading words.
        self.complete = True
        self.table_names: set[str] = set()

    # -- helpers -----------------------------------------------------------
    def sheet(self, name: str, required: bool = True) -> Sheet | None:
        sheet = self.raw.sheet(name)
        if sheet is None and required:
            present = ", ".join(self.raw.sheets) or "none"
            self.f.error(
                "SHEET_MISSING",
                f"the workbook has no sheet named '{name}' (sheets: {present})",
                sheet=name,
                hint=f"Add a sheet named exactly '{name}', or rename the one that was renamed.",
            )
        return sheet

    def formula_check(self, sheet: Sheet, row: int, col: int) -> bool:
        cell = sheet.get(row, col)
        if cell is not None and cell.formula:
            self.f.error(
                "CELL_FORMULA",
                f"cell holds a formula ({cell.value}); rules must be typed values",
                sheet.name,
                coord(row, col),
                "Replace the formula with the value it should hold.",
            )
            return True
        return False

    # -- sheets ------------------------------------------------------------
    def build(self) -> Model | None:
        for sheet in self.raw.sheets.values():
            for cell in sheet.cells.values():
                if cell.formula:
                    self.f.error(
                        "CELL_FORMULA",
                        f"cell holds a formula ({cell.value}); type the value instead",
                        sheet.name,
                        cell.coordinate,
                        "Replace the formula with the value it should hold.",
                    )
        try:
            info = self.model_info()
            self.glossary()
            order = self.decision()
            built = [self.table(*entry) for entry in order]
            self.complete = all(t is not None for t in built)
            tables = tuple(t for t in built if t is not None)
            self.graph(tables)
            wording = self.wording()
            citations, references = self.references()
            self.check_citations(tables, citations)
            inputs = self.input_specs(tables)
            tests = self.tests()
        except _Stop:
            return None
        if self.f.errors:
            return None
        return Model(
            str(self.raw.path),
            self.raw.sha256,
            info,
            self.variables,
            tables,
            wording,
            citations,
            references,
            tests,
            inputs,
        )

    def model_info(self) -> ModelInfo:
        sheet = self.sheet("Model")
        if sheet is None:
            raise _Stop
        heads = sheet.find("Property")
        if not heads:
            self.f.error(
                "MODEL_INFO",
                "the Model sheet has no 'Property' heading",
                "Model",
                "B2",
                "Put 'Property' and 'Value' headings above the model's name and version.",
            )
            raise _Stop
        r, c = heads[0].row, heads[0].col
        props: dict[str, str] = {}
        row = r + 1
        while sheet.text(row, c):
            props[sheet.text(row, c).lower()] = sheet.text(row, c + 1)
            row += 1
        for key in ("name", "version"):
            if not props.get(key):
                self.f.error(
                    "MODEL_INFO",
                    f"the Model sheet gives no {key}",
                    "Model",
                    coord(row, c),
                    f"Add a row '{key.capitalize()}' with its value.",
                )
        known = ("name", "version", "identifier", "effective date", "description", "source", "notice")
        return ModelInfo(
            props.get("name", ""),
            props.get("version", ""),
            props.get("identifier", ""),
            props.get("effective date", ""),
            props.get("description", ""),
            props.get("source", ""),
            props.get("notice", ""),
            {k: v for k, v in props.items() if k not in known},
        )

    def glossary(self) -> None:
        sheet = self.sheet("Glossary")
        if sheet is None:
            raise _Stop
        titles = [c for c in sheet.cells.values() if isinstance(c.value, str) and c.value.startswith("Glossary")]
        if not titles:
            self.f.error(
                "GLOSSARY_HEADING",
                "the Glossary sheet has no cell starting with 'Glossary'",
                "Glossary",
                "B2",
                "Type 'Glossary' in B2 and the headings below it.",
            )
            raise _Stop
        top = min(titles, key=lambda c: (c.row, c.col))
        r, c = top.row + 1, top.col
        heads = {}
        col = c
        while sheet.text(r, col):
            heads[sheet.text(r, col)] = col
            col += 1
        for needed in ("Variable", "Business Concept", "Attribute", "Role"):
            if needed not in heads:
                self.f.error(
                    "GLOSSARY_HEADING",
                    f"the Glossary has no '{needed}' heading",
                    "Glossary",
                    coord(r, col),
                    "The headings are: Variable, Business Concept, Attribute, Role, Default when missing, Meaning.",
                )
        if self.f.errors:
            raise _Stop
        concept = ""
        keys: dict[tuple[str, str], str] = {}
        row = r + 1
        while sheet.text(row, heads["Variable"]):
            name = sheet.text(row, heads["Variable"])
            where = coord(row, heads["Variable"])
            concept = sheet.text(row, heads["Business Concept"]) or concept
            attr_raw = sheet.value(row, heads["Attribute"])
            attribute = attr_raw.strip() if isinstance(attr_raw, str) else ""
            role = sheet.text(row, heads["Role"]).lower()
            if name in self.variables:
                self.f.error(
                    "GLOSSARY_DUPLICATE",
                    f"variable '{name}' is defined twice",
                    "Glossary",
                    where,
                    "Give each variable one row.",
                )
            if name == "Execute":
                self.f.error("GLOSSARY_ROW", "'Execute' is reserved and cannot be a variable", "Glossary", where)
            if not _IDENT.match(concept or ""):
                self.f.error(
                    "GLOSSARY_ROW",
                    f"business concept '{concept}' is not a name",
                    "Glossary",
                    coord(row, heads["Business Concept"]),
                    "Use letters, digits and _ only, starting with a letter.",
                )
            if not _IDENT.match(attribute):
                self.f.error(
                    "GLOSSARY_ROW",
                    f"attribute {attr_raw!r} of '{name}' is not a name",
                    "Glossary",
                    coord(row, heads["Attribute"]),
                    "Type it as text: letters, digits and _ only, starting with a letter.",
                )
            if role not in ROLES:
                self.f.error(
                    "GLOSSARY_ROLE",
                    f"role '{role}' of '{name}' is not one of {', '.join(ROLES)}",
                    "Glossary",
                    coord(row, heads["Role"]),
                    "Pick the role from the drop-down.",
                )
            key_space = "in" if role == "input" else "out"
            if (key_space, attribute) in keys and attribute:
                self.f.error(
                    "GLOSSARY_DUPLICATE",
                    f"attribute '{attribute}' is used by both '{keys[(key_space, attribute)]}' and '{name}'",
                    "Glossary",
                    coord(row, heads["Attribute"]),
                    "Give each input (and each output) its own attribute.",
                )
            keys[(key_space, attribute)] = name
            default: Value = None
            if "Default when missing" in heads and sheet.value(row, heads["Default when missing"]) is not None:
                try:
                    default = parse_literal(cell_text(sheet.value(row, heads["Default when missing"])))
                except FeelError as exc:
                    self.f.error(
                        "CELL_SYNTAX",
                        f"default of '{name}': {exc.message}",
                        "Glossary",
                        coord(row, heads["Default when missing"]),
                        exc.hint,
                    )
            meaning = sheet.text(row, heads["Meaning"]) if "Meaning" in heads else ""
            self.variables[name] = Variable(name, concept, attribute, role, default, meaning, where)
            row += 1
        if not self.variables:
            self.f.error("GLOSSARY_EMPTY", "the Glossary lists no variables", "Glossary", coord(r + 1, c))
            raise _Stop

    def decision(self) -> list[tuple[str, str, str, int]]:
        sheet = self.sheet("Decision")
        if sheet is None:
            raise _Stop
        titles = [
            c
            for c in sheet.cells.values()
            if isinstance(c.value, str) and c.value.startswith("Decision") and c.value.strip() != "Decisions"
        ]
        if not titles:
            self.f.error(
                "DECISION_HEADING",
                "the Decision sheet has no cell starting with 'Decision'",
                "Decision",
                "B2",
                "Type 'Decision - <name>' in B2 and the headings below it.",
            )
            raise _Stop
        top = min(titles, key=lambda c: (c.row, c.col))
        r, c = top.row + 1, top.col
        if sheet.text(r, c) != "Decisions" or sheet.text(r, c + 1) != "Execute Decision Tables":
            self.f.error(
                "DECISION_HEADING",
                "the Decision sheet's headings must be 'Decisions' and 'Execute Decision Tables'",
                "Decision",
                coord(r, c),
                "Type exactly 'Decisions' and 'Execute Decision Tables' (plural).",
            )
            raise _Stop
        order = []
        row = r + 1
        seen: set[str] = set()
        while sheet.text(row, c) or sheet.text(row, c + 1):
            raw_name = sheet.value(row, c + 1)
            name = raw_name if isinstance(raw_name, str) else ""
            if not name.strip():
                self.f.error(
                    "DECISION_ROW",
                    "a decision row names no table",
                    "Decision",
                    coord(row, c + 1),
                    "Type the table's name, exactly as in its sheet.",
                )
            elif name != name.strip():
                self.f.error(
                    "DECISION_ROW",
                    f"table name '{name}' has spaces around it",
                    "Decision",
                    coord(row, c + 1),
                    "Remove the spaces (pyDMNrules would not find the table).",
                )
            elif name in seen:
                self.f.error(
                    "TABLE_DUPLICATE",
                    f"table '{name}' is listed twice",
                    "Decision",
                    coord(row, c + 1),
                    "List each table once.",
                )
            else:
                seen.add(name)
                order.append((sheet.text(row, c), name, sheet.text(row, c + 2), row))
                self.table_names.add(name)
            row += 1
        if not order:
            self.f.error("DECISION_EMPTY", "the Decision sheet lists no tables", "Decision", coord(r + 1, c + 1))
            raise _Stop
        return order

    # -- tables ------------------------------------------------------------
    def locate(self, name: str, decision_row: int) -> tuple[Sheet, int, int] | None:
        found = []
        for sheet in self.raw.sheets.values():
            if sheet.name in RESERVED:
                continue
            for cell in sheet.find(name):
                below = sheet.get(cell.row + 1, cell.col)
                right = sheet.text(cell.row + 1, cell.col + 1)
                hp = "" if below is None or below.value is None else cell_text(below.value)
                # A hit-policy cell: blank, a policy, or a short word that may be a mistyped policy.
                if right and (
                    hp in HIT_POLICIES or hp == "" or (len(hp) <= 8 and '"' not in hp and hp not in self.variables)
                ):
                    found.append((sheet, cell.row, cell.col))
        if not found:
            self.f.error(
                "DECISION_TABLE_MISSING",
                f"table '{name}' is listed but no sheet has a table of that name",
                "Decision",
                coord(decision_row, 3),
                "Check the spelling here and in the table's name cell (B2 of its sheet).",
            )
            return None
        if len(found) > 1:
            where = ", ".join(f"{s.name}!{coord(r, c)}" for s, r, c in found)
            self.f.error(
                "TABLE_DUPLICATE",
                f"table '{name}' is defined more than once ({where})",
                found[1][0].name,
                coord(found[1][1], found[1][2]),
                "Rename or delete one of them; pyDMNrules would silently use the last one.",
            )
            return None
        return found[0]

    def table(self, description: str, name: str, purpose: str, decision_row: int) -> DecisionTable | None:
        where = self.locate(name, decision_row)
        if where is None:
            return None
        sheet, r, c = where
        s = sheet.name
        hp_cell = sheet.get(r + 1, c)
        hp = cell_text(hp_cell.value).strip() if hp_cell and hp_cell.value is not None else "U"
        if hp not in HIT_POLICIES:
            self.f.error(
                "HIT_POLICY",
                f"hit policy '{hp}' of table '{name}' is not one of {' '.join(HIT_POLICIES)}",
                s,
                coord(r + 1, c),
                "Use one upper-case letter such as U, F, A, P, C (or C+, C<, C>, C#, R, O).",
                table=name,
            )
            return None
        head_row = r + 1
        heads: list[tuple[int, str]] = []
        col = c + 1
        while sheet.text(head_row, col):
            heads.append((col, sheet.text(head_row, col)))
            col += 1
        end_col = col  # first blank heading
        # A blank column with headings right of it splits the table: say so before the
        # borders, whose absence would otherwise be reported instead of the real cause.
        split = bool(sheet.text(head_row, end_col + 1)) and any(
            sheet.value(rr, end_col) is None and sheet.value(rr, end_col + 1) is not None
            for rr in range(head_row, head_row + 3)
        )
        if split:
            self.f.error(
                "TABLE_SPLIT",
                f"table '{name}' has a blank column at {get_column_letter(end_col)}; "
                "the columns right of it are ignored",
                s,
                coord(head_row, end_col),
                "Delete the blank column or give it a heading.",
                table=name,
            )
        n_inputs = n_outputs = None
        for i, (hc, _) in enumerate(heads):
            cell = sheet.get(head_row, hc)
            nxt = sheet.get(head_row, hc + 1)
            boundary = (cell is not None and cell.right_double) or (nxt is not None and nxt.left_double)
            if boundary:
                if n_inputs is None:
                    n_inputs = i + 1
                elif n_outputs is None:
                    n_outputs = i + 1 - n_inputs
        if n_inputs is None:
            if split:
                return None
            self.f.error(
                "NO_OUTPUT_COLUMN",
                f"table '{name}' has no double border between its input and output headings",
                s,
                coord(head_row, c + 1),
                "Give the last input heading a double right border.",
                table=name,
            )
            return None
        if n_outputs is None:
            n_outputs = len(heads) - n_inputs
        if n_outputs <= 0:
            if split:
                return None
            self.f.error(
                "NO_OUTPUT_COLUMN",
                f"table '{name}' has no output column",
                s,
                coord(head_row, c + 1),
                "Add an output heading right of the double border.",
                table=name,
            )
            return None
        columns = []
        for hc, heading in heads[: n_inputs + n_outputs]:
            if heading not in self.variables:
                self.f.error(
                    "HEADING_UNKNOWN",
                    f"heading '{heading}' of table '{name}' is not in the Glossary",
                    s,
                    coord(head_row, hc),
                    "Use a Variable name from the Glossary exactly, or add it there.",
                    table=name,
                )
            columns.append((hc, heading))
        ann_heads = heads[n_inputs + n_outputs :]
        if self.f.errors and any(f.table == name for f in self.f.errors):
            return None
        # Allowed-values row: present unless the hit-policy cell has a double bottom border.
        has_validity = not (hp_cell is not None and hp_cell.bottom_double)
        first_rule = head_row + 2 if has_validity else head_row + 1
        allowed: list[UnaryTest | None] = []
        for j, (hc, heading) in enumerate(columns):
            raw = sheet.value(head_row + 1, hc) if has_validity else None
            if raw is None or cell_text(raw) == "":
                allowed.append(None)
                continue
            try:
                test = parse_unary_tests(raw)
                if j >= n_inputs and not test.only_literals:
                    raise FeelError("an output's allowed values must be a list of values", 'List them: "low","high".')
                allowed.append(test)
            except FeelError as exc:
                self.f.error(
                    "CELL_SYNTAX",
                    f"allowed values of '{heading}': {exc.message}",
                    s,
                    coord(head_row + 1, hc),
                    exc.hint,
                    table=name,
                )
                allowed.append(None)
        inputs = tuple(
            Column(h, coord(head_row, hc), allowed[j], coord(head_row + 1, hc) if allowed[j] else "")
            for j, (hc, h) in enumerate(columns[:n_inputs])
        )
        outputs = tuple(
            Column(
                h, coord(head_row, hc), allowed[n_inputs + j], coord(head_row + 1, hc) if allowed[n_inputs + j] else ""
            )
            for j, (hc, h) in enumerate(columns[n_inputs:])
        )
        rules = self.rules(sheet, name, first_rule, c, columns, n_inputs, inputs, outputs, ann_heads)
        if not rules:
            self.f.error(
                "TABLE_EMPTY",
                f"table '{name}' has no rules",
                s,
                coord(r, c),
                "Add at least one rule row under the headings.",
                table=name,
            )
            return None
        if hp == "P" or hp == "O":
            for col in outputs:
                if col.enumeration is None:
                    self.f.error(
                        "HIT_POLICY",
                        f"hit policy {hp} needs an ordered list of allowed values for '{col.variable}'",
                        s,
                        col.cell,
                        "List the output's values in priority order in the allowed-values row.",
                        table=name,
                    )
        if hp in ("C+", "C<", "C>") and len(outputs) != 1:
            self.f.error(
                "HIT_POLICY",
                f"hit policy {hp} aggregates one output; table '{name}' has {len(outputs)}",
                s,
                coord(r + 1, c),
                "Use one output column, or plain C.",
                table=name,
            )
        if hp in ("C+", "C<", "C>"):
            for rule in rules:
                for value, cell in zip(rule.outputs, rule.cells[n_inputs:]):
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        self.f.error(
                            "TYPE_MISMATCH",
                            f"hit policy {hp} adds or compares numbers, but rule {rule.id} gives {show(value)}",
                            s,
                            cell,
                            "Give a number.",
                            table=name,
                            rule=rule.id,
                        )
        return DecisionTable(
            name,
            s,
            coord(r, c),
            hp,
            inputs,
            outputs,
            tuple(rules),
            tuple(h for _, h in ann_heads),
            description,
            purpose,
        )

    def rules(
        self,
        sheet: Sheet,
        name: str,
        first: int,
        c: int,
        columns: list[tuple[int, str]],
        n_inputs: int,
        inputs: tuple[Column, ...],
        outputs: tuple[Column, ...],
        ann_heads: list[tuple[int, str]],
    ) -> list[Rule]:
        s = sheet.name
        last_col = ann_heads[-1][0] if ann_heads else columns[-1][0]
        rules: list[Rule] = []
        ids: dict[str, str] = {}
        row = first
        while any(
            sheet.value(row, col) is not None and cell_text(sheet.value(row, col)) != ""
            for col in range(c, last_col + 1)
        ):
            rid_raw = sheet.value(row, c)
            rid = cell_text(rid_raw) if rid_raw is not None else ""
            if not rid:
                self.f.error(
                    "RULE_ID_MISSING",
                    f"a rule of table '{name}' has no id",
                    s,
                    coord(row, c),
                    "Give every rule a unique id such as R1.",
                    table=name,
                )
                rid = f"row {row}"
            elif rid in ids:
                self.f.error(
                    "RULE_ID_DUPLICATE",
                    f"rule id '{rid}' is used twice in table '{name}' (also at {ids[rid]})",
                    s,
                    coord(row, c),
                    "Give every rule its own id.",
                    table=name,
                    rule=rid,
                )
            ids[rid] = coord(row, c)
            tests, outs, cells = [], [], []
            for j, (col, heading) in enumerate(columns):
                where = coord(row, col)
                cells.append(where)
                raw = sheet.value(row, col)
                if j < n_inputs:
                    try:
                        test = parse_unary_tests(raw)
                    except FeelError as exc:
                        self.f.error(
                            "CELL_SYNTAX",
                            f"rule {rid}, '{heading}': {exc.message}",
                            s,
                            where,
                            exc.hint,
                            table=name,
                            rule=rid,
                        )
                        test = parse_unary_tests("-")
                    self.check_allowed(test, inputs[j], s, where, name, rid, heading)
                    tests.append(test)
                else:
                    try:
                        value = parse_output(raw)
                    except FeelError as exc:
                        code = "OUTPUT_MISSING" if raw is None or cell_text(raw) == "" else "CELL_SYNTAX"
                        self.f.error(
                            code, f"rule {rid}, '{heading}': {exc.message}", s, where, exc.hint, table=name, rule=rid
                        )
                        value = None
                    else:
                        enum = outputs[j - n_inputs].enumeration
                        if enum is not None and not _member(value, enum):
                            kind = _type_mismatch(value, enum)
                            self.f.error(
                                kind or "OUTPUT_NOT_ALLOWED",
                                f"rule {rid} gives '{heading}' the value "
                                f"{show(value)}, which is not in its allowed list "
                                f"({', '.join(show(v) for v in enum)})" + _type_note(value, enum),
                                s,
                                where,
                                _type_hint(value, kind)
                                or "Pick a value from the drop-down, or add the value to the allowed list "
                                "in the row under the headings (and its wording).",
                                table=name,
                                rule=rid,
                            )
                    outs.append(value)
            annotations: dict[str, str] = {}
            citations: tuple[int, ...] = ()
            for col, heading in ann_heads:
                text = cell_text(sheet.value(row, col)) if sheet.value(row, col) is not None else ""
                if heading == CITATIONS_HEADING:
                    citations = self.parse_citations(text, s, coord(row, col), name, rid)
                else:
                    annotations[heading] = text
            rules.append(Rule(rid, row, tuple(tests), tuple(outs), annotations, citations, tuple(cells)))
            row += 1
        self.check_split_rows(sheet, name, row, c, last_col, columns[-1][0])
        return rules

    def check_split_rows(self, sheet: Sheet, name: str, blank: int, first: int, last: int, last_rule: int) -> None:
        """Report rules typed below the blank row that ends a table: both engines would ignore them."""
        below = sorted({r for (r, col) in sheet.cells if r > blank and first <= col <= last})
        for row in below:
            filled = [col for col in range(first, last + 1) if sheet.text(row, col)]
            if not filled:
                continue
            starts_table = sheet.text(row + 1, first) in HIT_POLICIES or any(
                sheet.text(row, col) in self.table_names for col in filled
            )
            if not starts_table and sum(1 for col in filled if col <= last_rule) >= 2:
                self.f.error(
                    "TABLE_SPLIT",
                    f"row {row} looks like a rule of table '{name}', but the blank row {blank} ends the table: "
                    "this row and those below it are ignored",
                    sheet.name,
                    coord(row, filled[0]),
                    "Delete the blank row so that the rules follow on without a gap.",
                    table=name,
                )
            return

    def check_allowed(
        self, test: UnaryTest, column: Column, s: str, where: str, table: str, rid: str, heading: str
    ) -> None:
        enum = column.enumeration
        if enum is None or test.any:
            return
        for value in test.literals:
            if not _member(value, enum):
                kind = _type_mismatch(value, enum)
                self.f.error(
                    kind or "VALUE_NOT_ALLOWED",
                    f"rule {rid} tests '{heading}' for {show(value)}, which is not "
                    f"one of its allowed values ({', '.join(show(v) for v in enum)})" + _type_note(value, enum),
                    s,
                    where,
                    _type_hint(value, kind)
                    or "Pick a value from the drop-down; text must match the allowed list exactly.",
                    table=table,
                    rule=rid,
                )
        if not test.only_literals:
            self.f.error(
                "TYPE_MISMATCH",
                f"rule {rid} compares '{heading}' with a number, but its allowed values are a list",
                s,
                where,
                "Test for values from the list instead.",
                table=table,
                rule=rid,
            )

    def parse_citations(self, text: str, s: str, where: str, table: str, rid: str) -> tuple[int, ...]:
        if not text:
            return ()
        numbers = []
        for part in re.split(r"[,;\s]+", text.strip("[] ")):
            if not part:
                continue
            if not part.isdigit():
                self.f.error(
                    "CITATION_SYNTAX",
                    f"rule {rid}: citation '{part}' is not a number",
                    s,
                    where,
                    "List citation numbers separated by commas, e.g. 1, 2.",
                    table=table,
                    rule=rid,
                )
                continue
            numbers.append(int(part))
        return tuple(numbers)

    def graph(self, tables: tuple[DecisionTable, ...]) -> None:
        available = {v.name for v in self.variables.values() if v.role == "input"}
        producers = {o.variable: u for u in reversed(tables) for o in u.outputs}
        produced: dict[str, str] = {}
        for t in tables:
            for col in t.inputs:
                if col.variable not in available:
                    var = self.variables.get(col.variable)
                    later = producers.get(col.variable)
                    circle = _circle(t, later, producers) if later is not None else None
                    if var is not None and circle:
                        self.f.error(
                            "GRAPH_CYCLE",
                            f"table '{t.name}' reads '{col.variable}', which depends on its own result "
                            f"({' -> '.join(circle)})",
                            t.sheet,
                            col.cell,
                            "A table cannot read a value that is decided from its own output: "
                            "remove this input or the dependency.",
                            table=t.name,
                        )
                        continue
                    why = (
                        "it is produced by a later table"
                        if later is not None
                        else "it is neither a model input nor produced by an earlier table"
                    )
                    if var is not None and (later is not None or self.complete):
                        self.f.error(
                            "GRAPH_ORDER",
                            f"table '{t.name}' reads '{col.variable}' but {why}",
                            t.sheet,
                            col.cell,
                            "Reorder the Decision sheet, or make it an input in the Glossary.",
                            table=t.name,
                        )
            for col in t.outputs:
                var = self.variables.get(col.variable)
                if var is not None and var.role == "input":
                    self.f.error(
                        "GRAPH_OUTPUT_INPUT",
                        f"table '{t.name}' overwrites the model input '{col.variable}'",
                        t.sheet,
                        col.cell,
                        "Output to an intermediate variable.",
                        table=t.name,
                    )
                if col.variable in produced and produced[col.variable] != t.name:
                    self.f.error(
                        "GRAPH_TWICE",
                        f"'{col.variable}' is decided by both '{produced[col.variable]}' and '{t.name}'",
                        t.sheet,
                        col.cell,
                        "Let one table decide each variable.",
                        table=t.name,
                    )
                produced[col.variable] = t.name
                available.add(col.variable)
        for var in self.variables.values():
            if var.role in ("output", "check", "intermediate") and var.name not in produced and self.complete:
                self.f.error(
                    "OUTPUT_NOT_PRODUCED",
                    f"{var.role} '{var.name}' is not decided by any table",
                    "Glossary",
                    var.cell,
                    "Add it as an output column of a table, or remove it.",
                )

    def wording(self) -> dict[tuple[str, Any], str]:
        sheet = self.sheet("Wording")
        if sheet is None:
            return {}
        heads = sheet.find("Output")
        if not heads:
            self.f.error(
                "WORDING_HEADING", "the Wording sheet has no 'Output' | 'Code' | 'Text' headings", "Wording", "B2"
            )
            return {}
        r, c = heads[0].row, heads[0].col
        out: dict[tuple[str, Any], str] = {}
        row = r + 1
        while sheet.text(row, c):
            key, code, text = sheet.text(row, c), sheet.value(row, c + 1), sheet.text(row, c + 2)
            code_value = cell_text(code) if code is not None else ""
            if not text:
                self.f.error(
                    "WORDING_MISSING",
                    f"code '{code_value}' of '{key}' has no text",
                    "Wording",
                    coord(row, c + 2),
                    "Type the wording a clinician should read.",
                )
            out[(key, code_value)] = text
            row += 1
        return out

    def references(self) -> tuple[dict[int, Citation], tuple[Reference, ...]]:
        sheet = self.sheet("References")
        if sheet is None:
            return {}, ()
        refs: list[Reference] = []
        entry_heads = sheet.find("Entry")
        if entry_heads:
            r, c = entry_heads[0].row, entry_heads[0].col
            row = r + 1
            while sheet.text(row, c):
                n = sheet.value(row, c)
                if not isinstance(n, int | float) or isinstance(n, bool):
                    self.f.error(
                        *_number_cell("reference entry", n),
                        "References",
                        coord(row, c),
                        "Number the entries 1, 2, 3..." if not _is_number_text(n) else _AS_NUMBER,
                    )
                else:
                    refs.append(
                        Reference(
                            int(n),
                            sheet.text(row, c + 2),
                            sheet.text(row, c + 1),
                            sheet.text(row, c + 3),
                            sheet.text(row, c + 4),
                        )
                    )
                row += 1
        citations: dict[int, Citation] = {}
        heads = sheet.find("Citation")
        if heads:
            r, c = heads[0].row, heads[0].col
            row = r + 1
            entries = {ref.entry for ref in refs}
            while sheet.value(row, c) is not None:
                n, entry = sheet.value(row, c), sheet.value(row, c + 1)
                if not isinstance(n, int | float) or isinstance(n, bool):
                    self.f.error(
                        *_number_cell("citation", n),
                        "References",
                        coord(row, c),
                        _AS_NUMBER if _is_number_text(n) else "Type the citation number as the rules cite it.",
                    )
                    row += 1
                    continue
                paired = None
                if entry is not None and cell_text(entry) != "":
                    try:
                        paired = int(cell_text(entry))
                    except ValueError:
                        paired = -1
                    if paired not in entries:
                        self.f.error(
                            "REFERENCE_PAIRING",
                            f"citation {int(n)} is paired with entry "
                            f"'{cell_text(entry)}', which is not in the reference list",
                            "References",
                            coord(row, c + 1),
                            "Type the number of an entry from the reference list.",
                        )
                        paired = None
                citations[int(n)] = Citation(int(n), paired, sheet.text(row, c + 2))
                row += 1
        return citations, tuple(refs)

    def check_citations(self, tables: tuple[DecisionTable, ...], citations: dict[int, Citation]) -> None:
        for t in tables:
            for rule in t.rules:
                for n in rule.citations:
                    if n not in citations:
                        self.f.error(
                            "CITATION_UNKNOWN",
                            f"rule {rule.id} cites [{n}], which the References sheet does not list",
                            t.sheet,
                            rule.cells[-1] if rule.cells else t.cell,
                            "Add the citation number to the References sheet.",
                            table=t.name,
                            rule=rule.id,
                        )

    def input_specs(self, tables: tuple[DecisionTable, ...]) -> tuple[InputSpec, ...]:
        specs = []
        for var in self.variables.values():
            if var.role != "input":
                continue
            column = next((col for t in tables for col in t.inputs if col.variable == var.name and col.allowed), None)
            used = any(col.variable == var.name for t in tables for col in t.inputs)
            if not used and self.complete:
                self.f.error(
                    "INPUT_UNUSED",
                    f"input '{var.name}' is not read by any table",
                    "Glossary",
                    var.cell,
                    "Remove it from the Glossary, or add a column for it to a table.",
                )
            test = column.allowed if column else None
            enum = column.enumeration if column else None
            if enum is not None:
                values = [v for v in enum if v is not None]
                if values and all(isinstance(v, bool) for v in values):
                    kind = "boolean"
                elif values and all(isinstance(v, str) for v in values):
                    kind = "category"
                elif values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                    kind = "number"
                else:
                    kind = "any"
                optional = None in enum or var.default is not None
                allowed = tuple(enum)
            else:
                kind = "number" if test is not None else "any"
                optional, allowed = True, ()
            specs.append(InputSpec(var.key, var.name, kind, allowed, var.meaning, var.default, optional, test))
        return tuple(specs)

    def tests(self) -> tuple[TestCase, ...]:
        sheet = self.sheet("Test", required=False)
        if sheet is None:
            return ()
        heads = sheet.find("Case")
        if not heads:
            self.f.error("TEST_HEADING", "the Test sheet has no 'Case' heading", "Test", "B3")
            return ()
        r, c = heads[0].row, heads[0].col
        columns: list[tuple[int, str]] = []
        col = c
        while sheet.text(r, col):
            columns.append((col, sheet.text(r, col)))
            col += 1
        for hc, h in columns:
            if h not in ("Case", "Description", "Expected error") and h not in self.variables:
                self.f.error(
                    "TEST_HEADING",
                    f"test heading '{h}' is not a Glossary variable",
                    "Test",
                    coord(r, hc),
                    "Use the Variable names of the Glossary.",
                )
        cases = []
        row = r + 1
        while any(sheet.value(row, hc) is not None for hc, _ in columns):
            case_id = cell_text(sheet.value(row, c)) or f"row {row}"
            inputs: dict[str, Any] = {}
            expected: dict[str, Any] = {}
            error = None
            desc = ""
            for hc, h in columns:
                value = sheet.value(row, hc)
                if h == "Description":
                    desc = sheet.text(row, hc)
                elif h == "Expected error":
                    error = sheet.text(row, hc) or None
                elif h in self.variables and value is not None and cell_text(value) != "":
                    var = self.variables[h]
                    if var.role == "input":
                        inputs[var.key] = value
                    elif var.role == "output":
                        expected[var.key] = value
            cases.append(TestCase(case_id, desc, row, inputs, expected, error))
            row += 1
        return tuple(cases)


_AS_NUMBER = "Type it as a number: Excel marks a number stored as text with a green triangle (Convert to Number)."


def _is_number_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip().isdigit()


def _number_cell(what: str, value: Any) -> tuple[str, str]:
    """The code and message for a cell of the References sheet that should hold a number."""
    if _is_number_text(value):
        return "NUMBER_AS_TEXT", f"{what} number '{value}' is typed as text, not as a number"
    return "REFERENCE_ROW", f"{what} '{value}' is not a number"


def _circle(table: DecisionTable, producer: DecisionTable, producers: dict[str, DecisionTable]) -> list[str] | None:
    """Table names from ``table`` through ``producer`` back to ``table``, if ``producer`` depends on it."""
    if producer.name == table.name:
        return [table.name, table.name]
    paths = {producer.name: [table.name, producer.name]}
    todo = [producer]
    while todo:
        u = todo.pop()
        for col in u.inputs:
            w = producers.get(col.variable)
            if w is None:
                continue
            if w.name == table.name:
                return paths[u.name] + [table.name]
            if w.name not in paths:
                paths[w.name] = paths[u.name] + [w.name]
                todo.append(w)
    return None


def _kind(value: Value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    return "text" if isinstance(value, str) else "null"


_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _type_mismatch(value: Value, allowed: tuple[Value, ...]) -> str | None:
    """NUMBER_AS_TEXT or TYPE_MISMATCH when a value is of another kind than every allowed value."""
    kinds = {_kind(a) for a in allowed if a is not None}
    kind = _kind(value)
    if value is None or not kinds or kind in kinds:
        return None
    if kind == "text" and kinds == {"number"} and _NUMBER_TEXT.fullmatch(str(value).strip()):
        return "NUMBER_AS_TEXT"
    return "TYPE_MISMATCH"


def _type_note(value: Value, allowed: tuple[Value, ...]) -> str:
    code = _type_mismatch(value, allowed)
    if code is None:
        return ""
    kinds = sorted({_kind(a) for a in allowed if a is not None})
    return f": it is {_kind(value)}, the column holds {' and '.join(kinds)}"


def _type_hint(value: Value, code: str | None) -> str:
    if code == "NUMBER_AS_TEXT":
        return f'Remove the double quotes: write {value}, not "{value}".'
    if code == "TYPE_MISMATCH":
        return 'Write a value of the column\'s kind: true or false, a number, or "text" as its allowed values are.'
    return ""


def _member(value: Value, allowed: tuple[Value, ...]) -> bool:
    return any(value is a if isinstance(value, bool) or isinstance(a, bool) else value == a for a in allowed)
