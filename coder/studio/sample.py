"""Who codes what: a sample stratified by question, with an overlap every coder codes.

The overlap (the *reliability* items) is what inter-rater agreement is computed on; the rest is
split evenly between coders, so that more items get coded. Both parts are stratified by
question, so each question is represented in proportion to its size in both.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coder.errors import CoderError


@dataclass(frozen=True)
class Assignment:
    """Which items each coder codes, in the order their tasks are shown.

    ``items[coder]`` lists the coder's items; ``shared`` holds the items every coder codes.
    """

    items: dict[str, tuple[str, ...]]
    shared: frozenset[str]

    @property
    def coders(self) -> tuple[str, ...]:
        return tuple(self.items)

    @property
    def all_items(self) -> set[str]:
        return {i for items in self.items.values() for i in items}


def allocate(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split ``total`` over keys in proportion to ``weights`` (largest remainder, ties by key).

    >>> allocate(10, {"a": 50, "b": 30, "c": 20})
    {'a': 5, 'b': 3, 'c': 2}
    >>> allocate(3, {"a": 1, "b": 1})
    {'a': 2, 'b': 1}
    """
    whole = sum(weights.values())
    if whole == 0:
        return dict.fromkeys(weights, 0)
    exact = {k: total * w / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    rest = total - sum(out.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def stratified_assignment(
    questions: Mapping[str, str],
    n: int,
    overlap: float,
    coders: Sequence[str],
    seed: int = 0,
) -> Assignment:
    """Draw ``n`` distinct items stratified by question and assign them to ``coders``.

    Parameters
    ----------
    questions
        The items to draw from, with the question each is analysed under.
    n
        How many distinct items to draw.
    overlap
        The share of the ``n`` items that every coder codes (0 to 1).
    coders
        The coders; each codes the shared items and an even share of the others.
    seed
        The random seed: the same inputs and seed give the same assignment.

    Raises
    ------
    CoderError
        when the numbers do not fit (more items asked for than there are, an overlap outside
        0-1, no coders, or a coder named twice).
    """
    problems = []
    if not coders:
        problems.append("no coders: give at least one (two or more for agreement)")
    if len(set(coders)) != len(coders):
        problems.append("a coder is named twice")
    if not 0 <= overlap <= 1:
        problems.append(f"an overlap of {overlap}: give a share between 0 and 1")
    if n < 1 or n > len(questions):
        problems.append(f"n = {n}: there are {len(questions)} items to draw from")
    if problems:
        raise CoderError("cannot draw the sample: " + "; ".join(problems))
    rng = random.Random(seed)
    by_question: dict[str, list[str]] = defaultdict(list)
    for item, q in sorted(questions.items()):
        by_question[q].append(item)
    sizes = allocate(n, {q: len(items) for q, items in by_question.items()})
    n_shared = round(n * overlap) if len(coders) > 1 else n
    shared_sizes = allocate(n_shared, sizes)
    shared: set[str] = set()
    own: dict[str, list[str]] = {c: [] for c in coders}
    turn = 0
    for q in sorted(by_question):
        drawn = rng.sample(by_question[q], sizes[q])
        shared.update(drawn[: shared_sizes[q]])
        for item in drawn[shared_sizes[q] :]:
            own[coders[turn % len(coders)]].append(item)
            turn += 1
    items = {}
    for c in coders:
        mine = sorted(shared) + own[c]
        rng.shuffle(mine)  # the reliability items are not recognisable by position
        items[c] = tuple(mine)
    return Assignment(items, frozenset(shared))


def explicit_assignment(items: Mapping[str, Sequence[str]]) -> Assignment:
    """An assignment given item by item (shared = items every coder has)."""
    sets = [set(v) for v in items.values()]
    shared = set.intersection(*sets) if len(sets) > 1 else set()
    return Assignment({c: tuple(v) for c, v in items.items()}, frozenset(shared))
