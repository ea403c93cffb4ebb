"""How each table is laid out for people: titled blocks of rows, as the report printed them.

A :class:`Block` is one titled table (header, rows, the notes under it). The crosstabs, the
balance and the profile have their own layouts (the grids and headers of the report, one
worksheet per table in a workbook); any other table is one block of its columns.
:mod:`coder.tables.render` turns blocks into Markdown, text, HTML or a workbook, every text
cell neutralised (see :mod:`coder.data.cells`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from coder.agreement.display import SHEETS, report_notes, report_parts, titles
from coder.agreement.report import Report
from coder.data.cells import neutralise
from coder.data.store import Project
from coder.tables.crosstab import PROFILE_COLUMNS, TOTAL, Crosstabs


@dataclass(frozen=True)
class Block:
    """One titled table as shown: its header, its rows and the notes printed under it.

    ``sheet`` names its worksheet in a workbook (default: the title); ``decimals`` is the most
    decimals a float shows (at least two).
    """

    title: str
    header: list[str]
    rows: list[list[Any]]
    notes: tuple[str, ...] = ()
    sheet: str = ""
    decimals: int = 2


@dataclass
class Sections:
    """Several titled tables shown together, and the one tidy table behind them.

    ``data`` is what CSV and JSON hold; ``parts`` (title -> table) and ``notes`` are what
    Markdown, text, HTML and a workbook show; ``sheets`` names a part's worksheet (default:
    its title, cut to 31 characters).
    """

    data: pd.DataFrame
    parts: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)
    sheets: dict[str, str] = field(default_factory=dict)


def fmt_cell(value: Any, decimals: int = 2) -> str:
    """A cell as text: blank for missing; a float with two to ``decimals`` decimals."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        text = f"{value:.{max(2, decimals)}f}"
        while decimals > 2 and text.endswith("0") and len(text.partition(".")[2]) > 2:
            text = text[:-1]
        return text
    return str(value)


