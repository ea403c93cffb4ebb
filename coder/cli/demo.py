"""``coder demo``: the whole job on the bundled example workshop (a thin adapter over
:mod:`coder.demo`). Registered by :mod:`coder.cli.main`.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo project and its outputs.",
)
@click.option(
    "--with-studio",
    is_flag=True,
    help="Run every coding and review round through a real Label Studio (started locally).",
)
@click.option(
    "--keep-studio",
    is_flag=True,
    help="With --with-studio: leave the Label Studio server running at the end.",
)
@click.option(
    "--tables-only",
    is_flag=True,
    help="Stop after the report's tables from the gold coding (no model, no report).",
)
@errors
def demo(out: Path, with_studio: bool, keep_studio: bool, tables_only: bool) -> None:
    """Run the main job on the bundled example workshop and write its outputs to --out."""
    from coder.demo.example import run_demo

    result = run_demo(
        out,
        echo=click.echo,
        full=not tables_only,
        with_studio=with_studio,
        keep_studio=keep_studio,
    )
    click.echo("Wrote:")
    for path in result.files:
        click.echo(f"  {path}")


COMMANDS: list[click.Command] = [demo]
