"""``coder codebook``: check a codebook, and move a project to a changed one.

A thin adapter over :mod:`coder.data.codebook` and :mod:`coder.data.migrate`; registered by
:mod:`coder.cli.main`.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors, in_file, problems_option, project_dir
from coder.cli.manual import manual


@click.group()
def codebook() -> None:
    """Check and show codebooks."""


@codebook.command("check")
@click.argument("file", type=in_file, required=False)
@problems_option
@errors
def codebook_check(file: Path | None) -> None:
    """Validate a codebook YAML file (default: the report's) and print its version hash."""
    from coder.data.codebook import load_codebook

    cb = load_codebook(file)
    codes = sum(len(f.codes) for f in cb.frames)
    click.echo(
        f"{cb.id}: {len(cb.questions)} questions, {len(cb.frames)} frames, {codes} codes; "
        f"version {cb.hash}"
    )


@codebook.command("migrate")
@project_dir
@click.argument("new_codebook", type=in_file)
@click.option("--rename", "renames", multiple=True, help="FRAME:OLD=NEW (repeatable).")
@click.option("--merge", "merges", multiple=True, help="FRAME:A+B=C (repeatable).")
@click.option(
    "--split",
    "splits",
    multiple=True,
    help="FRAME:OLD=X+Y (repeatable): OLD is removed and its ideas listed to recode.",
)
@problems_option
@errors
def codebook_migrate(
    project_dir: Path,
    new_codebook: Path,
    renames: tuple[str, ...],
    merges: tuple[str, ...],
    splits: tuple[str, ...],
) -> None:
    """Move a project to a changed codebook, carrying stored codes across (with audit)."""
    from coder.data.migrate import migrate_codebook
    from coder.data.store import open_project

    with open_project(project_dir) as project:
        report = migrate_codebook(project, new_codebook, renames, merges, splits)
    click.echo(
        f"Codebook is now version {report.codebook_hash}; {report.changed} codings "
        "rewritten. Models trained on the old codebook are refused from now on."
    )
    if report.to_recode:
        click.echo(f"{len(report.to_recode)} codings lost a split code and need recoding:")
        for idea, coder, code in report.to_recode:
            click.echo(f"  {idea}\t{coder}\t{code}")


codebook.add_command(manual)

COMMANDS: list[click.Command] = [codebook]
