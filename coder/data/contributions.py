"""Ingest a crowdsourcing platform's export: ideas, comments, votes and participants.

Every input table is validated whole before anything is written; all problems are reported at
once (:class:`coder.errors.InputError`) and the store is left exactly as it was. Rows are
upserted by id: re-ingesting the same files changes nothing, a newer export updates changed rows,
and rows missing from a newer export are kept (exports are often partial).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coder.data.readers import Table, read_table
from coder.data.store import Project, now
from coder.errors import InputError, NotFoundError, Problem

REQUIRED = {
    "ideas": ("idea_id", "question", "text", "author_id"),
    "comments": ("comment_id", "idea_id", "text", "author_id"),
    "votes": ("voter_id", "target_id", "value"),
    "participants": ("participant_id",),
}
VOTE_VALUES = {"1": 1, "+1": 1, "1.0": 1, "-1": -1, "-1.0": -1}


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class IngestReport:
    """What an ingest did, per kind of table."""

    counts: dict[str, Counts] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated for c in self.counts.values())


class _Checker:
    """Collects problems while the tables are checked."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self, table: Table, row: int | None, column: str | None, found: str, expected: str, fix: str
    ) -> None:
        self.problems.append(Problem(table.path, row, column, found, expected, fix))

    def columns(self, table: Table, kind: str) -> bool:
        missing = [c for c in REQUIRED[kind] if c not in table.columns]
        for col in missing:
            self.add(
                table,
                1,
                col,
                "no such column (columns: " + ", ".join(table.columns) + ")",
                f"the {kind} columns " + ", ".join(REQUIRED[kind]),
                f"add or rename a column to {col!r}",
            )
        return not missing

    def unique(self, table: Table, column: str) -> dict[str, int]:
        first: dict[str, int] = {}
        for rownum, row in table.rows:
            value = row[column].strip()
            if not value:
                self.add(
                    table,
                    rownum,
                    column,
                    "an empty id",
                    "an id",
                    "fill in the id or delete the row",
                )
            elif value in first:
                self.add(
                    table,
                    rownum,
                    column,
                    f"the id {value!r} again (first on row {first[value]})",
                    "each id once",
                    "remove the duplicate row",
                )
            else:
                first[value] = rownum
        return first

    def text(self, table: Table, column: str) -> None:
        for rownum, row in table.rows:
            if not row[column].strip():
                self.add(
                    table,
                    rownum,
                    column,
                    "an empty text",
                    "the contribution's text",
                    "fill it in, or delete the row if the contribution was withdrawn",
                )


def _read_all(files: dict[str, str | Path | None]) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    for kind, path in files.items():
        if path is None:
            continue
        try:
            tables[kind] = read_table(path)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return tables


def _stored_ids(project: Project, sql: str) -> set[str]:
    return {row[0] for row in project.conn.execute(sql)}


