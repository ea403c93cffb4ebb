"""The one way coder writes a table: :func:`render`.

A table is a data frame, the crosstabs (:class:`~coder.tables.crosstab.Crosstabs`) or several
titled tables (:class:`~coder.tables.layouts.Sections`). It goes out as

- ``table``: aligned text for a terminal;
- ``markdown``: Markdown tables under ``###`` titles;
- ``csv`` and ``json``: the tidy table, one row (record) per row;
- ``html``: a plain page of escaped tables, without scripts or styles;
- ``xlsx``: a workbook, one formatted sheet per table (to a file only);

to a file or to stdout. Every text cell is neutralised first in every format (a cell that a
spreadsheet would run as a formula is prefixed with an apostrophe, see :mod:`coder.data.cells`).
"""

from __future__ import annotations

import html
import json
import numbers
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, TextIO

import numpy as np
import pandas as pd

from coder.data.cells import neutralise, safe
from coder.errors import OutputError
from coder.tables.crosstab import Crosstabs
from coder.tables.layouts import (
    BALANCE_HEADER,
    PROFILE_HEADER,
    Block,
    Sections,
    balance_block,
    balance_markdown,
    balance_rows,
    balance_sheet,
    crosstab_blocks,
    crosstab_sheets,
    crosstabs_markdown,
    fmt_cell,
    frame_block,
    frame_markdown,
    grid,
    markdown,
    profile_blocks,
    profile_display,
    profile_markdown,
    profile_sheets,
    section_blocks,
    write_workbook,
    write_xlsx,
)

__all__ = [
    "BALANCE_HEADER",
    "FORMATS",
    "PROFILE_HEADER",
    "Sections",
    "balance_markdown",
    "balance_rows",
    "crosstabs_markdown",
    "format_for",
    "frame_markdown",
    "grid",
    "neutralise",
    "profile_blocks",
    "profile_markdown",
    "render",
    "to_json",
    "to_text",
    "write_csv",
    "write_xlsx",
]

FORMATS = ("table", "markdown", "csv", "json", "html", "xlsx")
"""Every format :func:`render` writes, the same on every command that prints a table."""

SUFFIXES = {
    ".txt": "table",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
}

Layout = Literal["plain", "fields", "balance", "profile"]
"""How a data frame is laid out for people: as its columns (``plain``), as named values
(``fields``: a ``what, value`` table shown without a header, a JSON object), or as the report's
balance or profile tables. Crosstabs and sections have their own layouts."""

Table = pd.DataFrame | Crosstabs | Sections


def format_for(fmt: str | None, out: Path | None, default: str) -> str:
    """The format to write: ``fmt`` when given, else the one ``out``'s extension names (for
    instance ``.xlsx``), else ``default``."""
    if fmt is not None:
        return fmt
    if out is not None and out.suffix.lower() in SUFFIXES:
        return SUFFIXES[out.suffix.lower()]
    return default


def render(
    table: Table,
    fmt: str = "table",
    out: Path | None = None,
    *,
    title: str = "",
    layout: Layout = "plain",
    stream: TextIO | None = None,
) -> None:
    """Write ``table`` as ``fmt`` to the file ``out``, or to ``stream`` (default: stdout).

    Parameters
    ----------
    table
        A data frame, the crosstabs, or :class:`Sections`.
    fmt
        One of :data:`FORMATS`.
    out
        The file to write; None writes text to ``stream``. ``xlsx`` needs a file.
    title
        The heading of a data frame's table (and the HTML page's title).
    layout
        How a data frame is laid out (see :data:`Layout`).

    Raises
    ------
    OutputError
        for an unknown format, an ``xlsx`` without a file, or a file that cannot be written
        (a missing folder, no permission), saying how to fix it.
    """
    if fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "xlsx":
        if out is None:
            raise OutputError(
                "an xlsx workbook cannot be printed to the terminal: give --out FILE.xlsx, or "
                "choose another --format"
            )
        _check_folder(out)
        try:
            write_workbook(_sheets(table, title, layout), out)
        except OSError as exc:
            raise _cannot_write(out, exc) from exc
        return
    text = to_text(table, fmt, title=title, layout=layout)
    if out is None:
        (stream or sys.stdout).write(text)
        return
    _check_folder(out)
    try:
        out.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise _cannot_write(out, exc) from exc


