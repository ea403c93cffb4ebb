"""The parts of a codebook: questions, coding frames and each frame's tree of codes.

A frame's ``codes`` are every code of its tree, each after its parent (depth first), with its
``parent`` id, ``path`` (``parent->child``) and ``depth`` (1 = top); a flat frame is a tree of
depth 1. :mod:`coder.data.codebook` reads them from YAML; :mod:`coder.data.codetree` rolls codes
up to a level.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from coder.errors import UnknownIdError

PATH_SEP = "->"
"""Joins the ids of a code's ancestors and its own into its path (``parent->child``)."""


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    text: str = ""


@dataclass(frozen=True)
class Code:
    id: str
    label: str
    definition: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    parent: str = ""
    """The id of the parent code ("" for a top-level code)."""
    path: str = ""
    """The ids from the top-level ancestor down to this code, joined by ``->`` (default: id)."""

    def __post_init__(self) -> None:
        if not self.path:
            object.__setattr__(self, "path", self.id)

    @property
    def depth(self) -> int:
        """1 for a top-level code, 2 for its children, and so on."""
        return self.path.count(PATH_SEP) + 1


def normal_path(value: str) -> str:
    """A ``parent -> child`` path with the spaces around each ``->`` taken out."""
    return PATH_SEP.join(part.strip() for part in value.split(PATH_SEP))


@dataclass(frozen=True)
class Frame:
    id: str
    label: str
    selection: str
    questions: tuple[str, ...]
    codes: tuple[Code, ...]

    @property
    def exclusive(self) -> bool:
        return self.selection == "exclusive"

    @property
    def depth(self) -> int:
        """How deep the frame's tree of codes is (1: flat)."""
        return max((c.depth for c in self.codes), default=1)

    def children(self, code_id: str = "") -> list[Code]:
        """The codes directly under ``code_id`` ("" for the top-level codes), in order."""
        return [c for c in self.codes if c.parent == code_id]

    def parents(self) -> dict[str, str]:
        """Each code id to its parent's id ("" for a top-level code)."""
        return {c.id: c.parent for c in self.codes}

    def code(self, code_id: str) -> Code:
        """The code of that id; :class:`UnknownIdError` names the known ones otherwise."""
        for code in self.codes:
            if code.id == code_id:
                return code
        raise unknown_id("code", code_id, f"frame {self.id!r}", [c.id for c in self.codes])

    def resolve(self, value: str) -> str | None:
        """Return the code id for ``value`` given as an id, a label or a ``parent->child``
        path of ids (case-insensitive; spaces around ``->`` are ignored)."""
        needle = value.strip().casefold()
        path = normal_path(needle) if PATH_SEP in needle else None
        for code in self.codes:
            if needle in (code.id.casefold(), code.label.casefold()):
                return code.id
            if path is not None and path == code.path.casefold():
                return code.id
        return None


def unknown_id(kind: str, wanted: str, where: str, known: list[str]) -> UnknownIdError:
    """The error for a lookup of an id the codebook lacks: the id, close matches, the fix."""
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
    return UnknownIdError(
        f"no {kind} {wanted!r} in {where}; {hint}known: {', '.join(known) or 'none'}. "
        "Fix: use an id of the codebook; if the codebook changed since the codes were "
        "stored, carry them across with `coder codebook migrate`"
    )
