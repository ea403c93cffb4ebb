"""Adjudication as a spreadsheet round trip.

Why a workbook and not a Label Studio project: adjudicators are usually senior researchers who
decide a few dozen items, often offline and in Excel; a workbook needs no server and no
account, shows every coder's choices side by side with the reason the item is queued, and is
itself an archive of the decisions. The import validates every decision against the codebook
(every problem listed at once) before anything is stored.

The workbook's first sheet, *Queue*, has one row per queued item and frame: the item, its
question, why it is queued, its text (redacted), each coder's codes, and a ``decision`` column
for the adjudicator: code labels (or ids) separated by ``;``, ``none`` for no code, or
``not relevant: <reason>`` (on any row of the item) to exclude it. An item counts as decided
when every one of its rows has a decision. The *Codebook* sheet lists the codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from coder.data.codings import Coding, coders, codings_of
from coder.data.readers import read_table
from coder.data.store import Project, now
from coder.errors import InputError, Problem
from coder.reconcile.rules import queue

COLUMNS = ["idea_id", "question", "frame", "why_queued", "text"]
NONE = "none"
EXCLUDE = "not relevant:"


def write_queue(
    project: Project, path: Path, redact: Callable[[Sequence[str]], list[str]] | None = None
) -> int:
    """Write the adjudication queue to an XLSX workbook; return the number of items."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from coder.data.cells import neutralise

    items = queue(project)
    humans = [c for c, k in coders(project).items() if k == "human"]
    codings = {c: codings_of(project, c) for c in humans}
    info = {
        i: (q, t)
        for i, q, t in project.conn.execute(
            "SELECT idea_id, COALESCE(analysis_question, question), text FROM ideas"
        )
    }
    texts = [info[i][1] for i, _ in items]
    shown = redact(texts) if redact is not None else texts
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Queue"
    ws.append([*COLUMNS, *humans, "decision", "note"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    cb = project.codebook
    for (idea, why), text in zip(items, shown, strict=True):
        question = info[idea][0]
        for frame in cb.frames_for(question):
            choices = []
            for c in humans:
                coding = codings[c].get(idea)
                if coding is None:
                    choices.append("")
                elif coding.not_relevant_reason is not None:
                    choices.append(f"{EXCLUDE} {coding.not_relevant_reason}")
                else:
                    labels = sorted(frame.code(x).label for x in coding.codes.get(frame.id, ()))
                    choices.append("; ".join(labels) or NONE)
            row = [idea, question, frame.id, why, text, *choices, "", ""]
            ws.append([neutralise(v) for v in row])
            ws.cell(ws.max_row, 5).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["E"].width = 70
    ref = book.create_sheet("Codebook")
    ref.append(["frame", "selection", "code id", "label", "definition"])
    for f in cb.frames:
        for code in f.codes:
            ref.append([f.id, f.selection, code.id, code.label, code.definition])
    book.save(path)
    return len(items)


def read_decisions(project: Project, path: Path) -> dict[str, Coding]:
    """Read and validate an adjudicated workbook: the decided items' codings.

    Raises
    ------
    InputError
        listing every problem: unknown items or frames, codes not in the codebook, two codes in
        an exclusive frame, an exclusion without a reason.
    """
    table = read_table(path)
    problems: list[Problem] = []
    for col in ("idea_id", "frame", "decision"):
        if col not in table.columns:
            problems.append(
                Problem(
                    table.path,
                    1,
                    col,
                    "no such column",
                    "the columns of the workbook coder wrote",
                    "export the queue again with `coder adjudicate --export`",
                )
            )
    if problems:
        raise InputError(problems)
    known = {i for (i,) in project.conn.execute("SELECT idea_id FROM ideas")}
    frames = {f.id: f for f in project.codebook.frames}
    decided: dict[str, Coding] = {}
    undecided: set[str] = set()
    for rownum, row in table.rows:
        idea, frame_id = row["idea_id"].strip(), row["frame"].strip()
        decision = row["decision"].strip()
        if idea not in known:
            problems.append(
                Problem(
                    table.path,
                    rownum,
                    "idea_id",
                    f"the unknown idea {idea!r}",
                    "an idea of this project",
                    "do not edit the idea_id column",
                )
            )
            continue
        if not decision:
            undecided.add(idea)
            continue
        coding = decided.setdefault(idea, Coding())
        if decision.casefold().startswith(EXCLUDE):
            reason = decision[len(EXCLUDE) :].strip()
            if not reason:
                problems.append(
                    Problem(
                        table.path,
                        rownum,
                        "decision",
                        "an exclusion without a reason",
                        "not relevant: <reason>",
                        "say why it is not relevant",
                    )
                )
            coding.not_relevant_reason = reason
            continue
        frame = frames.get(frame_id)
        if frame is None:
            problems.append(
                Problem(
                    table.path,
                    rownum,
                    "frame",
                    repr(frame_id),
                    "one of " + ", ".join(frames),
                    "do not edit the frame column",
                )
            )
            continue
        codes = set()
        if decision.casefold() != NONE:
            for part in (p.strip() for p in decision.split(";")):
                code = frame.resolve(part) if part else None
                if code is None:
                    problems.append(
                        Problem(
                            table.path,
                            rownum,
                            "decision",
                            repr(part),
                            f"codes of frame {frame.id!r} separated by ';', or 'none'",
                            "use the labels of the Codebook sheet",
                        )
                    )
                else:
                    codes.add(code)
        if frame.exclusive and len(codes) > 1:
            problems.append(
                Problem(
                    table.path,
                    rownum,
                    "decision",
                    f"{len(codes)} codes",
                    f"one code: frame {frame.id!r} is exclusive",
                    "keep one",
                )
            )
        if codes:
            coding.codes[frame.id] = codes
    if problems:
        raise InputError(problems)
    return {i: c for i, c in decided.items() if i not in undecided or c.not_relevant_reason}


def store_decisions(
    project: Project, decisions: dict[str, Coding], adjudicator: str, note: str = ""
) -> int:
    """Store adjudicators' decisions (replacing earlier ones), audited; return how many
    changed."""
    from coder.data.audit import changes

    stamp = now()
    changed = 0
    with (
        project.transaction() as conn,
        changes(conn, actor=adjudicator, action="adjudication", reason=note) as _,
    ):
        for idea, coding in sorted(decisions.items()):
            before = _decision(conn, idea)
            after = Coding({f: set(c) for f, c in coding.codes.items() if c},
                           coding.not_relevant_reason)  # fmt: skip
            if before == after:
                continue
            changed += 1
            conn.execute("DELETE FROM adjudications WHERE idea_id = ?", (idea,))
            conn.execute(
                "INSERT INTO adjudications(idea_id, adjudicator, decided_at, not_relevant_reason,"
                " note) VALUES (?, ?, ?, ?, ?)",
                (idea, adjudicator, stamp, coding.not_relevant_reason, note),
            )
            conn.executemany(
                "INSERT INTO adjudication_codes(idea_id, frame_id, code_id) VALUES (?, ?, ?)",
                [(idea, f, c) for f, codes in after.codes.items() for c in sorted(codes)],
            )
    return changed


def _decision(conn: Any, idea: str) -> Coding | None:
    row = conn.execute(
        "SELECT not_relevant_reason FROM adjudications WHERE idea_id = ?", (idea,)
    ).fetchone()
    if row is None:
        return None
    coding = Coding(not_relevant_reason=row[0])
    for frame, code in conn.execute(
        "SELECT frame_id, code_id FROM adjudication_codes WHERE idea_id = ?", (idea,)
    ):
        coding.codes.setdefault(frame, set()).add(code)
    return coding
