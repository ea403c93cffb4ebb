"""The one exception hierarchy of coder.

Every error says what was expected, what was found and how to fix it. Errors about input tables
carry a list of :class:`Problem` rows so that a user can fix a file in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class CoderError(Exception):
    """Base class of every error coder raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem in an input: where it is, what was found, what was expected, how to fix it.

    ``row`` is the line a spreadsheet or editor shows (the header is row 1 of a CSV or XLSX file;
    a JSONL file counts lines from 1). ``found`` never holds contribution text.
    """

    file: str
    row: int | None
    column: str | None
    found: str
    expected: str
    fix: str

    def render(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: found {self.found}; expected {self.expected}. Fix: {self.fix}"


class ProblemsError(CoderError):
    """An error made of one or more :class:`Problem` rows, all reported at once."""

    title = "problems found"

    def __init__(self, problems: Iterable[Problem], *, limit: int = 200) -> None:
        self.problems = list(problems)
        self.limit = limit
        super().__init__(self.describe())

    @property
    def truncated(self) -> bool:
        """Whether the message shows only the first :attr:`limit` problems."""
        return len(self.problems) > self.limit

    def describe(self, rest: str = "every one is in the error's `problems` list") -> str:
        """The message: the first :attr:`limit` problems, then how many more and ``rest``, where
        to find them."""
        lines = [p.render() for p in self.problems[: self.limit]]
        if self.truncated:
            lines.append(f"... and {len(self.problems) - self.limit} more; {rest}")
        n = len(self.problems)
        return (
            f"{n} {self.title if n != 1 else self.title.replace('problems', 'problem')}"
            + ":\n  "
            + "\n  ".join(lines)
        )


class CodebookError(ProblemsError):
    """The codebook file is invalid."""

    title = "problems in the codebook"


class InputError(ProblemsError):
    """An input table (ideas, comments, votes, participants, codings) is invalid.

    Nothing was written to the project store.
    """

    title = "problems in the input; nothing was stored"


class ProjectError(CoderError):
    """The project folder or its store is missing, locked, or of an unknown schema."""


class NotFoundError(CoderError):
    """A named item, coder or question does not exist in the project."""


class UnknownIdError(NotFoundError, KeyError):
    """A codebook has no question, frame or code of that id.

    Also a :class:`KeyError`, as a failed lookup by key is one: code that tolerates a missing
    id (``except KeyError``) keeps working.
    """

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class OutputError(CoderError):
    """A table or file cannot be written where it was asked to go."""


class UndefinedStatistic(CoderError):
    """An agreement statistic is not defined for these data; ``reason`` says why.

    Raised instead of returning NaN, for instance when no unit was coded by two coders, when
    every value is the same (no variation, so chance agreement is 1 and the statistic is 0/0),
    or when only one category occurs. Report code that tabulates many statistics can use
    :func:`coder.agreement.try_statistic` to turn this into an ``Undefined`` cell.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
