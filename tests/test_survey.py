"""Survey answers are first-class: the bundled survey example (open answers, no votes, no
participants, some without a respondent) runs the whole loop through the commands, with the
packaged embedding model offline; its tables show counts and leave every vote column out."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coder.cli.main import main
from coder.data.codings import codings_of
from coder.data.contributions import ingest
from coder.data.queries import has_votes
from coder.data.store import init_project, open_project
from coder.demo.example import example_dir
from coder.errors import InputError
from coder.tables.crosstab import TIDY_COLUMNS, balance, crosstabs
from tests.conftest import write_csv

SURVEY = example_dir() / "survey"


def run(*args: object) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.output)
    return result


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The survey example: initialised with its codebook, its answers and both coders'
    codings."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    folder = tmp_path_factory.mktemp("survey") / "project"
    run("init", folder, "--codebook", SURVEY / "codebook.yaml")
    result = run("ingest", folder, "--responses", SURVEY / "responses.csv")
    assert "responses: 91 new, 0 updated, 0 unchanged" in result.output
    result = run("codings", "import", folder, SURVEY / "codings.csv")
    assert "111 codings read" in result.output
    return folder


def test_answers_are_stored_as_ideas_without_votes(survey: Path) -> None:
    conn = sqlite3.connect(survey / "coder.db")
    rows = conn.execute("SELECT idea_id, question, author_id, extra FROM ideas").fetchall()
    assert len(rows) == 91
    assert {q for _, q, _, _ in rows} == {"barriers", "changes"}
    authors = [a for _, _, a, _ in rows]
    assert authors.count("") == 10 and "R001" in authors  # ten came without a respondent
    assert set(json.loads(rows[0][3])) == {"role", "setting"}  # other columns: attributes
    assert conn.execute("SELECT COUNT(*) FROM votes").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM participants").fetchone()[0] == 0
    assert conn.execute("SELECT kind FROM ingests").fetchall() == [("responses",)]
    with open_project(survey) as project:
        assert not has_votes(project)
    # ingesting the same file again changes nothing
    assert "0 new, 0 updated, 91 unchanged" in run("ingest", survey, "--responses",
                                                    SURVEY / "responses.csv").output  # fmt: skip


def test_responses_and_ideas_are_exclusive(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    run("init", folder, "--codebook", SURVEY / "codebook.yaml")
    answers = SURVEY / "responses.csv"
    result = CliRunner().invoke(
        main, ["ingest", str(folder), "--responses", str(answers), "--ideas", str(answers)]
    )
    assert result.exit_code == 2
    assert "--ideas and --responses are exclusive" in result.output
    with open_project(folder) as project, pytest.raises(InputError) as err:
        ingest(project, ideas=answers, responses=answers)
    assert "both an ideas file and a responses file" in str(err.value.problems[0])


def test_bad_responses_are_listed_all_at_once(tmp_path: Path) -> None:
    with init_project(tmp_path / "p", SURVEY / "codebook.yaml") as project:
        bad = write_csv(
            tmp_path / "answers.csv",
            [
                {"response_id": "a1", "question": "barriers", "text": "No Wi-Fi."},
                {"response_id": "a1", "question": "barriers", "text": "Old laptops."},
                {"response_id": "a2", "question": "Q9", "text": " "},
            ],
        )
        with pytest.raises(InputError) as err:
            ingest(project, responses=bad)
        found = [(p.row, p.column) for p in err.value.problems]
        assert found == [(3, "response_id"), (4, "text"), (4, "question")]
        assert project.conn.execute("SELECT COUNT(*) FROM ideas").fetchone()[0] == 0
        missing = write_csv(tmp_path / "m.csv", [{"id": "a1", "question": "barriers"}])
        with pytest.raises(InputError) as err:
            ingest(project, responses=missing)
        assert [p.column for p in err.value.problems] == ["response_id", "text"]
        # without a respondent column: stored with an empty author
        ok = write_csv(tmp_path / "ok.csv", [{"response_id": "a1", "question": "Q1. Barriers",
                                              "text": "No Wi-Fi.", "ward": "7"}])  # fmt: skip
        ingest(project, responses=ok)
        row = project.conn.execute("SELECT question, author_id, extra FROM ideas").fetchone()
        assert tuple(row) == ("barriers", "", '{"ward": "7"}')


def test_the_whole_loop(survey: Path, tmp_path: Path) -> None:
    result = run("agreement", survey, "--n-boot", "0")
    assert "ana@example.org, ben@example.org" in result.output
    assert "(all frames)     30" in result.output  # 30 answers double-coded

    result = run("train", survey)
    assert "barrier: 40 training ideas" in result.output
    assert "change: 40 training ideas" in result.output
    result = run("suggest", survey)
    assert "10 ideas:" in result.output  # the ten answers nobody coded

    result = run("reconcile", survey, "--include-unreviewed")
    assert "1 excluded" in result.output

    with open_project(survey) as project:
        tables = crosstabs(project, "final")
        assert not tables.votes
        assert list(tables.table.columns) == [c for c in TIDY_COLUMNS if c != "net_votes"]
        totals = tables.table[tables.table["row"] == "Total"].set_index("question")["ideas"]
        question = dict(project.conn.execute("SELECT idea_id, question FROM ideas"))
        expected = {"barriers": 0, "changes": 0}  # one frame per question: a cell per code
        for idea, coding in codings_of(project, "final").items():
            if coding.not_relevant_reason is None:
                expected[question[idea]] += sum(len(c) for c in coding.codes.values())
        assert {q: int(totals[q]) for q in expected} == expected
        assert list(balance(project).columns) == [
            "question", "label", "ideas", "comments", "contributions", "percent"
        ]  # fmt: skip

    text = run("crosstab", survey).output
    assert "| Barriers | ideas |" in text and "vote" not in text.lower()
    csv_text = run("crosstab", survey, "--format", "csv").output
    assert csv_text.splitlines()[0] == "question,row_frame,row,column_frame,column,ideas"
    assert "vote" not in run("balance", survey).output.lower()

    page = tmp_path / "report.html"
    run("report", survey, "--out", page)
    html = page.read_text(encoding="utf-8")
    assert "Net votes" not in html and "top-voted" not in html
    assert "Q1. Barriers" in html and "Balance of contributions" in html
    book = tmp_path / "report.xlsx"
    run("report", survey, "--out", book)
    from openpyxl import load_workbook

    for ws in load_workbook(book):
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(c, str) and "vote" in c.lower() for c in row), ws.title


def test_label_studio_configs_for_the_survey_codebook(survey: Path) -> None:
    result = run("studio", "config", survey)
    configs = survey / "annotations" / "labelstudio" / "configs"
    assert {p.name for p in configs.glob("*.xml")} == {
        "barrier.xml", "review-barrier.xml", "change.xml", "review-change.xml"
    }  # fmt: skip
    assert "barrier.xml" in result.output
    xml = (configs / "barrier.xml").read_text(encoding="utf-8")
    assert "Wi-Fi and connectivity" in xml and 'choice="multiple"' in xml
