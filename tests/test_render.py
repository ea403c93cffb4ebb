"""The one renderer: each format once, hostile cells included, and every table command in
every format (--format and --out the same everywhere)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from coder.cli import common
from coder.cli.main import main
from coder.errors import OutputError
from coder.tables.render import FORMATS, format_for, render, to_text
from tests.conftest import write_csv

HOSTILE = '=HYPERLINK("http://evil.example","click")'
SCRIPT = "<script>alert(1)</script>"
SUFFIX = {"table": "txt", "markdown": "md", "csv": "csv", "json": "json", "html": "html",
          "xlsx": "xlsx"}  # fmt: skip


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"name": [HOSTILE, SCRIPT], "n": [1, 22], "score": [0.12345, 1.5]})


def test_csv(frame: pd.DataFrame, tmp_path: Path) -> None:
    render(frame, "csv", tmp_path / "t.csv")
    rows = list(csv.reader((tmp_path / "t.csv").open(encoding="utf-8", newline="")))
    assert rows == [["name", "n", "score"], ["'" + HOSTILE, "1", "0.12345"], [SCRIPT, "22", "1.5"]]


def test_json(frame: pd.DataFrame) -> None:
    records = json.loads(to_text(frame, "json"))
    assert records[0] == {"name": "'" + HOSTILE, "n": 1, "score": 0.12345}
    fields = pd.DataFrame({"what": ["next step", "model"], "value": [HOSTILE, None]})
    assert json.loads(to_text(fields, "json", layout="fields")) == {
        "next step": "'" + HOSTILE,
        "model": None,
    }


def test_markdown(frame: pd.DataFrame) -> None:
    text = to_text(frame, "markdown", title="Hostile")
    assert text.startswith("### Hostile\n\n| name | n | score |\n|---|---|---|\n")
    assert '| \'=HYPERLINK("http://evil.example","click") | 1 | 0.1235 |' in text
    assert "| =" not in text


def test_table(frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    render(frame, "table", title="Hostile", stream=buffer)
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "Hostile"
    assert lines[1].split() == ["name", "n", "score"]
    assert lines[2].startswith("'=HYPERLINK(") and lines[2].endswith(" 1  0.1235")
    assert lines[3].endswith("22    1.50")  # numbers to the right
    fields = pd.DataFrame({"what": ["codable ideas", "  coded by ann"], "value": [3, 2]})
    assert to_text(fields, "table", layout="fields") == "codable ideas   3\n  coded by ann  2\n"


def test_html(frame: pd.DataFrame) -> None:
    page = to_text(frame, "html", title=f"Title {SCRIPT}")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<td>&#x27;=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)</td>" in page
    assert "<title>Title &lt;script&gt;" in page and " on" not in page.split("<body>")[1]


def test_xlsx(frame: pd.DataFrame, tmp_path: Path) -> None:
    render(frame, "xlsx", tmp_path / "t.xlsx", title="Hostile")
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None and sheet.title == "Hostile"
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert cells[:4] == ["Hostile", "name", "n", "score"]
    assert "'" + HOSTILE in cells and 22 in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)


def test_xlsx_needs_a_file(frame: pd.DataFrame) -> None:
    with pytest.raises(OutputError, match=r"--out FILE\.xlsx"):
        render(frame, "xlsx")


def test_a_missing_folder_or_a_refused_write_says_how_to_fix(
    frame: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(OutputError, match=r"folder .*nowhere does not exist.*mkdir -p"):
        render(frame, "csv", tmp_path / "nowhere" / "t.csv")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is not a folder"):
        render(frame, "xlsx", tmp_path / "file" / "t.xlsx")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", refuse)
    with pytest.raises(OutputError, match=r"Permission denied.*check the permissions"):
        render(frame, "csv", tmp_path / "t.csv")


def test_the_format_follows_the_file_unless_given() -> None:
    assert format_for(None, Path("a.XLSX"), "markdown") == "xlsx"
    assert format_for(None, Path("a.dat"), "markdown") == "markdown"
    assert format_for(None, None, "table") == "table"
    assert format_for("csv", Path("a.xlsx"), "table") == "csv"
    assert common.FORMATS == FORMATS  # the CLI's choices, kept without importing the library


# Every table command, every format --------------------------------------------------------

TABLE_COMMANDS: dict[tuple[str, ...], list[str]] = {
    ("crosstab",): ["--coder", "ann"],
    ("balance",): [],
    ("profile",): [],
    ("agreement",): ["--n-boot", "0"],
    ("status",): [],
    ("history",): ["i1"],
    ("codings", "list"): [],
    ("codings", "show"): ["i1"],
    ("sample",): ["--n", "1"],
    ("studio", "status"): [],
}
DOCUMENTS = {("codebook", "manual")}  # a document in Markdown or HTML, not a table
# Table commands that ask a live Label Studio; tests/test_studio.py runs them against one.
LIVE_TABLE_COMMANDS = {("studio", "coders")}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out.update(_commands(cmd, (*prefix, name)))
        else:
            out[(*prefix, name)] = cmd
    return out


def test_every_command_with_a_format_is_a_table_command_with_every_format() -> None:
    with_format = {}
    for path, cmd in _commands(main).items():
        for param in cmd.params:
            if param.name == "fmt":
                with_format[path] = param
    assert set(with_format) - DOCUMENTS == set(TABLE_COMMANDS) | LIVE_TABLE_COMMANDS
    for path in [*TABLE_COMMANDS, *LIVE_TABLE_COMMANDS]:
        assert list(with_format[path].type.choices) == list(FORMATS), path  # type: ignore[attr-defined]
        assert any(p.name == "out" for p in _commands(main)[path].params), path


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("render")
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp / "p")]).exit_code == 0
    people = [{"participant_id": "u1", "Role": HOSTILE},
              {"participant_id": "u2", "Role": SCRIPT}]  # fmt: skip
    ideas = [{"idea_id": i, "question": "II", "text": f"idea {i}", "author_id": "u1"}
             for i in ("i1", "i2", HOSTILE)]  # fmt: skip
    votes = [{"voter_id": "u2", "target_id": "i1", "value": "+1"}]
    codes = [{"idea_id": i, "coder": c, "frame": f, "code": code}
             for i, c, f, code in [("i1", "ann", "literacy", "Learning"),
                                   ("i1", "ann", "readiness", "Skills"),
                                   ("i1", "bob", "literacy", "Learning"),
                                   ("i2", "ann", "literacy", "Learning"),
                                   ("i2", "bob", "literacy", "Innovation")]]  # fmt: skip
    result = runner.invoke(main, ["ingest", str(tmp / "p"),
                                  "--participants", str(write_csv(tmp / "pe.csv", people)),
                                  "--ideas", str(write_csv(tmp / "ideas.csv", ideas)),
                                  "--votes", str(write_csv(tmp / "votes.csv", votes))])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main, ["codings", "import", str(tmp / "p"), str(write_csv(tmp / "codes.csv", codes))]
    )
    assert result.exit_code == 0, result.output
    return tmp / "p"


def _args(command: tuple[str, ...], project_dir: Path) -> list[str]:
    return [*command, str(project_dir), *TABLE_COMMANDS[command]]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", list(TABLE_COMMANDS), ids=" ".join)
def test_every_table_command_writes_every_format(
    command: tuple[str, ...], fmt: str, project_dir: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = tmp_path / f"table.{SUFFIX[fmt]}"
    result = runner.invoke(main, [*_args(command, project_dir), "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    if fmt == "xlsx":
        cells = [
            c
            for sheet in load_workbook(out).worksheets
            for row in sheet.iter_rows(values_only=True)
            for c in row
        ]
        assert not any(isinstance(c, str) and c.startswith("=") for c in cells)
        return
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        json.loads(text)
    elif fmt == "html":
        assert "<table>" in text and "<script" not in text.lower()
    assert HOSTILE not in text.replace("'" + HOSTILE, "")  # only ever neutralised
    shown = runner.invoke(main, [*_args(command, project_dir), "--format", fmt])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == text  # the same text on the terminal as in the file


@pytest.mark.parametrize("command", list(TABLE_COMMANDS), ids=" ".join)
def test_the_out_file_extension_picks_the_format(
    command: tuple[str, ...], project_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "table.xlsx"
    result = CliRunner().invoke(main, [*_args(command, project_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).worksheets
    no_file = CliRunner().invoke(main, [*_args(command, project_dir), "--format", "xlsx"])
    assert no_file.exit_code == 1 and "--out FILE.xlsx" in no_file.output
    assert "Traceback" not in no_file.output


def test_sample_out_is_formula_protected(project_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "next.csv"
    result = CliRunner().invoke(main, ["sample", str(project_dir), "--n", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["idea_id", "question", "strategy", "score"]
    assert rows[0]["idea_id"] == "'" + HOSTILE and rows[0]["strategy"] == "stratified"
