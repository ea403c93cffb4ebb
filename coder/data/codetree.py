"""Code trees: each code's parent, and codes rolled up to their ancestors at a level.

A *tree* maps each code id of a frame to its parent's id ("" for a top-level code). It comes
from a codebook's frame (:meth:`coder.data.codebook.Frame.parents`) or, for codes that are only
names in a codings file, from the names themselves written as paths (``parent->child``:
:func:`tree_from_paths`).

Rolling up to ``level`` (1 = the top-level codes) replaces each code deeper than ``level`` by its
ancestor at that depth; codes at or above the level stay as they are. A set of codes stays a
set: an item with two children of one parent has that parent once. So after rolling up, a
parent means "the parent, or any code under it".

>>> tree = {"cheating": "", "cheating->reduce": "cheating", "covid": ""}
>>> sorted(roll_up({"cheating->reduce", "cheating", "covid"}, tree, 1))
['cheating', 'covid']
>>> tree_from_paths(["a->b->c", "d"])
{'a': '', 'a->b': 'a', 'a->b->c': 'a->b', 'd': ''}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from coder.data.codebook import PATH_SEP, Frame, normal_path
from coder.errors import CoderError

Tree = Mapping[str, str]
"""Each code id to its parent's id ("" for a top-level code)."""


class LevelError(CoderError, ValueError):
    """A roll-up level that is not a positive whole number."""


def tree_of(frame: Frame | Tree) -> Tree:
    """The tree of a codebook frame (or ``frame`` itself when it already is a tree)."""
    return frame.parents() if isinstance(frame, Frame) else frame


def tree_from_paths(codes: Iterable[str]) -> dict[str, str]:
    """The tree implied by code names written as paths: ``a->b`` is a child of ``a`` (which
    is added when no code is named ``a``). Names without ``->`` are top-level codes."""
    out: dict[str, str] = {}
    for code in codes:
        parts = normal_path(code).split(PATH_SEP)
        for i in range(len(parts)):
            out.setdefault(PATH_SEP.join(parts[: i + 1]), PATH_SEP.join(parts[:i]))
    return out


def ancestors(code: str, frame: Frame | Tree) -> list[str]:
    """``code`` and its ancestors, the code first and its top-level ancestor last.

    A code the tree lacks is its own top-level code.
    """
    tree = tree_of(frame)
    chain = [code]
    while (parent := tree.get(chain[-1], "")) and parent not in chain:
        chain.append(parent)
    return chain


def depth(code: str, frame: Frame | Tree) -> int:
    """1 for a top-level code, 2 for its children, and so on."""
    return len(ancestors(code, frame))


def check_level(level: int) -> None:
    """Raise :class:`LevelError` unless ``level`` is a whole number of at least 1."""
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        raise LevelError(
            f"a roll-up level must be 1 (the top-level codes) or deeper, not {level!r}; "
            "fix: give --level 1, 2, ... or leave it out for every code as coded"
        )


def ancestor_at(code: str, frame: Frame | Tree, level: int) -> str:
    """The ancestor of ``code`` at depth ``level`` (``code`` itself when not deeper)."""
    check_level(level)
    chain = ancestors(code, frame)
    return chain[len(chain) - level] if len(chain) > level else code


def roll_up(codes: Iterable[str], frame: Frame | Tree, level: int) -> set[str]:
    """The codes with each one deeper than ``level`` replaced by its ancestor at ``level``.

    Parameters
    ----------
    codes
        Code ids of one frame (one coder's codes of one item).
    frame
        The codebook frame, or a :data:`Tree`.
    level
        1 for the top-level codes, 2 for their children, and so on.
    """
    tree = tree_of(frame)
    return {ancestor_at(c, tree, level) for c in codes}


def codes_at(codes: Iterable[str], frame: Frame | Tree, level: int) -> list[str]:
    """The codes a roll-up to ``level`` can give, in order: each of ``codes`` at or above
    ``level``, and the ancestor at ``level`` of each deeper one (an ancestor not among
    ``codes`` comes where its first descendant is)."""
    tree = tree_of(frame)
    return list(dict.fromkeys(ancestor_at(c, tree, level) for c in codes))
