"""The pictures drawn as inline SVG on the server: no script, no network, black on white with shapes
(not colour alone) telling series apart, so they read on screen, in print and with JavaScript off.
Every mark that stands for a record links to it."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from .picture_data import LENGTHS, Lengths, Matrix, PerYear
from .reading import Reader

FONT = 'font-family="system-ui, sans-serif"'
MARKERS = {  # series -> a drawing of its marker at (x, y)
    "spatial resolution": lambda x, y: f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" class="mark filled"/>',
    "probing depth": lambda x, y: f'<rect x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" height="9" class="mark open"/>',
    "length scale": lambda x, y: (f'<path d="M {x:.1f} {y - 6:.1f} L {x + 6:.1f} {y:.1f} L {x:.1f} {y + 6:.1f} '
                                  f'L {x - 6:.1f} {y:.1f} Z" class="mark hatched"/>'),
}
SERIES_OFFSET = {"spatial resolution": -6, "probing depth": 0, "length scale": 6}
LENGTH_NAMES = {-10: "0.1 nm", -9: "1 nm", -8: "10 nm", -7: "100 nm", -6: "1 μm", -5: "10 μm", -4: "100 μm",
                -3: "1 mm", -2: "1 cm", -1: "10 cm", 0: "1 m"}


def _text(x: float, y: float, content: str, anchor: str = "start", size: int = 12, extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" {FONT} {extra}>'
            f'{escape(content)}</text>')


def _link(href: str, inner: str, title: str) -> str:
    return f'<a href="{escape(href)}"><title>{escape(title)}</title>{inner}</a>'


def _svg(width: float, height: float, title: str, body: list[str], name: str) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
                  f'height="{height:.0f}" role="img" aria-labelledby="{name}-title" class="chart" id="{name}-chart">'
                  f'<title id="{name}-title">{escape(title)}</title>'
                  '<style>.mark{stroke:#000;stroke-width:1.5}.filled{fill:#000}.open{fill:#fff}'
                  '.hatched{fill:#888}.grid{stroke:#ccc;stroke-width:1}.axis{stroke:#000;stroke-width:1}'
                  '.range{stroke:#000;stroke-width:2}.bar{fill:#555;stroke:#000;stroke-width:.5}'
                  'a:hover .mark,a:hover .bar,a:focus .mark,a:focus .bar{fill:#1f5fa8}</style>'
                  + "".join(body) + "</svg>")


def _wrapped(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def capability_chart(matrix: Matrix, reader: Reader) -> Markup:
    left, top, column, row = 250, 70, 104, 24
    width = left + column * len(matrix.kinds) + 10
    groups = []  # (family, techniques) in order
    for technique, family in matrix.techniques:
        if not groups or groups[-1][0] != family:
            groups.append((family, []))
        groups[-1][1].append(technique)
    height = top + row * (len(matrix.techniques) + len(groups)) + 10
    body = []
    for i, kind in enumerate(matrix.kinds):
        x = left + column * i + column / 2
        name = reader.label(kind).removesuffix(" information")
        lines = _wrapped(name, 14)
        label = "".join(_text(x, top - 12 - 14 * (len(lines) - 1 - n), line, "middle", 12, 'font-weight="600"')
                        for n, line in enumerate(lines))
        body.append(_link(reader.href(kind), label, reader.label(kind)))
    y = top
    for family, techniques in groups:
        body.append(_text(8, y + row * 0.7, family or "—", "start", 12, 'font-weight="700"'))
        body.append(f'<line x1="8" y1="{y + row:.1f}" x2="{width - 10:.1f}" y2="{y + row:.1f}" class="axis"/>')
        y += row
        for technique in techniques:
            body.append(_link(reader.href(technique), _text(20, y + row * 0.68, reader.label(technique)),
                              reader.label(technique)))
            for i, kind in enumerate(matrix.kinds):
                cx, cy = left + column * i + column / 2, y + row / 2
                body.append(f'<rect x="{left + column * i + 2:.1f}" y="{y + 2:.1f}" width="{column - 4}" '
                            f'height="{row - 4}" fill="none" class="grid"/>')
                cell = matrix.cells.get((technique, kind))
                if cell:
                    body.append(_link(reader.href(cell.statement), f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" '
                                      'class="mark filled"/>', f"{reader.label(technique)}: {reader.label(kind)} — "
                                      f"{reader.label(cell.statement)}"))
            y += row
    return _svg(width, height, "Table 9: which technique gives which kind of information", body, "capabilities")


def length_chart(data: Lengths, reader: Reader) -> Markup:
    drawn = [p for p in data.points if p.drawn]
    values = [v for p in drawn for v in (p.low, p.high) if v]
    low = math.floor(math.log10(min(values))) if values else -9
    high = math.ceil(math.log10(max(values))) if values else -3
    if high - low < 3:
        high = low + 3
    left, top, plot, row = 300, 40, 520, 30
    rows = [t for t in data.techniques if any(p.technique == t for p in drawn)]
    height = top + row * len(rows) + 70
    width = left + plot + 20

    def x_of(metres: float) -> float:
        return left + (math.log10(metres) - low) / (high - low) * plot
    body = []
    for decade in range(low, high + 1):
        x = x_of(10.0 ** decade)
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + row * len(rows)}" class="grid"/>')
        body.append(_text(x, top + row * len(rows) + 16, LENGTH_NAMES.get(decade, f"1e{decade} m"), "middle", 11))
    body.append(f'<line x1="{left}" y1="{top + row * len(rows)}" x2="{left + plot}" y2="{top + row * len(rows)}" class="axis"/>')
    body.append(_text(left + plot / 2, top + row * len(rows) + 34, "length (logarithmic scale)", "middle", 12))
    for n, technique in enumerate(rows):
        y = top + row * n + row / 2
        body.append(_link(reader.href(technique), _text(left - 10, y + 4, reader.label(technique), "end"),
                          reader.label(technique)))
        for point in (p for p in drawn if p.technique == technique):
            series = LENGTHS[point.concept]
            py = y + SERIES_OFFSET[series]
            title = f"{reader.label(technique)}: {series} {point.printed}"
            if point.low is not None and point.high is not None and point.low != point.high:
                x1, x2 = x_of(point.low), x_of(point.high)
                mark = (f'<line x1="{x1:.1f}" y1="{py:.1f}" x2="{x2:.1f}" y2="{py:.1f}" class="range"/>'
                        + MARKERS[series](x1, py) + MARKERS[series](x2, py))
            elif point.low is None or point.high is None:  # an upper or a lower bound only
                bound = x_of(point.high if point.low is None else point.low)
                end = bound - 40 if point.low is None else bound + 40
                arrow = -1 if point.low is None else 1
                mark = (f'<line x1="{bound:.1f}" y1="{py:.1f}" x2="{end:.1f}" y2="{py:.1f}" class="range" '
                        'stroke-dasharray="4 3"/>'
                        f'<path d="M {end:.1f} {py:.1f} l {-6 * arrow} -4 l 0 8 Z" class="mark filled"/>'
                        + MARKERS[series](bound, py))
            else:
                mark = MARKERS[series](x_of(point.low), py)
            body.append(_link(reader.href(point.holder), mark, title))
    legend_y = top - 22
    for i, series in enumerate(LENGTHS.values()):
        x = left + i * 170
        body.append(MARKERS[series](x, legend_y) + _text(x + 12, legend_y + 4, series))
    return _svg(width, height, "Spatial resolution, probing depth and length scale of the techniques", body, "lengths")


def per_year_chart(data: PerYear, reader: Reader, link_year) -> Markup:
    left, top, band, gap, bar = 210, 20, 64, 14, 12
    rows = [("all references", None)] + [(reader.label(f) if f else "no technique named", f) for f in data.families]
    peak = max(data.totals.values(), default=1)
    width = left + bar * len(data.years) + 20
    height = top + (band + gap) * len(rows) + 30
    body = []
    for n, (name, family) in enumerate(rows):
        base = top + (band + gap) * n + band
        for line in _wrapped(name, 26)[:2][::-1]:
            body.append(_text(left - 10, base - 4, line, "end", 12, 'font-weight="600"' if family is None else ""))
            base -= 14
        base = top + (band + gap) * n + band
        body.append(f'<line x1="{left}" y1="{base}" x2="{left + bar * len(data.years)}" y2="{base}" class="axis"/>')
        for i, year in enumerate(data.years):
            count = data.totals.get(year, 0) if family is None else data.counts.get((family, year), 0)
            if not count:
                continue
            h = count / peak * (band - 12)
            x = left + bar * i
            shape = (f'<rect x="{x + 1:.1f}" y="{base - h:.1f}" width="{bar - 2}" height="{h:.1f}" class="bar"/>'
                     + _text(x + bar / 2, base - h - 2, str(count), "middle", 8))
            body.append(_link(link_year(year), shape, f"{year}: {count} reference{'s' if count != 1 else ''} ({name})"))
    axis = top + (band + gap) * len(rows) - gap + 14
    for i, year in enumerate(data.years):
        if year % 5 == 0 or i in (0, len(data.years) - 1):
            body.append(_text(left + bar * i + bar / 2, axis, str(year), "middle", 10))
    return _svg(width, height, "The review's references per year of publication, by technique family", body, "per-year")

