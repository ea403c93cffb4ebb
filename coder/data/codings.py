"""Codings: the set of codes each coder gave each idea, per frame, and exclusions.

A coding file is a long table with one row per applied code::

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
from coder.data.codebook import NOT_RELEVANT
from coder.data.readers import Table, read_table
from coder.data.store import Project, now
from coder.errors import CoderError, InputError, NotFoundError, Problem

CODER_KINDS = ("human", "model", "reference", "final")


@dataclass
class Coding:
    """One coder's coding of one idea: a set of code ids per frame, or an exclusion."""

    codes: dict[str, set[str]] = field(default_factory=dict)
    not_relevant_reason: str | None = None


def read_codings(project: Project, path: str | Path) -> dict[tuple[str, str], Coding]:
    """Read and validate a coding file against the project; return codings by (idea, coder).

    Raises
    ------
    InputError
        listing every problem (unknown idea, frame or code, a frame that does not apply to the
        idea's question, two codes in an exclusive frame, an exclusion without a reason).
    """
    return check_codings(project, read_table(path))


def check_codings(project: Project, table: Table) -> dict[tuple[str, str], Coding]:
    """The checks of :func:`read_codings` on a coding table however it was read (a REFI-QDA
    project's codings arrive as one, see :mod:`coder.refi.imports`)."""
    problems: list[Problem] = []

    def add(row: int | None, column: str | None, found: str, expected: str, fix: str) -> None:
        problems.append(Problem(table.path, row, column, found, expected, fix))

    for col in ("idea_id", "coder", "frame", "code"):
        if col not in table.columns:
            add(
                1,
                col,
                "no such column",
                "the columns idea_id, coder, frame, code (and reason)",
                f"add a column {col!r}",
            )
    if problems:
        raise InputError(problems)
    questions = dict(
        project.conn.execute("SELECT idea_id, COALESCE(analysis_question, question) FROM ideas")
    )
    frames = {f.id: f for f in project.codebook.frames}
    frames.update({f.label.casefold(): f for f in project.codebook.frames})
    codings: dict[tuple[str, str], Coding] = {}
    first_exclusive: dict[tuple[str, str, str], int] = {}
    for rownum, row in table.rows:
        idea, coder = row["idea_id"].strip(), row["coder"].strip()
        frame_name, code_name = row["frame"].strip(), row["code"].strip()
        if idea not in questions:
            add(
                rownum,
                "idea_id",
                f"the unknown idea {idea!r}",
                "an ingested idea",
                "ingest the ideas first, or fix the id",
            )
            continue
        if not coder:
            add(rownum, "coder", "an empty coder", "who coded the idea", "fill in the coder")
            continue
        coding = codings.setdefault((idea, coder), Coding())
        if code_name.casefold() in (NOT_RELEVANT, "not relevant"):
            reason = row.get("reason", "").strip()
            if not reason:
                add(
                    rownum,
                    "reason",
                    "an exclusion without a reason",
                    "why it is not relevant",
                    "write the reason in the reason column",
                )
            coding.not_relevant_reason = reason or None
            continue
        if not frame_name and not code_name:
            continue  # seen, no code applied
        frame = frames.get(frame_name) or frames.get(frame_name.casefold())
        if frame is None:
            add(
                rownum,
                "frame",
                repr(frame_name),
                "one of " + ", ".join(f.id for f in project.codebook.frames),
                "use a frame id of the codebook",
            )
            continue
        if questions[idea] not in frame.questions:
            add(
                rownum,
                "frame",
                f"the frame {frame.id!r} on an idea of question {questions[idea]!r}",
                "a frame for questions " + ", ".join(frame.questions),
                "code the idea with its question's frames, or move the idea first",
            )
            continue
        code = frame.resolve(code_name) if code_name else None
        if code_name and code is None:
            add(
                rownum,
                "code",
                repr(code_name),
                f"a code of frame {frame.id!r}: " + ", ".join(c.label for c in frame.codes),
                "fix the spelling, or add the code to the codebook",
            )
            continue
        codes = coding.codes.setdefault(frame.id, set())
        if code is None:
            continue
        if frame.exclusive and codes and code not in codes:
            key = (idea, coder, frame.id)
            add(
                rownum,
                "code",
                f"a second code for {coder!r} on {idea!r} (first on row "
                f"{first_exclusive.get(key)})",
                f"one code: frame {frame.id!r} is exclusive",
                "keep one code, or make the frame `selection: multiple`",
            )
            continue
        first_exclusive.setdefault((idea, coder, frame.id), rownum)
        codes.add(code)
    if problems:
        raise InputError(problems)
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