def validate(project: Project, tables: dict[str, Table]) -> None:
    """Check input tables against each other and the store; raise InputError with every problem."""
    check = _Checker()
    ok = {kind: check.columns(table, kind) for kind, table in tables.items()}
    ids: dict[str, set[str]] = {}
    key = {"ideas": "idea_id", "comments": "comment_id", "participants": "participant_id"}
    for kind, column in key.items():
        # The ids count even when another column is missing: no spurious "unknown idea" problems.
        if kind in tables and column in tables[kind].columns:
            ids[kind] = set(check.unique(tables[kind], column))
    idea_ids = ids.get("ideas", set()) | _stored_ids(project, "SELECT idea_id FROM ideas")
    comment_ids = ids.get("comments", set()) | _stored_ids(
        project, "SELECT comment_id FROM comments"
    )
    people = ids.get("participants", set()) | _stored_ids(
        project, "SELECT participant_id FROM participants"
    )
    questions = {q.id.casefold(): q.id for q in project.codebook.questions}
    questions.update({q.label.casefold(): q.id for q in project.codebook.questions})

    def known_person(table: Table, column: str, role: str) -> None:
        if not people:
            return
        for rownum, row in table.rows:
            person = row[column].strip()
            if person and person not in people:
                check.add(
                    table,
                    rownum,
                    column,
                    f"the {role} {person!r}, not among participants",
                    "a participant_id of the participants file",
                    "add the participant to the participants file, or fix the id",
                )

    if "ideas" in tables and ok["ideas"]:
        t = tables["ideas"]
        check.text(t, "text")
        for rownum, row in t.rows:
            q = row["question"].strip()
            if q.casefold() not in questions:
                check.add(
                    t,
                    rownum,
                    "question",
                    f"the question {q!r}",
                    "one of " + ", ".join(q.id for q in project.codebook.questions),
                    "use a question id of the codebook, or add the question to it",
                )
            if not row["author_id"].strip():
                check.add(
                    t,
                    rownum,
                    "author_id",
                    "an empty author",
                    "a participant id",
                    "fill in who posted the idea",
                )
            if row["idea_id"].strip() in comment_ids:
                check.add(
                    t,
                    rownum,
                    "idea_id",
                    f"{row['idea_id']!r}, also a comment id",
                    "ids unique across ideas and comments",
                    "give ideas and comments "
                    "distinct ids (e.g. prefix them), so votes point at one thing",
                )
        known_person(t, "author_id", "author")
    if "comments" in tables and ok["comments"]:
        t = tables["comments"]
        check.text(t, "text")
        for rownum, row in t.rows:
            if row["comment_id"].strip() in idea_ids:
                check.add(
                    t,
                    rownum,
                    "comment_id",
                    f"{row['comment_id']!r}, also an idea id",
                    "ids unique across ideas and comments",
                    "give ideas and comments "
                    "distinct ids (e.g. prefix them), so votes point at one thing",
                )
            if row["idea_id"].strip() not in idea_ids:
                check.add(
                    t,
                    rownum,
                    "idea_id",
                    f"the idea {row['idea_id']!r}, which is unknown",
                    "the id of an idea in the ideas file or already ingested",
                    "ingest the ideas file with the comments, or fix the id",
                )
            if not row["author_id"].strip():
                check.add(
                    t,
                    rownum,
                    "author_id",
                    "an empty author",
                    "a participant id",
                    "fill in who posted the comment",
                )
        known_person(t, "author_id", "author")
    if "votes" in tables and ok["votes"]:
        t = tables["votes"]
        seen: dict[tuple[str, str], int] = {}
        for rownum, row in t.rows:
            value = row["value"].strip()
            if value not in VOTE_VALUES:
                check.add(
                    t,
                    rownum,
                    "value",
                    repr(value),
                    "+1 (up) or -1 (down)",
                    "write each vote as +1 or -1, one row per vote",
                )
            target = row["target_id"].strip()
            if target not in idea_ids and target not in comment_ids:
                check.add(
                    t,
                    rownum,
                    "target_id",
                    f"{target!r}, not an idea or comment",
                    "the id of an ingested idea or comment",
                    "ingest the ideas and comments with the votes, or fix the id",
                )
            voter = row["voter_id"].strip()
            if not voter:
                check.add(
                    t, rownum, "voter_id", "an empty voter", "a participant id", "fill in who voted"
                )
            pair = (voter, target)
            if pair in seen:
                check.add(
                    t,
                    rownum,
                    "target_id",
                    f"a second vote by {voter!r} on {target!r} (first on row {seen[pair]})",
                    "one vote per voter and target",
                    "keep only the voter's latest vote",
                )
            seen.setdefault(pair, rownum)
        known_person(t, "voter_id", "voter")
    if check.problems:
        raise InputError(check.problems)


def ingest(
    project: Project,
    *,
    ideas: str | Path | None = None,
    comments: str | Path | None = None,
    votes: str | Path | None = None,
    participants: str | Path | None = None,
) -> IngestReport:
    """Validate and store an export in one transaction. See the module docstring."""
    files = {"participants": participants, "ideas": ideas, "comments": comments, "votes": votes}
    tables = _read_all(files)
    if not tables:
        raise InputError(
            [
                Problem(
                    "(command line)",
                    None,
                    None,
                    "no input file",
                    "at least one of --ideas, --comments, --votes, --participants",
                    "name the files to ingest",
                )
            ]
        )
    validate(project, tables)
    report = IngestReport()
    comment_ids = _stored_ids(project, "SELECT comment_id FROM comments")
    if "comments" in tables:
        comment_ids |= {r["comment_id"].strip() for _, r in tables["comments"].rows}
    stamp = now()
    with project.transaction() as conn:
        for kind, table in tables.items():
            rows = [_record(kind, row, project, comment_ids) for _, row in table.rows]
            counts = _upsert(conn, kind, rows, stamp)
            report.counts[kind] = counts
            if counts.inserted or counts.updated:
                digest = hashlib.sha256(Path(table.path).read_bytes()).hexdigest()
                conn.execute(
                    "INSERT INTO ingests(at, kind, file, sha256, inserted, updated, unchanged) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        stamp,
                        kind,
                        Path(table.path).name,
                        digest,
                        counts.inserted,
                        counts.updated,
                        counts.unchanged,
                    ),
                )
    return report


_TABLES = {
    "participants": ("participants", ("participant_id",), ("answers",)),
    "ideas": ("ideas", ("idea_id",), ("question", "text", "author_id", "extra")),
    "comments": ("comments", ("comment_id",), ("idea_id", "text", "author_id", "extra")),
    "votes": ("votes", ("voter_id", "target_id"), ("target_kind", "value", "extra")),
}


def _extra(row: dict[str, str], required: Iterable[str]) -> str:
    # Column order is kept: the profile lists questionnaire columns in file order.
    return json.dumps({k: v for k, v in row.items() if k not in required}, ensure_ascii=False)


