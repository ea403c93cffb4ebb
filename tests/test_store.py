"""The project store: SQLite settings, schema version, migrations and transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from coder.data.schema import SCHEMA_VERSION
from coder.data.store import DB_NAME, Project, init_project, open_project
from coder.errors import CodebookError, ProjectError


def test_init_creates_folder_with_codebook_and_store(tmp_path: Path) -> None:
    with init_project(tmp_path / "p") as project:
        assert (tmp_path / "p" / "codebook.yaml").exists()
        assert (tmp_path / "p" / "annotations").is_dir()
        conn = project.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert project.meta("codebook_hash") == project.codebook.hash
    with open_project(tmp_path / "p") as again:
        assert again.codebook.hash == project.codebook.hash


def test_init_refuses_existing_project_and_non_empty_folder(tmp_path: Path) -> None:
    init_project(tmp_path / "p").close()
    with pytest.raises(ProjectError, match="already holds a coder project"):
        init_project(tmp_path / "p")
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "notes.txt").write_text("mine")
    with pytest.raises(ProjectError, match="not empty"):
        init_project(tmp_path / "q")
    assert (tmp_path / "q" / "notes.txt").read_text() == "mine"


def test_init_with_invalid_codebook_creates_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "cb.yaml"
    bad.write_text("id: x\n")
    with pytest.raises(CodebookError):
        init_project(tmp_path / "p", bad)
    assert not (tmp_path / "p").exists()


def test_open_refuses_non_project_and_newer_schema(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="coder init"):
        open_project(tmp_path)
    init_project(tmp_path / "p").close()
    conn = sqlite3.connect(tmp_path / "p" / DB_NAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProjectError, match="newer than this coder understands"):
        open_project(tmp_path / "p")


def test_transaction_is_all_or_nothing(project: Project) -> None:
    with pytest.raises(RuntimeError), project.transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('a', '1')")
        raise RuntimeError("boom")
    assert project.meta("a") is None
    with project.transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('a', '1')")
    assert project.meta("a") == "1"


def test_foreign_keys_are_enforced(project: Project) -> None:
    with pytest.raises(sqlite3.IntegrityError), project.transaction() as conn:
        conn.execute(
            "INSERT INTO comments(comment_id, idea_id, text, author_id, updated_at) "
            "VALUES ('c', 'no-such-idea', 't', 'a', 'now')"
        )
