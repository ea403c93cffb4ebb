"""Ingestion streams each file through its checks into the store: what that must not change.

The checks across rows and files are made on compact sets of ids while the rows go by, and the
rows are written as they pass, inside the one transaction; so these tests look at what could go
wrong with that: problems found only once a later file is read, problems on the last row of a
long file or deep in its bytes, duplicate votes found from hashes, and the order of problems.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import coder.data.contribution_checks as checks
from coder.data.contributions import ingest
from coder.data.readers import open_table, read_table
from coder.data.store import init_project, open_project
from coder.errors import InputError, Problem
from tests.tables import snapshot, write_csv_file

IDEAS = ["idea_id", "question", "text", "author_id"]
COMMENTS = ["comment_id", "idea_id", "text", "author_id"]
VOTES = ["voter_id", "target_id", "value", "created_at"]
PEOPLE = [[f"P{n}"] for n in range(1, 6)]


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project holding five participants, two ideas and a comment."""
    with init_project(tmp_path / "proj") as project:
        ingest(
            project,
            participants=write_csv_file(tmp_path / "p.csv", ["participant_id"], PEOPLE),
            ideas=write_csv_file(
                tmp_path / "i.csv", IDEAS, [["i1", "I", "one", "P1"], ["i2", "II", "two", "P2"]]
            ),
            comments=write_csv_file(tmp_path / "c.csv", COMMENTS, [["c1", "i1", "yes", "P3"]]),
        )
    return tmp_path / "proj"


def refused(proj: Path, **files: Path) -> list[Problem]:
    """Ingest ``files``; it must raise InputError and leave the project as it was."""
    before = snapshot(proj)
    with open_project(proj) as project, pytest.raises(InputError) as exc:
        ingest(project, **files)  # type: ignore[arg-type]
    assert snapshot(proj) == before
    return exc.value.problems


def where(problems: list[Problem]) -> list[tuple[str, int | None, str | None, str]]:
    return [(Path(p.file).name, p.row, p.column, p.found) for p in problems]


def test_an_id_of_an_idea_and_a_comment_in_the_same_export(proj: Path, tmp_path: Path) -> None:
    # the comments file comes after the ideas file: the idea rows are reported all the same,
    # each of them (a repeated id too), with the id as written
    ideas = write_csv_file(
        tmp_path / "ideas.csv",
        IDEAS,
        [[" x1", "I", "a", "P1"], ["i3", "I", "b", "P1"], ["x1", "II", "c", "P2"]],
    )
    comments = write_csv_file(
        tmp_path / "comments.csv", COMMENTS, [["x1", "i1", "d", "P3"], ["x1", "i1", "e", "P3"]]
    )
    assert where(refused(proj, ideas=ideas, comments=comments)) == [
        ("ideas.csv", 4, "idea_id", "the id 'x1' again (first on row 2)"),
        ("comments.csv", 3, "comment_id", "the id 'x1' again (first on row 2)"),
        ("ideas.csv", 2, "idea_id", "' x1', also a comment id"),
        ("ideas.csv", 4, "idea_id", "'x1', also a comment id"),
        ("comments.csv", 2, "comment_id", "'x1', also an idea id"),
        ("comments.csv", 3, "comment_id", "'x1', also an idea id"),
    ]


