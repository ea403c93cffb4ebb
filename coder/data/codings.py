"""Codings: the set of codes each coder gave each idea, per frame, and exclusions.

A coding file is a long table with one row per applied code (its format and checks are those of
:mod:`coder.data.codings_file`, which ``coder agreement --input`` reads too)::

    idea_id,coder,frame,code,reason
    idea-001,alice,literacy,Learning,
    idea-001,alice,readiness,Skills,
    idea-002,alice,,,                          <- alice saw idea-002 and applied no code
    idea-003,alice,,not_relevant,off topic     <- alice excluded idea-003, with a reason

Codes may be given by id or by report label. Importing a coder's coding of an idea replaces
that coder's earlier coding of the same idea; other ideas and coders are left alone.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coder.data.audit import changes
from coder.data.codings_checks import check_coders, check_conflicts
from coder.data.codings_file import CodingRow, codings_rows, resolve
from coder.data.readers import Table, read_table
from coder.data.store import Project, now
from coder.errors import CoderError, InputError, NotFoundError, Problem

CODER_KINDS = ("human", "model", "reference", "final")


@dataclass
class Coding:
    """One coder's coding of one idea: a set of code ids per frame, or an exclusion."""

    codes: dict[str, set[str]] = field(default_factory=dict)
    not_relevant_reason: str | None = None


def read_codings(
    project: Project,
    path: str | Path,
    *,
    sheet: str | None = None,
    coders: Sequence[str] | None = None,
) -> dict[tuple[str, str], Coding]:
    """Read and validate a coding file against the project; return codings by (idea, coder).

    The file is the one :mod:`coder.data.codings_file` describes (``item_id`` or ``idea_id``);
    of a workbook, ``sheet`` is read (default: the first). ``coders`` are the coders the file
    must hold (default: any, but a stray coder with very few items is refused).

    Raises
    ------
    InputError
        listing every problem (unknown idea, frame or code, a frame that does not apply to the
        idea's question, two codes in an exclusive frame, an exclusion without a reason, rows
        that contradict each other, an unexpected or stray coder).
    """
    return check_codings(project, read_table(path, sheet), coders)


def check_codings(
    project: Project, table: Table, coders: Sequence[str] | None = None
) -> dict[tuple[str, str], Coding]:
    """The checks of :func:`read_codings` on a coding table however it was read (a REFI-QDA
    project's codings arrive as one, see :mod:`coder.refi.imports`)."""
    read, problems = codings_rows(table)
    if not read.rows and problems:
        raise InputError(problems)
    questions = dict(
        project.conn.execute("SELECT idea_id, COALESCE(analysis_question, question) FROM ideas")
    )
    rows = []
    kept, found, _ = check_coders(read.rows, table.path, coders, others_allowed=False)
    problems += found
    for row in kept:
        if row.item not in questions:
            problems.append(
                Problem(
                    table.path,
                    row.row,
                    read.item_column,
                    f"the unknown idea {row.item!r}",
                    "an ingested idea",
                    "ingest the ideas first, or fix the id",
                )
            )
        elif row.excluded and not row.reason:
            problems.append(
                Problem(
                    table.path,
                    row.row,
                    "reason",
                    "an exclusion without a reason",
                    "why it is not relevant",
                    "write the reason in the reason column",
                )
            )
        else:
            rows.append(row)
    rows, found = resolve(rows, table.path, project.codebook, lambda r: questions[r.item])
    problems += found
    exclusive = {f.id for f in project.codebook.frames if f.exclusive}
    rows, found, _ = check_conflicts(rows, table.path, exclusive)
    problems += found
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.row is not None, p.row or 0)))
    return build_codings(rows)


def build_codings(rows: Sequence[CodingRow]) -> dict[tuple[str, str], Coding]:
    """Codings by (item, coder) from checked rows (frames and codes as codebook ids)."""
    codings: dict[tuple[str, str], Coding] = {}
    for row in rows:
        coding = codings.setdefault((row.item, row.coder), Coding())
        if row.excluded:
            coding.not_relevant_reason = row.reason or "(no reason given)"
        elif row.frame:
            codes = coding.codes.setdefault(row.frame, set())
            if row.code:
                codes.add(row.code)
    return codings


def store_codings(
    project: Project,
    codings: dict[tuple[str, str], Coding],
    kind: str = "human",
    reason: str = "",
    actor: str | None = None,
    action: str = "import",
) -> int:
    """Write codings in one transaction, replacing each (idea, coder)'s earlier coding.

    Every change is in the audit log (by ``actor``, default each coder, as ``action`` with
    ``reason``). Returns the number of (idea, coder) codings that changed.
    """
    if kind not in CODER_KINDS:
        raise NotFoundError(f"unknown coder kind {kind!r}; use one of {', '.join(CODER_KINDS)}")
    with project.transaction() as conn:
        return write_codings(conn, codings, kind, reason=reason, actor=actor, action=action)


def write_codings(
    conn: sqlite3.Connection,
    codings: Mapping[tuple[str, str], Coding | None],
    kind: str,
    *,
    action: str,
    reason: str = "",
    actor: str | None = None,
    refs: Mapping[tuple[str, str], str] | None = None,
) -> int:
    """The one way codings change: inside the caller's transaction, under an audit context.

    ``None`` removes a coding. Only what differs is written (codes added and removed, an
    exclusion set or lifted), so the audit log holds the real changes. ``actor`` defaults to
    each coder; ``refs`` gives a reference per (idea, coder), e.g. the Label Studio
    annotation it came from. Returns the number of (idea, coder) codings that changed.
    """

    stamp = now()
    changed = 0
    for coder in sorted({c for _, c in codings}):
        conn.execute(
            "INSERT OR IGNORE INTO coders(coder_id, kind, created_at) VALUES (?,?,?)",
            (coder, kind, stamp),
        )
    todo = []
    for (idea, coder), coding in sorted(codings.items()):
        old = _load(conn, idea, coder)
        new = None if coding is None else _normalise(coding)
        if old != new:
            todo.append((idea, coder, old, new))
    by_actor: dict[str, list[tuple[str, str, Coding | None, Coding | None]]] = defaultdict(list)
    for item in todo:
        by_actor[actor or item[1]].append(item)
    for who, items in sorted(by_actor.items()):
        with changes(conn, actor=who, action=action, reason=reason) as log:
            for idea, coder, old, new in items:
                changed += 1
                log.refer((refs or {}).get((idea, coder)))
                apply_change(conn, idea, coder, old, new, stamp)
    return changed