def _record(
    kind: str, row: dict[str, str], project: Project, comment_ids: set[str]
) -> dict[str, object]:
    req = REQUIRED[kind]
    if kind == "participants":
        return {"participant_id": row["participant_id"].strip(), "answers": _extra(row, req)}
    if kind == "ideas":
        q = row["question"].strip().casefold()
        qid = next(
            x.id for x in project.codebook.questions if q in (x.id.casefold(), x.label.casefold())
        )
        return {
            "idea_id": row["idea_id"].strip(),
            "question": qid,
            "text": row["text"],
            "author_id": row["author_id"].strip(),
            "extra": _extra(row, req),
        }
    if kind == "comments":
        return {
            "comment_id": row["comment_id"].strip(),
            "idea_id": row["idea_id"].strip(),
            "text": row["text"],
            "author_id": row["author_id"].strip(),
            "extra": _extra(row, req),
        }
    target = row["target_id"].strip()
    return {
        "voter_id": row["voter_id"].strip(),
        "target_id": target,
        "target_kind": "comment" if target in comment_ids else "idea",
        "value": VOTE_VALUES[row["value"].strip()],
        "extra": _extra(row, req),
    }


def _upsert(
    conn: sqlite3.Connection, kind: str, rows: list[dict[str, object]], stamp: str
) -> Counts:
    table, keys, fields = _TABLES[kind]
    counts = Counts()
    cols = ", ".join(keys + fields)
    stored = {
        tuple(r[: len(keys)]): tuple(r[len(keys) :])
        for r in conn.execute(f"SELECT {cols} FROM {table}")
    }
    inserts, updates = [], []
    for row in rows:
        k = tuple(row[c] for c in keys)
        v = tuple(row[c] for c in fields)
        old = stored.get(k)
        if old is None:
            inserts.append((*k, *v, stamp))
            counts.inserted += 1
        elif old != v:
            updates.append((*v, stamp, *k))
            counts.updated += 1
        else:
            counts.unchanged += 1
    placeholders = ", ".join("?" * (len(keys) + len(fields) + 1))
    conn.executemany(f"INSERT INTO {table} ({cols}, updated_at) VALUES ({placeholders})", inserts)
    sets = ", ".join(f"{c} = ?" for c in (*fields, "updated_at"))
    where = " AND ".join(f"{c} = ?" for c in keys)
    conn.executemany(f"UPDATE {table} SET {sets} WHERE {where}", updates)
    return counts


def move_ideas(project: Project, moves: list[tuple[str, str, str]]) -> int:
    """Move ideas to another question for analysis, keeping the question they were posted under.

    ``moves`` holds ``(idea_id, to_question, reason)``; moving an idea back to its original
    question clears the move. Returns the number of ideas whose analysis question changed.
    """
    questions = {q.id for q in project.codebook.questions}
    problems = []
    for idea_id, to, _ in moves:
        if to not in questions:
            problems.append(
                Problem(
                    "(moves)",
                    None,
                    "to_question",
                    repr(to),
                    "one of " + ", ".join(sorted(questions)),
                    "use a question id of the codebook",
                )
            )
        exists = project.conn.execute("SELECT 1 FROM ideas WHERE idea_id = ?", (idea_id,))
        if exists.fetchone() is None:
            problems.append(
                Problem(
                    "(moves)",
                    None,
                    "idea_id",
                    f"the unknown idea {idea_id!r}",
                    "an ingested idea",
                    "ingest the ideas first or fix the id",
                )
            )
    if problems:
        raise InputError(problems)
    from coder.data.audit import record

    changed = 0
    with project.transaction() as conn:
        for idea_id, to, reason in moves:
            before = idea_question(project, idea_id)
            cur = conn.execute(
                "UPDATE ideas"
                " SET analysis_question = CASE WHEN question = ?1 THEN NULL ELSE ?1 END,"
                " move_reason = CASE WHEN question = ?1 THEN NULL ELSE ?2 END, updated_at = ?3"
                " WHERE idea_id = ?4 AND COALESCE(analysis_question, question) IS NOT ?1",
                (to, reason, now(), idea_id),
            )
            if cur.rowcount:
                record(
                    conn,
                    actor="analyst",
                    action="move",
                    idea_id=idea_id,
                    before=before,
                    after=to,
                    reason=reason,
                )
            changed += cur.rowcount
    return changed


def read_moves(path: str | Path) -> list[tuple[str, str, str]]:
    """Read a moves table with the columns ``idea_id, to_question, reason``."""
    table = read_table(path)
    missing = [c for c in ("idea_id", "to_question") if c not in table.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    table.path,
                    1,
                    c,
                    "no such column",
                    "the columns idea_id, to_question and optionally reason",
                    f"add {c!r}",
                )
                for c in missing
            ]
        )
    return [
        (r["idea_id"].strip(), r["to_question"].strip(), r.get("reason", "").strip())
        for _, r in table.rows
    ]


def idea_question(project: Project, idea_id: str) -> str:
    """The question an idea is analysed under (after any move)."""
    row = project.conn.execute(
        "SELECT COALESCE(analysis_question, question) FROM ideas WHERE idea_id = ?", (idea_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no idea {idea_id!r} in this project; check the id")
    return str(row[0])
