"""Merged ranges are read from each worksheet part's <mergeCell> tags, whatever the writer's prefix or quoting."""

from __future__ import annotations

import io
import zipfile

import pytest

from atc_dmn.workbook import read_merged

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _book(sheet_xml: bytes) -> zipfile.ZipFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="r1" Type="{RELNS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{NS}" xmlns:r="{RELNS}"><sheets><sheet name="Stage" sheetId="1" r:id="rId1"/>'
            f"</sheets></workbook>",
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELNS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


@pytest.mark.parametrize(
    "sheet",
    [
        f'<worksheet xmlns="{NS}"><sheetData/><mergeCells count="2"><mergeCell ref="B3:B4"/>'
        f'<mergeCell ref="D5:E5"/></mergeCells></worksheet>',
        f'<x:worksheet xmlns:x="{NS}"><x:sheetData/><x:mergeCells count="2"><x:mergeCell ref=\'B3:B4\'/>'
        f'<x:mergeCell  ref = "D5:E5" /></x:mergeCells></x:worksheet>',
    ],
    ids=["default namespace", "prefix and single quotes"],
)
def test_merges_are_found_in_file_order(sheet: str) -> None:
    assert read_merged(_book(sheet.encode())) == {"Stage": ["B3:B4", "D5:E5"]}


def test_text_that_names_the_tag_is_no_merge() -> None:
    sheet = (
        f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        f'<t>&lt;mergeCell ref="A1:Z9"/&gt;</t></is></c></row></sheetData></worksheet>'
    )
    assert read_merged(_book(sheet.encode())) == {}


def test_a_utf16_part_is_parsed_whole() -> None:
    sheet = (
        f'<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="{NS}">'
        f'<mergeCells><mergeCell ref="B3:B4"/></mergeCells></worksheet>'
    )
    assert read_merged(_book(sheet.encode("utf-16"))) == {"Stage": ["B3:B4"]}