def apply_change(
    conn: sqlite3.Connection,
    idea: str,
    coder: str,
    old: Coding | None,
    new: Coding | None,
    stamp: str,
) -> None:
    """Write the difference between two codings of (idea, coder), under the caller's audit
    context (see :func:`write_codings`, the usual way in)."""
    if new is None:
        conn.execute("DELETE FROM codings WHERE idea_id = ? AND coder_id = ?", (idea, coder))
        return
    if old is None:
        conn.execute(
            "INSERT INTO codings(idea_id, coder_id, not_relevant_reason, updated_at)"
            " VALUES (?, ?, ?, ?)",
            (idea, coder, new.not_relevant_reason, stamp),
        )
    elif old.not_relevant_reason != new.not_relevant_reason:
        conn.execute(
            "UPDATE codings SET not_relevant_reason = ?, updated_at = ? "
            "WHERE idea_id = ? AND coder_id = ?",
            (new.not_relevant_reason, stamp, idea, coder),
        )
    else:
        conn.execute(
            "UPDATE codings SET updated_at = ? WHERE idea_id = ? AND coder_id = ?",
            (stamp, idea, coder),
        )
    was = {(f, c) for f, codes in (old.codes if old else {}).items() for c in codes}
    now_ = {(f, c) for f, codes in new.codes.items() for c in codes}
    conn.executemany(
        "DELETE FROM coding_codes WHERE idea_id = ? AND coder_id = ? AND frame_id = ? "
        "AND code_id = ?",
        [(idea, coder, f, c) for f, c in sorted(was - now_)],
    )
    conn.executemany(
        "INSERT INTO coding_codes(idea_id, coder_id, frame_id, code_id) VALUES (?,?,?,?)",
        [(idea, coder, f, c) for f, c in sorted(now_ - was)],
    )


def _load(conn: sqlite3.Connection, idea: str, coder: str) -> Coding | None:
    row = conn.execute(
        "SELECT not_relevant_reason FROM codings WHERE idea_id = ? AND coder_id = ?", (idea, coder)
    ).fetchone()
    if row is None:
        return None
    coding = Coding(not_relevant_reason=row[0])
    for frame, code in conn.execute(
        "SELECT frame_id, code_id FROM coding_codes WHERE idea_id = ? AND coder_id = ?",
        (idea, coder),
    ):
        coding.codes.setdefault(frame, set()).add(code)
    return coding


def _normalise(coding: Coding) -> Coding:
    """The same coding without frames that hold no code (how the store keeps it)."""
    return Coding({f: c for f, c in coding.codes.items() if c}, coding.not_relevant_reason)


def coders(project: Project) -> dict[str, str]:
    """Coder ids and kinds in the project."""
    return dict(project.conn.execute("SELECT coder_id, kind FROM coders ORDER BY coder_id"))


def ideas_by_coder(project: Project, kinds: Sequence[str] = ("human",)) -> dict[str, set[str]]:
    """The ideas each coder of ``kinds`` (``human``, ``model``, ``final``) has a coding for."""
    marks = ",".join("?" * len(kinds))
    out: dict[str, set[str]] = {}
    for idea, coder in project.conn.execute(
        "SELECT k.idea_id, k.coder_id FROM codings k JOIN coders c USING (coder_id) "
        f"WHERE c.kind IN ({marks})",
        tuple(kinds),
    ):
        out.setdefault(str(coder), set()).add(str(idea))
    return out


def coded_ideas(project: Project, kinds: Sequence[str] = ("human",)) -> set[str]:
    """The ideas at least one coder of ``kinds`` has a coding for."""
    return set().union(*ideas_by_coder(project, kinds).values())


def coder_to_tabulate(project: Project, coder: str | None = None) -> str:
    """The coder whose codes a table shows: ``coder`` when given, else the final codes.

    Raises
    ------
    CoderError
        when no coder is given and nothing was reconciled yet, naming the coders there are.
    """
    if coder:
        return coder
    known = coders(project)
    if "final" in known:
        return "final"
    raise CoderError(
        "no final codes yet: pass --coder NAME to tabulate one coder's codes "
        f"(coders: {', '.join(known) or 'none; import codings first'})"
    )


def codings_of(project: Project, coder: str) -> dict[str, Coding]:
    """Every coding by one coder, by idea id."""
    if coder not in coders(project):
        known = ", ".join(coders(project)) or "none yet"
        raise NotFoundError(
            f"no coder {coder!r} in this project (coders: {known}); import "
            "codings with `coder codings import`"
        )
    out: dict[str, Coding] = defaultdict(Coding)
    for idea, reason in project.conn.execute(
        "SELECT idea_id, not_relevant_reason FROM codings WHERE coder_id = ?", (coder,)
    ):
        out[idea].not_relevant_reason = reason
    for idea, frame, code in project.conn.execute(
        "SELECT idea_id, frame_id, code_id FROM coding_codes WHERE coder_id = ?", (coder,)
    ):
        out[idea].codes.setdefault(frame, set()).add(code)
    return dict(out)
