"""Rounds of coding or review as the store records them: who codes what, and where.

A *round* is one sample sent to Label Studio: a coding round (each coder codes their items in
their own Label Studio projects, with no model suggestions shown) or a review round (reviewers
accept, reject or edit a model's suggestions). The store keeps the assignment, the Label
Studio project of each (coder, view) and the task <-> item mapping, so that pushing again
sends only what is missing and pulling knows which item each task is.

A coding round is *open* until it is closed (:func:`coder.studio.pull.close`, which pulls it
first); the items of open coding rounds (:func:`open_items`) never go to a review round, so no
coder can meet a model's suggestion for an item they still have to code blind.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coder.data.store import Project, now
from coder.errors import CoderError, NotFoundError
from coder.studio.sample import Assignment, explicit_assignment

ANY_REVIEWER = "*"
KINDS = ("coding", "review")


@dataclass(frozen=True)
class Round:
    round_id: str
    kind: str
    settings: dict[str, Any]
    assignment: Assignment


def studio_uid(project: Project) -> str:
    """A random id of this project, written into its Label Studio projects' keys."""
    uid = project.meta("studio_uid")
    if uid is None:
        uid = secrets.token_hex(4)
        with project.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('studio_uid', ?)", (uid,))
        uid = project.meta("studio_uid") or uid
    return uid


def item_questions(project: Project) -> dict[str, str]:
    """Every idea with the question it is analysed under."""
    return dict(
        project.conn.execute("SELECT idea_id, COALESCE(analysis_question, question) FROM ideas")
    )


def create_round(
    project: Project,
    round_id: str,
    assignment: Assignment,
    kind: str = "coding",
    settings: dict[str, Any] | None = None,
) -> bool:
    """Record a round and its assignment; True when new, False when the same one exists.

    Raises
    ------
    CoderError
        when a round of that name exists with another assignment or kind (pushing must never
        silently change who codes what), or an item is not in the store.
    """
    if kind not in KINDS:
        raise CoderError(f"unknown round kind {kind!r}; use one of {', '.join(KINDS)}")
    if not round_id.strip():
        raise CoderError("a round needs a name (for example coding-1)")
    existing = load_round(project, round_id, missing_ok=True)
    if existing is not None:
        if existing.kind == kind and _same(existing.assignment, assignment):
            return False
        raise CoderError(
            f"round {round_id!r} already exists with another sample or kind; push it again "
            "without sampling options to resume it, or name a new round with --round"
        )
    known = set(item_questions(project))
    unknown = sorted(assignment.all_items - known)
    if unknown:
        raise NotFoundError(
            f"{len(unknown)} items of the assignment are not in the store (first: "
            f"{unknown[0]!r}); ingest them first"
        )
    with project.transaction() as conn:
        conn.execute(
            "INSERT INTO studio_rounds(round_id, kind, settings, created_at) VALUES (?,?,?,?)",
            (round_id, kind, json.dumps(settings or {}, sort_keys=True), now()),
        )
        conn.executemany(
            "INSERT INTO studio_assignments(round_id, coder_id, item_id, position, shared)"
            " VALUES (?,?,?,?,?)",
            [
                (round_id, coder, item, pos, int(item in assignment.shared))
                for coder, items in assignment.items.items()
                for pos, item in enumerate(items)
            ],
        )
    return True


def _same(a: Assignment, b: Assignment) -> bool:
    return {c: list(v) for c, v in a.items.items()} == {c: list(v) for c, v in b.items.items()}


def load_round(project: Project, round_id: str, missing_ok: bool = False) -> Round | None:
    row = project.conn.execute(
        "SELECT kind, settings FROM studio_rounds WHERE round_id = ?", (round_id,)
    ).fetchone()
    if row is None:
        if missing_ok:
            return None
        known = [r[0] for r in project.conn.execute("SELECT round_id FROM studio_rounds")]
        raise NotFoundError(
            f"no round {round_id!r} in this project (rounds: {', '.join(known) or 'none yet'}); "
            "start one with `coder studio push PROJECT_DIR --coders ... --n ...`"
        )
    items: dict[str, list[str]] = {}
    for coder, item in project.conn.execute(
        "SELECT coder_id, item_id FROM studio_assignments WHERE round_id = ? "
        "ORDER BY coder_id, position",
        (round_id,),
    ):
        items.setdefault(coder, []).append(item)
    assignment = explicit_assignment(items)
    shared = {
        r[0]
        for r in project.conn.execute(
            "SELECT item_id FROM studio_assignments WHERE round_id = ? AND shared = 1",
            (round_id,),
        )
    }
    assignment = Assignment(assignment.items, frozenset(shared))
    return Round(round_id, str(row[0]), json.loads(row[1]), assignment)


