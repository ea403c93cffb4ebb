"""Merge rules: from coders', adjudicators' and the model's codes to one final coding per item.

The rules, in their default order (first that applies wins, per item and frame):

1. ``adjudicated``: an adjudicator's decision on the item.
2. ``unanimous``: every human coder who saw the item gave the same set of codes (with a single
   coder the rule is named ``single_coder``, so a reader can tell).
3. ``majority``: each code more than half of the humans applied; a code exactly half of them
   applied is a **tie** and sends the item to the adjudication queue.
4. ``accepted_suggestion``: no human coded the item, and a reviewer accepted the model's
   suggestion (or ``reviewer_edit`` when the reviewer changed the codes: a human decision).
5. ``unreviewed_suggestion``: only when asked for (``include_unreviewed=True``), the model's
   suggestion no one reviewed; such codes are flagged ``unreviewed`` everywhere.

An item none of these settles is *queued* (a tie or conflict) or *uncoded* (nobody looked at it).
Exclusions (not relevant) follow the same rules: an adjudicator's exclusion, all humans
excluding, or a majority excluding; exactly half excluding is a tie.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coder.data.codings import Coding, coders, codings_of, write_codings
from coder.data.queries import latest_model_id
from coder.data.store import now

RULES = ("adjudicated", "unanimous", "majority", "accepted_suggestion", "unreviewed_suggestion")


@dataclass(frozen=True)
class Suggestion:
    """The model's suggestion for one item and frame, and what a reviewer decided about it."""

    codes: frozenset[str]
    scores: Mapping[str, float]
    model_version: str
    decision: str | None = None  # None (unreviewed), "accept", "reject" or "edit"
    reviewer: str | None = None
    decided_at: str | None = None
    edited_codes: frozenset[str] | None = None


@dataclass(frozen=True)
class Provenance:
    """Where one final code (or an exclusion) came from."""

    rule: str
    coders: tuple[str, ...] = ()
    model_version: str | None = None
    score: float | None = None
    reviewer: str | None = None
    decided_at: str | None = None

    @property
    def unreviewed(self) -> bool:
        return self.rule == "unreviewed_suggestion"


@dataclass
class Decision:
    """The outcome for one item: its final coding with provenance, or why it is not final."""

    item: str
    status: str  # "final", "excluded", "queued" or "uncoded"
    coding: Coding = field(default_factory=Coding)
    provenance: dict[tuple[str, str], Provenance] = field(default_factory=dict)
    reason: str = ""


def merge_item(
    item: str,
    frames: list[str],
    humans: Mapping[str, Coding],
    adjudication: tuple[str, str, Coding] | None = None,
    suggestions: Mapping[str, Suggestion] | None = None,
    include_unreviewed: bool = False,
) -> Decision:
    """Apply the merge rules to one item.

    Parameters
    ----------
    item
        The item id.
    frames
        The frames that apply to the item (by its question).
    humans
        Each human coder's coding of the item (coders who did not see it are absent).
    adjudication
        ``(adjudicator, decided_at, coding)`` when an adjudicator decided the item.
    suggestions
        The model's suggestion per frame, with any review decision.
    include_unreviewed
        Let unreviewed suggestions count (flagged).
    """
    if adjudication is not None:
        who, when, coding = adjudication
        prov = Provenance("adjudicated", (who,), decided_at=when)
        if coding.not_relevant_reason is not None:
            return Decision(
                item, "excluded", coding, {("", "not_relevant"): prov}, coding.not_relevant_reason
            )
        return Decision(item, "final", coding, _each(coding, prov))
    if humans:
        return _from_humans(item, frames, humans)
    return _from_suggestions(item, frames, suggestions or {}, include_unreviewed)


def _each(coding: Coding, prov: Provenance) -> dict[tuple[str, str], Provenance]:
    return {(f, c): prov for f, codes in coding.codes.items() for c in codes}


