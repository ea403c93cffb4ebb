"""``coder studio coders``, ``login`` and ``close``: people and rounds in Label Studio.

A thin adapter over :mod:`coder.studio.accounts` and :func:`coder.studio.pull.close`; the
commands are added to the ``coder studio`` group (:data:`STUDIO_COMMANDS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from coder.cli.common import errors, project_dir, show, table_output


def _studio(path: Path) -> Any:
    """The project's Label Studio as its admin; a clear error when it is not running."""
    from coder.data.store import open_project
    from coder.studio import server
    from coder.studio.client import Studio
    from coder.studio.errors import NotRunningError
    from coder.studio.settings import load_settings

    open_project(path).close()  # a clear error when it is not a project
    settings = load_settings(path)
    if not server.status(settings).running:
        raise NotRunningError(
            f"Label Studio is not running at {settings.url}; start it with `coder studio up {path}`"
        )
    return Studio(settings)


def echo_accounts(created: Sequence[str], reset: Sequence[str] = ()) -> None:
    """Say which accounts a command made or gave a new password (never the passwords)."""
    if created:
        click.echo(f"Created Label Studio accounts for {', '.join(created)}; hand each their "
                   "login with `coder studio login PROJECT_DIR EMAIL`")  # fmt: skip
    if reset:
        click.echo(f"New passwords for {', '.join(reset)}: hand them over with "
                   "`coder studio login PROJECT_DIR EMAIL`")  # fmt: skip


@click.command("coders")
@project_dir
@table_output("table")
@errors
def coders(project_dir: Path, fmt: str, out: Path | None) -> None:
    """Each coder's and reviewer's account, last activity and progress per project.

    One row per person and Label Studio project: done (tasks with a submitted annotation),
    assigned (items of their assignment in that project) and pulled (codings in the store).
    """
    from coder.data.store import open_project
    from coder.studio.accounts import coders as table

    studio = _studio(project_dir)
    with open_project(project_dir) as project:
        frame = table(project, studio)
    show(frame, fmt, out, title="Coders in Label Studio")


@click.command("login")
@project_dir
@click.argument("email")
@click.option("--reset", is_flag=True, help="Replace their password with a new one first.")
@errors
def login(project_dir: Path, email: str, reset: bool) -> None:
    """Print a coder's login page and password, to hand to them privately.

    This is the one command that shows a password. With --reset the old password stops
    working.
    """
    from coder.data.store import open_project
    from coder.studio.accounts import login as find

    studio = _studio(project_dir)
    with open_project(project_dir) as project:
        found = find(project, studio, email, reset)
    echo_accounts([found.email] if found.created else [])
    click.echo(f"Login page: {found.url}")
    click.echo(f"Email:      {found.email}")
    click.echo(f"Password:   {found.password}")
    if found.reset:
        click.echo("(a new password: the old one no longer works)")


@click.command("close")
@project_dir
@click.option("--round", "round_id", required=True, help="The coding round to close.")
@errors
def close(project_dir: Path, round_id: str) -> None:
    """Pull a coding round once more and close it.

    A closed round takes no new tasks, and its items may then go to a review round (items of
    open coding rounds are held back from review, so no coder meets a model's suggestion for
    an item they still code blind).
    """
    from coder.data.store import open_project
    from coder.studio.pull import close as run

    studio = _studio(project_dir)
    with open_project(project_dir) as project:
        r = run(project, studio, round_id)
    click.echo(f"{r.codings} codings pulled from {r.projects} projects, {r.changed} new or "
               f"changed; round {round_id} is closed")  # fmt: skip


STUDIO_COMMANDS: list[click.Command] = [coders, login, close]