def rounds(project: Project, kind: str | None = None) -> list[str]:
    sql = "SELECT round_id FROM studio_rounds"
    args: tuple[str, ...] = ()
    if kind:
        sql += " WHERE kind = ?"
        args = (kind,)
    return [r[0] for r in project.conn.execute(sql + " ORDER BY created_at, round_id", args)]


def next_round_id(project: Project, kind: str = "coding") -> str:
    """The first free name ``<kind>-1``, ``<kind>-2``, ... for a new round."""
    known = set(rounds(project, kind))
    return next(f"{kind}-{k}" for k in range(1, len(known) + 2) if f"{kind}-{k}" not in known)


def round_summary(project: Project) -> pd.DataFrame:
    """Each round, oldest first, with its kind, its Label Studio projects and the tasks pushed
    to them (columns ``round``, ``kind``, ``projects``, ``tasks_pushed``)."""
    rows = project.conn.execute(
        "SELECT r.round_id, r.kind, COUNT(DISTINCT p.ls_project_id), COUNT(t.item_id) "
        "FROM studio_rounds r LEFT JOIN studio_projects p USING (round_id) "
        "LEFT JOIN studio_tasks t USING (ls_project_id) GROUP BY r.round_id "
        "ORDER BY r.created_at"
    )
    return pd.DataFrame(
        [(str(r), str(k), int(p), int(t)) for r, k, p, t in rows],
        columns=["round", "kind", "projects", "tasks_pushed"],
    )


def _closed_key(round_id: str) -> str:
    return f"studio_closed:{round_id}"


def is_closed(project: Project, round_id: str) -> bool:
    """True when the round was closed (after its last pull)."""
    return project.meta(_closed_key(round_id)) is not None


def mark_closed(project: Project, round_id: str) -> str:
    """Record that a round is closed (idempotent); returns when it was closed."""
    load_round(project, round_id)
    with project.transaction() as conn:
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                     (_closed_key(round_id), now()))  # fmt: skip
    return project.meta(_closed_key(round_id)) or ""


def open_items(project: Project) -> dict[str, set[str]]:
    """The items of each open coding round, by round."""
    out: dict[str, set[str]] = {}
    for round_id in rounds(project, "coding"):
        if not is_closed(project, round_id):
            out[round_id] = {
                r[0]
                for r in project.conn.execute(
                    "SELECT DISTINCT item_id FROM studio_assignments WHERE round_id = ?",
                    (round_id,),
                )
            }
    return out


def assigned_items(project: Project, kind: str = "coding") -> set[str]:
    """Items already in a round of this kind."""
    return {
        r[0]
        for r in project.conn.execute(
            "SELECT DISTINCT a.item_id FROM studio_assignments a "
            "JOIN studio_rounds r USING (round_id) WHERE r.kind = ?",
            (kind,),
        )
    }


@dataclass(frozen=True)
class StudioProject:
    """A Label Studio project coder made: whose, for which round and view."""

    round_id: str
    coder_id: str
    view: str
    ls_project_id: int


def studio_projects(project: Project, round_id: str | None = None) -> list[StudioProject]:
    sql = "SELECT round_id, coder_id, view, ls_project_id FROM studio_projects"
    args: tuple[str, ...] = ()
    if round_id is not None:
        sql += " WHERE round_id = ?"
        args = (round_id,)
    return [
        StudioProject(r[0], r[1], r[2], int(r[3]))
        for r in project.conn.execute(sql + " ORDER BY round_id, coder_id, view", args)
    ]


def task_map(project: Project, ls_project_id: int) -> dict[int, str]:
    """Task id -> item id of one Label Studio project."""
    return {
        int(t): str(i)
        for t, i in project.conn.execute(
            "SELECT ls_task_id, item_id FROM studio_tasks WHERE ls_project_id = ?",
            (ls_project_id,),
        )
    }
