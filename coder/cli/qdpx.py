"""``coder export qdpx|qdc`` and the REFI-QDA input of ``coder codings import``: a thin adapter
over :mod:`coder.refi.export`, :mod:`coder.refi.codebook` and :mod:`coder.refi.imports` (see
docs/refi-qda.md).

:data:`COMMANDS` holds the ``export`` group for :mod:`coder.cli.main` to register;
``coder codings import`` calls :func:`import_qdpx_file` for a ``.qdpx`` file, with the
:data:`coder_option` and :data:`user_option` options.
"""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.common import errors, out_file, project_dir

QDPX_SUFFIXES = (".qdpx", ".qde", ".qdc")
coder_option = click.option(
    "--coder",
    "coder",
    help="For a REFI-QDA file (.qdpx): the coder to store its codings as (default: one coder "
    "per user in the file, named like the user).",
)
user_option = click.option(
    "--user",
    "user",
    help="For a REFI-QDA file (.qdpx): take only this user's codings (a name or GUID).",
)


@click.group("export")
def export() -> None:
    """Export a project for other programs: REFI-QDA project (.qdpx) and code book (.qdc) files
    for NVivo, ATLAS.ti, MAXQDA, QualCoder and others. See docs/refi-qda.md."""


@export.command("qdpx")
@project_dir
@click.option("--out", required=True, type=out_file, help="The .qdpx file to write.")
@click.option(
    "--original-text",
    is_flag=True,
    help="Export the ideas' original text (default: redacted, as in every export).",
)
@click.option(
    "--participants",
    is_flag=True,
    help="Also export each participant who posted an idea as a case, with their questionnaire "
    "answers (off by default: joined to their texts, answers make people easier to identify).",
)
@errors
def qdpx(project_dir: Path, out: Path, original_text: bool, participants: bool) -> None:
    """Write the project as a REFI-QDA project: the codebook as a code tree, each idea as a
    text source, and every coder's and the final codings as coded segments over the whole
    text. The same project gives the same bytes."""
    from coder.data.store import open_project
    from coder.refi.export import export_qdpx

    with open_project(project_dir) as project:
        r = export_qdpx(project, out, original_text=original_text, participants=participants)
    text = "redacted text" if r.redacted else "ORIGINAL text (not redacted)"
    click.echo(
        f"Wrote {r.path}: {r.sources} ideas ({text}), {r.selections} codings by "
        f"{len(r.users)} coders ({', '.join(r.users) or 'none'}), {r.codings} codes applied"
    )
    click.echo(
        "Not exported: comments, votes, questionnaire answers, model scores, adjudication notes "
        "(see docs/refi-qda.md)",
        err=True,
    )


@export.command("qdc")
@project_dir
@click.option("--out", required=True, type=out_file, help="The .qdc file to write.")
@errors
def qdc(project_dir: Path, out: Path) -> None:
    """Write the project's codebook as a REFI-QDA code book: each frame a folder of its codes,
    each code's definition as its description."""
    from coder.data.store import open_project
    from coder.refi.codebook import export_qdc

    with open_project(project_dir) as project:
        path = export_qdc(project.codebook, out)
        frames = len(project.codebook.frames)
        codes = sum(len(f.codes) for f in project.codebook.frames)
    click.echo(f"Wrote {path}: {frames} frames, {codes} codes")


def is_qdpx(file: Path) -> bool:
    """Whether ``coder codings import`` should read ``file`` as REFI-QDA."""
    return file.suffix.lower() in QDPX_SUFFIXES


def import_qdpx_file(
    project_dir: Path,
    file: Path,
    coder: str | None = None,
    user: str | None = None,
    kind: str = "human",
) -> None:
    """Import a REFI-QDA file's codings into the project and say what was stored.

    For ``coder codings import`` (inside its error handling): coder's exceptions propagate.
    """
    from coder.data.store import open_project
    from coder.refi.imports import import_qdpx

    with open_project(project_dir) as project:
        r = import_qdpx(project, file, coder, user=user, kind=kind)
    taken = ", ".join(f"{u} as {c}" if u != c else c for u, c in r.coders.items())
    click.echo(f"{r.codings} codings read ({taken}), {r.changed} new or changed")
    if r.unused_codes:
        click.echo(
            f"Left out: {len(r.unused_codes)} code(s) of the file that the codebook lacks, "
            f"not applied in the imported codings ({', '.join(map(repr, r.unused_codes))})",
            err=True,
        )


COMMANDS: list[click.Command] = [export]
