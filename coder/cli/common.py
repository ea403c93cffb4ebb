"""What every command module of the CLI shares: error handling, common arguments and options,
and showing a table."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from coder.errors import CoderError, ProblemsError

if TYPE_CHECKING:
    from coder.tables.render import Layout, Table

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "markdown", "csv", "json", "html", "xlsx")
"""The --format choices of every command that prints a table (:data:`coder.tables.render.FORMATS`,
repeated here so that ``coder --help`` does not import the library)."""

PROBLEMS_PARAM = "problems_file"


def errors(func: F) -> F:
    """Turn coder's exceptions and the system's file errors into a message on stderr and exit
    status 2 (a problem in the input) or 1, never a traceback.

    On a command with :data:`problems_option`, an input error's problems are also written, all
    of them, to the --problems file.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        has_option = PROBLEMS_PARAM in kwargs
        problems_file: Path | None = kwargs.pop(PROBLEMS_PARAM, None)
        try:
            return func(*args, **kwargs)
        except ProblemsError as exc:
            _fail(problems_message(exc, problems_file, has_option), 2)
        except CoderError as exc:
            _fail(str(exc), 1)
        except OSError as exc:
            _fail(os_error_message(exc), 1)

    return wrapper  # type: ignore[return-value]


def _fail(message: str, status: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


def problems_message(exc: ProblemsError, path: Path | None, has_option: bool = True) -> str:
    """The error's message; with ``path``, every problem is written there as CSV first."""
    if path is None:
        rest = (
            "rerun with --problems FILE.csv to get every problem in one table"
            if has_option
            else "fix these and run again to see the rest"
        )
        return exc.describe(rest)
    import pandas as pd

    from coder.tables.render import render

    columns = ["file", "row", "column", "found", "expected", "fix"]
    rows = [[getattr(p, c) for c in columns] for p in exc.problems]
    table = pd.DataFrame(rows, columns=columns).astype({"row": "Int64"})
    try:
        render(table, "csv", path)
    except (CoderError, OSError) as error:
        reason = error if isinstance(error, CoderError) else os_error_message(error)
        return exc.describe("fix these and run again to see the rest") + (
            f"\nThe problems could not be written to --problems: {reason}"
        )
    columns_said = "(file, row, column, found, expected, fix)"
    if exc.truncated:
        return exc.describe(f"all {len(exc.problems)} are in {path} {columns_said}")
    return exc.describe() + f"\nThe problems are also in {path} {columns_said}."


def os_error_message(exc: OSError) -> str:
    """A file error as a message naming the path, what went wrong and how to fix it."""
    path = exc.filename if exc.filename is not None else exc.filename2
    reason = exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, FileNotFoundError):
        fix = "check the path; create a missing folder first (mkdir -p FOLDER)"
    elif isinstance(exc, PermissionError):
        fix = "check the permissions of the file and its folder, or choose another path"
    elif isinstance(exc, IsADirectoryError):
        fix = "give a file, not a folder"
    elif isinstance(exc, NotADirectoryError):
        fix = "a part of the path is a file, not a folder; check the path"
    else:
        fix = "check the path, the disk and the network, then run again"
    return f"{path}: {reason}. Fix: {fix}" if path is not None else f"{reason}. Fix: {fix}"


project_dir = click.argument(
    "project_dir", type=click.Path(file_okay=False, path_type=Path), metavar="PROJECT_DIR"
)
in_file = click.Path(exists=True, dir_okay=False, path_type=Path)
out_file = click.Path(dir_okay=False, path_type=Path)

problems_option = click.option(
    "--problems",
    PROBLEMS_PARAM,
    type=out_file,
    metavar="FILE.csv",
    help="On problems in the input, write every one of them to this CSV file "
    "(file, row, column, found, expected, fix); the message shows the first 200.",
)


def table_output(default: str) -> Callable[[F], F]:
    """The --format and --out options of a command that prints a table, the same everywhere.

    The command receives ``fmt`` (never None: the --out file's extension picks it when
    --format is not given, else ``default``) and ``out``.
    """

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, fmt: str | None, out: Path | None, **kwargs: Any) -> Any:
            from coder.tables.render import format_for

            return func(*args, fmt=format_for(fmt, out, default), out=out, **kwargs)

        with_out = click.option(
            "--out",
            type=out_file,
            help="Write to this file instead of the terminal (needed for xlsx).",
        )(wrapper)
        return click.option(  # type: ignore[return-value]
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            help=f"How to write the table [default: the --out file's extension, else {default}].",
        )(with_out)

    return decorate


def show(
    table: Table, fmt: str, out: Path | None, *, title: str = "", layout: Layout = "plain"
) -> None:
    """Render ``table`` (see :func:`coder.tables.render.render`) and say where it went."""
    from coder.tables.render import render

    render(table, fmt, out, title=title, layout=layout)
    if out is not None:
        click.echo(f"Wrote {out}", err=True)
