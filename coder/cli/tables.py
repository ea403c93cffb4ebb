"""The table commands: ``coder crosstab``, ``balance``, ``profile`` and ``report``.

A thin adapter over :mod:`coder.tables`; registered by :mod:`coder.cli.main`. Every table goes
out through :func:`coder.tables.render.render`.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors, out_file, project_dir, show, table_output


@click.command()
@project_dir
@click.option("--coder", help="Whose codes to tabulate (default: the final, reconciled codes).")
@click.option(
    "--level",
    type=click.IntRange(min=1),
    help="Roll a code tree up to this depth (1: top-level codes): a code's row counts each "
    "idea coded to it or to any code under it, once. Default: every code as coded.",
)
@table_output("markdown")
@errors
def crosstab(
    project_dir: Path, coder: str | None, level: int | None, fmt: str, out: Path | None
) -> None:
    """Ideas and net votes per code (one frame) or per cell (two frames), per question."""
    from coder.data.codings import coder_to_tabulate
    from coder.data.store import open_project
    from coder.tables.crosstab import crosstabs

    with open_project(project_dir) as project:
        tables = crosstabs(project, coder_to_tabulate(project, coder), level)
    show(tables, fmt, out, title="Crosstabs")


@click.command()
@project_dir
@table_output("markdown")
@errors
def balance(project_dir: Path, fmt: str, out: Path | None) -> None:
    """Balance of contributions (ideas + comments + votes) per question."""
    from coder.data.store import open_project
    from coder.tables.crosstab import balance as run

    with open_project(project_dir) as project:
        table = run(project)
    show(table, fmt, out, title="Balance of contributions", layout="balance")


@click.command()
@project_dir
@click.option(
    "--suppress-below",
    type=click.IntRange(min=1),
    help="Blank counts under N (and percentages from them) for publication.",
)
@table_output("markdown")
@errors
def profile(project_dir: Path, suppress_below: int | None, fmt: str, out: Path | None) -> None:
    """Participants and contributors per questionnaire answer."""
    from coder.data.store import open_project
    from coder.tables.crosstab import profile as run

    with open_project(project_dir) as project:
        table = run(project, suppress_below)
    show(table, fmt, out, title="Profile of participants", layout="profile")


@click.command()
@project_dir
@click.option(
    "--out",
    type=out_file,
    required=True,
    help="report.html (one self-contained page) or report.xlsx.",
)
@click.option("--coder", default="final", show_default=True, help="Whose codes to report.")
@click.option(
    "--suppress-below",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Blank profile counts under N (0: none).",
)
@errors
def report(project_dir: Path, out: Path, coder: str, suppress_below: int) -> None:
    """The report: tables, heatmaps, reliability, the model, quotes and the profile."""
    from coder.data.store import open_project
    from coder.tables.report import build_report, write_report

    with open_project(project_dir) as project:
        parts = build_report(project, coder, suppress_below or None)
        write_report(project, out, parts)
    click.echo(f"Wrote {out}")


COMMANDS: list[click.Command] = [crosstab, balance, profile, report]
