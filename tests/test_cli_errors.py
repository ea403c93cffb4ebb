"""Errors end in a message that says how to fix them, never in a traceback: unknown codebook
ids, missing or unwritable output paths, unreadable inputs, and long problem lists."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from coder.cli.common import errors
from coder.cli.main import main
from coder.data.codebook import load_codebook
from coder.errors import NotFoundError, UnknownIdError
from tests.conftest import write_csv


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "p")]).exit_code == 0
    ideas = [{"idea_id": i, "question": "II", "text": "x", "author_id": "u1"}
             for i in ("i1", "i2")]  # fmt: skip
    pairs = [("i1", "ann", "Learning"), ("i1", "bob", "Learning"), ("i2", "ann", "Learning"),
             ("i2", "bob", "Innovation")]  # fmt: skip
    codes = [{"idea_id": i, "coder": c, "frame": "literacy", "code": code} for i, c, code in pairs]
    for args in (["ingest", str(tmp_path / "p"), "--ideas",
                  str(write_csv(tmp_path / "ideas.csv", ideas))],
                 ["codings", "import", str(tmp_path / "p"),
                  str(write_csv(tmp_path / "codes.csv", codes))]):  # fmt: skip
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    return tmp_path / "p"


def test_codebook_lookups_name_the_known_ids_and_the_fix() -> None:
    cb = load_codebook()
    with pytest.raises(UnknownIdError) as info:
        cb.frame("literacyy")
    message = str(info.value)
    assert message.startswith("no frame 'literacyy' in codebook")
    assert "did you mean 'literacy'?" in message and "vision, literacy, readiness" in message
    assert "coder codebook migrate" in message
    assert isinstance(info.value, NotFoundError) and isinstance(info.value, KeyError)
    with pytest.raises(UnknownIdError, match="no code 'learnin' in frame 'literacy'; did you"):
        cb.frame("literacy").code("learnin")
    with pytest.raises(UnknownIdError, match=r"no question 'V' in codebook .*known: I, II"):
        cb.question("V")


def test_a_code_the_codebook_lost_is_a_clean_error_on_the_command_line(
    project_dir: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    assert "1 queued" in runner.invoke(main, ["reconcile", str(project_dir)]).output
    # The project's codebook edited by hand: the code bob gave i2 is gone.
    path = project_dir / "codebook.yaml"
    cb = load_codebook(path)
    frames = tuple(
        dataclasses.replace(f, codes=tuple(c for c in f.codes if c.id != "innovation"))
        for f in cb.frames
    )
    path.write_text(dataclasses.replace(cb, frames=frames).to_yaml(), encoding="utf-8")
    result = runner.invoke(main, ["adjudicate", str(project_dir), "--export",
                                  str(tmp_path / "queue.xlsx")])  # fmt: skip
    assert result.exit_code == 1
    assert "Error: no code 'innovation' in frame 'literacy'" in result.output
    assert "coder codebook migrate" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["balance", "{p}", "--format", "csv", "--out", "{tmp}/nowhere/balance.csv"],
        ["crosstab", "{p}", "--coder", "ann", "--out", "{tmp}/nowhere/crosstabs.xlsx"],
        ["agreement", "{p}", "--n-boot", "0", "--disagreements", "{tmp}/nowhere/d.csv"],
        ["adjudicate", "{p}", "--export", "{tmp}/nowhere/queue.xlsx"],
        ["ingest", "{p}", "--ideas", "{tmp}/ideas.csv", "--problems", "{tmp}/nowhere/p.csv"],
    ],
    ids=lambda args: args[0],
)
def test_a_missing_out_folder_says_so(project_dir: Path, tmp_path: Path, args: list[str]) -> None:
    runner = CliRunner()
    if args[0] == "adjudicate":
        runner.invoke(main, ["reconcile", str(project_dir)])
    if args[0] == "ingest":  # a file with a problem, so that --problems is written
        row = {"idea_id": "i9", "question": "IX", "text": "x", "author_id": "u1"}
        write_csv(tmp_path / "ideas.csv", [row])
    argv = [a.format(p=project_dir, tmp=tmp_path) for a in args]
    result = runner.invoke(main, argv)
    assert result.exit_code in (1, 2), result.output
    assert str(tmp_path / "nowhere") in result.output, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, OSError)


def test_a_refused_write_is_a_clean_error(
    project_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", refuse)
    out = tmp_path / "balance.csv"
    result = CliRunner().invoke(main, ["balance", str(project_dir), "--out", str(out)])
    assert result.exit_code == 1
    assert f"cannot write {out} (Permission denied); check the permissions" in result.output


def _codes_file(tmp_path: Path) -> Path:
    row = {"idea_id": "i1", "coder": "cy", "frame": "literacy", "code": "Learning"}
    return write_csv(tmp_path / "more.csv", [row])


def test_an_unreadable_input_file_is_a_clean_error(
    project_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = _codes_file(tmp_path)
    real = Path.open

    def locked(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == codes:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", locked)
    result = CliRunner().invoke(main, ["codings", "import", str(project_dir), str(codes)])
    assert result.exit_code == 2
    assert str(codes) in result.output and "Permission denied" in result.output
    assert "Traceback" not in result.output


def test_any_file_error_names_the_path_and_the_fix() -> None:
    @click.command()
    @errors
    def broken() -> None:
        """A command that meets a file it may not read."""
        raise PermissionError(13, "Permission denied", "/data/export.csv")

    result = CliRunner().invoke(broken, [])
    assert result.exit_code == 1
    assert result.output == (
        "Error: /data/export.csv: Permission denied. Fix: check the permissions of the file and "
        "its folder, or choose another path\n"
    )


def test_problems_writes_every_problem_past_the_first_200(
    project_dir: Path, tmp_path: Path
) -> None:
    rows = [{"idea_id": f"x{k}", "question": "IX", "text": "t", "author_id": "u1"}
            for k in range(250)]  # fmt: skip
    ideas = str(write_csv(tmp_path / "bad.csv", rows))
    runner = CliRunner()
    short = runner.invoke(main, ["ingest", str(project_dir), "--ideas", ideas])
    assert short.exit_code == 2
    assert "... and 50 more; rerun with --problems FILE.csv" in short.output
    problems = tmp_path / "problems.csv"
    full = runner.invoke(main, ["ingest", str(project_dir), "--ideas", ideas,
                                "--problems", str(problems)])  # fmt: skip
    assert full.exit_code == 2
    assert f"... and 50 more; all 250 are in {problems}" in full.output
    table = list(csv.DictReader(problems.open(encoding="utf-8")))
    assert len(table) == 250
    assert list(table[0]) == ["file", "row", "column", "found", "expected", "fix"]
    assert table[-1]["row"] == "251" and table[-1]["column"] == "question"
    assert table[-1]["found"] == "the question 'IX'"
    codebook = tmp_path / "codebook.yaml"
    codebook.write_text("id: x\nquestions: []\n", encoding="utf-8")
    few = runner.invoke(main, ["codebook", "check", str(codebook), "--problems", str(problems)])
    assert few.exit_code == 2 and f"The problems are also in {problems}" in few.output
    assert len(list(csv.DictReader(problems.open(encoding="utf-8")))) >= 1
