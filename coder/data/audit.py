"""The audit log: an append-only record of every change to any code, enforced by the store.

A code lives in one of the audited tables (a coder's coding, an adjudicator's decision, a
reviewer's decision on a suggestion; see :data:`coder.data.schema.AUDITED`). SQLite triggers refuse
any insert, update or delete on them unless the writer opened an audit context with
:func:`changes`, and with one they append each changed row to ``audit_log``: who, when, the
action (import, studio pull, suggest, review, adjudication, migrate, final), the reason and a
reference (a Label Studio annotation id, a model version, a review round). So a write path
cannot forget the log: without a context it fails, with one it is logged.

Other entries are written by :func:`record` (an idea moved to another question). The log
itself refuses UPDATE and DELETE.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from coder.data.store import Project, now
from coder.errors import NotFoundError, ProjectError

ACTIONS = (
    "import",
    "studio pull",
    "suggest",
    "review",
    "adjudication",
    "migrate",
    "final",
)


@dataclass
class Changes:
    """An open audit context; :meth:`refer` sets the reference of the rows written next."""

    conn: sqlite3.Connection
    changeset: int

    def refer(self, ref: str | None) -> None:
        """Set the reference (e.g. ``Label Studio annotation 17``) for the next writes."""
        self.conn.execute("UPDATE audit_context SET ref = ?", (ref,))


@contextmanager
def changes(
    conn: sqlite3.Connection,
    *,
    actor: str,
    action: str,
    reason: str = "",
    ref: str | None = None,
) -> Iterator[Changes]:
    """Open the audit context for writes to codes, inside the caller's transaction.

    Every row the block inserts, updates or deletes in an audited table is logged with
    ``actor``, ``action``, ``reason`` and ``ref`` under one changeset number.
    """
    if action not in ACTIONS:
        raise ProjectError(f"unknown audit action {action!r}; use one of {', '.join(ACTIONS)}")
    if not conn.in_transaction:
        raise ProjectError("changes to codes must run inside a transaction (Project.transaction)")
    if conn.execute("SELECT 1 FROM audit_context").fetchone():
        raise ProjectError("an audit context is already open (nested changes)")
    changeset = int(
        conn.execute("SELECT COALESCE(MAX(changeset), 0) + 1 FROM audit_log").fetchone()[0]
    )
    conn.execute(
        "INSERT INTO audit_context(one, changeset, at, actor, action, reason, ref) "
        "VALUES (1, ?, ?, ?, ?, ?, ?)",
        (changeset, now(), actor, action, reason, ref),
    )
    try:
        yield Changes(conn, changeset)
    finally:
        conn.execute("DELETE FROM audit_context")


def record(
    conn: sqlite3.Connection,
    *,
    actor: str,
    action: str,
    idea_id: str | None,
    coder_id: str | None = None,
    before: str | None = None,
    after: str | None = None,
    reason: str = "",
    at: str | None = None,
) -> None:
    """Append one entry that is not a change to a code (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO audit_log(at, actor, action, idea_id, coder_id, before, after, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (at or now(), actor, action, idea_id, coder_id, before, after, reason),
    )


def history(project: Project, idea_id: str) -> list[dict[str, str]]:
    """An idea's whole story, oldest first: when it was ingested, then one entry per change
    (one changeset's rows for one coder are merged: codes removed in ``before``, codes added
    in ``after``)."""
    row = project.conn.execute(
        "SELECT question, analysis_question, updated_at FROM ideas WHERE idea_id = ?", (idea_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no idea {idea_id!r} in this project; check the id")
    entries: list[dict[str, str]] = [
        {
            "at": row[2],
            "actor": "ingest",
            "action": "stored (latest version of the row)",
            "coder_id": "",
            "before": "",
            "after": f"question {row[0]}",
            "reason": "",
            "ref": "",
        }
    ]
    merged: dict[tuple[int, str], dict[str, str]] = {}
    for (
        entry_id,
        at,
        actor,
        action,
        coder,
        before,
        after,
        reason,
        ref,
        changeset,
    ) in project.conn.execute(
        "SELECT entry_id, at, actor, action, coder_id, before, after, reason, ref, "
        "changeset FROM audit_log WHERE idea_id = ? ORDER BY entry_id",
        (idea_id,),
    ):
        key = (changeset if changeset is not None else -entry_id, coder or "")
        entry = merged.get(key)
        if entry is None:
            entry = merged[key] = {
                "at": at,
                "actor": actor,
                "action": action,
                "coder_id": coder or "",
                "before": "",
                "after": "",
                "reason": reason,
                "ref": ref or "",
            }
            entries.append(entry)
        elif ref and ref not in entry["ref"].split("; "):
            entry["ref"] = "; ".join(x for x in (entry["ref"], ref) if x)
        for side, value in (("before", before), ("after", after)):
            if value and value not in entry[side].split("; "):
                entry[side] = "; ".join(x for x in (entry[side], value) if x)
    for entry in entries[1:]:
        _cancel(entry)
    return entries


HISTORY_COLUMNS = ["at", "action", "actor", "coder_id", "before", "after", "reason", "ref"]


def history_table(project: Project, idea_id: str) -> pd.DataFrame:
    """An idea's story (see :func:`history`) as a table of :data:`HISTORY_COLUMNS`."""
    return pd.DataFrame(history(project, idea_id), columns=HISTORY_COLUMNS)


def _cancel(entry: dict[str, str]) -> None:
    """Drop what a changeset removed and put back (an update that kept a row as it was)."""
    before, after = entry["before"].split("; "), entry["after"].split("; ")
    both = set(before) & set(after) - {""}
    entry["before"] = "; ".join(x for x in before if x not in both)
    entry["after"] = "; ".join(x for x in after if x not in both)
    if not entry["before"] and not entry["after"] and both:
        entry["after"] = "; ".join(sorted(both))
