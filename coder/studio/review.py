"""Model suggestions out to reviewers, and their decisions back.

The interface is deliberately small: suggestions are ``{item: {frame: {code: score}}}`` with
one ``model_version`` (scores are the model's marginal probabilities, 0 to 1). A code is
*suggested* when its score reaches its threshold (one for all codes, or one per code; in an
exclusive frame, only the best code, if it does). :func:`suggestions_in_store` reads a trained
model's suggestions and thresholds from the store in that shape.

Suggestions go to a review round: the items are dealt out to the reviewers in turn, and each
reviewer gets one Label Studio project per view in their own desk (their organization, which
no coder can open), where the suggested codes arrive pre-ticked as a prediction (with
``model_version`` and a score) and every code's score is shown beside the text. Coding rounds
never carry predictions; only review projects show them. Items of a coding round that is still
open (not pulled and closed, see :func:`coder.studio.rounds.open_items`) are held back from a
new review round, and the report counts them per round, so no coder meets a model's suggestion
for an item they still have to code blind.

Pulling a review round turns each reviewer's submitted annotation into one decision per frame:
``accept`` (the reviewer kept exactly the suggested codes), ``reject`` (the model suggested
codes and the reviewer kept none of them, or excluded the item) or ``edit`` (anything else),
with the codes suggested and decided, who decided and when (the annotation's last update).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coder.data.codebook import Frame
from coder.data.redact import Redactor
from coder.data.store import Project
from coder.errors import InputError, Problem
from coder.studio import config as cfg
from coder.studio.client import Studio
from coder.studio.errors import StudioError
from coder.studio.pull import PullReport, archive, fetch, latest
from coder.studio.push import BATCH, Progress, PushReport, push_projects
from coder.studio.rounds import create_round, item_questions, load_round, open_items
from coder.studio.sample import Assignment

REVIEW_ROUND = "review-1"
Suggestions = Mapping[str, Mapping[str, Mapping[str, float]]]
# One threshold for every code, or one per code: {frame: {code: threshold}} (default 0.5).
Thresholds = float | Mapping[str, Mapping[str, float]]


def _cut(threshold: Thresholds, frame: str, code: str) -> float:
    if isinstance(threshold, int | float):
        return float(threshold)
    return float(threshold.get(frame, {}).get(code, 0.5))


def suggested(frame: Frame, scores: Mapping[str, float], threshold: Thresholds = 0.5) -> set[str]:
    """The codes of a frame a model suggests: scores at or above their threshold (in an
    exclusive frame, only the best code, if it reaches its threshold)."""
    passing = {c: s for c, s in scores.items() if s >= _cut(threshold, frame.id, c)}
    if frame.exclusive and passing:
        return {max(passing.items(), key=lambda kv: (kv[1], kv[0]))[0]}
    return set(passing)


def suggestions_in_store(project: Project, model_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A stored model's suggestions and per-code thresholds, ready for :func:`push_suggestions`
    (codes the model could not be trained for have no score and are left out)."""
    scores: dict[str, dict[str, dict[str, float]]] = {}
    cuts: dict[str, dict[str, float]] = {}
    for item, frame, code, score, threshold in project.conn.execute(
        "SELECT idea_id, frame_id, code_id, score, threshold FROM suggestions "
        "WHERE model_id = ? AND score IS NOT NULL",
        (model_id,),
    ):
        scores.setdefault(item, {}).setdefault(frame, {})[code] = float(score)
        if threshold is not None:
            cuts.setdefault(frame, {})[code] = float(threshold)
    return scores, cuts


