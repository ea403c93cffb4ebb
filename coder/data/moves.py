"""Moving ideas to another question for analysis, one at a time or from a table of moves.

An idea keeps the question it was posted under (``ideas.question``); a move sets the question it
is analysed under (``ideas.analysis_question``) with the reason, and every move is in the audit
log. Re-ingesting the export does not undo a move.
"""

from __future__ import annotations

from pathlib import Path

from coder.data.readers import read_table
from coder.data.store import Project, now
from coder.errors import InputError, NotFoundError, Problem


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
