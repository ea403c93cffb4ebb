"""Ingest a crowdsourcing platform's export: ideas, comments, votes and participants.

Every input table is validated whole before anything is kept; all problems are reported at
once (:class:`coder.errors.InputError`) and the store is left exactly as it was. Rows are
upserted by id: re-ingesting the same files changes nothing, a newer export updates changed rows,
and rows missing from a newer export are kept (exports are often partial).

At scale, memory does not grow with the files: each file is streamed (:func:`open_table`) through
the checks (:class:`coder.data.contribution_checks.ExportChecks`, which keep only compact sets
of ids) straight into the store, inside one transaction. Each row is upserted by SQL that writes
it only when it is new or changed (:func:`_upsert`). The transaction is committed only when no
file had any problem; on the first problem the writing stops (the reading goes on, to list
every problem) and everything is rolled back.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from operator import itemgetter
from pathlib import Path

from coder.data.contribution_checks import ExportChecks, Record
from coder.data.readers import open_table
from coder.data.store import Project, now
from coder.errors import InputError, Problem

__all__ = ["Counts", "IngestReport", "ingest"]
CACHE_KIB = 64 * 1024  # SQLite's page cache while ingesting (the default is 2 MiB)
_first = itemgetter(0)


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


def ingest(
    project: Project,
    *,
    ideas: str | Path | None = None,
    comments: str | Path | None = None,
    votes: str | Path | None = None,
    participants: str | Path | None = None,
    responses: str | Path | None = None,
) -> IngestReport:
    """Validate and store an export in one transaction. See the module docstring.

    ``responses`` are open survey answers (``response_id, question, text``, optionally
    ``respondent_id``; other columns are kept as attributes): they are stored as ideas without
    votes, so every later stage works on them. They replace ``ideas`` (give one or the other).

    Raises
    ------
    InputError
        listing every problem of every file (or, if a file cannot be read at all, every
        problem of reading); nothing is stored then.
    """
    files = {
        "participants": participants,
        "ideas": ideas,
        "responses": responses,
        "comments": comments,
        "votes": votes,
    }
    given = {kind: Path(path) for kind, path in files.items() if path is not None}
    if ideas is not None and responses is not None:
        raise InputError(
            [
                Problem(
                    "(command line)",
                    None,
                    None,
                    "both an ideas file and a responses file",
                    "either --ideas (a platform export) or --responses (survey answers)",
                    "ingest them into separate projects, or give one of them",
                )
            ]
        )
    if not given:
        raise InputError(
            [
                Problem(
                    "(command line)",
                    None,
                    None,
                    "no input file",
                    "at least one of --ideas, --responses, --comments, --votes, --participants",
                    "name the files to ingest",
                )
            ]
        )
    report = IngestReport()
    stamp = now()
    with project.transaction() as conn, _page_cache(conn, CACHE_KIB):
        checks = ExportChecks(project)
        refused: list[sqlite3.IntegrityError] = []
        for kind, path in given.items():
            try:
                with open_table(path) as table:
                    records = checks.records(kind, table, stamp)
                    try:
                        counts = _upsert(conn, kind, records)
                    except sqlite3.IntegrityError as exc:  # a vote given twice: see _upsert
                        refused.append(exc)
                        counts = Counts()
                        for _ in records:  # read on, to list every problem
                            pass
                    checks.unreadable(table.problems)
            except InputError as exc:  # a file that cannot be opened
                checks.unreadable(exc.problems)
                continue
            report.counts[kind] = counts
        problems = checks.problems()
        if problems:
            raise InputError(problems)  # the transaction is rolled back
        if refused:  # a row the checks let through and the store refused: a fault of coder's
            raise refused[0]
        for kind, counts in report.counts.items():
            if counts.inserted or counts.updated:
                with given[kind].open("rb") as f:
                    digest = hashlib.file_digest(f, "sha256").hexdigest()
                conn.execute(
                    "INSERT INTO ingests(at, kind, file, sha256, inserted, updated, unchanged) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        stamp,
                        kind,
                        given[kind].name,
                        digest,
                        counts.inserted,
                        counts.updated,
                        counts.unchanged,
                    ),
                )
    return report


@contextmanager
def _page_cache(conn: sqlite3.Connection, kib: int) -> Iterator[None]:
    """A larger page cache for the block: index pages of a large table stay in memory."""
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


# table, key columns and the other columns of each kind's records (then updated_at)
_TABLES = {
    "participants": ("participants", ("participant_id",), ("answers",)),
    "ideas": ("ideas", ("idea_id",), ("question", "text", "author_id", "extra")),
    "responses": ("ideas", ("idea_id",), ("question", "text", "author_id", "extra")),
    "comments": ("comments", ("comment_id",), ("idea_id", "text", "author_id", "extra")),
    "votes": ("votes", ("voter_id", "target_id"), ("target_kind", "value", "extra")),
}


def _upsert(conn: sqlite3.Connection, kind: str, rows: Iterable[Record]) -> Counts:
    """Insert new rows and update changed ones; count them and the unchanged ones.

    An existing row is written only if a value differs (``DO UPDATE ... WHERE``), so SQLite's
    change count is the new rows plus the updated ones; the new rows are the growth of the table
    (rows are never deleted here).

    Into an empty table every row is new, so a plain INSERT does (one search of the key's index
    per row, not two), and the table's other indexes are dropped and built again at the end, by
    one sort instead of a search per row (a fifth of the time of a large export's votes). A vote
    given twice in the export then fails the key with :class:`sqlite3.IntegrityError`: the
    checks report it, and the whole ingest, indexes included, is rolled back.
    """
    table, keys, fields = _TABLES[kind]
    cols = (*keys, *fields, "updated_at")
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    before = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    indexes: list[tuple[str, str]] = []
    if before:
        sets = ", ".join(f"{c} = excluded.{c}" for c in (*fields, "updated_at"))
        differs = " OR ".join(f"{c} IS NOT excluded.{c}" for c in fields)
        sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets} WHERE {differs}"
    else:
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
    tally = count()  # the rows handed to SQLite: zip draws one per row, and none at the end
    written = conn.executemany(sql, map(_first, zip(rows, tally, strict=False))).rowcount
    for _, create in indexes:
        conn.execute(create)
    inserted = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before
    seen = next(tally)
    return Counts(inserted=inserted, updated=written - inserted, unchanged=seen - written)
