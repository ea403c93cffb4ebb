"""``coder codebook manual``: the coding manual of a codebook, as Markdown or HTML.

A thin adapter over :mod:`coder.data.manual`; registered under the ``codebook`` group by
:mod:`coder.cli.main`.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors, in_file


@click.command("manual")
@click.argument("file", type=in_file, required=False)
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="PROJECT_DIR",
    help="Use the codebook in force in this project (instead of FILE).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
    help="Markdown, or a self-contained HTML page (no script).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the manual to this file (default: standard output).",
)
@errors
def manual(file: Path | None, project_dir: Path | None, fmt: str, out: Path | None) -> None:
    """Write the coding manual of a codebook (default: the report's): per code its definition,
    examples that belong and near misses that do not ("none given" where the codebook has none).
    """
    from coder.data.codebook import load_codebook
    from coder.data.manual import render_manual

    if file is not None and project_dir is not None:
        raise click.UsageError("give a codebook FILE or --project, not both")
    if project_dir is not None:
        from coder.data.store import open_project

        with open_project(project_dir) as project:
            codebook = project.codebook
    else:
        codebook = load_codebook(file)
    text = render_manual(codebook, fmt)
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {out}")