def read_suggestions(path: Path) -> Suggestions:
    """Read suggestions ``{item: {frame: {code: score}}}`` from a JSON file (checked against a
    project by :func:`check_suggestions`).

    Raises
    ------
    InputError
        when the file cannot be read or is not a JSON object.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        found, fix = f"an unreadable file ({exc.strerror})", "check the path"
    except ValueError as exc:
        found, fix = f"text that is not JSON ({exc})", "fix the JSON at that place"
    else:
        if isinstance(data, dict):
            return data
        found, fix = f"a JSON {type(data).__name__}", "put the suggestions in one JSON object"
    expected = 'a JSON object {"item": {"frame": {"code": score}}}'
    raise InputError([Problem(str(path), None, None, found, expected, fix)])


def check_suggestions(project: Project, suggestions: Suggestions) -> None:
    """Raise :class:`InputError` listing every suggestion that does not fit the project."""
    questions = item_questions(project)
    problems: list[Problem] = []

    def add(item: str, column: str, found: str, expected: str, fix: str) -> None:
        problems.append(
            Problem("suggestions", None, column, f"{found} (item {item!r})", expected, fix)
        )

    for item, frames in suggestions.items():
        if item not in questions:
            add(item, "item", "an unknown item", "an ingested idea", "fix the item id")
            continue
        view = cfg.view_for(project.codebook, questions[item])
        for frame_id, scores in frames.items():
            frame = view.frame(frame_id)
            if frame is None:
                add(item, "frame", repr(frame_id),
                    "a frame of the item's question: " + (", ".join(
                        f.id for f in view.frames) or "(none)"),
                    "suggest only frames that apply to the item")  # fmt: skip
                continue
            known = {c.id for c in frame.codes}
            for code, score in scores.items():
                if code not in known:
                    add(
                        item,
                        "code",
                        f"{code!r} in frame {frame_id!r}",
                        "a code id of the codebook",
                        "retrain the model on this codebook",
                    )
                if not isinstance(score, int | float) or not 0 <= score <= 1:
                    add(item, "score", repr(score), "a number from 0 to 1",
                        "give marginal probabilities")  # fmt: skip
    if problems:
        raise InputError(problems)


def _summary(view: cfg.View, frames: Mapping[str, Mapping[str, float]]) -> str:
    lines = []
    for frame in view.frames:
        scores = frames.get(frame.id, {})
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:6]
        shown = " · ".join(f"{frame.code(c).label} {s:.2f}" for c, s in ranked)
        lines.append(f"{frame.label}: {shown or 'no score'}")
    return "\n".join(lines)


def push_suggestions(
    project: Project,
    studio: Studio,
    suggestions: Suggestions,
    model_version: str,
    reviewers: Sequence[str],
    round_id: str = REVIEW_ROUND,
    threshold: Thresholds = 0.5,
    *,
    batch_size: int = BATCH,
    progress: Progress | None = None,
    redactor: Redactor | None = None,
    echo: Callable[[str], None] | None = None,
) -> PushReport:
    """Send suggestions to a review round as pre-annotations (idempotent and resumable).

    A new round holds the suggested items that are in no open coding round, dealt out to the
    reviewers in turn; the report's ``held_back`` counts the others per open round, and its
    ``created_accounts`` names the reviewers' accounts this push made. Pushing an existing
    round again resumes it with its own items.

    Raises
    ------
    InputError
        listing every suggestion that does not fit the codebook.
    StudioError
        when the round exists for another model version, or every suggested item is in an
        open coding round.
    """
    if not model_version.strip():
        raise StudioError("give the model version the suggestions come from")
    cfg.preload_validator(project.annotations_dir, project.codebook, review=True)
    check_suggestions(project, suggestions)
    people = sorted({r.strip().lower() for r in reviewers if r.strip()})
    if not people:
        raise StudioError("give at least one reviewer")
    settings = {"model_version": model_version, "threshold": threshold,
                "reviewers": people}  # fmt: skip
    existing = load_round(project, round_id, missing_ok=True)
    report = PushReport(round_id)
    if existing is not None:
        if existing.settings.get("model_version") != model_version:
            raise StudioError(
                f"review round {round_id!r} holds suggestions of model version "
                f"{existing.settings.get('model_version')!r}; name a new round with --round"
            )
        assignment = existing.assignment
    else:
        held = {r: found for r, items in open_items(project).items()
                if (found := items & set(suggestions))}  # fmt: skip
        report.held_back = {r: len(found) for r, found in sorted(held.items())}
        blocked = set().union(*held.values())
        items = sorted(i for i in suggestions if i not in blocked)
        if not items:
            raise StudioError(
                f"all {len(suggestions)} suggested items are in coding rounds still open ("
                + ", ".join(sorted(held))
                + "); pull and close them first (coder studio close PROJECT_DIR --round R)"
            )
        assignment = Assignment(
            {r: tuple(items[k :: len(people)]) for k, r in enumerate(people) if items[k:]},
            frozenset(),
        )
        create_round(project, round_id, assignment, "review", settings)
    items = sorted(assignment.all_items)
    missing = [i for i in items if i not in suggestions]
    if missing:
        raise StudioError(
            f"review round {round_id!r} has {len(missing)} items without a suggestion now "
            f"(first: {missing[0]!r}); push these suggestions to a new round with --round"
        )
    with project.transaction() as conn:
        conn.execute("DELETE FROM studio_suggestions WHERE round_id = ?", (round_id,))
        conn.executemany(
            "INSERT INTO studio_suggestions(round_id, item_id, frame_id, code_id, score)"
            " VALUES (?,?,?,?,?)",
            [(round_id, i, f, c, float(s)) for i in items
             for f, scores in suggestions[i].items() for c, s in scores.items()],
        )  # fmt: skip
    questions = item_questions(project)

    def build(item: str, base: dict[str, object]) -> dict[str, object]:
        view = cfg.view_for(project.codebook, questions[item])
        frames = suggestions[item]
        chosen = {f.id: suggested(f, frames.get(f.id, {}), threshold) for f in view.frames}
        scores = [frames[f][c] for f, cs in chosen.items() for c in cs]
        prediction = {
            "model_version": model_version,
            "score": round(sum(scores) / len(scores), 4) if scores else 0.0,
            "result": cfg.choices_result(view, chosen),
        }
        return {"data": {**base, "suggestions": _summary(view, frames)},
                "predictions": [prediction]}  # fmt: skip

    push_projects(project, studio, round_id, assignment.items, build, report,
                   review=True, batch_size=batch_size, progress=progress, redactor=redactor,
                   echo=echo)  # fmt: skip
    return report


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on a model's suggestion for one item and frame."""

    item: str
    reviewer: str
    frame: str
    model_version: str
    suggested: frozenset[str]
    decided: frozenset[str]
    decision: str  # accept, reject or edit
    decided_at: str
    annotation_id: int | None  # None: not made in Label Studio (a simulated review)


