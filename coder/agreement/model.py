"""The model as a coder, scored fairly: only on what it decided, never on its training data.

A suggestion model abstains: a code with too few training examples is never suggested ("not
enough examples"), and an item whose suggestion is too uncertain is routed to a human. Scoring
those as "no code applies" makes the model disagree wherever it said nothing. So a model coder
has a :class:`~coder.agreement.codingset.Scope`: the items it decided per frame and the codes
it never decides, with why; the statistics leave the rest out, and :func:`coverage_rows` say
how much was decided.

Where the model's codes come from, best first:

- its **out-of-fold decisions** (:class:`ModelDecisions`, passed in by the caller, which reads
  them from the model folder): for each item it was trained on, what a model trained without
  that item suggested. These are the items humans coded, so this is the fair comparison.
- its **stored suggestions** (:func:`stored_scope`): the codes ``coder suggest`` wrote, with
  the items routed to a human and the untrained codes left out. Suggestions are written for
  items no human coded unless asked for all, and then the model may have trained on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from coder.agreement.codingset import CodingSet, Scope
from coder.agreement.report_rows import NOT_RELEVANT_CODE
from coder.data.codings import Coding
from coder.data.store import Project

NOT_EXCLUDING = "the model does not exclude items"
OUT_OF_FOLD = "out-of-fold decisions: each item suggested by a model trained without it"
NO_ROUTING = (
    "; the model folder does not record the confidence of its out-of-fold decisions, so none "
    "is routed to a human and every out-of-fold item counts as decided"
)
ROUTING = (
    "; items whose out-of-fold confidence is below the model's threshold would have been "
    "routed to a human, and are left out"
)
STORED = (
    "stored suggestions (no out-of-fold decisions in the model folder): items routed to a "
    "human are left out; on items it was trained on the model is flattered"
)


@dataclass
class FrameDecisions:
    """One frame's out-of-fold decisions.

    Parameters
    ----------
    items : list of str, length n_items
        The items that have an out-of-fold decision.
    codes : list of str, length n_codes
        The frame's codes, in the order of the columns of ``decisions``.
    decisions : ndarray of shape (n_items, n_codes)
        0/1: the codes suggested for each item by a model trained without it.
    not_scored : dict
        Codes the model never decides, and why (e.g. "not enough examples").
    confidence : ndarray of shape (n_items,), optional
        The model's confidence in each item's decisions; with ``threshold``, an item below it
        would have been routed to a human, so it is not decided.
    threshold : float, optional
        The confidence below which the model routes an item to a human.
    """

    items: list[str]
    codes: list[str]
    decisions: npt.NDArray[np.integer[Any]]
    not_scored: dict[str, str] = field(default_factory=dict)
    confidence: npt.NDArray[np.floating[Any]] | None = None
    threshold: float | None = None

    def decided(self) -> list[int]:
        """The rows of the items the model decided (not routed to a human)."""
        if self.confidence is None or self.threshold is None:
            return list(range(len(self.items)))
        return [r for r, c in enumerate(self.confidence) if c >= self.threshold]


@dataclass
class ModelDecisions:
    """A model's out-of-fold decisions per frame, under its coder id (the model id)."""

    model_id: str
    frames: dict[str, FrameDecisions]

    @property
    def source(self) -> str:
        routed = all(f.confidence is not None for f in self.frames.values())
        return OUT_OF_FOLD + (ROUTING if routed and self.frames else NO_ROUTING)


def add_decisions(cs: CodingSet, model: ModelDecisions) -> None:
    """Make ``model.model_id`` a coder of ``cs`` with its out-of-fold decisions and scope.

    Its earlier codings in ``cs`` (stored suggestions) are replaced. Frames without
    out-of-fold decisions are not decided at all.
    """
    codings: dict[str, Coding] = {}
    scope = Scope({f: set() for f in cs.frames}, source=model.source)
    for frame, fd in model.frames.items():
        if frame not in cs.frames:
            continue
        rows = fd.decided()
        scope.items[frame] = {fd.items[r] for r in rows}
        for r in rows:
            item = fd.items[r]
            chosen = {c for c, d in zip(fd.codes, fd.decisions[r], strict=True) if d}
            coding = codings.setdefault(item, Coding())
            if chosen:
                coding.codes[frame] = chosen
    for frame in cs.frames:
        got = model.frames.get(frame)
        why = (
            dict(got.not_scored)
            if got
            else {c: "no out-of-fold decisions" for c in cs.frames[frame]}
        )
        scope.not_scored[frame] = {**why, NOT_RELEVANT_CODE: NOT_EXCLUDING}
    cs.codings[model.model_id] = codings
    cs.scopes[model.model_id] = scope


def stored_scope(project: Project, model_id: str) -> Scope | None:
    """What a model coder decided, from its stored suggestions (None: the coder has none).

    An item is decided in a frame when the model made a suggestion there and did not route
    the item to a human; a code with status other than "trained" is never decided.
    """
    conn = project.conn
    rows = conn.execute(
        "SELECT s.idea_id, s.frame_id, s.code_id, s.status, i.abstained FROM suggestions s "
        "JOIN suggestion_items i USING (idea_id, model_id) WHERE s.model_id = ?",
        (model_id,),
    ).fetchall()
    if not rows:
        return None
    frames = [f.id for f in project.codebook.frames]
    scope = Scope({f: set() for f in frames}, {f: {} for f in frames}, STORED)
    for idea, frame, code, status, abstained in rows:
        if frame not in scope.items:
            continue
        if not abstained:
            scope.items[frame].add(idea)
        if status != "trained":
            scope.not_scored[frame][code] = status
    for frame in frames:
        scope.not_scored[frame][NOT_RELEVANT_CODE] = NOT_EXCLUDING
    return scope


def coverage_rows(cs: CodingSet, model: str, humans: list[str]) -> list[dict[str, Any]]:
    """Per frame, the share of the humans' items and of the codes the model decided.

    Rows of the tidy table (``table`` "coverage"): ``items_decided`` (value: the share of the
    items a human coded that the model decided; items: how many), ``codes_decided`` (value:
    the share of the frame's codes; items: how many; note: those not scored and why).
    """
    rows: list[dict[str, Any]] = []
    base = {"table": "coverage", "code": "", "coder_a": model, "coder_b": "", "ci_low": None,
            "ci_high": None}  # fmt: skip
    for frame, codes in cs.frames.items():
        items = cs.items_for(frame, humans)
        decided = [
            i for i in items if i in cs.codings.get(model, {}) and cs.decided(model, frame, i)
        ]
        share = len(decided) / len(items) if items else None
        rows.append(
            {**base, "frame": frame, "statistic": "items_decided", "value": share,
             "items": len(decided),
             "note": f"of {len(items)} items the humans coded" if items
             else "undefined: no item of this frame was coded by a human"}
        )  # fmt: skip
        skipped = {c: w for c, w in cs.not_scored(frame, [model]).items() if c in codes}
        listed = "; ".join(
            f"{', '.join(cs.label(frame, c) for c in skipped if skipped[c] == why)}: {why}"
            for why in dict.fromkeys(skipped.values())
        )
        scored = len(codes) - len(skipped)
        rows.append(
            {**base, "frame": frame, "statistic": "codes_decided",
             "value": scored / len(codes) if codes else None, "items": scored,
             "note": (f"not scored: {listed}" if skipped else "")
             if codes else "undefined: the frame has no codes"}
        )  # fmt: skip
    return rows
