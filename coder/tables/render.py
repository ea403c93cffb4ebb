"""Write tables as CSV, JSON, Markdown or XLSX, with text cells made safe for spreadsheets
(see :mod:`coder.data.cells`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from coder.data.cells import neutralise, safe
from coder.data.store import Project
from coder.tables.crosstab import PROFILE_COLUMNS, TOTAL, Crosstabs


def write_csv(df: pd.DataFrame, path: Path) -> None:
    safe(df).to_csv(path, index=False, lineterminator="\n")


def to_json(df: pd.DataFrame) -> str:
    records = safe(df).astype(object).where(df.notna(), None).to_dict(orient="records")
    return json.dumps(records, indent=1, ensure_ascii=False)


def _fmt(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    esc = [str(neutralise(h)).replace("|", "\\|") for h in header]
    lines = ["| " + " | ".join(esc) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [_fmt(neutralise(c)).replace("|", "\\|").replace("\n", " ") for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def grid(tables: Crosstabs, question: str, measure: str) -> tuple[list[str], list[list[Any]]]:
    """Lay one question's table out as the report did: rows x columns (+ Total), or a list."""
    t = tables.table[tables.table["question"] == question]
    two_frame = bool(t["column_frame"].iloc[0])
    if not two_frame:
        rows = [[r["row"], r["ideas"], r["net_votes"]] for _, r in t.iterrows()]
        return [t["row_frame"].iloc[0], "ideas", "net votes"], rows
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


def crosstabs_markdown(project: Project, tables: Crosstabs) -> str:
    parts = []
    for q in project.codebook.questions:
        if q.id not in tables.distinct:
            continue
        t = tables.table[tables.table["question"] == q.id]
        two_frame = bool(t["column_frame"].iloc[0])
        measures = (
            [("ideas", "ideas coded"), ("net_votes", "net votes")]
            if two_frame
            else [("ideas", "ideas and net votes")]
        )
        for measure, what in measures:
            header, body = grid(tables, q.id, measure)
            title = f"### {q.label}: {what}"
            if two_frame:
                title += f" ({t['row_frame'].iloc[0]} x {t['column_frame'].iloc[0]})"
            parts.append(title + "\n\n" + _md_table(header, body))
        parts.append("\n".join(f"- {n}" for n in tables.notes[q.id]))
    return "\n\n".join(parts) + "\n"


def frame_markdown(df: pd.DataFrame) -> str:
    """Any data frame as a Markdown table (text neutralised, pipes escaped)."""
    return _md_table([str(c) for c in df.columns], df.values.tolist())


BALANCE_HEADER = ["Question", "Ideas", "Comments", "Votes", "Contributions", "%"]
PROFILE_HEADER = [
    "Answer",
    "Participants",
    "%",
    "Contributors",
    "%",
    "Contributors as % of participants",
]


def balance_rows(df: pd.DataFrame, percent_sign: bool = True) -> list[list[Any]]:
    """The balance table's rows as printed: label, counts, share (``12.34%`` or a number)."""
    return [
        [
            r["label"],
            r["ideas"],
            r["comments"],
            r["votes"],
            r["contributions"],
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


def balance_markdown(df: pd.DataFrame) -> str:
    header = [h.lower() for h in BALANCE_HEADER]
    return "### Balance of contributions\n\n" + _md_table(header, balance_rows(df)) + "\n"


def profile_markdown(df: pd.DataFrame) -> str:
    header = [h.lower() for h in PROFILE_HEADER]
    parts = [f"### {q}\n\n" + _md_table(header, rows) for q, rows in profile_blocks(df)]
    return "\n\n".join(parts) + "\n"


def write_xlsx(
    project: Project,
    path: Path,
    tables: Crosstabs | None = None,
    balance: pd.DataFrame | None = None,
    profile: pd.DataFrame | None = None,
    extra: dict[str, pd.DataFrame] | None = None,
) -> None:
    """One formatted sheet per table, laid out like the report; ``extra`` sheets as they are."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    for default in book.worksheets:
        book.remove(default)
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")

    def sheet(
        title: str,
        heading: str,
        header: list[str],
        rows: list[list[Any]],
        notes: Sequence[str] = (),
    ) -> None:
        ws = book.create_sheet(_sheet_name(title))
        ws.append([neutralise(heading)])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append([neutralise(h) for h in header])
        for cell in ws[2]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            ws.append([None if _fmt(c) == "" else neutralise(c) for c in row])
            if row and row[0] == TOTAL:
                for cell in ws[ws.max_row]:
                    cell.font = bold
        for note in notes:
            ws.append([])
            ws.append([neutralise(note)])
        longest = max((len(str(r[0])) for r in rows), default=0)
        ws.column_dimensions["A"].width = max(18, min(60, longest + 2))
        for letter in "BCDEFGH":
            ws.column_dimensions[letter].width = 14

    if balance is not None:
        sheet(
            "Balance",
            "Balance of contributions (ideas, comments, votes) by question",
            BALANCE_HEADER,
            balance_rows(balance, percent_sign=False),
        )
    if tables is not None:
        for q in project.codebook.questions:
            if q.id not in tables.distinct:
                continue
            t = tables.table[tables.table["question"] == q.id]
            if t["column_frame"].iloc[0]:
                for measure, what in (("ideas", "ideas"), ("net_votes", "votes")):
                    header, body = grid(tables, q.id, measure)
                    sheet(
                        f"{q.id} {what}",
                        f"{q.label}: {'ideas coded' if what == 'ideas' else 'net votes'}",
                        header,
                        body,
                        tables.notes[q.id],
                    )
            else:
                header, body = grid(tables, q.id, "ideas")
                sheet(
                    f"{q.id} themes",
                    f"{q.label}: ideas and net votes",
                    header,
                    body,
                    tables.notes[q.id],
                )
    if profile is not None:
        for i, (question, rows) in enumerate(profile_blocks(profile), 1):
            header = [*PROFILE_HEADER[:2], "Participants %", PROFILE_HEADER[3], "Contributors %"]
            sheet(f"Profile {i}", question, [*header, PROFILE_HEADER[5]], rows)
    for title, df in (extra or {}).items():
        sheet(title, title, [str(c) for c in df.columns], df.values.tolist())
    book.save(path)


def _sheet_name(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    return title[:31]