def _from_humans(item: str, frames: list[str], humans: Mapping[str, Coding]) -> Decision:
    coders = tuple(sorted(humans))
    n = len(coders)
    excluded = tuple(c for c in coders if humans[c].not_relevant_reason is not None)
    if excluded:
        if 2 * len(excluded) == n:
            return Decision(
                item,
                "queued",
                reason=f"tie on exclusion: {', '.join(excluded)} excluded it, the others coded it",
            )
        if 2 * len(excluded) > n:
            rule = "unanimous" if len(excluded) == n else "majority"
            if n == 1:
                rule = "single_coder"
            reason = humans[excluded[0]].not_relevant_reason or ""
            return Decision(
                item,
                "excluded",
                Coding(not_relevant_reason=reason),
                {("", "not_relevant"): Provenance(rule, excluded)},
                reason,
            )
    coding = Coding()
    provenance: dict[tuple[str, str], Provenance] = {}
    ties = []
    for frame in frames:
        sets = {c: frozenset(humans[c].codes.get(frame, ())) for c in coders}
        chosen: set[str] = set()
        if len(set(sets.values())) == 1:
            rule = "single_coder" if n == 1 else "unanimous"
            chosen = set(next(iter(sets.values())))
            for code in chosen:
                provenance[(frame, code)] = Provenance(rule, coders)
        else:
            for code in sorted(frozenset().union(*sets.values())):
                voters = tuple(c for c in coders if code in sets[c])
                if 2 * len(voters) > n:
                    chosen.add(code)
                    provenance[(frame, code)] = Provenance("majority", voters)
                elif 2 * len(voters) == n:
                    ties.append(f"{frame}/{code}")
        if chosen:
            coding.codes[frame] = set(chosen)
    if ties:
        return Decision(item, "queued", reason="tie on " + ", ".join(ties))
    return Decision(item, "final", coding, provenance)


def _from_suggestions(
    item: str, frames: list[str], suggestions: Mapping[str, Suggestion], include_unreviewed: bool
) -> Decision:
    coding = Coding()
    provenance: dict[tuple[str, str], Provenance] = {}
    pending = []
    for frame in frames:
        s = suggestions.get(frame)
        if s is None:
            pending.append(frame)
            continue
        if s.decision == "accept":
            codes, rule = s.codes, "accepted_suggestion"
        elif s.decision == "edit":
            codes, rule = s.edited_codes or frozenset(), "reviewer_edit"
        elif s.decision == "reject":
            return Decision(
                item,
                "queued",
                reason=f"suggestion for {frame} rejected; the item needs a human coding",
            )
        elif include_unreviewed:
            codes, rule = s.codes, "unreviewed_suggestion"
        else:
            pending.append(frame)
            continue
        reviewer = (s.reviewer,) if s.reviewer else ()
        for code in codes:
            provenance[(frame, code)] = Provenance(
                rule,
                reviewer if rule == "reviewer_edit" else (),
                s.model_version,
                s.scores.get(code),
                s.reviewer,
                s.decided_at,
            )
        if codes:
            coding.codes[frame] = set(codes)
    if pending and not provenance:
        return Decision(item, "uncoded", reason="no human coding and no reviewed suggestion")
    if pending:
        return Decision(
            item, "queued", reason="suggestion reviewed for some frames only: " + ", ".join(pending)
        )
    return Decision(item, "final", coding, provenance)


# --- the project store -------------------------------------------------------------------------

FINAL = "final"
HUMAN_RULES = ("adjudicated", "unanimous", "single_coder", "majority", "reviewer_edit")


@dataclass
class ReconcileSummary:
    """What a reconciliation decided: items per status, final codes per rule."""

    statuses: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    model_version: str | None = None
    changed: int = 0


def load_suggestions(project: Any, model_id: str) -> dict[str, dict[str, Suggestion]]:
    """The model's suggestions per item and frame, with reviewers' latest decisions."""
    scores: dict[tuple[str, str], dict[str, float]] = {}
    chosen: dict[tuple[str, str], set[str]] = {}
    for idea, frame, code, score, suggested in project.conn.execute(
        "SELECT idea_id, frame_id, code_id, score, suggested FROM suggestions WHERE model_id = ?",
        (model_id,),
    ):
        scores.setdefault((idea, frame), {})
        chosen.setdefault((idea, frame), set())
        if score is not None:
            scores[(idea, frame)][code] = float(score)
        if suggested:
            chosen[(idea, frame)].add(code)
    reviews: dict[tuple[str, str], tuple[str, str, str, list[str]]] = {}
    for idea, frame, reviewer, decision, decided_at, decided in project.conn.execute(
        "SELECT item_id, frame_id, reviewer, decision, decided_at, decided FROM studio_reviews "
        "WHERE model_version = ? ORDER BY decided_at",
        (model_id,),
    ):
        reviews[(idea, frame)] = (reviewer, decision, decided_at, json.loads(decided))
    out: dict[str, dict[str, Suggestion]] = {}
    for (idea, frame), codes in chosen.items():
        review = reviews.get((idea, frame))
        out.setdefault(idea, {})[frame] = Suggestion(
            frozenset(codes),
            scores[(idea, frame)],
            model_id,
            decision=review[1] if review else None,
            reviewer=review[0] if review else None,
            decided_at=review[2] if review else None,
            edited_codes=frozenset(review[3]) if review else None,
        )
    return out


