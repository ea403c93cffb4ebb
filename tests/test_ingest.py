"""Ingesting a platform export: formats, idempotence, updates, extra columns, moves, atomicity."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import coder.data.contributions as contributions
from coder.cli.main import main
from coder.data.contributions import ingest
from coder.data.moves import idea_question, move_ideas, read_moves
from coder.data.store import init_project, open_project
from coder.errors import InputError
from tests.tables import (
    Row,
    snapshot,
    write_csv_file,
    write_jsonl_file,
    write_table,
)

Dataset = dict[str, tuple[list[str], list[Row]]]

# A small export. Texts include formula look-alikes, quotes, commas, a line break and non-ASCII
# letters; numbers (likes, vote values) are ints so that XLSX and JSONL store them as numbers.
BASE: Dataset = {
    "participants": (
        ["participant_id", "Q1. How would you describe your work role?", "Q15. How old are you?"],
        [
            ["P1", "Director", "40-65"],
            ["P2", "Nurse, community", "25-39"],
            ["P3", "Analyst", ""],
            ["P4", "Student", "16-24"],
        ],
    ),
    "ideas": (
        ["idea_id", "question", "text", "author_id", "created_at", "likes"],
        [
            ["i1", "I", "A shared vision for digital care", "P1", "2017-12-01T10:00:00Z", 3],
            ["i2", "II", "=SUM(A1:A3)", "P2", "2017-12-02T11:00:00Z", 0],
            [
                "i3",
                "III",
                'Training, with commas and "quotes"\nand a second line',
                "P3",
                "2017-12-03T12:00:00Z",
                12,
            ],
            ["i4", "Other", "Café naïve — 日本語 ✓", "P1", "2017-12-04T13:00:00Z", 1],
        ],
    ),
    "comments": (
        ["comment_id", "idea_id", "text", "author_id", "in_reply_to"],
        [
            ["c1", "i1", "+44 7700 900123", "P2", ""],
            ["c2", "i1", "-1 from me", "P3", "c1"],
            ["c3", "i3", "@Sam agreed", "P4", ""],
        ],
    ),
    "votes": (
        ["voter_id", "target_id", "value", "created_at"],
        [
            ["P1", "i2", 1, "2017-12-05T09:00:00Z"],
            ["P2", "i1", -1, "2017-12-05T09:01:00Z"],
            ["P3", "c1", 1, "2017-12-05T09:02:00Z"],
            ["P4", "c2", -1, "2017-12-05T09:03:00Z"],
            ["P2", "i3", 1, "2017-12-05T09:04:00Z"],
        ],
    ),
}
KINDS = ("participants", "ideas", "comments", "votes")
DATA_TABLES = {
    "participants": "participant_id",
    "ideas": "idea_id",
    "comments": "comment_id",
    "votes": "voter_id, target_id",
}


# --- helpers -------------------------------------------------------------------------------------


def write_dataset(folder: Path, ext: str, data: Dataset = BASE) -> dict[str, Path]:
    """Write each table of ``data`` as ``folder/<kind>.<ext>``; return the paths by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        kind: write_table(folder / f"{kind}.{ext}", header, rows)
        for kind, (header, rows) in data.items()
    }