def decide(suggested_codes: set[str] | frozenset[str], decided: set[str] | frozenset[str],
           excluded: bool) -> str:  # fmt: skip
    """``accept``, ``reject`` or ``edit``: how a reviewer's codes answer the suggestion."""
    if excluded:
        return "reject"
    if set(decided) == set(suggested_codes):
        return "accept"
    if suggested_codes and not (set(decided) & set(suggested_codes)):
        return "reject"
    return "edit"


@dataclass
class ReviewReport:
    pull: PullReport
    decisions: list[Decision]

    def counts(self) -> dict[str, int]:
        out = {"accept": 0, "reject": 0, "edit": 0}
        for d in self.decisions:
            out[d.decision] += 1
        return out


def pull_reviews(project: Project, studio: Studio, round_id: str = REVIEW_ROUND) -> ReviewReport:
    """Pull a review round's decisions into ``studio_reviews`` (idempotent, all or nothing)."""
    from coder.studio.rounds import studio_projects

    rnd = load_round(project, round_id)
    assert rnd is not None
    if rnd.kind != "review":
        raise StudioError(f"round {round_id!r} is a coding round; pull it with `coder studio pull`")
    model_version = str(rnd.settings.get("model_version", ""))
    threshold: Thresholds = rnd.settings.get("threshold", 0.5)
    scores: dict[tuple[str, str], dict[str, float]] = {}
    for item, frame, code, score in project.conn.execute(
        "SELECT item_id, frame_id, code_id, score FROM studio_suggestions WHERE round_id = ?",
        (round_id,),
    ):
        scores.setdefault((item, frame), {})[code] = float(score)
    report = PullReport()
    pulled, raws = fetch(project, studio, studio_projects(project, round_id), report)
    chosen = latest(pulled, report)
    report.codings = len(chosen)
    questions = item_questions(project)
    decisions = []
    for (item, reviewer), p in sorted(chosen.items()):
        view = cfg.view_for(project.codebook, questions[item])
        for frame in view.frames:
            sugg = suggested(frame, scores.get((item, frame.id), {}), threshold)
            got = set() if p.coding.not_relevant_reason else p.coding.codes.get(frame.id, set())
            decisions.append(Decision(
                item, reviewer, frame.id, model_version, frozenset(sugg), frozenset(got),
                decide(sugg, got, p.coding.not_relevant_reason is not None), p.updated_at,
                p.annotation_id))  # fmt: skip
    report.archived = archive(project, raws)
    store_reviews(project, round_id, decisions)
    return ReviewReport(report, decisions)


def store_reviews(project: Project, round_id: str, decisions: Sequence[Decision]) -> int:
    """The one way reviewers' decisions reach the store (one transaction, audited).

    Used by :func:`pull_reviews` and by anything else that has decisions to record (the
    demo's simulated reviewer); each decision replaces the reviewer's earlier one for the
    item and frame. Returns how many rows changed.
    """
    from coder.data.audit import changes

    rows = {
        (d.item, d.reviewer, d.frame): (
            round_id, d.item, d.reviewer, d.frame, d.model_version,
            json.dumps(sorted(d.suggested)), json.dumps(sorted(d.decided)), d.decision,
            d.decided_at, d.annotation_id,
        )
        for d in decisions
    }  # fmt: skip
    changed = 0
    with project.transaction() as conn:
        stored = {
            (r[1], r[2], r[3]): tuple(r)
            for r in conn.execute("SELECT * FROM studio_reviews WHERE round_id = ?", (round_id,))
        }
        todo = [(k, row) for k, row in sorted(rows.items()) if stored.get(k) != row]
        for reviewer in sorted({k[1] for k, _ in todo}):
            with changes(conn, actor=reviewer, action="review", reason=f"review round "
                         f"{round_id!r}") as log:  # fmt: skip
                for key, row in todo:
                    if key[1] != reviewer:
                        continue
                    log.refer(
                        f"model {row[4]}"
                        + (f", Label Studio annotation {row[9]}" if row[9] is not None
                           else ", not made in Label Studio")
                    )  # fmt: skip
                    conn.execute(
                        "DELETE FROM studio_reviews WHERE round_id = ? AND item_id = ? "
                        "AND reviewer = ? AND frame_id = ?",
                        (round_id, *key),
                    )
                    conn.execute(
                        "INSERT INTO studio_reviews(round_id, item_id, reviewer,"
                        " frame_id, model_version, suggested, decided, decision, decided_at,"
                        " ls_annotation_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        row,
                    )
                    changed += 1
    return changed
