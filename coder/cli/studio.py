"""``coder studio``: Label Studio as the coders' interface (a thin adapter over
:mod:`coder.studio`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from coder.cli.common import errors as _errors
from coder.cli.common import in_file, problems_option, project_dir, show, table_output
from coder.cli.studio_accounts import STUDIO_COMMANDS, echo_accounts

port_option = click.option(
    "--port", type=click.IntRange(1, 65535), help="Port of the project's server (default 8080)."
)
round_option = click.option("--round", "round_id", help="The round's name.")


@click.group()
def studio() -> None:
    """Code in Label Studio: run the server, push samples, pull codings, review suggestions.

    Credentials come from CODER_STUDIO_* variables or PROJECT_DIR/.studio/config.json (mode
    0600) and are never printed. See docs/labelstudio.md.
    """


def _settings(
    project_dir: Path,
    port: int | None = None,
    host: str | None = None,
    public_url: str | None = None,
) -> Any:
    from coder.data.store import open_project
    from coder.studio.settings import load_settings

    open_project(project_dir).close()  # a clear error when it is not a project
    return load_settings(project_dir, port=port, host=host, public_url=public_url)


@studio.command("up")
@project_dir
@port_option
@click.option(
    "--host",
    help="The address to listen on (default 127.0.0.1; 0.0.0.0 for every interface). For coders "
    "on other machines, put a TLS reverse proxy in front: see docs/labelstudio.md.",
)
@click.option(
    "--public-url",
    help="The address coders open (default http://HOST:PORT; behind a proxy, its https:// one).",
)
@_errors
def up(project_dir: Path, port: int | None, host: str | None, public_url: str | None) -> None:
    """Start the project's Label Studio (installing it first when missing) and wait for it."""
    from coder.studio import server

    settings = _settings(project_dir, port, host, public_url)
    state = server.status(settings)
    if not state.running:
        click.echo(f"Starting Label Studio on {settings.url} (the first start takes a minute)...")
    state = server.start(settings, echo=lambda m: click.echo(m, err=True))
    click.echo(f"Label Studio is up at {state.url} (PID {state.pid}); admin {settings.admin_email}")
    click.echo(f"The admin's password and token are in {settings.folder}/config.json")
    if settings.public_url:
        click.echo(f"Coders sign in at {settings.coders_url}/user/login/")


@studio.command("down")
@project_dir
@_errors
def down(project_dir: Path) -> None:
    """Stop the project's Label Studio (by the PID it was started with)."""
    from coder.studio import server

    stopped = server.stop(_settings(project_dir))
    click.echo("Label Studio stopped" if stopped else "Label Studio was not running")


@studio.command("status")
@project_dir
@table_output("table")
@_errors
def status(project_dir: Path, fmt: str, out: Path | None) -> None:
    """Whether the server is up (on stderr), and each round's projects and tasks pushed."""
    from coder.data.store import open_project
    from coder.studio import server
    from coder.studio.rounds import round_summary

    settings = _settings(project_dir)
    state = server.status(settings)
    click.echo(f"Label Studio: {'up' if state.running else 'down'} at {state.url} "
               f"({state.detail})", err=True)  # fmt: skip
    with open_project(project_dir) as project:
        table = round_summary(project)
    show(table, fmt, out, title="Label Studio rounds")


@studio.command("config")
@project_dir
@_errors
def config(project_dir: Path) -> None:
    """Generate and validate the labelling configs of the codebook's views."""
    from coder.data.store import open_project
    from coder.studio import config as cfg

    with open_project(project_dir) as project:
        for view in cfg.views(project.codebook).values():
            for review in (False, True):
                path, _ = cfg.write_config(project.annotations_dir, view, review)
                click.echo(f"Wrote {path}")


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _studio(project_dir: Path) -> Any:
    from coder.studio import server
    from coder.studio.client import Studio

    settings = _settings(project_dir)
    if not server.status(settings).running:
        from coder.studio.errors import NotRunningError

        raise NotRunningError(
            f"Label Studio is not running at {settings.url}; start it with "
            f"`coder studio up {project_dir}`"
        )
    return Studio(settings)


def _emails(value: str | None) -> list[str]:
    out = [v.strip().lower() for v in (value or "").split(",") if v.strip()]
    bad = [v for v in out if "@" not in v]
    if bad:
        raise click.BadParameter(f"not an email: {', '.join(bad)}")
    return out