def stored_rows(project_dir: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every contribution table's rows without the time stamps, in key order."""
    conn = sqlite3.connect(project_dir / "coder.db")
    try:
        out = {}
        for table, key in DATA_TABLES.items():
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            cols = [c for c in cols if c != "updated_at"]
            out[table] = conn.execute(
                f"SELECT {', '.join(cols)} FROM {table} ORDER BY {key}"
            ).fetchall()
        return out
    finally:
        conn.close()


def table_rows(project_dir: Path, table: str) -> set[tuple[object, ...]]:
    conn = sqlite3.connect(project_dir / "coder.db")
    try:
        return set(conn.execute(f"SELECT * FROM {table}").fetchall())
    finally:
        conn.close()


def new_project(path: Path, files: dict[str, Path] | None = None) -> Path:
    with init_project(path) as project:
        if files:
            ingest(project, **files)  # type: ignore[arg-type]
    return path


def all_unchanged(report: contributions.IngestReport, expected: dict[str, int]) -> bool:
    return {k: (c.inserted, c.updated, c.unchanged) for k, c in report.counts.items()} == {
        k: (0, 0, n) for k, n in expected.items()
    }


# --- formats -------------------------------------------------------------------------------------


def test_csv_xlsx_and_jsonl_store_identical_rows(tmp_path: Path) -> None:
    stored = {}
    for ext in ("csv", "xlsx", "jsonl"):
        files = write_dataset(tmp_path / ext, ext)
        stored[ext] = stored_rows(new_project(tmp_path / f"proj-{ext}", files))
    assert stored["csv"] == stored["xlsx"] == stored["jsonl"]
    # and the rows are the dataset, not three equally wrong copies of it
    assert [r[0] for r in stored["csv"]["ideas"]] == ["i1", "i2", "i3", "i4"]
    assert {r[0]: r[4] for r in stored["csv"]["ideas"]} == {
        str(row[0]): row[2] for row in BASE["ideas"][1]
    }
    assert {(r[0], r[1]): r[3] for r in stored["csv"]["votes"]} == {
        (str(row[0]), str(row[1])): row[2] for row in BASE["votes"][1]
    }


def test_same_export_in_another_format_changes_nothing(tmp_path: Path) -> None:
    proj = new_project(tmp_path / "proj", write_dataset(tmp_path / "csv", "csv"))
    before = snapshot(proj)
    for ext in ("xlsx", "jsonl"):
        with open_project(proj) as project:
            report = ingest(project, **write_dataset(tmp_path / ext, ext))  # type: ignore[arg-type]
        assert all_unchanged(report, {k: len(BASE[k][1]) for k in KINDS}), (ext, report)
        assert snapshot(proj) == before


def test_jsonl_key_order_and_missing_keys_do_not_change_stored_rows(tmp_path: Path) -> None:
    header, rows = BASE["ideas"]
    rows = [list(r) for r in rows]
    rows[3][4] = ""  # i4 has no created_at
    csv_proj = new_project(
        tmp_path / "a", {"ideas": write_csv_file(tmp_path / "i.csv", header, rows)}
    )
    # the same ideas: line 1 in header order, later lines shuffled, i4's empty value left out
    lines = [
        dict(zip(header, rows[0], strict=True)),
        {"likes": 0, "text": rows[1][2], "idea_id": "i2", "created_at": rows[1][4],
         "author_id": "P2", "question": "II"},
        {"idea_id": "i3", "created_at": rows[2][4], "question": "III", "text": rows[2][2],
         "author_id": "P3", "likes": 12},
        {"idea_id": "i4", "question": "Other", "likes": 1, "author_id": "P1", "text": rows[3][2]},
    ]  # fmt: skip
    path = tmp_path / "i.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    jsonl_proj = new_project(tmp_path / "b", {"ideas": path})
    assert stored_rows(jsonl_proj)["ideas"] == stored_rows(csv_proj)["ideas"]
    # so a CSV export of the same ideas is no change
    with open_project(jsonl_proj) as project:
        report = ingest(project, ideas=tmp_path / "i.csv")
    assert all_unchanged(report, {"ideas": 4})


def test_jsonl_text_with_unicode_line_separators_is_one_row(tmp_path: Path) -> None:
    # json.dumps(ensure_ascii=False) writes U+2028, U+2029 and U+0085 unescaped; they are not
    # line breaks in JSONL (only \n is)
    texts = ["one\u2028two", "three\u2029four", "five\x85six"]
    rows = [[f"i{n}", "I", t, "P1"] for n, t in enumerate(texts, 1)]
    path = write_jsonl_file(
        tmp_path / "ideas.jsonl", ["idea_id", "question", "text", "author_id"], rows
    )
    proj = new_project(tmp_path / "proj", {"ideas": path})
    assert [r[4] for r in stored_rows(proj)["ideas"]] == texts


def test_utf8_bom_and_crlf_are_read(tmp_path: Path) -> None:
    header, rows = BASE["ideas"]
    plain = new_project(
        tmp_path / "plain", {"ideas": write_csv_file(tmp_path / "p.csv", header, rows)}
    )
    bom_csv = write_csv_file(tmp_path / "b.csv", header, rows, bom=True, lineterminator="\r\n")
    assert bom_csv.read_bytes().startswith(b"\xef\xbb\xbfidea_id,")
    bom_jsonl = write_jsonl_file(tmp_path / "b.jsonl", header, rows, bom=True)
    assert bom_jsonl.read_bytes().startswith(b'\xef\xbb\xbf{"idea_id"')
    for name, path in (("csv", bom_csv), ("jsonl", bom_jsonl)):
        proj = new_project(tmp_path / f"bom-{name}", {"ideas": path})
        assert stored_rows(proj)["ideas"] == stored_rows(plain)["ideas"], name


@pytest.mark.parametrize("ext", ["csv", "xlsx", "jsonl"])
def test_formula_like_text_is_stored_exactly(tmp_path: Path, ext: str) -> None:
    texts = ["=SUM(A1:A3)", "+44 7700 900123", "-1 from me", "@Sam", "=1+1", "  padded  "]
    ideas = write_table(
        tmp_path / f"ideas.{ext}",
        ["idea_id", "question", "text", "author_id"],
        [[f"i{n}", "I", t, "P1"] for n, t in enumerate(texts, 1)],
    )
    comments = write_table(
        tmp_path / f"comments.{ext}",
        ["comment_id", "idea_id", "text", "author_id"],
        [[f"c{n}", "i1", t, "=P2"] for n, t in enumerate(texts, 1)],
    )
    proj = new_project(tmp_path / "proj", {"ideas": ideas, "comments": comments})
    rows = stored_rows(proj)
    assert [r[4] for r in rows["ideas"]] == texts
    assert [r[2] for r in rows["comments"]] == texts
    assert {r[3] for r in rows["comments"]} == {"=P2"}


# --- re-ingesting --------------------------------------------------------------------------------


def test_reingesting_the_same_files_changes_nothing(tmp_path: Path) -> None:
    files = write_dataset(tmp_path / "in", "csv")
    proj = new_project(tmp_path / "proj", files)
    before = snapshot(proj)
    with open_project(proj) as project:
        report = ingest(project, **files)  # type: ignore[arg-type]
    assert not report.changed
    assert all_unchanged(report, {k: len(BASE[k][1]) for k in KINDS})
    assert snapshot(proj) == before
    # the command line says so too, and still changes nothing
    args = ["ingest", str(proj)] + [a for k, p in files.items() for a in (f"--{k}", str(p))]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "ideas: 0 new, 0 updated, 4 unchanged" in result.stdout
    assert snapshot(proj) == before


def test_newer_export_updates_exactly_the_changed_rows(tmp_path: Path) -> None:
    files = write_dataset(tmp_path / "old", "csv")
    proj = new_project(tmp_path / "proj", files)
    before = {t: table_rows(proj, t) for t in (*DATA_TABLES, "ingests")}

    newer = {k: (h, [list(r) for r in rows]) for k, (h, rows) in BASE.items()}
    newer["ideas"][1][1][2] = "Edited after the export: =SUM(A1:A3) was a typo"
    newer["comments"][1].append(["c4", "i2", "A late comment", "P4", ""])
    with open_project(proj) as project:
        report = ingest(project, **write_dataset(tmp_path / "new", "csv", newer))  # type: ignore[arg-type]

    counts = {k: (c.inserted, c.updated, c.unchanged) for k, c in report.counts.items()}
    assert counts == {
        "participants": (0, 0, 4),
        "ideas": (0, 1, 3),
        "comments": (1, 0, 3),
        "votes": (0, 0, 5),
    }
    assert report.changed
    after = {t: table_rows(proj, t) for t in (*DATA_TABLES, "ingests")}
    for table in ("participants", "votes"):
        assert after[table] == before[table]
    gone = before["ideas"] - after["ideas"]
    came = after["ideas"] - before["ideas"]
    assert [r[0] for r in gone] == [r[0] for r in came] == ["i2"]
    assert next(iter(came))[4] == "Edited after the export: =SUM(A1:A3) was a typo"
    assert before["comments"] < after["comments"]
    assert [r[0] for r in after["comments"] - before["comments"]] == ["c4"]
    new_log = sorted((r[2], r[5], r[6], r[7]) for r in after["ingests"] - before["ingests"])
    assert new_log == [("comments", 1, 0, 3), ("ideas", 0, 1, 3)]


def test_rows_missing_from_a_newer_export_are_kept(tmp_path: Path) -> None:
    proj = new_project(tmp_path / "proj", write_dataset(tmp_path / "old", "csv"))
    header, rows = BASE["ideas"]
    partial = write_csv_file(tmp_path / "partial.csv", header, rows[:1])
    with open_project(proj) as project:
        report = ingest(project, ideas=partial)
    assert all_unchanged(report, {"ideas": 1})
    assert [r[0] for r in stored_rows(proj)["ideas"]] == ["i1", "i2", "i3", "i4"]


# --- what is stored ------------------------------------------------------------------------------


def test_extra_columns_are_kept_in_file_order(tmp_path: Path) -> None:
    proj = new_project(tmp_path / "proj", write_dataset(tmp_path / "in", "csv"))
    conn = sqlite3.connect(proj / "coder.db")
    try:
        answers = dict(conn.execute("SELECT participant_id, answers FROM participants"))
        ideas = dict(conn.execute("SELECT idea_id, extra FROM ideas"))
        comments = dict(conn.execute("SELECT comment_id, extra FROM comments"))
        votes = {
            (v, t): e for v, t, e in conn.execute("SELECT voter_id, target_id, extra FROM votes")
        }
    finally:
        conn.close()
    p2 = json.loads(answers["P2"])
    assert list(p2) == [
        "Q1. How would you describe your work role?",
        "Q15. How old are you?",
    ]
    assert p2["Q1. How would you describe your work role?"] == "Nurse, community"
    assert json.loads(answers["P3"])["Q15. How old are you?"] == ""
    assert json.loads(ideas["i3"]) == {"created_at": "2017-12-03T12:00:00Z", "likes": "12"}
    assert list(json.loads(ideas["i3"])) == ["created_at", "likes"]
    assert json.loads(comments["c2"]) == {"in_reply_to": "c1"}
    assert json.loads(votes[("P4", "c2")]) == {"created_at": "2017-12-05T09:03:00Z"}


def test_question_may_be_given_by_label_and_is_stored_as_id(tmp_path: Path) -> None:
    path = write_csv_file(
        tmp_path / "ideas.csv",
        ["idea_id", "question", "text", "author_id"],
        [["i1", "I. New vision", "x", "P1"], ["i2", " ii ", "y", "P1"]],
    )
    proj = new_project(tmp_path / "proj", {"ideas": path})
    assert [r[1] for r in stored_rows(proj)["ideas"]] == ["I", "II"]


def test_vote_target_kind_is_detected(tmp_path: Path) -> None:
    files = write_dataset(tmp_path / "in", "csv")
    proj = new_project(tmp_path / "proj", files)
    kinds = {(r[0], r[1]): r[2] for r in stored_rows(proj)["votes"]}
    assert kinds == {
        ("P1", "i2"): "idea",
        ("P2", "i1"): "idea",
        ("P3", "c1"): "comment",
        ("P4", "c2"): "comment",
        ("P2", "i3"): "idea",
    }
    # votes ingested later, on contributions stored by an earlier ingest
    later = write_csv_file(
        tmp_path / "later.csv",
        ["voter_id", "target_id", "value"],
        [["P1", "c3", "+1"], ["P4", "i4", "-1"]],
    )
    with open_project(proj) as project:
        ingest(project, votes=later)
    kinds = {(r[0], r[1]): (r[2], r[3]) for r in stored_rows(proj)["votes"]}
    assert kinds[("P1", "c3")] == ("comment", 1)
    assert kinds[("P4", "i4")] == ("idea", -1)


# --- moves ---------------------------------------------------------------------------------------


def test_moving_an_idea_keeps_its_original_question(tmp_path: Path) -> None:
    files = write_dataset(tmp_path / "in", "csv")
    proj = new_project(tmp_path / "proj", files)

    def question_columns(idea_id: str) -> tuple[object, ...]:
        conn = sqlite3.connect(proj / "coder.db")
        try:
            row = conn.execute(
                "SELECT question, analysis_question, move_reason FROM ideas WHERE idea_id = ?",
                (idea_id,),
            ).fetchone()
            return tuple(row)
        finally:
            conn.close()

    with open_project(proj) as project:
        assert move_ideas(project, [("i2", "III", "answers question III")]) == 1
        assert idea_question(project, "i2") == "III"
        assert idea_question(project, "i1") == "I"
        assert move_ideas(project, [("i2", "III", "again")]) == 0  # already there
    assert question_columns("i2") == ("II", "III", "answers question III")

    # re-ingesting the export, even with an edited text, does not undo the move
    with open_project(proj) as project:
        ingest(project, **files)  # type: ignore[arg-type]
    edited = {k: (h, [list(r) for r in rows]) for k, (h, rows) in BASE.items()}
    edited["ideas"][1][1][2] = "edited"
    with open_project(proj) as project:
        report = ingest(project, ideas=write_dataset(tmp_path / "edit", "csv", edited)["ideas"])
        assert report.counts["ideas"].updated == 1
        assert idea_question(project, "i2") == "III"
    assert question_columns("i2") == ("II", "III", "answers question III")

    # moving it back to the question it was posted under clears the move
    with open_project(proj) as project:
        assert move_ideas(project, [("i2", "II", "moved back")]) == 1
        assert idea_question(project, "i2") == "II"
    assert question_columns("i2") == ("II", None, None)


def test_moves_from_a_file(tmp_path: Path) -> None:
    proj = new_project(tmp_path / "proj", write_dataset(tmp_path / "in", "csv"))
    moves = write_csv_file(
        tmp_path / "moves.csv",
        ["idea_id", "to_question", "reason"],
        [["i1", "IV", "about skills"], ["i4", "Other", "stays"]],
    )
    with open_project(proj) as project:
        assert read_moves(moves) == [("i1", "IV", "about skills"), ("i4", "Other", "stays")]
        assert move_ideas(project, read_moves(moves)) == 1
        assert idea_question(project, "i1") == "IV"


def test_bad_moves_change_nothing(tmp_path: Path) -> None:
    proj = new_project(tmp_path / "proj", write_dataset(tmp_path / "in", "csv"))
    before = snapshot(proj)
    with open_project(proj) as project, pytest.raises(InputError) as exc:
        move_ideas(project, [("i1", "IV", ""), ("i2", "V", ""), ("nope", "I", "")])
    assert {(p.column, p.found) for p in exc.value.problems} == {
        ("to_question", "'V'"),
        ("idea_id", "the unknown idea 'nope'"),
    }
    assert snapshot(proj) == before


# --- atomicity -----------------------------------------------------------------------------------


def test_a_failure_mid_write_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj = new_project(tmp_path / "proj", write_dataset(tmp_path / "old", "csv"))
    before = snapshot(proj)
    newer = {k: (h, [list(r) for r in rows]) for k, (h, rows) in BASE.items()}
    newer["participants"][1].append(["P5", "Clerk", "25-39"])
    newer["ideas"][1][0][2] = "changed"
    newer["comments"][1].append(["c4", "i2", "new", "P5", ""])
    newer["votes"][1].append(["P5", "i1", 1, ""])
    files = write_dataset(tmp_path / "new", "csv", newer)

    real_upsert = contributions._upsert
    written: list[str] = []

    def failing_upsert(conn: sqlite3.Connection, kind: str, *args: object) -> object:
        counts = real_upsert(conn, kind, *args)  # type: ignore[arg-type]
        written.append(kind)
        if kind == "votes":  # the last table: everything before it was written
            n = conn.execute("SELECT count(*) FROM votes WHERE voter_id = 'P5'").fetchone()[0]
            assert n == 1
            raise RuntimeError("disk full")
        return counts

    monkeypatch.setattr(contributions, "_upsert", failing_upsert)
    with open_project(proj) as project:
        with pytest.raises(RuntimeError, match="disk full"):
            ingest(project, **files)  # type: ignore[arg-type]
        assert not project.conn.in_transaction
    assert written == ["participants", "ideas", "comments", "votes"]
    assert snapshot(proj) == before

    # and once the failure is gone the same files go in whole
    monkeypatch.setattr(contributions, "_upsert", real_upsert)
    with open_project(proj) as project:
        report = ingest(project, **files)  # type: ignore[arg-type]
    assert [report.counts[k].inserted for k in KINDS] == [1, 0, 1, 1]
