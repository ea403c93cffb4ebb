"""``coder codings``: import and list codings (a thin adapter over :mod:`coder.data.codings`).

Registered by :mod:`coder.cli.main`.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors, in_file, problems_option, project_dir, show, table_output
from coder.cli.qdpx import coder_option, import_qdpx_file, is_qdpx, user_option


@click.group()
def codings() -> None:
    """Import and list codings (sets of codes per idea and coder)."""


@codings.command("import")
@project_dir
@click.argument("file", type=in_file)
@click.option(
    "--kind",
    type=click.Choice(["human", "reference", "final"]),
    default="human",
    show_default=True,
    help="What the coders in the file are.",
)
@click.option("--sheet", help="The sheet of a workbook to read (default: the first).")
@click.option(
    "--coders",
    "expected",
    help="Comma-separated coders the file must hold; any other coder in it is an error.",
)
@coder_option
@user_option
@problems_option
@errors
def codings_import(
    project_dir: Path,
    file: Path,
    kind: str,
    sheet: str | None,
    expected: str | None,
    coder: str | None,
    user: str | None,
) -> None:
    """Import a codings file: item_id (or idea_id), coder, frame, code[, reason], the file
    `coder agreement --input` reads (see docs/agreement.md); or the codings of a REFI-QDA
    project (.qdpx) coded in another program (see docs/refi-qda.md). Every problem is listed
    at once and nothing is stored until there are none."""
    from coder.data.codings import read_codings, store_codings
    from coder.data.store import open_project

    if is_qdpx(file):
        if sheet is not None or expected is not None:
            raise click.UsageError("--sheet and --coders are for a codings table, not a .qdpx")
        import_qdpx_file(project_dir, file, coder, user, kind)
        return
    if coder is not None or user is not None:
        raise click.UsageError("--coder and --user are for a REFI-QDA file (.qdpx)")

    coders = [c.strip() for c in expected.split(",") if c.strip()] if expected else None
    with open_project(project_dir) as project:
        data = read_codings(project, file, sheet=sheet, coders=coders)
        n = store_codings(project, data, kind=kind)
    click.echo(f"{len(data)} codings read, {n} new or changed")


@codings.command("list")
@project_dir
@table_output("table")
@errors
def codings_list(project_dir: Path, fmt: str, out: Path | None) -> None:
    """List the coders of a project, their kind and how many ideas each coded."""
    from coder.data.queries import ideas_per_coder
    from coder.data.store import open_project

    with open_project(project_dir) as project:
        table = ideas_per_coder(project)
    show(table, fmt, out, title="Coders")


@codings.command("show")
@project_dir
@click.argument("idea", required=False)
@table_output("table")
@errors
def codings_show(project_dir: Path, idea: str | None, fmt: str, out: Path | None) -> None:
    """Every code of IDEA (or of every idea) and where it came from: each coder's codes, the
    model's suggestion with its scores, review decisions, adjudication and the final code."""
    from coder.data.store import open_project
    from coder.tables.item import item_codes

    with open_project(project_dir) as project:
        table = item_codes(project, idea)
    show(table, fmt, out, title=f"Codes of {idea}" if idea else "Codes per idea")


COMMANDS: list[click.Command] = [codings]
