"""What every command module of the CLI shares: error handling and common arguments."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from coder.errors import CoderError, ProblemsError

F = TypeVar("F", bound=Callable[..., Any])


def errors(func: F) -> F:
    """Turn coder's exceptions into a message on stderr and exit status 2 (input) or 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ProblemsError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except CoderError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


project_dir = click.argument(
    "project_dir", type=click.Path(file_okay=False, path_type=Path), metavar="PROJECT_DIR"
)
in_file = click.Path(exists=True, dir_okay=False, path_type=Path)
