"""Bad input is refused whole: every problem named by file, row and column, and nothing stored.

Each test ingests a valid base export first, then a bad file, and checks that the library raises
InputError, that the command line exits 2 with the same problems on stderr, and that the project
folder (store dump and the bytes of every file) is exactly as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli.main import main
from coder.data.contributions import ingest
from coder.data.store import init_project, open_project
from coder.errors import InputError, Problem
from tests.tables import Row, snapshot, write_csv_file, write_table

IDEAS = ["idea_id", "question", "text", "author_id"]
COMMENTS = ["comment_id", "idea_id", "text", "author_id"]
VOTES = ["voter_id", "target_id", "value"]
BASE: dict[str, tuple[list[str], list[Row]]] = {
    "participants": (
        ["participant_id", "Q1. Role"],
        [["P1", "Director"], ["P2", "Nurse"], ["P3", "Analyst"]],
    ),
    "ideas": (IDEAS, [["i1", "I", "First idea", "P1"], ["i2", "II", "Second idea", "P2"]]),
    "comments": (COMMENTS, [["c1", "i1", "A comment", "P3"]]),
    "votes": (VOTES, [["P1", "i2", "+1"], ["P2", "c1", "-1"]]),
}


# --- helpers -------------------------------------------------------------------------------------


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A project holding the valid base export."""
    folder = tmp_path / "base"
    folder.mkdir()
    files = {k: write_csv_file(folder / f"{k}.csv", h, rows) for k, (h, rows) in BASE.items()}
    with init_project(tmp_path / "proj") as project:
        ingest(project, **files)  # type: ignore[arg-type]
    return tmp_path / "proj"


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """A folder for the bad files."""
    (tmp_path / "bad").mkdir()
    return tmp_path / "bad"


Expected = tuple[Path, int | None, str | None, str]  # file, row, column, part of what was found