def test_problems_of_every_file_in_the_order_of_checks(proj: Path, tmp_path: Path) -> None:
    people = write_csv_file(tmp_path / "people.csv", ["participant_id"], [["P6"], ["P6"]])
    ideas = write_csv_file(
        tmp_path / "ideas.csv",
        [*IDEAS[:3], "writer"],
        [["i3", "I", "", "P9"], ["i3", "V", "b", "P1"]],
    )
    comments = write_csv_file(
        tmp_path / "comments.csv",
        COMMENTS,
        [["c2", "i3", "", "P9"], ["c1", "i9", "fine", ""], ["i1", "i1", "x", "P1"]],
    )
    votes = write_csv_file(
        tmp_path / "votes.csv",
        VOTES,
        [
            ["P1", "c2", "+1", ""],
            ["P9", "zz", "2", ""],
            ["P1", "c2", "-1", ""],
            ["", "i1", "1", ""],
        ],
    )
    problems = refused(proj, participants=people, ideas=ideas, comments=comments, votes=votes)
    assert where(problems) == [
        ("ideas.csv", 1, "author_id", "no such column (columns: idea_id, question, text, writer)"),
        ("ideas.csv", 3, "idea_id", "the id 'i3' again (first on row 2)"),
        ("people.csv", 3, "participant_id", "the id 'P6' again (first on row 2)"),
        ("comments.csv", 2, "text", "an empty text"),
        ("comments.csv", 3, "idea_id", "the idea 'i9', which is unknown"),
        ("comments.csv", 3, "author_id", "an empty author"),
        ("comments.csv", 4, "comment_id", "'i1', also an idea id"),
        ("comments.csv", 2, "author_id", "the author 'P9', not among participants"),
        ("votes.csv", 3, "value", "'2'"),
        ("votes.csv", 3, "target_id", "'zz', not an idea or comment"),
        ("votes.csv", 4, "target_id", "a second vote by 'P1' on 'c2' (first on row 2)"),
        ("votes.csv", 5, "voter_id", "an empty voter"),
        ("votes.csv", 3, "voter_id", "the voter 'P9', not among participants"),
    ]
    # and each problem says what was expected and how to fix it, as it always did
    assert problems[-1].expected == "a participant_id of the participants file"
    assert problems[4].fix == "ingest the ideas file with the comments, or fix the id"


@pytest.mark.parametrize("collide", [False, True])
def test_second_and_third_votes_name_the_first(
    proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collide: bool
) -> None:
    if collide:  # every pair hashes alike: only the exact comparison can tell them apart
        monkeypatch.setattr(checks, "PAIR_HASH", lambda pair: 7)
    rows = [[f"P{1 + n % 5}", f"i{1 + n % 2}", "+1", ""] for n in range(10)]
    rows[6] = rows[9] = ["P1", "i1", "-1", ""]  # P1 votes on i1 on rows 2, 8 and 11
    votes = write_csv_file(tmp_path / "votes.csv", VOTES, rows)
    assert where(refused(proj, votes=votes)) == [
        ("votes.csv", 8, "target_id", "a second vote by 'P1' on 'i1' (first on row 2)"),
        ("votes.csv", 11, "target_id", "a second vote by 'P1' on 'i1' (first on row 2)"),
    ]
    # the same votes without the repeats go in
    votes = write_csv_file(tmp_path / "votes.csv", VOTES, rows[:5])
    with open_project(proj) as project:
        assert ingest(project, votes=votes).counts["votes"].inserted == 5


