"""The project folder and its SQLite store.

A project is a folder holding ``codebook.yaml`` (the codebook in force), ``coder.db`` (SQLite in
WAL mode with foreign keys on) and ``annotations/`` (configs and raw exports). The schema version
is SQLite's ``user_version``; :data:`coder.data.schema.MIGRATIONS` brings an older store up
to date on open.

Every command that writes does so inside :meth:`Project.transaction`: all of it lands or none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coder.data.codebook import Codebook, load_codebook
from coder.data.schema import MIGRATIONS, SCHEMA_VERSION
from coder.errors import ProjectError

DB_NAME = "coder.db"
CODEBOOK_NAME = "codebook.yaml"


def text_hash(text: str) -> str:
    """SHA-256 of a text (UTF-8): the key under which caches keep what is derived from it
    (redactions in the store, embedding vectors next to the model id), never the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
            if self.conn.execute("SELECT 1 FROM audit_context").fetchone():
                raise ProjectError("an audit context was left open; close it before committing")
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