def rejected(proj: Path, files: dict[str, Path], *expected: Expected) -> list[Problem]:
    """Ingest ``files`` through the library and the CLI; both must refuse them and store nothing.

    Every expected problem must be reported with its file, row and column, saying what was found,
    in the exception's problems, in its message and on the CLI's stderr. Returns the problems.
    """
    before = snapshot(proj)
    with open_project(proj) as project, pytest.raises(InputError) as exc:
        ingest(project, **files)  # type: ignore[arg-type]
    assert snapshot(proj) == before
    problems = exc.value.problems
    message = str(exc.value)
    assert "nothing was stored" in message

    args = ["ingest", str(proj)]
    for kind, path in files.items():
        args += [f"--{kind}", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "nothing was stored" in result.stderr
    assert snapshot(proj) == before

    for file, row, column, found in expected:
        matches = [
            p
            for p in problems
            if p.file == str(file) and p.row == row and p.column == column and found in p.found
        ]
        assert matches, (file, row, column, found, problems)
        line = matches[0].render()
        assert line in message
        assert line in result.stderr
        assert str(file) in line and found in line
        if row is not None:
            assert f"row {row}" in line
        if column is not None:
            assert f"column {column!r}" in line
    return problems


# --- tables that do not fit ----------------------------------------------------------------------


def test_missing_required_column(proj: Path, bad: Path) -> None:
    ideas = write_csv_file(
        bad / "ideas.csv",
        ["idea_id", "question", "text", "writer"],
        [["i10", "I", "An idea", "P1"]],
    )
    problems = rejected(proj, {"ideas": ideas}, (ideas, 1, "author_id", "no such column"))
    assert len(problems) == 1
    assert "writer" in problems[0].found  # lists the columns it did find


def test_missing_column_does_not_make_its_ids_unknown(proj: Path, bad: Path) -> None:
    # the ideas lack a question column, but their ids are there: a comment on one of them is fine
    ideas = write_csv_file(
        bad / "ideas.csv", ["idea_id", "text", "author_id"], [["i10", "An idea", "P1"]]
    )
    comments = write_csv_file(bad / "comments.csv", COMMENTS, [["c10", "i10", "Yes", "P2"]])
    problems = rejected(
        proj, {"ideas": ideas, "comments": comments}, (ideas, 1, "question", "no such column")
    )
    assert len(problems) == 1, problems


@pytest.mark.parametrize("kind", ["ideas", "comments"])
def test_empty_text(proj: Path, bad: Path, kind: str) -> None:
    if kind == "ideas":
        rows: list[Row] = [
            ["i10", "I", "fine", "P1"],
            ["i11", "II", "", "P1"],
            ["i12", "I", " \t", "P2"],
        ]
        path = write_csv_file(bad / "ideas.csv", IDEAS, rows)
    else:
        rows = [["c10", "i1", "fine", "P1"], ["c11", "i1", "", "P1"], ["c12", "i2", " \t", "P2"]]
        path = write_csv_file(bad / "comments.csv", COMMENTS, rows)
    problems = rejected(
        proj,
        {kind: path},
        (path, 3, "text", "an empty text"),
        (path, 4, "text", "an empty text"),
    )
    assert len(problems) == 2


def test_duplicate_id(proj: Path, bad: Path) -> None:
    ideas = write_csv_file(
        bad / "ideas.csv",
        IDEAS,
        [["i10", "I", "one", "P1"], ["i11", "I", "two", "P1"], ["i10", "II", "three", "P2"]],
    )
    problems = rejected(
        proj, {"ideas": ideas}, (ideas, 4, "idea_id", "the id 'i10' again (first on row 2)")
    )
    assert len(problems) == 1


def test_duplicate_vote(proj: Path, bad: Path) -> None:
    votes = write_csv_file(
        bad / "votes.csv", VOTES, [["P3", "i1", "+1"], ["P1", "i1", "1"], ["P3", "i1", "-1"]]
    )
    rejected(proj, {"votes": votes}, (votes, 4, "target_id", "a second vote by 'P3' on 'i1'"))


def test_empty_id(proj: Path, bad: Path) -> None:
    comments = write_csv_file(
        bad / "comments.csv", COMMENTS, [["c10", "i1", "ok", "P1"], [" ", "i1", "no id", "P1"]]
    )
    rejected(proj, {"comments": comments}, (comments, 3, "comment_id", "an empty id"))


@pytest.mark.parametrize(("ext", "row"), [("csv", 3), ("xlsx", 3), ("jsonl", 2)])
def test_unknown_question(proj: Path, bad: Path, ext: str, row: int) -> None:
    # the second idea is bad: row 3 of a spreadsheet (header is row 1), line 2 of a JSONL file
    ideas = write_table(
        bad / f"ideas.{ext}", IDEAS, [["i10", "I", "fine", "P1"], ["i11", "V", "bad", "P1"]]
    )
    problems = rejected(proj, {"ideas": ideas}, (ideas, row, "question", "the question 'V'"))
    assert len(problems) == 1
    assert "I, II, III, IV, Other" in problems[0].expected


def test_row_numbers_count_blank_lines(proj: Path, bad: Path) -> None:
    ideas = write_bytes(
        bad / "ideas.csv",
        b"idea_id,question,text,author_id\ni10,I,fine,P1\n\ni11,V,bad,P1\n",
    )
    rejected(proj, {"ideas": ideas}, (ideas, 4, "question", "'V'"))


@pytest.mark.parametrize("value", ["2", "up", "", "0", "1.5"])
def test_vote_value_not_plus_or_minus_one(proj: Path, bad: Path, value: str) -> None:
    votes = write_csv_file(bad / "votes.csv", VOTES, [["P3", "i1", "+1"], ["P3", "i2", value]])
    problems = rejected(proj, {"votes": votes}, (votes, 3, "value", repr(value)))
    assert len(problems) == 1


@pytest.mark.parametrize("target", ["i99", "c99"])
def test_vote_for_unknown_idea_or_comment(proj: Path, bad: Path, target: str) -> None:
    votes = write_csv_file(bad / "votes.csv", VOTES, [["P3", "c1", "+1"], ["P3", target, "-1"]])
    problems = rejected(
        proj, {"votes": votes}, (votes, 3, "target_id", f"{target!r}, not an idea or comment")
    )
    assert len(problems) == 1


def test_comment_on_unknown_idea(proj: Path, bad: Path) -> None:
    comments = write_csv_file(
        bad / "comments.csv", COMMENTS, [["c10", "i2", "fine", "P1"], ["c11", "i99", "?", "P1"]]
    )
    rejected(proj, {"comments": comments}, (comments, 3, "idea_id", "the idea 'i99'"))


def test_comment_id_that_is_an_idea_id(proj: Path, bad: Path) -> None:
    # a vote on "i1" must point at one thing; i1 is a stored idea
    comments = write_csv_file(bad / "comments.csv", COMMENTS, [["i1", "i2", "clash", "P1"]])
    rejected(proj, {"comments": comments}, (comments, 2, "comment_id", "'i1', also an idea id"))


@pytest.mark.parametrize("kind", ["ideas", "comments"])
def test_author_not_among_participants(proj: Path, bad: Path, kind: str) -> None:
    if kind == "ideas":
        path = write_csv_file(bad / "ideas.csv", IDEAS, [["i10", "I", "text", "P9"]])
    else:
        path = write_csv_file(bad / "comments.csv", COMMENTS, [["c10", "i1", "text", "P9"]])
    rejected(proj, {kind: path}, (path, 2, "author_id", "the author 'P9', not among participants"))


def test_author_not_among_participants_given_with_it(tmp_path: Path) -> None:
    # a fresh project: the participants come in the same ingest
    people = write_csv_file(tmp_path / "people.csv", ["participant_id"], [["P1"]])
    ideas = write_csv_file(
        tmp_path / "ideas.csv", IDEAS, [["i1", "I", "a", "P1"], ["i2", "I", "b", "P2"]]
    )
    init_project(tmp_path / "proj").close()
    rejected(
        tmp_path / "proj",
        {"participants": people, "ideas": ideas},
        (ideas, 3, "author_id", "the author 'P2', not among participants"),
    )


def test_voter_not_among_participants(proj: Path, bad: Path) -> None:
    votes = write_csv_file(bad / "votes.csv", VOTES, [["P1", "i1", "+1"], ["P9", "i1", "+1"]])
    rejected(
        proj, {"votes": votes}, (votes, 3, "voter_id", "the voter 'P9', not among participants")
    )


# --- files that cannot be read -------------------------------------------------------------------


def test_undecodable_bytes(proj: Path, bad: Path) -> None:
    text = "idea_id,question,text,author_id\ni10,I,fine,P1\ni11,I,It\u2019s \u201csmart\u201d,P1\n"
    ideas = write_bytes(bad / "ideas.csv", text.encode("cp1252"))
    problems = rejected(proj, {"ideas": ideas}, (ideas, 3, None, "0x92"))
    assert len(problems) == 1
    assert "UTF-8" in problems[0].fix and "Windows-1252" in problems[0].fix


def test_csv_with_an_unclosed_quote(proj: Path, bad: Path) -> None:
    ideas = write_bytes(
        bad / "ideas.csv",
        b'idea_id,question,text,author_id\ni10,I,fine,P1\ni11,I,"unclosed,P1\ni12,I,more,P1\n',
    )
    rejected(proj, {"ideas": ideas}, (ideas, 3, None, "malformed CSV"))


def test_csv_row_with_too_many_fields(proj: Path, bad: Path) -> None:
    ideas = write_bytes(
        bad / "ideas.csv",
        b"idea_id,question,text,author_id\ni10,I,fine,P1\ni11,I,one, two,P1\ni12,I,ok,P1\n",
    )
    problems = rejected(proj, {"ideas": ideas}, (ideas, 3, None, "5 fields"))
    assert len(problems) == 1
    assert "4 fields" in problems[0].expected


def test_jsonl_with_a_broken_line(proj: Path, bad: Path) -> None:
    ideas = write_bytes(
        bad / "ideas.jsonl",
        b'{"idea_id": "i10", "question": "I", "text": "a", "author_id": "P1"}\n'
        b'{"idea_id": "i11", "question": "I", "text": "b"\n'
        b'{"idea_id": "i12", "question": "I", "text": "c", "author_id": "P1"}\n',
    )
    problems = rejected(proj, {"ideas": ideas}, (ideas, 2, None, "invalid JSON"))
    assert len(problems) == 1


def test_jsonl_line_that_is_an_array(proj: Path, bad: Path) -> None:
    ideas = write_bytes(
        bad / "ideas.jsonl",
        b'{"idea_id": "i10", "question": "I", "text": "a", "author_id": "P1"}\n'
        b"\n"
        b'["i11", "I", "b", "P1"]\n',
    )
    problems = rejected(proj, {"ideas": ideas}, (ideas, 3, None, "a JSON list"))
    assert len(problems) == 1


def test_unknown_file_extension(proj: Path, bad: Path) -> None:
    ideas = write_bytes(bad / "ideas.txt", b"idea_id,question,text,author_id\ni10,I,a,P1\n")
    problems = rejected(proj, {"ideas": ideas}, (ideas, None, None, "the extension '.txt'"))
    assert ".csv" in problems[0].expected and ".xlsx" in problems[0].expected


# --- all problems at once ------------------------------------------------------------------------


def test_every_problem_of_a_file_is_reported_at_once(proj: Path, bad: Path) -> None:
    ideas = write_csv_file(
        bad / "ideas.csv",
        IDEAS,
        [
            ["i10", "V", "unknown question", "P1"],  # row 2
            ["i11", "II", "", "P1"],  # row 3: empty text
            ["i10", "I", "duplicate id", "P2"],  # row 4
            ["i12", "I", "unknown author", "P9"],  # row 5
            ["", "I", "no id", "P1"],  # row 6
            ["i13", "Nope", "", "P8"],  # row 7: three problems in one row
        ],
    )
    problems = rejected(
        proj,
        {"ideas": ideas},
        (ideas, 2, "question", "'V'"),
        (ideas, 3, "text", "an empty text"),
        (ideas, 4, "idea_id", "the id 'i10' again"),
        (ideas, 5, "author_id", "'P9'"),
        (ideas, 6, "idea_id", "an empty id"),
        (ideas, 7, "question", "'Nope'"),
        (ideas, 7, "text", "an empty text"),
        (ideas, 7, "author_id", "'P8'"),
    )
    assert len(problems) == 8
    assert sorted((p.row, p.column) for p in problems) == [
        (2, "question"),
        (3, "text"),
        (4, "idea_id"),
        (5, "author_id"),
        (6, "idea_id"),
        (7, "author_id"),
        (7, "question"),
        (7, "text"),
    ]


def test_problems_in_two_files_are_reported_together(proj: Path, bad: Path) -> None:
    ideas = write_csv_file(
        bad / "ideas.csv", IDEAS, [["i10", "I", "fine", "P1"], ["i11", "VI", "bad", "P1"]]
    )
    votes = write_csv_file(
        bad / "votes.csv", VOTES, [["P1", "i10", "+1"], ["P2", "i11", "2"], ["P3", "i1", "up"]]
    )
    problems = rejected(
        proj,
        {"ideas": ideas, "votes": votes},
        (ideas, 3, "question", "'VI'"),
        (votes, 3, "value", "'2'"),
        (votes, 4, "value", "'up'"),
    )
    assert len(problems) == 3


def test_unreadable_files_are_reported_together(proj: Path, bad: Path) -> None:
    ideas = write_bytes(bad / "ideas.jsonl", b'{"idea_id": "i10"\n')
    votes = write_bytes(bad / "votes.csv", b'voter_id,target_id,value\nP1,"i1,+1\n')
    problems = rejected(
        proj,
        {"ideas": ideas, "votes": votes},
        (ideas, 1, None, "invalid JSON"),
        (votes, 2, None, "malformed CSV"),
    )
    assert len(problems) == 2
