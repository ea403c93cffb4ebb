"""The audit log: an append-only record of every change to any code.

Each entry says who changed what, when and why: a coder's coding of an idea (``coding``), an
adjudicator's decision (``adjudication``), a final code set by reconciliation (``final``), an idea
moved to another question (``move``), or codes rewritten by a codebook change (``migrate``).
SQLite triggers refuse any UPDATE or DELETE on the table.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from coder.store import Project, now

if TYPE_CHECKING:
    from coder.codings import Coding


def coding_json(coding: Coding | None) -> str | None:
    """A coding as stable JSON (codes sorted per frame), or None for no coding."""
    if coding is None:
        return None
    data: dict[str, Any] = {f: sorted(c) for f, c in sorted(coding.codes.items()) if c}
    if coding.not_relevant_reason is not None:
        data["not_relevant"] = coding.not_relevant_reason
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


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
    """Append one entry (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO audit_log(at, actor, action, idea_id, coder_id, before, after, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (at or now(), actor, action, idea_id, coder_id, before, after, reason),
    )


def history(project: Project, idea_id: str) -> list[dict[str, str]]:
    """An idea's whole story: when it was ingested, and every audit entry, oldest first."""
    from coder.errors import NotFoundError

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
        }
    ]
    for at, actor, action, coder, before, after, reason in project.conn.execute(
        "SELECT at, actor, action, coder_id, before, after, reason FROM audit_log "
        "WHERE idea_id = ? ORDER BY entry_id",
        (idea_id,),
    ):
        entries.append(
            {
                "at": at,
                "actor": actor,
                "action": action,
                "coder_id": coder or "",
                "before": before or "",
                "after": after or "",
                "reason": reason,
            }
        )
    return entries
