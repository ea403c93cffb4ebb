"""The README's commands work as written (run in-process, in a scratch folder)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("coder ")]


def test_readme_has_the_two_fresh_machine_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first, second = re.findall(r"```bash\n(.*?)```", text, flags=re.S)[:2]
    assert first.strip() == "bash scripts/setup.sh && .venv/bin/coder demo --out demo"
    assert second.strip() == "bash scripts/test.sh"
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_readme_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "coder").mkdir()
    (tmp_path / "coder" / "data").symlink_to(ROOT / "coder" / "data")
    monkeypatch.chdir(tmp_path)
    commands = readme_commands()
    assert len(commands) >= 10
    runner = CliRunner()
    for args in commands:
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
    assert (tmp_path / "myproject" / "crosstabs.xlsx").exists()
    assert "4162" in (tmp_path / "myproject" / "balance.csv").read_text()
