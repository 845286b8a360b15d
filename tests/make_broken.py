"""Write a corpus of deliberately broken workbooks, one per kind of mistake, from the shipped one.

    python tests/make_broken.py [FOLDER]        (default: tests/broken)

Each workbook is a copy of ``decisions/atc_treatment.xlsx`` edited with
openpyxl the way a clinician's Excel edit would be, or raw bytes for files
that are not workbooks at all. ``manifest.json`` names, for each file, the
mistake, and the finding code, sheet and cell that ``atc-dmn validate`` must
report (sheet and cell are null for a file that cannot be opened).
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "decisions" / "atc_treatment.xlsx"
DEFAULT_FOLDER = Path(__file__).resolve().parent / "broken"

Make = Callable[[Path, Path], None]


@dataclass(frozen=True)
class Broken:
    name: str
    mistake: str
    code: str
    sheet: str | None
    cell: str | None
    make: Make


def cells(edits: dict[str, object]) -> Make:
    """Set ``{"Sheet!A1": value}`` on a copy."""

    def edit(wb: openpyxl.Workbook) -> None:
        for ref, value in edits.items():
            sheet, cell = ref.rsplit("!", 1)
            wb[sheet][cell] = value

    return workbook(edit)


def workbook(edit: Callable[[openpyxl.Workbook], None]) -> Make:
    """Apply ``edit`` to a copy opened with openpyxl."""

    def make(source: Path, dest: Path) -> None:
        shutil.copyfile(source, dest)
        wb = openpyxl.load_workbook(dest)
        edit(wb)
        wb.save(dest)

    return make


def data(content: Callable[[bytes], bytes]) -> Make:
    """Write bytes derived from the shipped file's bytes."""

    def make(source: Path, dest: Path) -> None:
        dest.write_bytes(content(source.read_bytes()))

    return make


def _sheet_part(xlsx: bytes, title: str) -> str:
    """The zip member holding the sheet called ``title``."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    index = wb.sheetnames.index(title)
    wb.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


def _replace_member(xlsx: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, change(body) if info.filename == member else body)
    return out.getvalue()


def entity_bomb(xlsx: bytes) -> bytes:
    """Billion laughs: a DTD whose entities expand to 10^9 copies of 'lol', used in a cell."""
    dtd = b'<!DOCTYPE worksheet [\n<!ENTITY lol "lol">\n'
    dtd += b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    for i in range(2, 10):
        dtd += f'<!ENTITY lol{i} "'.encode() + f"&lol{i - 1};".encode() * 10 + b'">\n'
    dtd += b"]>\n"

    def change(body: bytes) -> bytes:
        start = body.index(b"?>") + 2 if body.startswith(b"<?xml") else 0
        body = body[:start] + b"\n" + dtd + body[start:]
        return body.replace(
            b"<sheetData>", b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>', 1
        )

    return _replace_member(xlsx, _sheet_part(xlsx, "Pathway"), change)


def corrupt_member(xlsx: bytes) -> bytes:
    """Flip bytes inside one compressed part, so its checksum no longer matches."""
    buf = bytearray(xlsx)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        info = zf.getinfo(_sheet_part(xlsx, "Pathway"))
    # The local header is 30 bytes plus the name and extra field; the data follows.
    name_len = int.from_bytes(buf[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(buf[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + 20, start + 60):
        buf[i] ^= 0x5A
    return bytes(buf)


def ole_file(_: bytes) -> bytes:
    """What Excel writes for a password-protected workbook (and an old .xls): an OLE2 container."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"\xff" * 512


