"""The bundled example workshop and the demo that runs the main job on it.

The example is synthetic (see ``coder/data/example/README.md``): its crosstabs reproduce the
tables of the 2017 report "Building a digital ready workforce".
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from coder import export
from coder.codings import read_codings, store_codings
from coder.contributions import ingest, move_ideas, read_moves
from coder.crosstab import QUESTIONNAIRE_FILE, balance, crosstabs, profile
from coder.errors import ProjectError
from coder.store import DB_NAME, init_project

GOLD = "gold"


def example_dir() -> Path:
    """The folder of the bundled example's files."""
    return Path(str(resources.files("coder") / "data" / "example"))


def example_file(name: str) -> Path:
    return example_dir() / name


@dataclass
class DemoResult:
    project: Path
    files: list[Path] = field(default_factory=list)


def run_demo(out: str | Path, echo: Callable[[str], None] = print) -> DemoResult:
    """Init a project under ``out/project``, ingest the example, apply the gold coding and
    write ``crosstabs.csv``, ``balance.csv``, ``profile.csv`` and ``crosstabs.xlsx`` to ``out``.

    A project left in ``out/project`` by an earlier demo is replaced.
    """
    out = Path(out)
    project_dir = out / "project"
    if project_dir.exists():
        if not (project_dir / DB_NAME).exists():
            raise ProjectError(
                f"{project_dir} exists and is not a coder project; choose another --out"
            )
        shutil.rmtree(project_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = DemoResult(project_dir)
    with init_project(project_dir) as project:
        echo(f"Created project {project_dir}")
        shutil.copyfile(example_file(QUESTIONNAIRE_FILE), project_dir / QUESTIONNAIRE_FILE)
        report = ingest(
            project,
            participants=example_file("participants.csv"),
            ideas=example_file("ideas.csv"),
            comments=example_file("comments.csv"),
            votes=example_file("votes.csv"),
        )
        echo("Ingested " + ", ".join(f"{c.inserted} {k}" for k, c in report.counts.items()))
        moved = move_ideas(project, read_moves(example_file("moves.csv")))
        echo(f"Moved {moved} ideas to the question the analysts coded them under")
        gold = read_codings(project, example_file("gold_coding.csv"))
        store_codings(project, gold, kind="reference")
        coders = read_codings(project, example_file("coder_codings.csv"))
        store_codings(project, coders, kind="human")
        echo(
            f"Applied the gold coding ({len(gold)} ideas) and the two coders' sample "
            f"({len(coders)} codings)"
        )
        tables = crosstabs(project, GOLD)
        bal = balance(project)
        prof = profile(project)
        paths = {
            name: out / name
            for name in ("crosstabs.csv", "balance.csv", "profile.csv", "crosstabs.xlsx")
        }
        export.write_csv(tables.table, paths["crosstabs.csv"])
        export.write_csv(bal, paths["balance.csv"])
        export.write_csv(prof, paths["profile.csv"])
        export.write_xlsx(
            project, paths["crosstabs.xlsx"], tables=tables, balance=bal, profile=prof
        )
        result.files = list(paths.values())
    return result