@studio.command("push")
@project_dir
@round_option
@click.option("--coders", help="Coders' emails, comma-separated (to start a round).")
@click.option("--n", "n", type=click.IntRange(min=1), help="Distinct items to sample.")
@click.option("--overlap", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Share of the items every coder codes (for agreement).")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--questions", help="Only these questions, comma-separated (default: all coded).")
@click.option("--batch-size", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option(
    "--strategy", type=click.Choice(["stratified", "uncertainty", "routed"]),
    default="stratified", show_default=True,
    help="How a new round is drawn: stratified by question (with --overlap), the --n ideas "
    "the latest model is least sure of, or the ideas it routed to a human (dealt out to the "
    "coders in turn).",
)  # fmt: skip
@_errors
def push(project_dir: Path, round_id: str | None, coders: str | None, n: int | None,
         overlap: float, seed: int, questions: str | None, batch_size: int,
         strategy: str) -> None:  # fmt: skip
    """Sample a round (with --coders and --n) and push its tasks; again to resume.

    Each coder gets their own Label Studio project per view holding only their tasks; texts
    are redacted first; no model suggestion is shown. A re-run creates no duplicates.
    """
    from coder.data.store import open_project
    from coder.studio.push import push_round, sample_round
    from coder.studio.rounds import next_round_id, rounds

    studio_ = _studio(project_dir)
    with open_project(project_dir) as project:
        if strategy == "routed" and coders and not n:
            n = 0
        if coders or n:
            if not coders or n is None:
                raise click.UsageError("a new round needs both --coders and --n")
            round_id = round_id or next_round_id(project, "coding")
            qs = [q.strip() for q in questions.split(",")] if questions else None
            if strategy == "stratified":
                a = sample_round(project, round_id, _emails(coders), n, overlap, seed, qs)
            else:
                from coder.loop import next_round
                from coder.studio.rounds import create_round

                a = next_round(project, _emails(coders), n, strategy)
                create_round(project, round_id, a, "coding", {"strategy": strategy, "n": n})
            click.echo(f"Round {round_id}: {len(a.all_items)} items, {len(a.shared)} coded by "
                       f"all of {len(a.coders)} coders")  # fmt: skip
        elif round_id is None:
            known = rounds(project, "coding")
            if not known:
                raise click.UsageError("no round yet: give --coders and --n to sample one")
            round_id = known[-1]
        with _progress("Pushing tasks") as update:
            report = push_round(project, studio_, round_id, batch_size=batch_size,
                                progress=update, echo=click.echo)  # fmt: skip
    click.echo(f"Round {round_id}: {report.pushed} tasks pushed, {report.tasks} in Label Studio "
               f"across {report.projects} projects ({report.created_projects} new)")  # fmt: skip
    if report.configs_restored:
        click.echo(f"Restored the generated config of {report.configs_restored} projects")
    click.echo(f"Coder accounts ({len(report.accounts)}) and their passwords are in "
               f"{studio_.settings.accounts_file} (mode 0600)")  # fmt: skip
    echo_accounts(report.created_accounts)


@studio.command("pull")
@project_dir
@round_option
@problems_option
@_errors
def pull(project_dir: Path, round_id: str | None) -> None:
    """Pull submitted annotations into the store as codings (all or nothing, idempotent)."""
    from coder.data.store import open_project
    from coder.studio.pull import pull as run

    studio_ = _studio(project_dir)
    with open_project(project_dir) as project:
        r = run(project, studio_, round_id)
    click.echo(f"{r.codings} codings pulled from {r.projects} projects, {r.changed} new or "
               f"changed; {r.cancelled} skipped annotations left out")  # fmt: skip
    if r.superseded:
        click.echo(f"{r.superseded} older annotations of the same coder and task were ignored")
    if r.outside_assignment:
        click.echo(f"Warning: {r.outside_assignment} annotations were made in another coder's "
                   "project (stored under the annotator)", err=True)  # fmt: skip
    if r.closed:
        click.echo(f"Closed {', '.join(r.closed)}: every coder's every item is pulled")


@studio.command("review-push")
@project_dir
@click.option(
    "--suggestions",
    "file",
    type=in_file,
    help='JSON {"item": {"frame": {"code": score}}} (default: the model\'s '
    "suggestions in the store).",
)
@click.option(
    "--model-version",
    help="The model the suggestions come from (default: the latest trained model).",
)
@click.option("--reviewers", required=True, help="Reviewers' emails, comma-separated.")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Cut-off for suggestions from a file (the store's carry their own).",
)
@click.option("--round", "round_id", default="review-1", show_default=True)
@problems_option
@_errors
def review_push(
    project_dir: Path,
    file: Path | None,
    model_version: str | None,
    reviewers: str,
    threshold: float,
    round_id: str,
) -> None:
    """Push a model's suggestions as pre-annotations to a review round."""
    from coder.data.store import open_project
    from coder.studio.review import push_suggestions, read_suggestions, suggestions_in_store

    studio_ = _studio(project_dir)
    with open_project(project_dir) as project:
        cuts: Any = threshold
        if file is not None:
            if not model_version:
                raise click.UsageError("--suggestions FILE needs --model-version")
            suggestions = read_suggestions(file)
        else:
            from coder.data.queries import latest_model_id

            model_version = model_version or latest_model_id(project)
            if model_version is None:
                raise click.UsageError(
                    "no trained model in this project: run `coder train` and `coder suggest`"
                )
            suggestions, cuts = suggestions_in_store(project, model_version)
        with _progress("Pushing suggestions") as update:
            r = push_suggestions(
                project,
                studio_,
                suggestions,
                model_version,
                _emails(reviewers),
                round_id,
                cuts,
                progress=update,
            )
    click.echo(f"Review round {round_id}: {r.pushed} tasks pushed, {r.tasks} in Label Studio")
    for held, n in r.held_back.items():
        click.echo(f"{n} suggested items held back: they are in coding round {held}, still open "
                   f"(it closes when pulled complete, or: coder studio close {project_dir} "
                   f"--round {held})")  # fmt: skip
    echo_accounts(r.created_accounts)


@studio.command("review-pull")
@project_dir
@click.option("--round", "round_id", default="review-1", show_default=True)
@problems_option
@_errors
def review_pull(project_dir: Path, round_id: str) -> None:
    """Pull reviewers' accept / reject / edit decisions on the suggestions."""
    from coder.data.store import open_project
    from coder.studio.review import pull_reviews

    studio_ = _studio(project_dir)
    with open_project(project_dir) as project:
        r = pull_reviews(project, studio_, round_id)
    counts = r.counts()
    click.echo(f"{len(r.decisions)} decisions from {r.pull.codings} reviewed items: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()))  # fmt: skip


for _command in STUDIO_COMMANDS:
    studio.add_command(_command)

COMMANDS: list[click.Command] = [studio]