def load_adjudications(project: Any) -> dict[str, tuple[str, str, Coding]]:
    out: dict[str, tuple[str, str, Coding]] = {}
    for idea, who, when, reason in project.conn.execute(
        "SELECT idea_id, adjudicator, decided_at, not_relevant_reason FROM adjudications"
    ):
        out[idea] = (who, when, Coding(not_relevant_reason=reason))
    for idea, frame, code in project.conn.execute(
        "SELECT idea_id, frame_id, code_id FROM adjudication_codes"
    ):
        out[idea][2].codes.setdefault(frame, set()).add(code)
    return out


def reconcile(
    project: Any, include_unreviewed: bool = False, model_id: str | None = None
) -> ReconcileSummary:
    """Apply the merge rules to every codable idea and store the final codes, in one transaction.

    Final codes are stored as the codings of the coder ``final`` (so every table can be built
    from them), with their provenance in ``final_provenance`` and each item's status in
    ``final_status``; every change is in the audit log.
    """
    kinds = coders(project)
    humans = {c: codings_of(project, c) for c, k in kinds.items() if k == "human"}
    adjudications = load_adjudications(project)
    model_id = model_id or latest_model_id(project)
    suggestions = load_suggestions(project, model_id) if model_id else {}
    questions = dict(
        project.conn.execute("SELECT idea_id, COALESCE(analysis_question, question) FROM ideas")
    )
    summary = ReconcileSummary(model_version=model_id)
    decisions = []
    for idea, question in sorted(questions.items()):
        frames = [f.id for f in project.codebook.frames_for(question)]
        if not frames:
            continue
        seen = {c: codings[idea] for c, codings in humans.items() if idea in codings}
        d = merge_item(
            idea, frames, seen, adjudications.get(idea), suggestions.get(idea), include_unreviewed
        )
        decisions.append(d)
        summary.statuses[d.status] = summary.statuses.get(d.status, 0) + 1
        for p in d.provenance.values():
            summary.rules[p.rule] = summary.rules.get(p.rule, 0) + 1
    stamp = now()
    with project.transaction() as conn:
        finals: dict[tuple[str, str], Coding | None] = {
            (d.item, FINAL): d.coding if d.status in ("final", "excluded") else None
            for d in decisions
        }
        summary.changed = write_codings(
            conn, finals, "final", actor="reconcile", action="final",
            reason="merge rules" + (" with unreviewed suggestions" if include_unreviewed else ""),
        )  # fmt: skip
        conn.execute("DELETE FROM final_provenance")
        conn.execute("DELETE FROM final_status")
        conn.executemany(
            "INSERT INTO final_status(idea_id, status, reason, updated_at) VALUES (?, ?, ?, ?)",
            [(d.item, d.status, d.reason, stamp) for d in decisions],
        )
        conn.executemany(
            "INSERT INTO final_provenance(idea_id, frame_id, code_id, rule, coders, "
            "model_version, score, reviewer, decided_at, unreviewed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (d.item, frame, code, p.rule, json.dumps(list(p.coders)), p.model_version,
                 p.score, p.reviewer, p.decided_at, int(p.unreviewed))
                for d in decisions
                for (frame, code), p in d.provenance.items()
            ],
        )  # fmt: skip
    return summary


def queue(project: Any) -> list[tuple[str, str]]:
    """Items waiting for an adjudicator: (idea id, why), in id order."""
    return [
        (str(i), str(r))
        for i, r in project.conn.execute(
            "SELECT idea_id, reason FROM final_status WHERE status = 'queued' ORDER BY idea_id"
        )
    ]
