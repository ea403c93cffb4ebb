"""Reconciliation in the store: final codes with provenance, the queue, adjudication round trip,
the audit log, history and provenance counts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli.main import main
from coder.data.audit import history
from coder.data.codings import Coding, codings_of, store_codings
from coder.data.contributions import ingest
from coder.data.store import Project, init_project, now
from coder.errors import InputError
from coder.reconcile.adjudicate import read_decisions, store_decisions, write_queue
from coder.reconcile.rules import queue, reconcile
from coder.studio.review import Decision, store_reviews
from coder.tables.provenance import cell_provenance, sensitivity
from tests.conftest import write_csv


def _project(tmp_path: Path) -> Project:
    project = init_project(tmp_path / "p")
    ideas = [{"idea_id": f"i{n}", "question": "II", "text": f"idea {n}", "author_id": "a"}
             for n in range(6)]  # fmt: skip
    votes = [{"voter_id": f"v{k}", "target_id": f"i{n}", "value": "+1"}
             for n in range(6) for k in range(n + 1)]  # fmt: skip
    ingest(project, ideas=write_csv(tmp_path / "i.csv", ideas),
           votes=write_csv(tmp_path / "v.csv", votes))  # fmt: skip
    L, R = "literacy", "readiness"
    store_codings(project, {
        ("i0", "ann"): Coding({L: {"learning"}, R: {"skills"}}),
        ("i0", "bob"): Coding({L: {"learning"}, R: {"skills"}}),   # unanimous
        ("i1", "ann"): Coding({L: {"learning"}, R: {"skills"}}),
        ("i1", "bob"): Coding({L: {"learning"}, R: {"tech"}}),     # tie on readiness
        ("i2", "ann"): Coding({L: {"innovation"}, R: {"drivers"}}),  # single coder
        ("i3", "ann"): Coding(not_relevant_reason="off topic"),
        ("i3", "bob"): Coding(not_relevant_reason="spam"),         # excluded
    }, reason="test import")  # fmt: skip
    return project


def _suggest(project: Project, idea: str, codes: dict[str, set[str]], model: str = "m1") -> None:
    with project.transaction() as conn:
        conn.execute("INSERT OR IGNORE INTO models VALUES (?, 'models/m1', 'x', 'mini', ?)",
                     (model, now()))  # fmt: skip
        for frame, chosen in codes.items():
            for code in chosen:
                conn.execute(
                    "INSERT INTO suggestions VALUES (?, ?, ?, ?, 0.9, 0.5, 1, 'trained', ?)",
                    (idea, model, frame, code, now()),
                )


def _review(project: Project, idea: str, frame: str, decision: str, decided: list[str]) -> None:
    with project.transaction() as conn:
        conn.execute("INSERT OR IGNORE INTO studio_rounds VALUES ('r1', 'review', '{}', ?)",
                     (now(),))  # fmt: skip
    store_reviews(project, "r1", [Decision(idea, "rev@x", frame, "m1", frozenset(),
                                           frozenset(decided), decision, now(), 1)])  # fmt: skip


def test_reconcile_statuses_rules_and_queue(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        _suggest(project, "i4", {"literacy": {"collaboration"}, "readiness": {"attitudes"}})
        _review(project, "i4", "literacy", "accept", ["collaboration"])
        _review(project, "i4", "readiness", "edit", ["drivers"])
        _suggest(project, "i5", {"literacy": {"learning"}, "readiness": {"skills"}})
        summary = reconcile(project)
        assert summary.statuses == {"final": 3, "queued": 1, "excluded": 1, "uncoded": 1}
        assert summary.model_version == "m1"
        final = codings_of(project, "final")
        assert final["i0"].codes == {"literacy": {"learning"}, "readiness": {"skills"}}
        assert final["i4"].codes == {"literacy": {"collaboration"}, "readiness": {"drivers"}}
        assert final["i3"].not_relevant_reason == "off topic"
        assert "i1" not in final and "i5" not in final
        assert queue(project) == [("i1", "tie on readiness/skills, readiness/tech")]
        rules = dict(project.conn.execute(
            "SELECT idea_id || '/' || code_id, rule FROM final_provenance"))  # fmt: skip
        assert rules["i0/learning"] == "unanimous"
        assert rules["i2/innovation"] == "single_coder"
        assert rules["i4/collaboration"] == "accepted_suggestion"
        assert rules["i4/drivers"] == "reviewer_edit"
        # Unreviewed suggestions only on request, then flagged.
        flagged = reconcile(project, include_unreviewed=True)
        assert flagged.statuses["final"] == 4
        unreviewed = project.conn.execute(
            "SELECT COUNT(*) FROM final_provenance WHERE idea_id = 'i5' AND unreviewed = 1"
        ).fetchone()[0]
        assert unreviewed == 2
        # Reconciling again without them takes the flagged codes back out.
        reconcile(project)
        assert "i5" not in codings_of(project, "final")


def test_adjudication_round_trip(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        reconcile(project)
        path = tmp_path / "queue.xlsx"
        assert write_queue(project, path) == 1
        from openpyxl import load_workbook

        book = load_workbook(path)
        ws = book["Queue"]
        header = [c.value for c in ws[1]]
        assert header[:5] == ["idea_id", "question", "frame", "why_queued", "text"]
        assert {"ann", "bob", "decision"} <= set(header)
        rows = list(ws.iter_rows(min_row=2))
        assert [r[0].value for r in rows] == ["i1", "i1"]
        col = header.index("decision")
        rows[0][col].value = "Learning"
        rows[1][col].value = "Skills; Tech"
        book.save(path)
        decisions = read_decisions(project, path)
        assert decisions["i1"].codes == {"literacy": {"learning"}, "readiness": {"skills", "tech"}}
        assert store_decisions(project, decisions, "judy", "second look") == 1
        summary = reconcile(project)
        assert summary.statuses.get("queued", 0) == 0
        assert codings_of(project, "final")["i1"].codes["readiness"] == {"skills", "tech"}
        prov = project.conn.execute(
            "SELECT rule, coders FROM final_provenance WHERE idea_id = 'i1' AND code_id = 'tech'"
        ).fetchone()
        assert prov == ("adjudicated", '["judy"]')


def test_bad_adjudication_workbook_changes_nothing(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        reconcile(project)
        path = tmp_path / "queue.xlsx"
        write_queue(project, path)
        from openpyxl import load_workbook

        book = load_workbook(path)
        ws = book["Queue"]
        col = [c.value for c in ws[1]].index("decision") + 1
        ws.cell(2, col).value = "Lerning"
        ws.cell(3, col).value = "not relevant:"
        book.save(path)
        before = list(project.conn.iterdump())
        with pytest.raises(InputError) as info:
            read_decisions(project, path)
        found = {(p.row, p.column) for p in info.value.problems}
        assert found == {(2, "decision"), (3, "decision")}
        assert list(project.conn.iterdump()) == before


def test_audit_log_is_append_only_and_history_tells_the_story(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        store_codings(project, {("i2", "ann"): Coding({"literacy": {"collaboration"}})},
                      reason="recoded")  # fmt: skip
        reconcile(project)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"), project.transaction() as c:
            c.execute("UPDATE audit_log SET actor = 'someone else'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"), project.transaction() as c:
            c.execute("DELETE FROM audit_log")
        story = history(project, "i2")
        actions = [(e["action"], e["actor"]) for e in story]
        assert actions[0][0].startswith("stored")
        assert actions.count(("import", "ann")) == 2
        recode = next(e for e in story if e["reason"] == "recoded")
        assert recode["before"] == "literacy:innovation; readiness:drivers"
        assert recode["after"] == "literacy:collaboration"
        assert story[-1]["action"] == "final" and story[-1]["actor"] == "reconcile"
        assert story[-1]["coder_id"] == "final"
        assert "literacy:collaboration" in story[-1]["after"]
        assert [e["action"] for e in history(project, "i0")].count("import") == 2
    result = CliRunner().invoke(main, ["history", str(tmp_path / "p"), "i2"])
    assert result.exit_code == 0 and "recoded" in result.output
    missing = CliRunner().invoke(main, ["history", str(tmp_path / "p"), "nope"])
    assert missing.exit_code == 1 and "no idea 'nope'" in missing.output


def test_provenance_counts_and_sensitivity(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        _suggest(project, "i4", {"literacy": {"learning"}, "readiness": {"skills"}})
        _review(project, "i4", "literacy", "accept", ["learning"])
        _review(project, "i4", "readiness", "accept", ["skills"])
        reconcile(project)
        prov = cell_provenance(project).set_index(["row", "column"])
        assert prov.loc[("Learning", "Skills"), "humans"] == 1  # i0
        assert prov.loc[("Learning", "Skills"), "accepted_suggestions"] == 1  # i4
        assert prov.loc[("Innovation", "Drivers"), "humans"] == 1  # i2
        sens = sensitivity(project).set_index(["row", "column"])
        cell = sens.loc[("Learning", "Skills")]
        assert (cell["ideas_humans"], cell["ideas_all"], cell["ideas_moved"]) == (1, 2, 1)
        # i0 has 1 vote, i4 has 5: the machine moved the cell's net votes by 5.
        assert (cell["net_votes_humans"], cell["votes_moved"]) == (1, 5)


def test_reconcile_and_adjudicate_commands(tmp_path: Path) -> None:
    _project(tmp_path).close()
    runner = CliRunner()
    out = runner.invoke(main, ["reconcile", str(tmp_path / "p")])
    assert out.exit_code == 0, out.output
    assert "1 queued" in out.output and "coder adjudicate" in out.output
    q = tmp_path / "q.xlsx"
    assert (
        runner.invoke(main, ["adjudicate", str(tmp_path / "p"), "--export", str(q)]).exit_code == 0
    )
    no_who = runner.invoke(main, ["adjudicate", str(tmp_path / "p"), "--import", str(q)])
    assert no_who.exit_code != 0 and "--adjudicator" in no_who.output
    done = runner.invoke(main, ["adjudicate", str(tmp_path / "p"), "--import", str(q),
                                "--adjudicator", "judy"])  # fmt: skip
    assert done.exit_code == 0 and "Stored 0 decisions" in done.output
