"""Every change to a code goes through the audited write path, and the store enforces it.

The store refuses a raw change to an audited table without an audit context, and logs every
row changed with one; each command that changes codes shows up in ``coder history``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from coder.cli.main import main
from coder.data.audit import changes, history
from coder.data.codebook import default_codebook_path
from coder.data.codings import Coding, store_codings
from coder.data.contributions import ingest
from coder.data.schema import AUDITED
from coder.data.store import Project, init_project, now, open_project
from coder.demo.example import example_file
from tests.conftest import write_csv


def _project(tmp_path: Path) -> Project:
    project = init_project(tmp_path / "p")
    ideas = [{"idea_id": f"i{n}", "question": "II", "text": f"idea {n}", "author_id": "a"}
             for n in range(3)]  # fmt: skip
    ingest(project, ideas=write_csv(tmp_path / "i.csv", ideas))
    store_codings(project, {("i0", "ann"): Coding({"literacy": {"learning"}})})
    with project.transaction() as conn:
        conn.execute("INSERT INTO studio_rounds VALUES ('r', 'review', '{}', ?)", (now(),))
    return project


RAW_WRITES = {
    "codings": [
        "INSERT INTO codings VALUES ('i1', 'ann', NULL, 'x')",
        "UPDATE codings SET not_relevant_reason = 'spam'",
        "DELETE FROM codings",
    ],
    "coding_codes": [
        "INSERT INTO coding_codes VALUES ('i0', 'ann', 'literacy', 'innovation')",
        "UPDATE coding_codes SET code_id = 'innovation'",
        "DELETE FROM coding_codes",
    ],
    "adjudications": [
        "INSERT INTO adjudications VALUES ('i0', 'judy', 'x', NULL, '')",
    ],
    "adjudication_codes": [
        "INSERT INTO adjudications VALUES ('i0', 'judy', 'x', NULL, '');"
        "INSERT INTO adjudication_codes VALUES ('i0', 'literacy', 'learning')",
    ],
    "studio_reviews": [
        "INSERT INTO studio_reviews VALUES ('r', 'i0', 'rev', 'literacy', 'm', '[]', '[]',"
        " 'reject', 'x', NULL)",
    ],
}


def test_every_table_holding_codes_is_guarded() -> None:
    assert set(RAW_WRITES) == set(AUDITED)


@pytest.mark.parametrize("sql", [s for v in RAW_WRITES.values() for s in v])
def test_a_raw_change_without_an_audit_context_is_refused(tmp_path: Path, sql: str) -> None:
    with _project(tmp_path) as project:
        before = list(project.conn.iterdump())
        with (
            pytest.raises(sqlite3.IntegrityError, match="audited write path"),
            project.transaction() as conn,
        ):
            for statement in sql.split(";"):
                conn.execute(statement)
        assert list(project.conn.iterdump()) == before


def test_a_raw_change_with_a_context_is_still_logged(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        with project.transaction() as conn, changes(conn, actor="sql", action="import") as log:
            log.refer("a hand-written fix")
            conn.execute("UPDATE coding_codes SET code_id = 'innovation'")
            conn.execute("INSERT INTO adjudications VALUES ('i0', 'judy', 'x', NULL, '')")
        entries = history(project, "i0")
        fix = [e for e in entries if e["actor"] == "sql"]
        assert {(e["coder_id"], e["before"], e["after"]) for e in fix} == {
            ("ann", "literacy:learning", "literacy:innovation"),
            ("adjudication", "", "decided by judy"),
        }
        assert all(e["ref"] == "a hand-written fix" for e in fix)
        assert project.conn.execute("SELECT COUNT(*) FROM audit_context").fetchone()[0] == 0


def test_a_context_is_never_left_open_or_nested(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        with (
            pytest.raises(Exception, match="transaction"),
            changes(project.conn, actor="x", action="import"),
        ):
            pass
        with (
            pytest.raises(Exception, match="nested"),
            project.transaction() as conn,
            changes(conn, actor="x", action="import"),
            changes(conn, actor="y", action="import"),
        ):
            pass
        with pytest.raises(Exception, match="left open"), project.transaction() as conn:
            conn.execute(
                "INSERT INTO audit_context VALUES (1, 99, 'x', 'sneaky', 'import', '', NULL)"
            )
            conn.execute("DELETE FROM coding_codes")
        assert project.conn.execute("SELECT COUNT(*) FROM coding_codes").fetchone()[0] == 1


def test_every_command_that_changes_codes_shows_in_history(tmp_path: Path) -> None:
    """Import, suggest, reconcile, adjudicate and migrate, through the CLI; Label Studio pulls
    and reviews are checked against a real server in tests/test_studio.py."""
    folder = tmp_path / "project"
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, [args[0], *args[1:]])
        assert result.exit_code == 0, (args, result.output)
        return result.output

    run("init", str(folder))
    kinds = ("participants", "ideas", "comments", "votes")
    run("ingest", str(folder), *[f"--{k}={example_file(k + '.csv')}" for k in kinds])
    run("move", str(folder), "--file", str(example_file("moves.csv")))
    run("codings", "import", str(folder), str(example_file("coder_codings.csv")))
    run("train", str(folder))
    run("suggest", str(folder))
    run("reconcile", str(folder))
    with open_project(folder) as project:
        queued = project.conn.execute(
            "SELECT idea_id FROM final_status WHERE status = 'queued' ORDER BY idea_id"
        ).fetchone()[0]
        suggested = project.conn.execute(
            "SELECT idea_id FROM suggestion_items ORDER BY idea_id"
        ).fetchone()[0]
    queue = tmp_path / "queue.xlsx"
    run("adjudicate", str(folder), "--export", str(queue))
    from openpyxl import load_workbook

    book = load_workbook(queue)
    ws = book["Queue"]
    col = [c.value for c in ws[1]].index("decision") + 1
    for row in range(2, ws.max_row + 1):
        ws.cell(row, col).value = "not relevant: a test decision"
    book.save(queue)
    run("adjudicate", str(folder), "--import", str(queue), "--adjudicator", "judy")
    data = yaml.safe_load(default_codebook_path().read_text())
    lit = data["frames"][1]["codes"]
    next(c for c in lit if c["id"] == "learning").update(id="learning_development")
    new = tmp_path / "v2.yaml"
    new.write_text(yaml.safe_dump(data))
    run("codebook", "migrate", str(folder), str(new),
        "--rename", "literacy:learning=learning_development")  # fmt: skip

    with open_project(folder) as project:
        migrated = project.conn.execute(
            "SELECT idea_id FROM coding_codes WHERE code_id = 'learning_development'"
        ).fetchone()[0]
        actions = {a for (a,) in project.conn.execute("SELECT DISTINCT action FROM audit_log")}
        assert {"import", "suggest", "final", "adjudication", "migrate"} <= actions
        told = history(project, suggested)
        model = next(e for e in told if e["action"] == "suggest")
        assert model["actor"].startswith("model m-") and "confidence" in model["ref"]
        told = history(project, queued)
        judged = next(e for e in told if e["action"] == "adjudication")
        assert judged["actor"] == "judy" and "not relevant" in judged["after"]
        told = history(project, migrated)
        moved = next(e for e in told if e["action"] == "migrate")
        assert moved["before"].endswith(":learning") and moved["after"].endswith(
            ":learning_development"
        )
    shown = run("history", str(folder), queued)
    assert "adjudication" in shown and "judy" in shown
