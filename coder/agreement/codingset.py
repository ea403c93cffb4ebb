"""The input of the reliability report: everyone's codings with the frames and codes in order
(:class:`CodingSet`), read from a project or from a codings file (the long table of
:mod:`coder.data.codings_file`, the one ``coder codings import`` reads), and the consensus of
the human coders (the codes more than half of them applied).

A coder *saw* an item when they have a coding of it (possibly with no code at all). A coder
that does not decide everything it sees (the model: it abstains on some items, and codes with
too few examples are never decided) has a :class:`Scope`: what it decided is scored, the rest
is left out, never counted as "code absent".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from coder.data.codebook import Codebook
from coder.data.codings import Coding, build_codings
from coder.data.codings_checks import check_coders, check_conflicts, describe
from coder.data.codings_file import CodingRow, CodingsFileError, codings_rows, resolve
from coder.data.readers import read_table
from coder.errors import InputError, Problem


@dataclass
class Scope:
    """What a coder decided, when it is not everything it saw (the model's abstentions).

    ``items[frame]`` are the items it decided in a frame (an item it saw but did not decide
    there is missing, not "no code"); ``not_scored[frame]`` maps each code it never decides to
    why (e.g. "not enough examples"); ``source`` says where its codes come from.
    """

    items: dict[str, set[str]]
    not_scored: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = ""


@dataclass
class CodingSet:
    """Everyone's codings: ``codings[coder][item]``, with frames and codes in order.

    ``frames`` maps a frame id to its code ids in order; ``labels`` maps (frame, code) to the
    label to print; ``applies`` tells which frames apply to an item (all frames by default);
    ``scopes`` what a coder decided (default: everything it saw); ``found`` what a codings
    file held (see :func:`coder.data.codings_file.describe`).
    """

    codings: dict[str, dict[str, Coding]]
    frames: dict[str, list[str]]
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    frame_labels: dict[str, str] = field(default_factory=dict)
    applies: dict[str, set[str]] = field(default_factory=dict)
    scopes: dict[str, Scope] = field(default_factory=dict)
    found: pd.DataFrame | None = None

    def label(self, frame: str, code: str) -> str:
        return self.labels.get((frame, code), code)

    def items_for(self, frame: str, coders: Iterable[str]) -> list[str]:
        """Items of ``frame`` seen by at least one of ``coders``, sorted."""
        items: set[str] = set()
        for c in coders:
            items.update(
                i for i in self.codings.get(c, {}) if frame in self.applies.get(i, {frame})
            )
        return sorted(items)

    def decided(self, coder: str, frame: str, item: str) -> bool:
        """Whether ``coder`` decided ``item`` in ``frame`` (given that it saw it)."""
        scope = self.scopes.get(coder)
        return scope is None or item in scope.items.get(frame, set())

    def not_scored(self, frame: str, coders: Iterable[str]) -> dict[str, str]:
        """Codes of ``frame`` one of ``coders`` never decides, and why."""
        out: dict[str, str] = {}
        for c in coders:
            if (scope := self.scopes.get(c)) is not None:
                out.update(scope.not_scored.get(frame, {}))
        return out


def from_project(project: Any, coders: Iterable[str] | None = None) -> CodingSet:
    """The codings of a project's coders (default: every human and model coder)."""
    from coder.data.codings import coders as all_coders
    from coder.data.codings import codings_of

    kinds = all_coders(project)
    chosen = (
        list(coders)
        if coders is not None
        else [c for c, k in kinds.items() if k in ("human", "model")]
    )
    questions = dict(
        project.conn.execute("SELECT idea_id, COALESCE(analysis_question, question) FROM ideas")
    )
    cb = project.codebook
    applies = {i: {f.id for f in cb.frames_for(q)} for i, q in questions.items()}
    return CodingSet(
        codings={c: codings_of(project, c) for c in chosen},
        frames={f.id: [c.id for c in f.codes] for f in cb.frames},
        labels={(f.id, c.id): c.label for f in cb.frames for c in f.codes},
        frame_labels={f.id: f.label for f in cb.frames},
        applies=applies,
    )


def from_long_table(
    path: str | Path,
    codebook: Codebook | None = None,
    coders: Sequence[str] | None = None,
    model: str | None = None,
    sheet: str | None = None,
) -> CodingSet:
    """Read and check a codings file (one row per applied code; an empty code: seen, none).

    Parameters
    ----------
    codebook
        The codebook the frames and codes must come from (by id or label); the frames apply
        to an item by its ``question`` column when the file has one. Without, frames and
        codes are taken from the data in order of appearance, and a frame applies to an item
        when any row names that frame for that item (a row with an empty frame: every frame).
    coders
        The human coders to compare (each must be in the file; other coders' rows are
        dropped, unless a name is close to one given: a typo). Without, a stray coder with
        very few items beside two main coders is an error.
    model
        The coder that is the model (must be in the file; never stray).
    sheet
        The sheet of a workbook (default: the first).

    Raises
    ------
    CodingsFileError
        listing every problem of the file at once (see :mod:`coder.data.codings_file`).
    """
    try:
        table = read_table(path, sheet)
    except InputError as exc:
        raise CodingsFileError(exc.problems) from None
    read, problems = codings_rows(table)
    if problems and not read.rows:
        raise CodingsFileError(problems)
    rows, problems_of_coders, left_out = check_coders(read.rows, table.path, coders, model=model)
    problems += problems_of_coders
    question_of: dict[str, str] = {}
    if codebook is not None:
        if read.has_question:
            problems += _one_question(rows, table.path, question_of)
        rows, found = resolve(rows, table.path, codebook, lambda r: r.question or None)
        problems += found
    exclusive = {f.id for f in codebook.frames if f.exclusive} if codebook else set()
    rows, found, dropped = check_conflicts(rows, table.path, exclusive)
    problems += found
    if problems:
        raise CodingsFileError(sorted(problems, key=lambda p: (p.row is not None, p.row or 0)))
    codings: dict[str, dict[str, Coding]] = {}
    for (item, coder), coding in build_codings(rows).items():
        codings.setdefault(coder, {})[item] = coding
    if codebook is not None:
        cs = CodingSet(
            codings,
            {f.id: [c.id for c in f.codes] for f in codebook.frames},
            labels={(f.id, c.id): c.label for f in codebook.frames for c in f.codes},
            frame_labels={f.id: f.label for f in codebook.frames},
        )
    else:
        frames: dict[str, list[str]] = {}
        for r in rows:
            if r.frame and not r.excluded:
                codes = frames.setdefault(r.frame, [])
                if r.code and r.code not in codes:
                    codes.append(r.code)
        cs = CodingSet(codings, frames)
    cs.applies = _applies(rows, cs.frames, codebook, question_of)
    cs.found = describe(read, rows, {**dropped, **left_out})
    return cs


def _one_question(
    rows: Sequence[CodingRow], path: str, question_of: dict[str, str]
) -> list[Problem]:
    """Each item's question (from the ``question`` column); two questions for one item are a
    problem."""
    problems = []
    first: dict[str, int] = {}
    for r in rows:
        if not r.question:
            continue
        if question_of.setdefault(r.item, r.question) != r.question:
            problems.append(
                Problem(
                    path,
                    r.row,
                    "question",
                    f"the question {r.question!r} for {r.item!r}, which row {first[r.item]} "
                    f"gives as {question_of[r.item]!r}",
                    "one question per item",
                    "fix the question, or give the two answers different item ids",
                )
            )
        first.setdefault(r.item, r.row)
    return problems


def _applies(
    rows: Sequence[CodingRow],
    frames: dict[str, list[str]],
    codebook: Codebook | None,
    question_of: dict[str, str],
) -> dict[str, set[str]]:
    """Which frames apply to each item: its question's (with a codebook and a question), else
    the frames any row names for it (all, for a row with an empty frame)."""
    applies: dict[str, set[str]] = {}
    every: set[str] = set()
    for r in rows:
        if codebook is not None and r.item in question_of:
            applies[r.item] = {f.id for f in codebook.frames_for(question_of[r.item])}
        elif r.frame and not r.excluded:
            applies.setdefault(r.item, set()).add(r.frame)
        else:
            every.add(r.item)
    for item in every - set(question_of):
        applies[item] = set(frames)
    return applies


def consensus(cs: CodingSet, humans: list[str], name: str = "consensus") -> dict[str, Coding]:
    """Per item, the codes more than half of the humans who saw it applied."""
    out: dict[str, Coding] = {}
    items = {i for h in humans for i in cs.codings.get(h, {})}
    for item in items:
        seen = [cs.codings[h][item] for h in humans if item in cs.codings.get(h, {})]
        coding = Coding()
        for frame in cs.frames:
            votes: dict[str, int] = {}
            for c in seen:
                for code in c.codes.get(frame, ()):
                    votes[code] = votes.get(code, 0) + 1
            chosen = {code for code, v in votes.items() if v * 2 > len(seen)}
            if chosen:
                coding.codes[frame] = chosen
        excluded = sum(c.not_relevant_reason is not None for c in seen)
        if excluded * 2 > len(seen):
            coding.not_relevant_reason = "majority excluded"
        out[item] = coding
    return out