def _delete_sheet(name: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        del wb[name]

    return edit


def _rename_sheet(old: str, new: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[old].title = new

    return edit


def _delete_rows(sheet: str, row: int, amount: int = 1) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[sheet].delete_rows(row, amount)

    return edit


def _insert_row(sheet: str, row: int) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[sheet].insert_rows(row)

    return edit


def _insert_column(sheet: str, col: int) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[sheet].insert_cols(col)

    return edit


def _merge(sheet: str, ref: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[sheet].merge_cells(ref)

    return edit


def _copy_row(sheet: str, row: int, to: int, rule_id: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb[sheet]
        for cell in ws[row]:
            if cell.value is not None:
                ws.cell(row=to, column=cell.column, value=cell.value)
        ws.cell(row=to, column=2, value=rule_id)

    return edit


CORPUS: tuple[Broken, ...] = (
    # -- files that are not workbooks ---------------------------------------------
    Broken(
        "not_xlsx",
        "a CSV file saved with an .xlsx name",
        "FILE_NOT_XLSX",
        None,
        None,
        data(lambda _: b"Case,Stage\nTC01,IVB\n"),
    ),
    Broken("empty", "an empty file", "FILE_EMPTY", None, None, data(lambda _: b"")),
    Broken(
        "truncated_zip", "a download cut off half way", "FILE_NOT_XLSX", None, None, data(lambda b: b[: len(b) // 2])
    ),
    Broken(
        "corrupt_part",
        "a workbook whose Pathway sheet is damaged inside the zip",
        "FILE_CORRUPT",
        None,
        None,
        data(corrupt_member),
    ),
    Broken(
        "password_protected", "a password-protected (or old .xls) file", "FILE_NOT_XLSX", None, None, data(ole_file)
    ),
    Broken(
        "entity_bomb", "an XML entity bomb (billion laughs) in a sheet", "FILE_CORRUPT", None, None, data(entity_bomb)
    ),
    # -- structure --------------------------------------------------------------------
    Broken(
        "sheet_missing",
        "the Wording sheet deleted",
        "SHEET_MISSING",
        "Wording",
        None,
        workbook(_delete_sheet("Wording")),
    ),
    Broken(
        "sheet_renamed",
        "the Glossary sheet renamed",
        "SHEET_MISSING",
        "Glossary",
        None,
        workbook(_rename_sheet("Glossary", "Glossary (edited)")),
    ),
    Broken(
        "decision_table_missing",
        "the Decision sheet names a table that does not exist",
        "DECISION_TABLE_MISSING",
        "Decision",
        "C6",
        cells({"Decision!C6": "Pathways"}),
    ),
    Broken(
        "glossary_variable_missing",
        "a variable used as a heading deleted from the Glossary",
        "HEADING_UNKNOWN",
        "Pathway",
        "G3",
        workbook(_delete_rows("Glossary", 13)),
    ),
    Broken(
        "glossary_variable_unused",
        "a Glossary input that no table reads",
        "INPUT_UNUSED",
        "Glossary",
        "B23",
        cells({"Glossary!B23": "Performance status", "Glossary!D23": "performance_status", "Glossary!E23": "input"}),
    ),
    Broken(
        "table_duplicate",
        "a table listed twice in the Decision sheet",
        "TABLE_DUPLICATE",
        "Decision",
        "C12",
        cells({"Decision!B12": "Decide surgery again", "Decision!C12": "Surgery"}),
    ),
    Broken(
        "rule_id_duplicate",
        "two rules with the same id",
        "RULE_ID_DUPLICATE",
        "Pathway",
        "B13",
        cells({"Pathway!B13": "PW8"}),
    ),
    Broken("rule_id_missing", "a rule without an id", "RULE_ID_MISSING", "Pathway", "B8", cells({"Pathway!B8": None})),
    Broken(
        "table_empty",
        "every rule of a table deleted",
        "TABLE_EMPTY",
        "Radiotherapy",
        "B2",
        workbook(_delete_rows("Radiotherapy", 5, 3)),
    ),
    Broken(
        "hit_policy_unknown",
        "hit policy FIRST instead of F",
        "HIT_POLICY",
        "Pathway",
        "B3",
        cells({"Pathway!B3": "FIRST"}),
    ),
    Broken(
        "merged_cells",
        "two rules' input cells merged",
        "CELL_MERGED",
        "Surgery",
        "C6",
        workbook(_merge("Surgery", "C6:C7")),
    ),
    Broken(
        "formula_cell", "a formula in a citation cell", "CELL_FORMULA", "TNM Stage", "H5", cells({"TNM Stage!H5": "=1"})
    ),
    Broken(
        "blank_column",
        "a blank column inserted between input columns",
        "TABLE_SPLIT",
        "Pathway",
        "E3",
        workbook(_insert_column("Pathway", 5)),
    ),
    Broken(
        "blank_row",
        "a blank row inserted between rules",
        "TABLE_SPLIT",
        "Pathway",
        "B11",
        workbook(_insert_row("Pathway", 10)),
    ),
    Broken(
        "output_missing",
        "an output cell left empty",
        "OUTPUT_MISSING",
        "Radiotherapy",
        "D6",
        cells({"Radiotherapy!D6": None}),
    ),
    # -- cells ----------------------------------------------------------------------
    Broken(
        "syntax_quote", "an unclosed double quote", "CELL_SYNTAX", "TNM Stage", "E5", cells({"TNM Stage!E5": '"M1'})
    ),
    Broken(
        "syntax_bracket",
        "an unbalanced parenthesis",
        "CELL_SYNTAX",
        "Stage",
        "D9",
        cells({"Stage!D9": 'not("IVA","unknown"'}),
    ),
    Broken(
        "syntax_operator",
        "an unsupported operator (!=)",
        "CELL_SYNTAX",
        "Surgery",
        "D7",
        cells({"Surgery!D7": "!= false"}),
    ),
    Broken(
        "value_not_allowed",
        "a value outside the column's allowed list (wrong case)",
        "VALUE_NOT_ALLOWED",
        "Pathway",
        "E7",
        cells({"Pathway!E7": '"Unknown"'}),
    ),
    Broken(
        "output_not_allowed",
        "an output code not in the output's list",
        "OUTPUT_NOT_ALLOWED",
        "Radiotherapy",
        "D5",
        cells({"Radiotherapy!D5": '"adjuvant_rt"'}),
    ),
    Broken(
        "type_mismatch",
        "a number where a boolean column is",
        "TYPE_MISMATCH",
        "Pathway",
        "F9",
        cells({"Pathway!F9": 1}),
    ),
    Broken(
        "number_as_text",
        "a citation number typed as text",
        "NUMBER_AS_TEXT",
        "References",
        "B4",
        cells({"References!B4": "1"}),
    ),
    # -- table logic ----------------------------------------------------------------
    Broken(
        "gap",
        "a unique table that misses a combination",
        "TABLE_GAP",
        "Stage",
        "B2",
        cells({"Stage!D11": '"IVC","unknown"'}),
    ),
    Broken(
        "overlap",
        "two rules of a unique table match the same case",
        "RULE_OVERLAP",
        "Systemic Therapy",
        "B10",
        cells(
            {
                "Systemic Therapy!C10": '"diagnostic_workup","staging_workup","resectability_assessment",'
                '"palliative_care","clinical_trial"'
            }
        ),
    ),
    Broken(
        "conflict",
        "an any (A) table whose overlapping rules disagree",
        "RULE_CONFLICT",
        "Radiotherapy",
        "B7",
        cells({"Radiotherapy!B3": "A", "Radiotherapy!C7": "-"}),
    ),
    Broken(
        "duplicate_rule",
        "a rule copied twice",
        "RULE_DUPLICATE",
        "Actions",
        "B20",
        workbook(_copy_row("Actions", 19, 20, "AC16")),
    ),
    Broken(
        "shadowed_rule",
        "a first-hit rule hidden by a wider rule above it",
        "RULE_SHADOWED",
        "Surgery",
        "B6",
        cells({"Surgery!C5": "-"}),
    ),
    Broken(
        "wording_missing",
        "an output code without wording",
        "WORDING_MISSING",
        "Radiotherapy",
        "D4",
        workbook(_delete_rows("Wording", 20)),
    ),
    # -- graph ----------------------------------------------------------------------
    Broken(
        "graph_order",
        "a table run before the table that decides its input",
        "GRAPH_ORDER",
        "Surgery",
        "C3",
        cells({"Decision!C6": "Surgery", "Decision!C7": "Pathway"}),
    ),
    Broken(
        "graph_cycle",
        "two tables that read each other's result",
        "GRAPH_CYCLE",
        "TNM Stage",
        "C3",
        cells({"TNM Stage!C3": "Input conflict", "Stage Check!D3": "TNM stage"}),
    ),
    Broken(
        "output_not_produced",
        "a Glossary output that no table decides",
        "OUTPUT_NOT_PRODUCED",
        "Glossary",
        "B23",
        cells({"Glossary!B23": "Follow up", "Glossary!D23": "follow_up", "Glossary!E23": "output"}),
    ),
    Broken(
        "graph_domain",
        "a column that does not allow a value the table before it gives",
        "GRAPH_DOMAIN",
        "Surgery",
        "C4",
        cells(
            {
                "Surgery!C4": '"diagnostic_workup","staging_workup","resectability_assessment",'
                '"multimodal_therapy","chemoradiotherapy","clinical_trial_or_palliative",'
                '"clinical_trial","systemic_therapy"'
            }
        ),
    ),
)


def generate(folder: Path, source: Path = SHIPPED) -> dict[str, dict[str, str | None]]:
    """Write every broken workbook and the manifest into ``folder``; return the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for item in CORPUS:
        item.make(source, folder / f"{item.name}.xlsx")
        manifest[f"{item.name}.xlsx"] = {
            "mistake": item.mistake,
            "code": item.code,
            "sheet": item.sheet,
            "cell": item.cell,
        }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_FOLDER
    manifest = generate(folder)
    print(f"wrote {len(manifest)} broken workbooks and manifest.json to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
