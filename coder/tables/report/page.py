"""The page shell: the Content-Security-Policy and inline style, HTML tables (with heat
shading), section anchors, the sections and their table of contents, the summary's tiles and the
document around it all. Every value is escaped with :func:`~coder.tables.report.formats.esc`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from coder.tables.crosstab import TOTAL
from coder.tables.report.formats import esc, number

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1d2733;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.4rem;border-bottom:2px solid #005eb8;
padding-bottom:.2rem}h3{margin-top:1.6rem}.meta{color:#57606a}.small{font-size:.85rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #d0d7de;padding:.3rem .55rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}th{background:#f0f4f8}
tr.total td{font-weight:600;background:#f6f8fa}.note{color:#57606a;font-size:.88rem}
blockquote{margin:.4rem 0 .8rem;padding:.4rem .8rem;border-left:4px solid #005eb8;
background:#f6f8fa}.votes{color:#57606a;font-size:.85rem}.flag{color:#b35900}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.8rem;
margin:1rem 0}.tile{border:1px solid #d0d7de;border-top:4px solid #005eb8;padding:.5rem .7rem}
.tile b{display:block;font-size:1.5rem}.tile span{color:#57606a;font-size:.88rem}
nav ol{columns:2 18rem;margin:.4rem 0}svg text{font-size:12px;fill:#1d2733}
svg text.q{font-weight:600}svg text.f{fill:#57606a;font-style:italic}
svg .pos{fill:#005eb8}svg .neg{fill:#b35900}
svg line{stroke:#57606a}
"""


def _heat(value: float, top: float) -> str:
    if not value or top <= 0:
        return ""
    level = max(0.0, min(1.0, value / top))
    # NHS blue at full strength, white at zero.
    r, g, b = (int(255 - (255 - c) * level * 0.75) for c in (0, 94, 184))
    colour = "#fff" if level > 0.6 else "#1d2733"
    return f' style="background:rgb({r},{g},{b});color:{colour}"'


def html_table(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    heat_top: float | Sequence[float] | None = None,
    caption: str = "",
    kinds: Sequence[str] | None = None,
) -> str:
    """An HTML table; cells printed with :func:`number` (``kinds``: one per column)."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption class=note>{esc(caption)}</caption>")
    out.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        total = bool(row) and row[0] == TOTAL
        cells = []
        for i, value in enumerate(row):
            style = ""
            top = heat_top[i] if isinstance(heat_top, Sequence) else heat_top
            numeric = isinstance(value, int | np.integer) and not isinstance(value, bool)
            if top and i > 0 and not total and header[i] != TOTAL and numeric:
                style = _heat(float(value), top)
            kind = kinds[i] if kinds is not None else "auto"
            cells.append(f"<td{style}>{esc(number(value, kind))}</td>")
        out.append(f"<tr{' class=total' if total else ''}>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def frame_table(df: pd.DataFrame, kinds: Sequence[str] | None = None, caption: str = "") -> str:
    return html_table(
        [str(c) for c in df.columns], df.values.tolist(), kinds=kinds, caption=caption
    )


def anchor(text: str) -> str:
    """An HTML id from any text (letters, digits, ``-`` and ``_``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "section"


class Page:
    """The body of the page, with its sections for the table of contents."""

    def __init__(self) -> None:
        self.body: list[str] = []
        self.sections: list[tuple[str, str]] = []
        self.opening = 0  # where the table of contents goes: after the summary

    def section(self, key: str, title: str) -> None:
        self.sections.append((key, title))
        self.body.append(f"<h2 id={anchor(key)}>{esc(title)}</h2>")

    def add(self, *html_parts: str) -> None:
        self.body.extend(html_parts)

    def contents(self) -> str:
        links = "".join(f'<li><a href="#{anchor(k)}">{esc(t)}</a></li>' for k, t in self.sections)
        return f'<nav aria-label="Contents"><h2 id=contents>Contents</h2><ol>{links}</ol></nav>'


def tile(value: str, what: str) -> str:
    return f"<div class=tile><b>{esc(value)}</b><span>{esc(what)}</span></div>"


def document(title: str, body: Sequence[str]) -> str:
    """The whole HTML document: ``body`` under the policy and style, with no script."""
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
