"""The project commands: ``coder init``, ``ingest``, ``move``, ``status`` and ``history``.

A thin adapter over :mod:`coder.data` and :mod:`coder.loop`; registered by
:mod:`coder.cli.main`.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors, in_file, problems_option, project_dir, show, table_output


@click.command()
@project_dir
@click.option("--codebook", type=in_file, help="Codebook YAML (default: the report's codebook).")
@problems_option
@errors
def init(project_dir: Path, codebook: Path | None) -> None:
    """Create PROJECT_DIR with a codebook and an empty store."""
    from coder.data.store import init_project

    with init_project(project_dir, codebook) as project:
        click.echo(
            f"Created {project.path} (codebook {project.codebook.id}, "
            f"version {project.codebook.hash})"
        )


@click.command()
@project_dir
@click.option("--ideas", type=in_file, help="Ideas: idea_id, question, text, author_id, ...")
@click.option(
    "--responses",
    type=in_file,
    help="Survey answers instead of ideas: response_id, question, text, optional "
    "respondent_id and other columns (kept as attributes). No votes needed.",
)
@click.option("--comments", type=in_file, help="Comments: comment_id, idea_id, text, author_id.")
@click.option("--votes", type=in_file, help="Votes: voter_id, target_id, value (+1 or -1).")
@click.option(
    "--participants", type=in_file, help="Participants: participant_id and questionnaire columns."
)
@problems_option
@errors
def ingest(
    project_dir: Path,
    ideas: Path | None,
    responses: Path | None,
    comments: Path | None,
    votes: Path | None,
    participants: Path | None,
) -> None:
    """Validate and store a platform export or survey answers (CSV, XLSX or JSONL), all or
    nothing."""
    from rich.console import Console

    from coder.data.contributions import ingest as run
    from coder.data.store import open_project

    if ideas is not None and responses is not None:
        raise click.UsageError(
            "--ideas and --responses are exclusive: give a platform export's ideas or survey "
            "answers, not both (use a separate project for each)"
        )
    with open_project(project_dir) as project, Console(stderr=True).status("Ingesting..."):
        report = run(
            project,
            ideas=ideas,
            responses=responses,
            comments=comments,
            votes=votes,
            participants=participants,
        )
    for kind, c in report.counts.items():
        click.echo(f"{kind}: {c.inserted} new, {c.updated} updated, {c.unchanged} unchanged")


@click.command()
@project_dir
@click.argument("idea_id", required=False)
@click.option("--to", "to_question", help="The question to analyse the idea under.")
@click.option("--reason", default="", help="Why it was moved (kept with the idea).")
@click.option(
    "--file", "moves_file", type=in_file, help="A table of moves: idea_id, to_question, reason."
)
@problems_option
@errors
def move(
    project_dir: Path,
    idea_id: str | None,
    to_question: str | None,
    reason: str,
    moves_file: Path | None,
) -> None:
    """Analyse an idea under another question; its original question is kept."""
    from coder.data.moves import move_ideas, read_moves
    from coder.data.store import open_project

    if moves_file is not None:
        moves = read_moves(moves_file)
    elif idea_id and to_question:
        moves = [(idea_id, to_question, reason)]
    else:
        raise click.UsageError("give IDEA_ID with --to QUESTION, or --file MOVES")
    with open_project(project_dir) as project:
        n = move_ideas(project, moves)
    click.echo(f"{n} ideas moved")


@click.command()
@project_dir
@table_output("table")
@errors
def status(project_dir: Path, fmt: str, out: Path | None) -> None:
    """Where the project stands in the coding loop, and the next step to take."""
    from coder.data.store import open_project
    from coder.loop import status as run

    with open_project(project_dir) as project:
        table = run(project).table()
    show(table, fmt, out, title="Status", layout="fields")


@click.command()
@project_dir
@click.argument("item_id")
@table_output("table")
@errors
def history(project_dir: Path, item_id: str, fmt: str, out: Path | None) -> None:
    """An item's whole story: ingestion, moves, codings, adjudication, final codes."""
    from coder.data.audit import history_table
    from coder.data.store import open_project

    with open_project(project_dir) as project:
        table = history_table(project, item_id)
    show(table, fmt, out, title=f"History of {item_id}")


COMMANDS: list[click.Command] = [init, ingest, move, status, history]
