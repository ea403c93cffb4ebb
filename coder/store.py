"""The project folder and its SQLite store.

A project is a folder holding ``codebook.yaml`` (the codebook in force), ``coder.db`` (SQLite in
WAL mode with foreign keys on) and ``annotations/`` (configs and raw exports). The schema version
is SQLite's ``user_version``; :data:`MIGRATIONS` brings an older store up to date on open.

Every command that writes does so inside :meth:`Project.transaction`: all of it lands or none.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coder.codebook import Codebook, load_codebook
from coder.errors import ProjectError

DB_NAME = "coder.db"
CODEBOOK_NAME = "codebook.yaml"

MIGRATIONS: list[str] = [
    # 1: contributions, codings and their bookkeeping
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE participants (
        participant_id TEXT PRIMARY KEY,
        answers TEXT NOT NULL DEFAULT '{}',          -- questionnaire columns, JSON object
        updated_at TEXT NOT NULL
    );
    CREATE TABLE ideas (
        idea_id TEXT PRIMARY KEY,
        question TEXT NOT NULL,                      -- the question it was posted under
        analysis_question TEXT,                      -- set when analysts moved it
        move_reason TEXT,
        text TEXT NOT NULL,
        author_id TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}',            -- other columns of the export, JSON object
        updated_at TEXT NOT NULL
    );
    CREATE TABLE comments (
        comment_id TEXT PRIMARY KEY,
        idea_id TEXT NOT NULL REFERENCES ideas(idea_id),
        text TEXT NOT NULL,
        author_id TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL
    );
    CREATE INDEX comments_idea ON comments(idea_id);
    CREATE TABLE votes (
        voter_id TEXT NOT NULL,
        target_id TEXT NOT NULL,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('idea', 'comment')),
        value INTEGER NOT NULL CHECK (value IN (1, -1)),
        extra TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (voter_id, target_id)
    );
    CREATE INDEX votes_target ON votes(target_id);
    CREATE TABLE coders (
        coder_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('human', 'model', 'reference', 'final')),
        created_at TEXT NOT NULL
    );
    -- A coding: coder C looked at idea I; its codes are the rows of coding_codes.
    CREATE TABLE codings (
        idea_id TEXT NOT NULL REFERENCES ideas(idea_id),
        coder_id TEXT NOT NULL REFERENCES coders(coder_id),
        not_relevant_reason TEXT,                    -- set when the coder excluded the idea
        updated_at TEXT NOT NULL,
        PRIMARY KEY (idea_id, coder_id)
    );
    CREATE TABLE coding_codes (
        idea_id TEXT NOT NULL,
        coder_id TEXT NOT NULL,
        frame_id TEXT NOT NULL,
        code_id TEXT NOT NULL,
        PRIMARY KEY (idea_id, coder_id, frame_id, code_id),
        FOREIGN KEY (idea_id, coder_id) REFERENCES codings(idea_id, coder_id) ON DELETE CASCADE
    );
    CREATE TABLE ingests (
        ingest_id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        inserted INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        unchanged INTEGER NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def now() -> str:
    """The current UTC time as ISO 8601 text, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class Project:
    """An open project folder. Use :func:`init_project` or :func:`open_project` to get one."""

    def __init__(self, path: Path, conn: sqlite3.Connection, codebook: Codebook) -> None:
        self.path = path
        self.conn = conn
        self.codebook = codebook

    @property
    def annotations_dir(self) -> Path:
        return self.path / "annotations"

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction; roll everything back on any error."""
        if self.conn.in_transaction:
            raise ProjectError("a transaction is already open on this project (nested writes)")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _migrate(conn: sqlite3.Connection, db: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{db} has schema version {version}, newer than this coder understands "
            f"({SCHEMA_VERSION}); upgrade coder (pip install -U coder)"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        try:
            script = MIGRATIONS[target - 1]
            conn.executescript(
                f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {target}; COMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def init_project(path: str | Path, codebook_path: str | Path | None = None) -> Project:
    """Create a project folder with a codebook (the report's by default) and an empty store.

    Raises
    ------
    ProjectError
        when the folder already holds a project or other files.
    CodebookError
        when the codebook is invalid (nothing is created then).
    """
    path = Path(path)
    codebook = load_codebook(codebook_path)
    if (path / DB_NAME).exists():
        raise ProjectError(f"{path} already holds a coder project; use it, or pick a new folder")
    if path.exists() and any(path.iterdir()):
        raise ProjectError(f"{path} is not empty; give `coder init` a new or empty folder")
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / "annotations").mkdir()
        (path / CODEBOOK_NAME).write_text(codebook.to_yaml(), encoding="utf-8")
        conn = _connect(path / DB_NAME)
        _migrate(conn, path / DB_NAME)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?)",
            [("codebook_hash", codebook.hash), ("codebook_id", codebook.id), ("created_at", now())],
        )
        conn.execute("COMMIT")
    except BaseException:
        if created:
            shutil.rmtree(path, ignore_errors=True)
        raise
    return Project(path, conn, codebook)


def open_project(path: str | Path) -> Project:
    """Open an existing project folder, bringing its store to the current schema."""
    path = Path(path)
    db = path / DB_NAME
    if not db.exists():
        raise ProjectError(
            f"{path} is not a coder project (no {DB_NAME}); create one with `coder init {path}`"
        )
    codebook = load_codebook(path / CODEBOOK_NAME)
    conn = _connect(db)
    _migrate(conn, db)
    return Project(path, conn, codebook)