def to_text(table: Table, fmt: str, *, title: str = "", layout: Layout = "plain") -> str:
    """``table`` as the text of ``fmt`` (any format of :data:`FORMATS` but ``xlsx``)."""
    if fmt == "csv":
        return safe(_data(table)).to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        if layout == "fields" and isinstance(table, pd.DataFrame):
            fields = {str(k): neutralise(_plain(v)) for k, v in table.iloc[:, :2].values}
            return json.dumps(fields, indent=2, ensure_ascii=False) + "\n"
        return to_json(_data(table)) + "\n"
    blocks = _blocks(table, title, layout)
    if fmt == "markdown":
        return markdown(blocks)
    if fmt == "html":
        return html_page(blocks, title)
    if fmt == "table":
        return text_table(blocks, header=layout != "fields")
    raise OutputError(f"{fmt!r} is not a text format; choose one of {', '.join(FORMATS[:-1])}")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a data frame as CSV (text neutralised)."""
    render(df, "csv", path)


def to_json(df: pd.DataFrame) -> str:
    """A data frame as a JSON list of records (text neutralised, missing values null)."""
    records = safe(df).astype(object).where(df.notna(), None).to_dict(orient="records")
    return json.dumps(records, indent=1, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _data(table: Table) -> pd.DataFrame:
    """The tidy table behind ``table``: what CSV and JSON hold."""
    if isinstance(table, Crosstabs):
        return table.table
    if isinstance(table, Sections):
        return table.data
    return table


def _blocks(table: Table, title: str, layout: Layout) -> list[Block]:
    """``table`` as people read it: titled blocks of rows."""
    if isinstance(table, Crosstabs):
        return crosstab_blocks(table)
    if isinstance(table, Sections):
        return section_blocks(table)
    if layout == "balance":
        return [balance_block(table)]
    if layout == "profile":
        return profile_display(table)
    return [frame_block(table, title)]


def _sheets(table: Table, title: str, layout: Layout) -> list[Block]:
    """``table`` as worksheets (the report's layouts for crosstabs, balance and profile)."""
    if isinstance(table, Crosstabs):
        return crosstab_sheets(table)
    if isinstance(table, pd.DataFrame) and layout == "balance":
        return [balance_sheet(table)]
    if isinstance(table, pd.DataFrame) and layout == "profile":
        return profile_sheets(table)
    return [b if b.title else replace(b, title="Table") for b in _blocks(table, title, layout)]


def text_table(blocks: Sequence[Block], header: bool = True, wrap: int = 40) -> str:
    """Blocks as aligned text: a title line, the columns (numbers to the right, text wrapped at
    ``wrap`` characters), then the notes."""
    parts = []
    for b in blocks:
        right = [_numbers(r[i] for r in b.rows) for i in range(len(b.header))]
        rows = [[fmt_cell(neutralise(c), b.decimals) for c in r] for r in b.rows]
        shown = ([[str(neutralise(h)) for h in b.header]] if header else []) + rows
        lines_of = [[_wrap(c, wrap) for c in r] for r in shown]
        widths = [
            max((len(piece) for r in lines_of for piece in r[i]), default=0)
            for i in range(len(b.header))
        ]
        lines = [str(neutralise(b.title))] if b.title else []
        for r in lines_of:
            for k in range(max((len(c) for c in r), default=1)):
                cells = [c[k] if k < len(c) else "" for c in r]
                lines.append(
                    "  ".join(
                        c.rjust(w) if n else c.ljust(w)
                        for c, w, n in zip(cells, widths, right, strict=True)
                    ).rstrip()
                )
        lines += [f"- {neutralise(n)}" for n in b.notes]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _wrap(cell: str, width: int) -> list[str]:
    """A cell's lines: its own lines, each wrapped at ``width`` (a long word stays whole)."""
    pieces = [
        piece
        for line in cell.splitlines() or [""]
        for piece in textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
        or [""]
    ]
    return pieces


def _numbers(column: Iterable[Any]) -> bool:
    """Whether every filled cell of a column is a number (aligned to the right)."""
    filled = [v for v in column if fmt_cell(v) != ""]
    return bool(filled) and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in filled
    )


def html_page(blocks: Sequence[Block], title: str = "") -> str:
    """Blocks as a plain HTML page: escaped text, no scripts, no styles, no links."""

    def esc(value: Any, decimals: int = 2) -> str:
        return html.escape(fmt_cell(neutralise(value), decimals), quote=True)

    page = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        f"<title>{esc(title or (blocks[0].title if blocks else '') or 'Table')}</title>",
        "</head>",
        "<body>",
    ]
    for b in blocks:
        if b.title:
            page.append(f"<h2>{esc(b.title)}</h2>")
        page.append("<table>")
        page.append(
            "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in b.header) + "</tr></thead>"
        )
        page.append("<tbody>")
        for row in b.rows:
            page.append("<tr>" + "".join(f"<td>{esc(c, b.decimals)}</td>" for c in row) + "</tr>")
        page.append("</tbody>")
        page.append("</table>")
        if b.notes:
            page.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in b.notes) + "</ul>")
    page += ["</body>", "</html>"]
    return "\n".join(page) + "\n"


def _check_folder(out: Path) -> None:
    folder = out.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise OutputError(
            f"cannot write {out}: the folder {folder} {what}; create it first "
            f"(mkdir -p {folder}) or choose another --out"
        )


def _cannot_write(out: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    fix = (
        "check the permissions of the file and its folder, close the file if a spreadsheet "
        "has it open, or choose another --out"
        if isinstance(exc, PermissionError)
        else "give a file path, not a folder"
        if isinstance(exc, IsADirectoryError)
        else "choose another --out"
    )
    return OutputError(f"cannot write {out} ({reason}); {fix}")
