"""``atc-dmn render``'s HTML in a real browser: Debian's Chromium driven by Playwright, JavaScript off.

The page is written by the installed command and opened offline: every table
and the diagram must show, with nothing fetched. Printed to PDF (A4 landscape,
the page's own print style), every rule must stay on one page. The check reads
the PDF's link annotations: each rule's id cell is one link covering the cell,
and a row cut by a page break leaves a piece of that link on each page (the
last test shows the check catching exactly that once the print style is
taken away).
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

KEEP_RULES_WHOLE = "tr { break-inside: avoid; }"
PRINTED_WIDTH_PX = (297 - 2 * 12) / 25.4 * 96  # A4 landscape less the page's 12 mm margins, in CSS pixels


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory, atc_command: str) -> Path:
    out = tmp_path_factory.mktemp("render") / "atc_treatment.html"
    done = subprocess.run([atc_command, "render", "-o", str(out)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def shipped():
    from atc_dmn import load_model

    return load_model().model


def _objects(data: bytes) -> dict[int, str]:
    """The PDF's objects that are not streams (pages, annotations, the page tree), by number."""
    starts = [(m.start(), int(m.group(1))) for m in re.finditer(rb"(?m)^(\d+) 0 obj\n", data)]
    found = {}
    for k, (pos, number) in enumerate(starts):
        body = data[pos : starts[k + 1][0] if k + 1 < len(starts) else len(data)]
        if b"stream" not in body:
            found[number] = body.decode("latin-1")
    return found


def pdf_links(data: bytes) -> list[tuple[int, str]]:
    """(page index, destination name) of every internal link annotation, pages in reading order."""
    objects = _objects(data)

    def pages(number: int) -> list[int]:
        body = objects[number]
        if "/Type /Pages" not in body:
            return [number]
        kids = re.search(r"/Kids \[([^\]]*)\]", body)
        return [p for kid in re.findall(r"(\d+) 0 R", kids.group(1) if kids else "") for p in pages(int(kid))]

    root = next(n for n, body in objects.items() if "/Type /Pages" in body and "/Parent" not in body)
    links = []
    for index, page in enumerate(pages(root)):
        annots = re.search(r"/Annots \[([^\]]*)\]", objects[page])
        for ref in re.findall(r"(\d+) 0 R", annots.group(1) if annots else ""):
            dest = re.search(r"/Dest /([A-Za-z0-9_.-]+)", objects[int(ref)])
            if dest:
                links.append((index, dest.group(1)))
    return links


def _print(chromium: Any, html: str) -> tuple[dict[str, list[str]], list[tuple[int, str]]]:
    """Each table's rule anchors on the page, and the links of its PDF."""
    context = chromium.new_context(java_script_enabled=False, offline=True)
    page = context.new_page()
    page.set_content(html)
    anchors = {
        section.get_attribute("data-table") or "": [
            a.get_attribute("id") or "" for a in section.locator("tr.rule td.rule-id a").all()
        ]
        for section in page.locator("section[data-table]").all()
    }
    data = page.pdf(prefer_css_page_size=True)
    context.close()
    return anchors, pdf_links(data)


def _pieces(anchors: dict[str, list[str]], links: list[tuple[int, str]]) -> Counter[str]:
    """How many pieces each rule's id link is in: 1 for a rule on one page."""
    rules = {a for names in anchors.values() for a in names}
    return Counter(dest for _, dest in links if dest in rules)


def test_the_page_shows_every_table_and_the_diagram_offline(chromium, page_file, shipped):
    context = chromium.new_context(java_script_enabled=False, offline=True)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(page_file.as_uri())
    assert requested == [page_file.as_uri()]  # nothing but the page itself: no font, style, script or image
    assert page.title().startswith(shipped.info.name)
    assert shipped.info.notice[:60] in page.locator("#notice").inner_text()
    for table in shipped.tables:
        section = page.locator(f'section[data-table="{table.name}"]')
        assert section.locator("h3").inner_text() == table.name
        assert section.locator(".hit-policy").inner_text().startswith(table.hit_policy)
        rows = section.locator("tr.rule")
        assert rows.count() == len(table.rules)
        assert [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())] == [
            r.id for r in table.rules
        ]
        assert rows.last.is_visible()
    drd = page.locator("svg#drd")
    box = drd.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 200
    assert drd.locator("g.drd-decision").count() == len(shipped.tables)
    read = {c.variable for t in shipped.tables for c in t.inputs}
    inputs = [v.name for v in shipped.variables.values() if v.role == "input" and v.name in read]
    assert sorted(drd.locator("g.drd-input").evaluate_all("gs => gs.map(g => g.dataset.name)")) == sorted(inputs)
    for name in ("fhir-mapping", "cards", "references", "wording", "tests"):
        assert page.locator(f"#{name}").is_visible()
    context.close()


def test_printing_keeps_each_rule_on_one_page(chromium, page_file, shipped):
    anchors, links = _print(chromium, page_file.read_text(encoding="utf-8"))
    assert {t: len(a) for t, a in anchors.items()} == {t.name: len(t.rules) for t in shipped.tables}
    pieces = _pieces(anchors, links)
    rules = [a for names in anchors.values() for a in names]
    assert sorted(pieces) == sorted(rules), "every rule's id link is in the PDF"
    assert [a for a in rules if pieces[a] != 1] == [], "rules cut by a page break"
    # Tables do cross pages (the rows really met page breaks), each rule staying whole.
    page_of = {dest: page for page, dest in links}
    crossing = [t for t, names in anchors.items() if len({page_of[a] for a in names}) > 1]
    assert len({page for page, _ in links}) > 3 and crossing


def test_every_table_fits_the_printed_width(chromium, page_file):
    """Nothing is cut at the right edge of the paper: long codes wrap where they may (after _ / | .)."""
    context = chromium.new_context(
        java_script_enabled=False, offline=True, viewport={"width": int(PRINTED_WIDTH_PX), "height": 800}
    )
    page = context.new_page()
    page.goto(page_file.as_uri())
    page.emulate_media(media="print")
    boxes = [t.bounding_box() for t in page.locator("table").all()]
    assert len(boxes) > 10
    assert [b for b in boxes if b is None or b["x"] + b["width"] > PRINTED_WIDTH_PX + 0.5] == []
    context.close()


def test_the_check_finds_a_rule_cut_without_the_print_style(chromium, page_file):
    html = page_file.read_text(encoding="utf-8")
    assert KEEP_RULES_WHOLE in html
    anchors, links = _print(chromium, html.replace(KEEP_RULES_WHOLE, ""))
    assert max(_pieces(anchors, links).values()) > 1
