"""The codings file: one long table that ``coder codings import`` and ``coder agreement --input``
both read, checked at the boundary with every problem listed at once.

One row per applied code::

    item_id,coder,frame,code,reason
    r01,ann,topic,cost,
    r01,ann,topic,time,
    r02,ann,topic,,                      <- ann saw r02 and applied no code of frame topic
    r03,ann,,,                           <- ann saw r03 and applied no code at all
    r04,ann,,not_relevant,off topic      <- ann excluded r04, with a reason

The item column may be named ``item_id`` or ``idea_id`` (one column under either name, so a
file written for one command is read by the other); ``reason`` and ``question`` (the question
the item answers) are optional. CSV (comma, semicolon or tab separated), TSV, XLSX (any sheet)
or JSONL, as :func:`coder.data.readers.read_table` reads them.

The checks, each returning its problems rather than raising, so that a caller lists them all:

- :func:`codings_rows`: the columns, an empty item or coder, a code without a frame;
- :func:`resolve`, with a codebook: frames and codes it lacks (with the closest names, for a
  typo), a code of another frame, a frame that does not apply to the item's question;
- :func:`coder.data.codings_checks.check_conflicts`: rows that repeat (dropped, and said) or
  contradict each other (an empty row beside a coded one for the same item, coder and frame;
  an exclusion beside codes; two codes in an exclusive frame);
- :func:`coder.data.codings_checks.check_coders`: the coders expected (``--coders``), or, when
  none are named, a stray coder with very few items beside two main coders (it would silently
  turn every Cohen's kappa into Fleiss' kappa).

:func:`coder.data.codings_checks.describe` says what a file holds: coders, frames, codes per
frame, rows dropped and why.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from coder.data.codebook import NOT_RELEVANT, Codebook, Frame
from coder.data.readers import Table
from coder.errors import InputError, Problem

ITEM_COLUMNS = ("item_id", "idea_id")
"""The names the item column may have (the same column)."""
TYPO_CUTOFF = 0.85
"""How alike (difflib's ratio) a rare code must be to a common one to be flagged as a typo."""
EXPECTED_COLUMNS = "the columns item_id (or idea_id), coder, frame, code (and reason, question)"

Dropped = dict[str, list[int]]
"""Rows left out, by why: the reason -> their row numbers."""


class CodingsFileError(InputError):
    """A codings file read for statistics only (``coder agreement --input``) has problems."""

    title = "problems in the codings file"


@dataclass(frozen=True)
class CodingRow:
    """One row of a codings file, its values stripped.

    ``frame`` and ``code`` are as written until :func:`resolve` turns them into codebook ids;
    empty means none (an empty code: the coder saw the item and applied no code).
    """

    row: int
    item: str
    coder: str
    frame: str
    code: str
    reason: str = ""
    question: str = ""

    @property
    def excluded(self) -> bool:
        """Whether the row marks the item as not relevant (an exclusion, not a code)."""
        return is_exclusion(self.code)


@dataclass
class CodingsTable:
    """The rows of a codings file, and where they came from."""

    path: str
    sheet: str
    item_column: str
    columns: list[str]
    rows: list[CodingRow]

    @property
    def has_question(self) -> bool:
        return "question" in self.columns


def is_exclusion(code: str) -> bool:
    return code.strip().casefold() in (NOT_RELEVANT, "not relevant")


def close_to(word: str, known: Iterable[str], cutoff: float = 0.6) -> list[str]:
    """The known names closest to ``word`` (a typo's likely meaning), best first."""
    names = list(dict.fromkeys(known))
    folded = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(word.casefold(), folded, n=3, cutoff=cutoff)
    return [folded[m] for m in close]


def did_you_mean(word: str, known: Iterable[str], names: dict[str, str] | None = None) -> str:
    """`` (did you mean 'x'?)`` for the known names closest to ``word``, or nothing.

    ``names`` maps a known name to the one to show (say a code's id to its label), so that
    two names of one thing are suggested once.
    """
    shown = dict.fromkeys((names or {}).get(c, c) for c in close_to(word, known))
    return f" (did you mean {' or '.join(map(repr, shown))}?)" if shown else ""


def rows_text(rows: list[int], limit: int = 8) -> str:
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


# --------------------------------------------------------------------------------------------
# Columns and rows


def _where(table: Table) -> str:
    """The file or sheet as a message names it, with its columns."""
    columns = ", ".join(map(repr, table.columns)) or "none"
    if not table.sheet:
        return f"the file has the columns {columns}"
    others = [s for s in _sheet_names(table.path) if s != table.sheet]
    also = f"; the other sheets are {', '.join(map(repr, others))}" if others else ""
    return f"sheet {table.sheet!r} was read and has the columns {columns}{also}"


def _sheet_names(path: str) -> list[str]:
    import openpyxl  # lazy: only a workbook's column error needs it

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [str(n) for n in book.sheetnames]
    finally:
        book.close()


def codings_rows(table: Table) -> tuple[CodingsTable, list[Problem]]:
    """The rows of a codings table with its columns checked (``idea_id`` is ``item_id``).

    Returns the rows that can be read and the problems: a missing column (naming the columns,
    and for a workbook the sheet, that were read), an empty item or coder, a code without a
    frame. Rows with a problem are left out of the rows returned.
    """
    problems: list[Problem] = []
    ids = [c for c in ITEM_COLUMNS if c in table.columns]
    fix_sheet = (
        " or pick the sheet that holds the codings with --sheet NAME," if table.sheet else ""
    )
    if len(ids) == 2:
        problems.append(
            Problem(
                table.path,
                1,
                "idea_id",
                "both 'item_id' and 'idea_id'",
                "one item column, named item_id or idea_id",
                "delete or rename one of them: they name the same column",
            )
        )
    missing = [] if ids else ["item_id"]
    missing += [c for c in ("coder", "frame", "code") if c not in table.columns]
    for col in missing:
        name = "item_id (or idea_id)" if col == "item_id" else repr(col)
        problems.append(
            Problem(
                table.path,
                1,
                col,
                f"no column {name}; {_where(table)}",
                EXPECTED_COLUMNS,
                f"rename the column that holds the {col.replace('_id', '')}s to {col},"
                f"{fix_sheet} or add the column",
            )
        )
    item_column = ids[0] if ids else "item_id"
    out = CodingsTable(table.path, table.sheet, item_column, list(table.columns), [])
    if problems:
        return out, problems
    for rownum, values in table.rows:
        row = CodingRow(
            rownum,
            values[item_column].strip(),
            values["coder"].strip(),
            values["frame"].strip(),
            values["code"].strip(),
            values.get("reason", "").strip(),
            values.get("question", "").strip(),
        )
        if not row.item or not row.coder:
            column = item_column if not row.item else "coder"
            what = "an empty item id" if not row.item else "an empty coder"
            problems.append(
                Problem(table.path, rownum, column, what, "who coded which item", "fill it in")
            )
            continue
        if row.code and not row.frame and not row.excluded:
            problems.append(
                Problem(
                    table.path,
                    rownum,
                    "frame",
                    f"the code {row.code!r} without a frame",
                    "the frame the code belongs to",
                    "fill in the frame",
                )
            )
            continue
        out.rows.append(row)
    return out, problems


# --------------------------------------------------------------------------------------------
# Against a codebook


def resolve(
    rows: list[CodingRow],
    path: str,
    codebook: Codebook,
    question_of: Callable[[CodingRow], str | None] | None = None,
) -> tuple[list[CodingRow], list[Problem]]:
    """Frames and codes as codebook ids (given as ids or labels), and every row that does not
    fit the codebook as a problem.

    ``question_of`` gives the question a row's item answers (None: not known); a frame must
    then apply to that question.
    """
    problems: list[Problem] = []
    frames: dict[str, Frame] = {f.id: f for f in codebook.frames}
    frames.update({f.label.casefold(): f for f in codebook.frames})
    frames.update({f.id.casefold(): f for f in codebook.frames})
    questions = {q.id for q in codebook.questions}
    out = []
    for row in rows:
        if row.excluded or (not row.frame and not row.code):
            out.append(row)
            continue
        frame = frames.get(row.frame) or frames.get(row.frame.casefold())
        if frame is None:
            known = [f.id for f in codebook.frames]
            problems.append(
                Problem(
                    path,
                    row.row,
                    "frame",
                    repr(row.frame),
                    "one of " + ", ".join(known),
                    "use a frame id of the codebook"
                    + did_you_mean(row.frame, known + [f.label for f in codebook.frames]),
                )
            )
            continue
        question = question_of(row) if question_of else None
        if question is not None and question not in questions:
            problems.append(
                Problem(
                    path,
                    row.row,
                    "question",
                    f"the unknown question {question!r}",
                    "one of " + ", ".join(sorted(questions)),
                    "use a question id of the codebook" + did_you_mean(question, questions),
                )
            )
            continue
        if question is not None and question not in frame.questions:
            used = [f.id for f in codebook.frames_for(question)]
            problems.append(
                Problem(
                    path,
                    row.row,
                    "frame",
                    f"the frame {frame.id!r} on an idea of question {question!r}",
                    "a frame for questions " + ", ".join(frame.questions),
                    f"code the item with its question's frames ({', '.join(used) or 'none'}), "
                    "or move the item first",
                )
            )
            continue
        code = frame.resolve(row.code) if row.code else ""
        if code is None:
            problems.append(_unknown_code(path, row, frame, codebook))
            continue
        out.append(replace(row, frame=frame.id, code=code))
    return out, problems


def _unknown_code(path: str, row: CodingRow, frame: Frame, codebook: Codebook) -> Problem:
    elsewhere = [f for f in codebook.frames if f.id != frame.id and f.resolve(row.code)]
    expected = f"a code of frame {frame.id!r}: " + ", ".join(c.label for c in frame.codes)
    if elsewhere:
        names = ", ".join(repr(f.id) for f in elsewhere)
        return Problem(
            path,
            row.row,
            "frame",
            f"the code {row.code!r} of frame {names} under frame {frame.id!r}",
            expected,
            f"put the row in frame {elsewhere[0].id!r}, or fix the code",
        )
    labels = {c.id: c.label for c in frame.codes} | {c.label: c.label for c in frame.codes}
    labels |= {c.path: c.path for c in frame.codes if c.parent}  # a `parent->child` path
    return Problem(
        path,
        row.row,
        "code",
        repr(row.code),
        expected,
        "fix the spelling" + did_you_mean(row.code, labels, labels) + ", or add the code to "
        "the codebook",
    )
