"""One codings file for `coder agreement --input` and `coder codings import`, checked: alias item
columns, separators, workbook sheets, and every bad file listed at once (exit 2, nothing stored)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from coder.cli.main import main
from coder.data.contributions import ingest
from coder.data.store import init_project, open_project
from tests.conftest import write_csv

CODEBOOK = {
    "id": "t",
    "title": "Test",
    "questions": [{"id": "Q1", "label": "Q1"}, {"id": "Q2", "label": "Q2"}],
    "frames": [
        {"id": "topic", "label": "Topics", "selection": "multiple", "questions": ["Q1"],
         "codes": [{"id": c, "label": c.title()} for c in ("cost", "time", "staff")]},
        {"id": "tone", "label": "Tone", "selection": "exclusive", "questions": ["Q1", "Q2"],
         "codes": [{"id": c, "label": c.title()} for c in ("positive", "negative")]},
    ],
}  # fmt: skip
ITEMS = [f"r{i:02d}" for i in range(1, 13)]
QUESTION = {item: "Q1" if i % 4 else "Q2" for i, item in enumerate(ITEMS, 1)}
COLUMNS = ["item_id", "coder", "frame", "code", "question"]


def good_rows() -> list[list[str]]:
    """ann and bob code all twelve items; they differ on three."""
    rows = []
    for i, item in enumerate(ITEMS):
        q = QUESTION[item]
        for coder in ("ann", "bob"):
            if q == "Q1":
                codes = ["cost"] if i % 3 else ["time", "staff"]
                if coder == "bob" and i in (2, 5):
                    codes = ["time"]
                rows += [[item, coder, "topic", c, q] for c in codes]
            tone = "positive" if i % 2 else "negative"
            if coder == "bob" and i == 7:
                tone = "positive"
            rows.append([item, coder, "tone", tone, q])
    return rows


def write(path: Path, rows: list[list[str]], header: list[str] = COLUMNS, sep: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=sep, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(CODEBOOK), encoding="utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def agreement(path: Path, *more: str) -> Result:
    return run("agreement", "--input", str(path), "--n-boot", "0", "--format", "csv", *more)


# A bad file: one problem of each kind, plus a stray coder; all must be listed at once.
BAD = [
    ["r01", "ann", "topic", "Cots", "Q1"],  # row 2: a typo of Cost
    ["r02", "ann", "topic", "positive", "Q1"],  # row 3: a code of frame tone
    ["r04", "ann", "topic", "cost", "Q2"],  # row 4: topic is not a frame of Q2
    ["r05", "ann", "topic", "", "Q1"],  # row 5: empty beside the code on row 6
    ["r05", "ann", "topic", "time", "Q1"],
    ["r06", "ann", "tone", "positive", "Q1"],  # row 7, 8: two codes, exclusive frame
    ["r06", "ann", "tone", "negative", "Q1"],
    ["r07", "carol", "tone", "positive", "Q1"],  # row 9: a stray coder
]
BAD_PROBLEMS = {(2, "code"), (3, "frame"), (4, "frame"), (5, "code"), (8, "code"), (9, "coder")}


def bad_file(tmp_path: Path, header: list[str] = COLUMNS) -> Path:
    rows = [r for r in good_rows() if not (r[1] == "ann" and r[0] in {"r05", "r06"})]
    return write(tmp_path / "bad.csv", BAD + rows, header)


def problems_in(message: str) -> dict[tuple[int, str], str]:
    """(row, column) -> the line of each problem in an error message."""
    found = {}
    for line in message.splitlines():
        m = re.search(r"bad\.csv, row (\d+), column '(\w+)': found (.*)", line)
        if m:
            found[(int(m.group(1)), m.group(2))] = line
    return found


def test_a_bad_file_lists_every_problem_at_once(tmp_path: Path, book: Path) -> None:
    result = agreement(bad_file(tmp_path), "--codebook", str(book))
    assert result.exit_code == 2, result.output
    assert "nothing was stored" not in result.output  # a read-only run stores nothing anyway
    assert "problems in the codings file" in result.output
    problems = problems_in(result.output)
    assert set(problems) == BAD_PROBLEMS
    assert all(" Fix: " in line for line in problems.values())
    assert "(did you mean 'Cost'?)" in problems[(2, "code")]
    assert "of frame 'tone' under frame 'topic'" in problems[(3, "frame")]
    assert "question 'Q2'" in problems[(4, "frame")]
    assert "an empty code for 'r05' by 'ann' in frame 'topic'" in problems[(5, "code")]
    assert "row 6" in problems[(5, "code")]
    assert "frame 'tone' is exclusive" in problems[(8, "code")]
    stray = problems[(9, "coder")]
    assert "'carol' on only 1 item(s)" in stray and "Fleiss" in stray
    assert "--coders ann,bob,carol" in stray


def test_the_problems_file_holds_them_all(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "problems.csv"
    result = agreement(bad_file(tmp_path), "--codebook", str(book), "--problems", str(out))
    assert result.exit_code == 2
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {(int(r["row"]), r["column"]) for r in rows} == BAD_PROBLEMS
    assert all(r["file"].endswith("bad.csv") and r["fix"] for r in rows)


def test_expected_coders_catch_a_misspelt_coder(tmp_path: Path) -> None:
    rows = [*good_rows(), ["r03", "bbo", "tone", "positive", "Q1"]]
    path = write(tmp_path / "bad.csv", rows)
    result = agreement(path, "--coders", "ann,bob")
    assert result.exit_code == 2
    line = problems_in(result.output)[(len(rows) + 1, "coder")]
    assert "'bbo'" in line and "did you mean 'bob'?" in line
    missing = agreement(write(tmp_path / "ok.csv", good_rows()), "--coders", "ann,bobby")
    assert missing.exit_code == 2
    assert "no rows of the coder 'bobby'" in missing.output and "did you mean 'bob'?" in (
        missing.output
    )


def test_importing_a_bad_file_stores_nothing(tmp_path: Path, book: Path) -> None:
    project = init_project(tmp_path / "p", book)
    ideas = [{"idea_id": i, "question": QUESTION[i], "text": "t", "author_id": "a"} for i in ITEMS]
    with project:
        ingest(project, ideas=write_csv(tmp_path / "ideas.csv", ideas))  # type: ignore[arg-type]
        before = list(project.conn.iterdump())
    path = bad_file(tmp_path, ["idea_id", *COLUMNS[1:]])  # the import's own name for the column
    result = run("codings", "import", str(tmp_path / "p"), str(path))
    assert result.exit_code == 2, result.output
    assert "nothing was stored" in result.output
    # The question column is not needed: the project knows each idea's question.
    assert set(problems_in(result.output)) == BAD_PROBLEMS
    with open_project(tmp_path / "p") as project:
        assert list(project.conn.iterdump()) == before
    good = write(tmp_path / "good.csv", good_rows())  # item_id, as agreement --input reads it
    imported = run("codings", "import", str(tmp_path / "p"), str(good))
    assert imported.exit_code == 0, imported.output
    same = run("agreement", str(tmp_path / "p"), "--n-boot", "0", "--format", "csv")
    from_file = agreement(good, "--codebook", str(book))
    assert same.stdout == from_file.stdout


def test_import_checks_the_coders_named(tmp_path: Path, book: Path) -> None:
    project = init_project(tmp_path / "p", book)
    ideas = [{"idea_id": i, "question": QUESTION[i], "text": "t", "author_id": "a"} for i in ITEMS]
    with project:
        ingest(project, ideas=write_csv(tmp_path / "ideas.csv", ideas))  # type: ignore[arg-type]
    good = write(tmp_path / "good.csv", good_rows())
    result = run("codings", "import", str(tmp_path / "p"), str(good), "--coders", "ann")
    assert result.exit_code == 2
    assert "'bob'" in result.output and "one of the coders named: ann" in result.output


def test_both_item_columns_is_an_error(tmp_path: Path) -> None:
    rows = [[r[0], *r] for r in good_rows()]
    result = agreement(write(tmp_path / "both.csv", rows, ["idea_id", *COLUMNS]))
    assert result.exit_code == 2
    assert "both 'item_id' and 'idea_id'" in result.output


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolons_and_tabs_are_detected(tmp_path: Path, sep: str) -> None:
    comma = agreement(write(tmp_path / "comma.csv", good_rows()))
    other = agreement(write(tmp_path / "other.csv", good_rows(), sep=sep))
    assert other.exit_code == 0, other.output
    assert other.stdout == comma.stdout


def test_a_missing_column_names_the_columns_read(tmp_path: Path) -> None:
    header = ["item", "coder", "frame", "code", "question"]
    result = agreement(write(tmp_path / "cols.csv", good_rows(), header))
    assert result.exit_code == 2
    assert "no column item_id (or idea_id); the file has the columns 'item', 'coder'" in (
        result.output
    )


def test_a_workbook_sheet_is_picked_and_a_wrong_one_said(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["note"])
    notes.append(["read me first"])
    data = book.create_sheet("Codings")
    data.append(COLUMNS)
    for row in good_rows():
        data.append(row)
    path = tmp_path / "codings.xlsx"
    book.save(path)
    first = agreement(path)
    assert first.exit_code == 2
    assert "sheet 'Notes' was read and has the columns 'note'" in first.output
    assert "the other sheets are 'Codings'" in first.output and "--sheet NAME" in first.output
    picked = agreement(path, "--sheet", "Codings")
    assert picked.exit_code == 0, picked.output
    assert picked.stdout == agreement(write(tmp_path / "c.csv", good_rows())).stdout
    wrong = agreement(path, "--sheet", "Data")
    assert wrong.exit_code == 2 and "no sheet 'Data'" in wrong.output
    assert "'Notes', 'Codings'" in wrong.output
    csv_sheet = agreement(write(tmp_path / "c.csv", good_rows()), "--sheet", "Codings")
    assert csv_sheet.exit_code == 2 and "only for an .xlsx workbook" in csv_sheet.output


def test_without_a_codebook_the_run_says_what_it_found_first(tmp_path: Path) -> None:
    rows = good_rows()
    rows += [
        rows[0],
        ["r03", "carol", "tone", "positive", "Q1"],
        ["r09", "ann", "topic", "coost", "Q1"],
    ]
    path = write(tmp_path / "found.csv", rows)
    result = run("agreement", "--input", str(path), "--n-boot", "0", "--coders", "ann,bob")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("What the codings file holds")
    assert text.index("What the codings file holds") < text.index("Headline")
    found = " ".join(text[: text.index("Headline")].split())  # cells wrap at 40 characters
    assert re.search(r"coder ann 25 rows; 12 items", found)
    assert re.search(r"coder bob 24 rows; 12 items", found)
    assert "frame topic" in found and "frame tone" in found and "Cost" not in found
    assert "dropped: repeated rows" in found
    assert "dropped: rows of 'carol', not among the 1 rows 51 coders named" in found
    assert "'coost'" in found  # a code used once beside a common one: a typo?
    assert "a typo of 'cost'" in found
    # CSV and JSON keep stdout for the table; what was found goes to stderr.
    quiet = agreement(path, "--coders", "ann,bob")
    assert quiet.stdout.startswith("table,frame,code")
    assert "What the codings file holds" in quiet.stderr


def test_a_model_named_but_absent_is_an_error(tmp_path: Path) -> None:
    result = agreement(write(tmp_path / "ok.csv", good_rows()), "--model", "gpt")
    assert result.exit_code == 2
    assert "no rows of the coder 'gpt' (coders in the file: ann, bob)" in result.output