def md_table(header: list[str], rows: list[list[Any]], decimals: int = 2) -> str:
    """A Markdown table (text neutralised, pipes escaped, line breaks joined)."""
    esc = [str(neutralise(h)).replace("|", "\\|") for h in header]
    lines = ["| " + " | ".join(esc) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [
            fmt_cell(neutralise(c), decimals).replace("|", "\\|").replace("\n", " ") for c in row
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(blocks: Sequence[Block]) -> str:
    """Blocks as Markdown: a ``###`` title, the table, then the notes as a list."""
    parts = []
    for b in blocks:
        title = f"### {neutralise(b.title)}\n\n" if b.title else ""
        parts.append(title + md_table(b.header, b.rows, b.decimals))
        if b.notes:
            parts.append("\n".join(f"- {neutralise(n)}" for n in b.notes))
    return "\n\n".join(parts) + "\n"


def frame_block(df: pd.DataFrame, title: str = "") -> Block:
    """Any data frame as one block of its columns (floats with up to four decimals)."""
    header = [str(c) for c in df.columns]
    return Block(title, header, df.values.tolist(), sheet=title, decimals=4)


def frame_markdown(df: pd.DataFrame) -> str:
    """Any data frame as a Markdown table (text neutralised, pipes escaped)."""
    return md_table([str(c) for c in df.columns], df.values.tolist())


# The crosstabs ------------------------------------------------------------------------------


def grid(tables: Crosstabs, question: str, measure: str) -> tuple[list[str], list[list[Any]]]:
    """Lay one question's table out as the report did: rows x columns (+ Total), or a list."""
    t = tables.table[tables.table["question"] == question]
    two_frame = bool(t["column_frame"].iloc[0])
    if not two_frame:
        measures = ["ideas", "net_votes"] if tables.votes else ["ideas"]  # a survey: counts
        rows = [[r["row"], *(r[m] for m in measures)] for _, r in t.iterrows()]
        return [t["row_frame"].iloc[0], "ideas", "net votes"][: len(measures) + 1], rows
    columns = list(dict.fromkeys(t["column"]))
    header = ["", *columns]
    body = []
    for row in dict.fromkeys(t["row"]):
        cells = t[t["row"] == row].set_index("column")[measure]
        body.append([row] + [_blank_zero(cells[c], row, c) for c in columns])
    return header, body


def _blank_zero(value: Any, row: str, column: str) -> Any:
    # The report leaves empty cells blank; totals always show a number.
    return value if value or TOTAL in (row, column) else ""


def _questions(tables: Crosstabs, project: Project | None) -> dict[str, str]:
    """The tabulated questions, id -> label, in codebook order."""
    if tables.labels or project is None:
        return dict(tables.labels)
    return {q.id: q.label for q in project.codebook.questions if q.id in tables.distinct}


def crosstab_blocks(tables: Crosstabs, project: Project | None = None) -> list[Block]:
    """Per question: its grid of ideas and of net votes (or its list), then its notes."""
    blocks: list[Block] = []
    for qid, label in _questions(tables, project).items():
        t = tables.table[tables.table["question"] == qid]
        two_frame = bool(t["column_frame"].iloc[0])
        measures = (
            [("ideas", "ideas coded"), ("net_votes", "net votes")][: 2 if tables.votes else 1]
            if two_frame
            else [("ideas", "ideas and net votes" if tables.votes else "ideas")]
        )
        for i, (measure, what) in enumerate(measures, 1):
            header, body = grid(tables, qid, measure)
            title = f"{label}: {what}"
            if two_frame:
                title += f" ({t['row_frame'].iloc[0]} x {t['column_frame'].iloc[0]})"
            notes = tuple(tables.notes[qid]) if i == len(measures) else ()
            blocks.append(Block(title, header, body, notes))
    return blocks


def crosstabs_markdown(project: Project | None, tables: Crosstabs) -> str:
    """The crosstabs as Markdown, one question after another, notes under each."""
    return markdown(crosstab_blocks(tables, project))


def crosstab_sheets(tables: Crosstabs, project: Project | None = None) -> list[Block]:
    """The crosstabs as worksheets: per question its ideas and votes grids (or its themes)."""
    sheets: list[Block] = []
    for qid, label in _questions(tables, project).items():
        t = tables.table[tables.table["question"] == qid]
        notes = tuple(tables.notes[qid])
        if t["column_frame"].iloc[0]:
            for measure, what in (("ideas", "ideas"), ("net_votes", "votes"))[
                : 2 if tables.votes else 1
            ]:
                header, body = grid(tables, qid, measure)
                heading = f"{label}: {'ideas coded' if what == 'ideas' else 'net votes'}"
                sheets.append(Block(heading, header, body, notes, sheet=f"{qid} {what}"))
        else:
            header, body = grid(tables, qid, "ideas")
            heading = f"{label}: {'ideas and net votes' if tables.votes else 'ideas'}"
            sheets.append(Block(heading, header, body, notes, sheet=f"{qid} themes"))
    return sheets


# The balance and the profile ----------------------------------------------------------------

BALANCE_HEADER = ["Question", "Ideas", "Comments", "Votes", "Contributions", "%"]
PROFILE_HEADER = [
    "Answer",
    "Participants",
    "%",
    "Contributors",
    "%",
    "Contributors as % of participants",
]


def balance_header(df: pd.DataFrame) -> list[str]:
    """The balance table's header; without the votes column when ``df`` has none (a survey)."""
    return [h for h in BALANCE_HEADER if h != "Votes" or "votes" in df.columns]


def balance_rows(df: pd.DataFrame, percent_sign: bool = True) -> list[list[Any]]:
    """The balance table's rows as printed: label, counts, share (``12.34%`` or a number)."""
    counts = [c for c in ("ideas", "comments", "votes", "contributions") if c in df.columns]
    return [
        [
            r["label"],
            *(r[c] for c in counts),
            f"{r['percent']:.2f}%" if percent_sign else r["percent"],
        ]
        for _, r in df.iterrows()
    ]


def profile_blocks(df: pd.DataFrame) -> list[tuple[str, list[list[Any]]]]:
    """The profile as printed: per questionnaire column, its answers' rows."""
    return [
        (str(question), block[PROFILE_COLUMNS[1:]].values.tolist())
        for question, block in df.groupby("question", sort=False)
    ]


def balance_block(df: pd.DataFrame) -> Block:
    header = [h.lower() for h in balance_header(df)]
    return Block("Balance of contributions", header, balance_rows(df))


def profile_display(df: pd.DataFrame) -> list[Block]:
    header = [h.lower() for h in PROFILE_HEADER]
    return [Block(q, header, rows) for q, rows in profile_blocks(df)]


def balance_markdown(df: pd.DataFrame) -> str:
    return markdown([balance_block(df)])


def profile_markdown(df: pd.DataFrame) -> str:
    return markdown(profile_display(df))


def balance_sheet(df: pd.DataFrame) -> Block:
    what = "ideas, comments, votes" if "votes" in df.columns else "ideas, comments"
    heading = f"Balance of contributions ({what}) by question"
    return Block(heading, balance_header(df), balance_rows(df, percent_sign=False), sheet="Balance")


def profile_sheets(df: pd.DataFrame) -> list[Block]:
    header = [*PROFILE_HEADER[:2], "Participants %", PROFILE_HEADER[3], "Contributors %"]
    return [
        Block(question, [*header, PROFILE_HEADER[5]], rows, sheet=f"Profile {i}")
        for i, (question, rows) in enumerate(profile_blocks(df), 1)
    ]


# Reliability --------------------------------------------------------------------------------


def agreement_sections(report: Report) -> Sections:
    """The reliability report: its tidy table, its wide tables by title, and the notes (who
    was compared, who coded alone, where the model's codes came from)."""
    sheets = {title: SHEETS[kind] for kind, title in titles(report).items()}
    return Sections(report.table, report_parts(report), report_notes(report), sheets)


def section_blocks(sections: Sections) -> list[Block]:
    blocks = [
        replace(frame_block(df, title), sheet=sections.sheets.get(title, title))
        for title, df in sections.parts.items()
    ]
    if not blocks:
        blocks = [frame_block(sections.data)]
    last = blocks[-1]
    blocks[-1] = replace(last, notes=tuple(sections.notes))
    return blocks


# Workbooks ----------------------------------------------------------------------------------


def write_workbook(sheets: Sequence[Block], path: Path) -> None:
    """One formatted worksheet per block: its title, its bold header, its rows, its notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    for default in book.worksheets:
        book.remove(default)
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    used: set[str] = set()
    for block in sheets:
        ws = book.create_sheet(_sheet_name(block.sheet or block.title or "Table", used))
        ws.append([neutralise(block.title)])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append([neutralise(h) for h in block.header])
        for cell in ws[2]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in block.rows:
            ws.append([None if fmt_cell(c) == "" else neutralise(c) for c in row])
            if row and row[0] == TOTAL:
                for cell in ws[ws.max_row]:
                    cell.font = bold
        for note in block.notes:
            ws.append([])
            ws.append([neutralise(note)])
        longest = max((len(str(r[0])) for r in block.rows if r), default=0)
        ws.column_dimensions["A"].width = max(18, min(60, longest + 2))
        for letter in "BCDEFGH":
            ws.column_dimensions[letter].width = 14
    book.save(path)


def write_xlsx(
    project: Project,
    path: Path,
    tables: Crosstabs | None = None,
    balance: pd.DataFrame | None = None,
    profile: pd.DataFrame | None = None,
    extra: dict[str, pd.DataFrame] | None = None,
) -> None:
    """One formatted sheet per table, laid out like the report; ``extra`` sheets as they are."""
    sheets: list[Block] = []
    if balance is not None:
        sheets.append(balance_sheet(balance))
    if tables is not None:
        sheets += crosstab_sheets(tables, project)
    if profile is not None:
        sheets += profile_sheets(profile)
    sheets += [frame_block(df, title) for title, df in (extra or {}).items()]
    write_workbook(sheets, path)


def _sheet_name(title: str, used: set[str]) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    name, n = title[:31], 1
    while name.casefold() in used:
        n += 1
        name = f"{title[: 31 - len(str(n)) - 1]} {n}"
    used.add(name.casefold())
    return name