def test_a_problem_on_the_last_row_of_a_long_file_stores_nothing(
    proj: Path, tmp_path: Path
) -> None:
    # thousands of good rows are written before the bad one is read: all are rolled back
    n = 20_000
    people = write_csv_file(
        tmp_path / "people.csv", ["participant_id"], [[f"Q{i}"] for i in range(n)]
    )
    rows = [[f"Q{i}", "i1" if i % 2 else "c1", "+1", "2017-12-05T09:00:00Z"] for i in range(n)]
    rows[-1][2] = "+2"
    votes = write_csv_file(tmp_path / "votes.csv", VOTES, rows)
    assert where(refused(proj, participants=people, votes=votes)) == [
        ("votes.csv", n + 1, "value", "'+2'")
    ]
    rows[-1][2] = "-1"
    write_csv_file(tmp_path / "votes.csv", VOTES, rows)
    with open_project(proj) as project:
        report = ingest(project, participants=people, votes=votes)
    assert report.counts["votes"].inserted == n
    conn = sqlite3.connect(proj / "coder.db")
    try:
        kinds = dict(conn.execute("SELECT target_kind, count(*) FROM votes GROUP BY 1"))
        extra = conn.execute("SELECT extra FROM votes WHERE voter_id = 'Q3'").fetchone()[0]
    finally:
        conn.close()
    assert kinds == {"idea": n // 2, "comment": n // 2}
    assert json.loads(extra) == {"created_at": "2017-12-05T09:00:00Z"}


def test_bytes_that_are_not_utf8_deep_in_a_file_are_reported_alone(
    proj: Path, tmp_path: Path
) -> None:
    # far beyond the first block the decoder reads; a row of the wrong width comes before them
    lines = ["voter_id,target_id,value"] + ["P1,i1,+1,extra"] + ["P2,i1,+1"] * 5000
    lines[4000] = "P3,i2,+1 caf\xe9"
    path = tmp_path / "votes.csv"
    path.write_bytes("\n".join(lines).encode("cp1252") + b"\n")
    problems = refused(proj, votes=path)
    found = "bytes that are not UTF-8 (byte 0xe9 at position 12)"
    assert where(problems) == [("votes.csv", 4001, None, found)]
    with pytest.raises(InputError) as exc:
        read_table(path)
    assert exc.value.problems == problems


def test_jsonl_columns_that_first_appear_late_reach_every_row(tmp_path: Path) -> None:
    path = tmp_path / "ideas.jsonl"
    lines = [
        {"idea_id": "i1", "question": "I", "text": "a", "author_id": "P1"},
        {"idea_id": "i2", "question": "I", "text": "b", "author_id": "P1", "likes": 3},
        {"created_at": "2017", "idea_id": "i3", "question": "I", "text": "c", "author_id": "P1"},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    with open_table(path) as table:
        assert table.columns == ["idea_id", "question", "text", "author_id", "likes", "created_at"]
        rows = list(table.rows)
    assert rows[0] == (1, ["i1", "I", "a", "P1", "", ""])
    with init_project(tmp_path / "proj") as project:
        ingest(project, ideas=path)
        extra = dict(project.conn.execute("SELECT idea_id, extra FROM ideas"))
    assert extra["i1"] == '{"likes": "", "created_at": ""}'
    assert json.loads(extra["i2"]) == {"likes": "3", "created_at": ""}


def test_extra_columns_are_the_json_they_always_were() -> None:
    for columns in (["id"], ["id", "a"], ["id", "a", "b%s", 'c"%d', "é ✓"]):
        extra = checks.extra_json(columns, ("id",))
        values = [f'v{i} %s \u2028 " é ✓ \\' for i in range(len(columns))]
        expected = {c: v for c, v in zip(columns, values, strict=True) if c != "id"}
        assert extra(values) == json.dumps(expected, ensure_ascii=False)


def test_a_row_the_store_refuses_is_not_swallowed(
    proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # were the checks to let a bad vote through, the store's own CHECK refuses it: that error
    # comes out as it is (it is a fault of coder's, not a problem of the input), storing nothing
    monkeypatch.setitem(checks.VOTE_VALUES, "2", 2)
    votes = write_csv_file(tmp_path / "votes.csv", VOTES, [["P1", "i1", "2", ""]])
    before = snapshot(proj)
    with open_project(proj) as project, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        ingest(project, votes=votes)
    assert snapshot(proj) == before


def test_a_first_load_leaves_the_schema_as_it_was(tmp_path: Path) -> None:
    # into empty tables the indexes are dropped and built again after the rows: all come back
    schema_sql = "SELECT type, name, tbl_name, sql FROM sqlite_master"
    people = write_csv_file(tmp_path / "p.csv", ["participant_id"], PEOPLE)
    ideas = write_csv_file(tmp_path / "i.csv", IDEAS, [["i1", "I", "one", "P1"]])
    comments = write_csv_file(tmp_path / "c.csv", COMMENTS, [["c1", "i1", "yes", "P3"]])
    votes = write_csv_file(tmp_path / "v.csv", VOTES, [["P1", "c1", "+1", ""]])
    with init_project(tmp_path / "proj") as project:
        schema = set(project.conn.execute(schema_sql))
        assert {"votes_target", "comments_idea"} <= {row[1] for row in schema}
        ingest(project, participants=people, ideas=ideas, comments=comments, votes=votes)
        assert set(project.conn.execute(schema_sql)) == schema
        plan = project.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM votes WHERE target_id = 'c1'"
        ).fetchall()
        assert "votes_target" in str(plan)
