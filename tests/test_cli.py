"""The command line: help everywhere, clean errors, every output format, safe exports."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from coder.cli.main import main
from coder.tables.render import neutralise
from tests.conftest import write_csv


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*prefix, name))
    return out


@pytest.mark.parametrize("path", _commands(main))
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    cmd: click.Command = main
    for name in path:
        assert isinstance(cmd, click.Group)
        cmd = cmd.commands[name]
    assert cmd.help and len(cmd.help.strip()) > 20, f"{' '.join(path)} lacks a description"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "p")]).exit_code == 0
    people = [{"participant_id": "u1", "Role": "=cmd|' /C calc'!A0"},
              {"participant_id": "u2", "Role": "Nurse"}]  # fmt: skip
    ideas = [{"idea_id": "i1", "question": "II", "text": "=1+1 more training", "author_id": "u1"}]
    votes = [{"voter_id": "u2", "target_id": "i1", "value": "+1"}]
    codes = [{"idea_id": "i1", "coder": "ann", "frame": "literacy", "code": "Learning"},
             {"idea_id": "i1", "coder": "ann", "frame": "readiness", "code": "Skills"}]  # fmt: skip
    args = ["ingest", str(tmp_path / "p"),
            "--participants", str(write_csv(tmp_path / "people.csv", people)),
            "--ideas", str(write_csv(tmp_path / "ideas.csv", ideas)),
            "--votes", str(write_csv(tmp_path / "votes.csv", votes))]  # fmt: skip
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "ideas: 1 new, 0 updated, 0 unchanged" in result.output
    result = runner.invoke(main, ["codings", "import", str(tmp_path / "p"),
                                  str(write_csv(tmp_path / "codes.csv", codes))])  # fmt: skip
    assert result.exit_code == 0, result.output
    return tmp_path / "p"


def test_crosstab_formats(small: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    md = runner.invoke(main, ["crosstab", str(small), "--coder", "ann"])
    assert md.exit_code == 0
    assert "| Learning |  |  | 1 |  | 1 |" in md.output
    csv_out = runner.invoke(main, ["crosstab", str(small), "--coder", "ann", "--format", "csv"])
    assert csv_out.output.splitlines()[0] == (
        "question,row_frame,row,column_frame,column,ideas,net_votes"
    )
    records = json.loads(runner.invoke(main, ["crosstab", str(small), "--coder", "ann",
                                              "--format", "json"]).output)  # fmt: skip
    learning = [
        r for r in records if (r["question"], r["row"], r["column"]) == ("II", "Learning", "Skills")
    ]
    assert learning == [{"question": "II", "row_frame": "Digital literacy domains",
                         "row": "Learning", "column_frame": "Digital readiness dimensions",
                         "column": "Skills", "ideas": 1, "net_votes": 1}]  # fmt: skip
    out = tmp_path / "t.xlsx"
    result = runner.invoke(main, ["crosstab", str(small), "--coder", "ann", "--format", "xlsx",
                                  "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0 and out.exists()
    no_out = runner.invoke(main, ["crosstab", str(small), "--coder", "ann", "--format", "xlsx"])
    assert no_out.exit_code != 0 and "--out" in no_out.output


def test_crosstab_without_final_codes_says_what_to_do(small: Path) -> None:
    result = CliRunner().invoke(main, ["crosstab", str(small)])
    assert result.exit_code == 1
    assert "pass --coder" in result.output and "ann" in result.output
    assert "Traceback" not in result.output


def test_exports_neutralise_formulas(small: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    csv_text = runner.invoke(main, ["profile", str(small), "--format", "csv"]).output
    assert "'=cmd|' /C calc'!A0" in csv_text
    assert "\n=cmd" not in csv_text and ",=cmd" not in csv_text
    md = runner.invoke(main, ["profile", str(small)]).output
    assert "'=cmd" in md
    js = json.loads(runner.invoke(main, ["profile", str(small), "--format", "json"]).output)
    assert "'=cmd|' /C calc'!A0" in {r["answer"] for r in js}
    out = tmp_path / "p.xlsx"
    assert runner.invoke(main, ["profile", str(small), "--format", "xlsx", "--out",
                                str(out)]).exit_code == 0  # fmt: skip
    from openpyxl import load_workbook

    cells = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)
    # The stored text itself is kept exactly as written.
    from coder.data.store import open_project

    with open_project(small) as project:
        assert project.conn.execute("SELECT text FROM ideas").fetchone()[0] == "=1+1 more training"


@pytest.mark.parametrize("value", ["=SUM(A1)", "+44 7700", "-2", "@SUM(1)", "\tx", "\rx"])
def test_neutralise_prefixes_formula_starts(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise(-2) == -2
    assert neutralise("Nurse") == "Nurse"


def test_balance_and_profile_commands(small: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "b.csv"
    assert runner.invoke(main, ["balance", str(small), "--format", "csv", "--out",
                                str(out)]).exit_code == 0  # fmt: skip
    df = pd.read_csv(out).set_index("question")
    assert df.loc["II", "contributions"] == 2 and df.loc["Total", "percent"] == 100.0
    sup = runner.invoke(main, ["profile", str(small), "--suppress-below", "2", "--format", "csv"])
    rows = sup.output.splitlines()
    nurse = next(r for r in rows if ",Nurse," in r)
    assert nurse.split(",")[2] == ""  # 1 participant: blanked


def test_move_and_codebook_commands(small: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["move", str(small), "i1", "--to", "III", "--reason", "fits"])
    assert result.exit_code == 0 and "1 ideas moved" in result.output
    bad = runner.invoke(main, ["move", str(small), "i1", "--to", "IX"])
    assert bad.exit_code == 2 and "'IX'" in bad.output
    assert runner.invoke(main, ["move", str(small)]).exit_code != 0
    check = runner.invoke(main, ["codebook", "check"])
    assert check.exit_code == 0 and "3 frames, 16 codes" in check.output
    listing = runner.invoke(main, ["codings", "list", str(small)])
    assert listing.output.splitlines()[1:] == ["coder  kind   ideas", "ann    human      1"]
    listing = runner.invoke(main, ["codings", "list", str(small), "--format", "csv"])
    assert listing.output == "coder,kind,ideas\nann,human,1\n"


def test_commands_on_a_missing_project_fail_cleanly(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["balance", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "not a coder project" in result.output and "coder init" in result.output
