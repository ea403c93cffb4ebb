"""Named queries over the store, each existing once."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import pandas as pd

from coder.data.store import Project

# --------------------------------------------------------------------------------------------
# Suggestion models registered in the store (the ``models`` table)


@dataclass(frozen=True)
class ModelRecord:
    """A trained suggestion model as the store registers it; ``path`` is relative to the
    project folder."""

    model_id: str
    path: str
    codebook_hash: str
    embedding_model: str
    created_at: str


def _conn(source: Project | sqlite3.Connection) -> sqlite3.Connection:
    return source if isinstance(source, sqlite3.Connection) else source.conn


def model_record(
    source: Project | sqlite3.Connection, model_id: str | None = None
) -> ModelRecord | None:
    """The model named ``model_id``, or the newest one (latest ``created_at``, then the last
    registered); None when there is no such model."""
    sql = "SELECT model_id, path, codebook_hash, embedding_model, created_at FROM models "
    if model_id is None:
        row = _conn(source).execute(sql + "ORDER BY created_at DESC, rowid DESC LIMIT 1").fetchone()
    else:
        row = _conn(source).execute(sql + "WHERE model_id = ?", (model_id,)).fetchone()
    return None if row is None else ModelRecord(*(str(v) for v in row))


def latest_model_id(source: Project | sqlite3.Connection) -> str | None:
    """The id of the newest registered suggestion model, or None when none was trained."""
    record = model_record(source)
    return None if record is None else record.model_id


def model_ids(source: Project | sqlite3.Connection) -> list[str]:
    """Ids of every registered suggestion model, in the order they were registered."""
    rows = _conn(source).execute("SELECT model_id FROM models ORDER BY rowid")
    return [str(r[0]) for r in rows]


# --------------------------------------------------------------------------------------------
# Coders and what they coded (the ``coders`` and ``codings`` tables)


def ideas_per_coder(source: Project | sqlite3.Connection) -> pd.DataFrame:
    """Every coder with its kind and the number of ideas it coded (columns ``coder``, ``kind``,
    ``ideas``), by coder id."""
    rows = _conn(source).execute(
        "SELECT c.coder_id, c.kind, COUNT(k.idea_id) FROM coders c "
        "LEFT JOIN codings k USING (coder_id) GROUP BY c.coder_id ORDER BY c.coder_id"
    )
    return pd.DataFrame(
        [(str(c), str(k), int(n)) for c, k, n in rows], columns=["coder", "kind", "ideas"]
    )


# --------------------------------------------------------------------------------------------
# Contributions


def has_votes(source: Project | sqlite3.Connection) -> bool:
    """Whether any vote was ingested: survey answers have none, and then the tables leave
    every vote column out."""
    return bool(_conn(source).execute("SELECT EXISTS (SELECT 1 FROM votes)").fetchone()[0])
