"""Agreement at a level of a code tree: a :class:`~coder.agreement.codingset.CodingSet` with
every code rolled up to its ancestor at that level (see :mod:`coder.data.codetree`).

At level 1 a coder "applied" a top-level code on an item when they applied it or any code under
it; agreement is then agreement on the top-level codes. The trees come from the codebook when
there is one, else from the code names written as ``parent->child`` paths.
"""

from __future__ import annotations

from dataclasses import replace

from coder.agreement.codingset import CodingSet, Scope
from coder.data.codebook import Codebook
from coder.data.codetree import Tree, check_level, codes_at, roll_up, tree_from_paths
from coder.data.codetree import depth as code_depth
from coder.data.codings import Coding


def trees(cs: CodingSet, codebook: Codebook | None = None) -> dict[str, Tree]:
    """Each frame's tree: the codebook's, or the one the code names imply (``a->b``)."""
    if codebook is not None:
        known = {f.id: f for f in codebook.frames}
        return {f: known[f].parents() if f in known else {} for f in cs.frames}
    return {f: tree_from_paths(codes) for f, codes in cs.frames.items()}


def depth(cs: CodingSet, codebook: Codebook | None = None) -> int:
    """The depth of the deepest tree (1: every frame is flat)."""
    return max(
        (code_depth(c, tree) for f, tree in trees(cs, codebook).items() for c in cs.frames[f]),
        default=1,
    )


def at_level(cs: CodingSet, level: int, codebook: Codebook | None = None) -> CodingSet:
    """``cs`` with each code deeper than ``level`` replaced by its ancestor at ``level``.

    Codings stay sets (an item with two children of one parent has the parent once); an
    exclusion stays an exclusion; which items each coder saw and decided is unchanged. Codes a
    model never decides stay listed as not scored when they remain at that level.
    """
    check_level(level)
    tree = trees(cs, codebook)
    frames = {f: codes_at(codes, tree[f], level) for f, codes in cs.frames.items()}
    codings: dict[str, dict[str, Coding]] = {}
    for coder, items in cs.codings.items():
        codings[coder] = {
            item: Coding(
                {f: roll_up(codes, tree.get(f, {}), level) for f, codes in c.codes.items()},
                c.not_relevant_reason,
            )
            for item, c in items.items()
        }
    scopes = {
        coder: Scope(
            s.items,
            {
                f: {c: why for c, why in codes.items() if c in frames.get(f, [])}
                for f, codes in s.not_scored.items()
            },
            s.source,
        )
        for coder, s in cs.scopes.items()
    }
    return replace(cs, codings=codings, frames=frames, scopes=scopes)
