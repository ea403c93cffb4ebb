"""The input of the reliability report: everyone's codings with the frames and codes in order
(:class:`CodingSet`), read from a project or from a long table of ``item_id, coder, frame, code``
rows, and the consensus of the human coders (the codes more than half of them applied).

A coder *saw* an item when they have a coding of it (possibly with no code at all).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coder.data.codings import Coding
from coder.data.readers import read_table
from coder.errors import InputError, Problem


@dataclass
class CodingSet:
    """Everyone's codings: ``codings[coder][item]``, with frames and codes in order.

    ``frames`` maps a frame id to its code ids in order; ``labels`` maps (frame, code) to the
    label to print; ``applies`` tells which frames apply to an item (all frames by default).
    """

    codings: dict[str, dict[str, Coding]]
    frames: dict[str, list[str]]
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    frame_labels: dict[str, str] = field(default_factory=dict)
    applies: dict[str, set[str]] = field(default_factory=dict)

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


def from_long_table(path: str | Path) -> CodingSet:
    """Read ``item_id, coder, frame, code`` rows (one per applied code; empty code = seen, none).

    Frames and codes are taken from the data in order of appearance. A frame applies to an item
    when any row names that frame for that item; a row with an empty frame marks the item as
    seen for every frame.
    """
    table = read_table(path)
    missing = [c for c in ("item_id", "coder", "frame", "code") if c not in table.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    table.path,
                    1,
                    c,
                    "no such column",
                    "the columns item_id, coder, frame, code",
                    f"add a column {c!r}",
                )
                for c in missing
            ]
        )
    problems = []
    codings: dict[str, dict[str, Coding]] = {}
    frames: dict[str, list[str]] = {}
    applies: dict[str, set[str]] = {}
    seen_all: set[str] = set()
    for rownum, row in table.rows:
        item, coder = row["item_id"].strip(), row["coder"].strip()
        frame, code = row["frame"].strip(), row["code"].strip()
        if not item or not coder:
            problems.append(
                Problem(
                    table.path,
                    rownum,
                    "item_id" if not item else "coder",
                    "an empty value",
                    "an item id and a coder",
                    "fill it in or delete the row",
                )
            )
            continue
        coding = codings.setdefault(coder, {}).setdefault(item, Coding())
        if code and not frame:
            problems.append(
                Problem(
                    table.path,
                    rownum,
                    "frame",
                    "a code without a frame",
                    "the frame the code belongs to",
                    "fill in the frame",
                )
            )
            continue
        if not frame:
            seen_all.add(item)
            continue
        applies.setdefault(item, set()).add(frame)
        codes = frames.setdefault(frame, [])
        if code:
            if code not in codes:
                codes.append(code)
            coding.codes.setdefault(frame, set()).add(code)
    if problems:
        raise InputError(problems)
    for item in seen_all:
        applies[item] = set(frames)
    return CodingSet(codings, frames, applies=applies)


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
