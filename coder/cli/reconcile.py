"""``coder reconcile`` and ``coder adjudicate``: final codes, and the adjudicator's round trip.

A thin adapter over :mod:`coder.reconcile`; registered by :mod:`coder.cli.main`.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors, in_file, out_file, problems_option, project_dir


@click.command()
@project_dir
@click.option(
    "--include-unreviewed",
    is_flag=True,
    help="Let model suggestions no one reviewed count (they are flagged everywhere).",
)
@click.option("--model", "model_id", help="The suggestion model to use (default: the latest).")
@errors
def reconcile(project_dir: Path, include_unreviewed: bool, model_id: str | None) -> None:
    """Merge coders', adjudicators' and reviewed model codes into final codes, with provenance."""
    from coder.data.store import open_project
    from coder.reconcile.rules import reconcile as run

    with open_project(project_dir) as project:
        summary = run(project, include_unreviewed=include_unreviewed, model_id=model_id)
    click.echo("Items: " + ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items())))
    click.echo(
        "Final codes by rule: "
        + (", ".join(f"{n} {r}" for r, n in sorted(summary.rules.items())) or "none")
    )
    click.echo(
        f"{summary.changed} final codings changed"
        + (f"; model {summary.model_version}" if summary.model_version else "")
    )
    queued = summary.statuses.get("queued", 0)
    if queued:
        click.echo(
            f"{queued} items wait for an adjudicator: coder adjudicate {project_dir} "
            "--export queue.xlsx"
        )


@click.command()
@project_dir
@click.option(
    "--export",
    "export_to",
    type=out_file,
    help="Write the adjudication queue to this XLSX workbook.",
)
@click.option(
    "--import",
    "import_from",
    type=in_file,
    help="Read an adjudicated workbook back and store its decisions.",
)
@click.option("--adjudicator", help="Who decided (required with --import).")
@click.option("--note", default="", help="A note kept with the decisions.")
@problems_option
@errors
def adjudicate(
    project_dir: Path,
    export_to: Path | None,
    import_from: Path | None,
    adjudicator: str | None,
    note: str,
) -> None:
    """Hand the adjudication queue to an adjudicator as a workbook, and take decisions back."""
    from coder.data.redact import redact_cached
    from coder.data.store import open_project
    from coder.reconcile import adjudicate as adj

    if (export_to is None) == (import_from is None):
        raise click.UsageError("give --export FILE.xlsx or --import FILE.xlsx")
    with open_project(project_dir) as project:
        if export_to is not None:
            n = adj.write_queue(project, export_to, lambda t: redact_cached(project, t))
            click.echo(f"Wrote {n} queued items to {export_to}")
            return
        if import_from is None or not adjudicator:
            raise click.UsageError("--import needs --adjudicator NAME")
        decisions = adj.read_decisions(project, import_from)
        n = adj.store_decisions(project, decisions, adjudicator, note)
    click.echo(f"Stored {n} decisions by {adjudicator}; run `coder reconcile {project_dir}`")


COMMANDS: list[click.Command] = [reconcile, adjudicate]
