"""The decision requirements diagram as inline SVG: inputs on the left, each table right of what it reads.

Laid out in columns by depth (an input is 0, a table one more than the
deepest thing it reads), so the drawing follows the tables' real inputs and
outputs. Sizes come from an estimate of the text's width: the page needs no
script and no font metrics to show it.
"""

from __future__ import annotations

from html import escape

from .model_view import Drd, DrdNode

CHAR_W = 7.2  # px per character of 13 px sans-serif text, a generous estimate
SMALL_W = 6.2  # px per character of 11 px text
LINE = 15
PAD = 10
COLUMN_GAP = 70
ROW_GAP = 14
MARGIN = 12


def _width(node: DrdNode) -> float:
    wide = max([len(node.label) * CHAR_W, *(len(d) * SMALL_W for d in node.decides)])
    return wide + 2 * PAD


def _height(node: DrdNode) -> float:
    return LINE * (1 + len(node.decides)) + 2 * PAD - 4


def _order(drd: Drd) -> dict[int, list[DrdNode]]:
    """Nodes by column; inputs ordered by the first table that reads them, so fewer edges cross."""
    position = {n.id: i for i, n in enumerate(drd.nodes)}
    first_reader: dict[str, int] = {}
    for source, target in drd.edges:
        first_reader[source] = min(first_reader.get(source, len(position)), position[target])
    columns: dict[int, list[DrdNode]] = {}
    for node in drd.nodes:
        columns.setdefault(drd.depth.get(node.id, 0), []).append(node)
    for depth, nodes in columns.items():
        if depth == 0:
            nodes.sort(key=lambda n: (first_reader.get(n.id, len(position)), position[n.id]))
    return dict(sorted(columns.items()))


def _ports(
    edges: tuple[tuple[str, str], ...], boxes: dict[str, tuple[float, float, float, float]]
) -> dict[tuple[str, str], tuple[float, float]]:
    """Each edge's (start y, end y): a box's edges spread along its side in the order of the boxes at their
    other ends, so that arrows into one table stay apart and do not cross at its door."""
    middle = {k: y + h / 2 for k, (_, y, _, h) in boxes.items()}
    found: dict[tuple[str, str], list[float]] = {e: [0.0, 0.0] for e in edges}
    for side, own, other in ((0, 0, 1), (1, 1, 0)):
        by_box: dict[str, list[tuple[str, str]]] = {}
        for edge in edges:
            by_box.setdefault(edge[own], []).append(edge)
        for box, mine in by_box.items():
            _, y, _, h = boxes[box]
            mine.sort(key=lambda e: middle[e[other]])
            step = (h - 8) / len(mine)
            for k, edge in enumerate(mine):
                found[edge][side] = y + 4 + step * (k + 0.5)
    return {e: (a, b) for e, (a, b) in found.items()}


def to_svg(drd: Drd, title: str) -> str:
    """The diagram as one ``<svg>`` element (no external references)."""
    columns = _order(drd)
    widths = {d: max(_width(n) for n in nodes) for d, nodes in columns.items()}
    heights = {d: sum(_height(n) for n in nodes) + ROW_GAP * (len(nodes) - 1) for d, nodes in columns.items()}
    total_h = max(heights.values(), default=0) + 2 * MARGIN
    boxes: dict[str, tuple[float, float, float, float]] = {}
    x = MARGIN
    for depth, nodes in columns.items():
        y = MARGIN + (total_h - 2 * MARGIN - heights[depth]) / 2
        for node in nodes:
            boxes[node.id] = (x, y, widths[depth], _height(node))
            y += _height(node) + ROW_GAP
        x += widths[depth] + COLUMN_GAP
    total_w = x - COLUMN_GAP + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="drd" class="drd" role="img" viewBox="0 0 {total_w:.0f} '
        f'{total_h:.0f}" width="{total_w:.0f}" height="{total_h:.0f}" aria-labelledby="drd-title">',
        f'<title id="drd-title">{escape(title)}</title>',
        '<defs><marker id="drd-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    names = {n.id: n.label for n in drd.nodes}
    ends = _ports(drd.edges, boxes)
    for source, target in drd.edges:
        sx, _, sw, _ = boxes[source]
        tx = boxes[target][0]
        x1, y1, x2, y2 = sx + sw, ends[(source, target)][0], tx, ends[(source, target)][1]
        bend = COLUMN_GAP / 2
        parts.append(
            f'<path class="drd-edge" data-from="{escape(names[source])}" data-to="{escape(names[target])}" '
            f'd="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
            'fill="none" stroke="#777" stroke-width="1.2" marker-end="url(#drd-arrow)"/>'
        )
    for node in drd.nodes:
        bx, by, bw, bh = boxes[node.id]
        shape = (
            f'<rect x="{bx:.1f}" y="{by:.1f}" width="{bw:.1f}" height="{bh:.1f}" rx="{bh / 2:.1f}" '
            'fill="#eef4fb" stroke="#4a6f96"/>'
            if node.kind == "input"
            else f'<rect x="{bx:.1f}" y="{by:.1f}" width="{bw:.1f}" height="{bh:.1f}" rx="3" '
            'fill="#fff" stroke="#333" stroke-width="1.5"/>'
        )
        text = [
            f'<text x="{bx + bw / 2:.1f}" y="{by + PAD + 11:.1f}" text-anchor="middle" font-size="13" '
            f'font-weight="{"normal" if node.kind == "input" else "bold"}">{escape(node.label)}</text>'
        ]
        for k, decided in enumerate(node.decides, start=1):
            text.append(
                f'<text x="{bx + bw / 2:.1f}" y="{by + PAD + 11 + k * LINE:.1f}" text-anchor="middle" '
                f'font-size="11" fill="#444">{escape(decided)}</text>'
            )
        body = shape + "".join(text)
        group = (
            f'<g class="drd-node drd-{node.kind}" data-name="{escape(node.label)}">'
            f"<title>{escape(node.label)}</title>{body}</g>"
        )
        parts.append(f'<a href="#{node.anchor}">{group}</a>' if node.anchor else group)
    parts.append("</svg>")
    return "\n".join(parts)
