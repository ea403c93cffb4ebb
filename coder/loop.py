"""The coding loop: which ideas humans code, which the model codes, and where a project stands.

The loop is: a stratified first sample coded by humans (a share of it by every coder, for
reliability) -> train -> an uncertainty round (the ideas the model is least sure of) ->
retrain -> suggestions for every remaining idea -> the model's low-confidence ideas routed to
humans -> a reviewer accepts or corrects the rest -> reconciliation. This module chooses the
items of each step and reads the project's state; the steps that write (coding imports and
Label Studio pulls, training, suggesting, reviewing, reconciling) have their own modules, and
every change they make to a code is audited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from coder.data.codings import coded_ideas, ideas_by_coder
from coder.data.store import Project
from coder.studio.sample import Assignment, explicit_assignment, stratified_assignment

HUMAN_KINDS = ("human",)


def codable_ideas(project: Project) -> dict[str, str]:
    """Ideas whose (analysis) question has a frame: idea id -> question."""
    framed = {q for f in project.codebook.frames for q in f.questions}
    return {
        str(i): str(q)
        for i, q in project.conn.execute(
            "SELECT idea_id, COALESCE(analysis_question, question) FROM ideas ORDER BY idea_id"
        )
        if q in framed
    }


def first_sample(
    project: Project, n: int, overlap: float, coders: Sequence[str], seed: int = 0
) -> Assignment:
    """A stratified sample of ``n`` codable ideas no human coded yet, a share ``overlap`` of
    them coded by every coder (for reliability), the rest split evenly."""
    coded = coded_ideas(project)
    pool = {i: q for i, q in codable_ideas(project).items() if i not in coded}
    return stratified_assignment(pool, n, overlap, coders, seed=seed)


def spread(items: Sequence[str], coders: Sequence[str]) -> Assignment:
    """Deal ``items`` to ``coders`` in turn (no overlap)."""
    return explicit_assignment({c: list(items[k :: len(coders)]) for k, c in enumerate(coders)})


def next_round(project: Project, coders: Sequence[str], n: int, strategy: str) -> Assignment:
    """The next coding round, dealt to ``coders`` in turn: the ``n`` ideas the latest model is
    least sure of (``uncertainty``), or the ideas it routed to a human (``routed``; all of
    them when ``n`` is 0). Ideas already in a coding round are left out."""
    from coder.data.queries import latest_model_id
    from coder.errors import CoderError
    from coder.studio.rounds import assigned_items

    taken = assigned_items(project, "coding")
    if strategy == "uncertainty":
        from coder.suggest.sampling import sample

        picks = [p.idea_id for p in sample(project, n + len(taken), "uncertainty")]
        items = [i for i in picks if i not in taken][:n]
    elif strategy == "routed":
        model_id = latest_model_id(project)
        if model_id is None:
            raise CoderError(f"no model yet: run `coder train {project.path}` and `coder suggest`")
        items = [i for i in routed_ideas(project, model_id) if i not in taken]
        items = items[:n] if n else items
    else:
        raise CoderError(f"unknown strategy {strategy!r}; use uncertainty or routed")
    if not items:
        raise CoderError("no idea left to code by that strategy; see `coder status`")
    return spread(items, coders)


def next_ideas(
    project: Project, n: int, strategy: str = "stratified", seed: int = 0
) -> pd.DataFrame:
    """The next ``n`` uncoded ideas worth coding by ``strategy`` (see
    :func:`coder.suggest.sampling.sample`), by id, never their text: columns ``idea_id``,
    ``question``, ``strategy``, ``score``."""
    from coder.suggest.sampling import sample

    picks = sample(project, n, strategy, seed=seed)
    rows = [(p.idea_id, p.question, strategy, round(p.score, 4)) for p in picks]
    return pd.DataFrame(rows, columns=["idea_id", "question", "strategy", "score"])


def routed_ideas(project: Project, model_id: str) -> list[str]:
    """Ideas the model abstained on (routed to a human) that no human has coded yet."""
    coded = coded_ideas(project)
    return [
        str(i)
        for (i,) in project.conn.execute(
            "SELECT idea_id FROM suggestion_items WHERE model_id = ? AND abstained = 1 "
            "ORDER BY idea_id",
            (model_id,),
        )
        if i not in coded
    ]


def to_review(project: Project, model_id: str) -> dict[str, dict[str, dict[str, float]]]:
    """The model's suggestions a reviewer should see: ideas it coded with confidence (not
    routed) that no human coded, as idea -> frame -> code -> score (every scored code)."""
    coded = coded_ideas(project)
    decided = {
        str(i)
        for (i,) in project.conn.execute(
            "SELECT idea_id FROM suggestion_items WHERE model_id = ? AND abstained = 0",
            (model_id,),
        )
    }
    out: dict[str, dict[str, dict[str, float]]] = {}
    for idea, frame, code, score in project.conn.execute(
        "SELECT idea_id, frame_id, code_id, score FROM suggestions WHERE model_id = ? "
        "AND score IS NOT NULL ORDER BY idea_id, frame_id, code_id",
        (model_id,),
    ):
        if idea in decided and idea not in coded:
            out.setdefault(idea, {}).setdefault(frame, {})[code] = float(score)
    return out


def suggested_codes(project: Project, model_id: str) -> dict[str, dict[str, set[str]]]:
    """The codes the model suggested: idea -> frame -> codes (frames with none are empty)."""
    out: dict[str, dict[str, set[str]]] = {}
    for idea, frame, code, chosen in project.conn.execute(
        "SELECT idea_id, frame_id, code_id, suggested FROM suggestions WHERE model_id = ?",
        (model_id,),
    ):
        codes = out.setdefault(idea, {}).setdefault(frame, set())
        if chosen:
            codes.add(code)
    return out


# --------------------------------------------------------------------------------------------
# Where a project stands

SOURCES = (
    "humans agreed",
    "majority",
    "adjudicated",
    "one coder",
    "routed to a human",
    "model accepted",
    "model corrected",
    "not final",
)


def final_sources(project: Project, model_id: str | None) -> dict[str, str]:
    """Where each codable idea's final coding came from, in words (see :data:`SOURCES`)."""
    humans: dict[str, int] = {}
    for ideas in ideas_by_coder(project).values():
        for idea in ideas:
            humans[idea] = humans.get(idea, 0) + 1
    routed: set[str] = set()
    if model_id:
        routed = {
            str(i)
            for (i,) in project.conn.execute(
                "SELECT idea_id FROM suggestion_items WHERE model_id = ? AND abstained = 1",
                (model_id,),
            )
        }
    status = dict(project.conn.execute("SELECT idea_id, status FROM final_status"))
    adjudicated = {str(i) for (i,) in project.conn.execute("SELECT idea_id FROM adjudications")}
    rules: dict[str, set[str]] = {}
    for idea, rule in project.conn.execute("SELECT idea_id, rule FROM final_provenance"):
        rules.setdefault(str(idea), set()).add(str(rule))
    reviews: dict[str, set[str]] = {}
    if model_id:
        for idea, decision in project.conn.execute(
            "SELECT item_id, decision FROM studio_reviews WHERE model_version = ?", (model_id,)
        ):
            reviews.setdefault(str(idea), set()).add(str(decision))
    out = {}
    for idea in codable_ideas(project):
        if status.get(idea) not in ("final", "excluded"):
            out[idea] = "not final"
        elif idea in humans:
            if idea in routed:
                out[idea] = "routed to a human"
            elif idea in adjudicated:
                out[idea] = "adjudicated"
            elif humans[idea] == 1:
                out[idea] = "one coder"
            else:
                out[idea] = "majority" if "majority" in rules.get(idea, set()) else "humans agreed"
        elif reviews.get(idea, set()) <= {"accept"} and idea not in adjudicated:
            out[idea] = "model accepted"
        else:
            out[idea] = "model corrected"
    return out


@dataclass
class Status:
    """Where a project stands in the loop."""

    codable: int
    human_coded: int
    by_coder: dict[str, int] = field(default_factory=dict)
    double_coded: int = 0
    model_id: str | None = None
    model_coded: int = 0
    routed: int = 0
    routed_open: int = 0
    review_pending: int = 0
    reviewed: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    queued: int = 0
    cv_macro_f1: dict[str, float] = field(default_factory=dict)
    alpha: dict[str, float | None] = field(default_factory=dict)
    next_step: str = ""

    def rows(self) -> list[tuple[str, Any]]:
        """The status as (what, value) rows, for a table."""
        share = f"{self.human_coded} of {self.codable}"
        out: list[tuple[str, Any]] = [
            ("codable ideas", self.codable),
            ("coded by humans", share),
        ]
        out += [(f"  coded by {c}", n) for c, n in sorted(self.by_coder.items())]
        out += [("coded by two or more humans (reliability)", self.double_coded)]
        out += [
            (f"reliability, {f} (Krippendorff's alpha, MASI)",
             "undefined" if v is None else round(v, 2))
            for f, v in self.alpha.items()
        ]  # fmt: skip
        out += [("model", self.model_id or "none trained")]
        if self.model_id:
            out += [
                ("coded by the model (confident)", self.model_coded),
                ("routed to a human (low confidence)", self.routed),
                ("  of which not coded yet", self.routed_open),
                ("model suggestions reviewed", self.reviewed),
                ("model suggestions pending review", self.review_pending),
            ]
            out += [
                (f"cross-validated macro-F1, {f}", round(v, 2))
                for f, v in sorted(self.cv_macro_f1.items())
            ]
        out += [(f"final: {s}", n) for s, n in self.sources.items() if n]
        out += [("queued for an adjudicator", self.queued), ("next step", self.next_step)]
        return out

    def table(self) -> pd.DataFrame:
        """The status as a ``what, value`` table (the rows of :meth:`rows`)."""
        return pd.DataFrame(self.rows(), columns=["what", "value"])


def status(project: Project) -> Status:
    """Read where the project stands and what to do next."""
    from coder.data.queries import latest_model_id

    codable = codable_ideas(project)
    coded = coded_ideas(project) & set(codable)
    st = Status(len(codable), len(coded))
    by_coder = ideas_by_coder(project)
    st.by_coder = {coder: len(ideas) for coder, ideas in sorted(by_coder.items())}
    times = Counter(idea for ideas in by_coder.values() for idea in ideas)
    st.double_coded = sum(1 for n in times.values() if n > 1)
    if st.double_coded:
        from coder.agreement import report as reliability

        humans = sorted(st.by_coder)
        rows = reliability.frame_rows(reliability.from_project(project, humans), humans, n_boot=0)
        st.alpha = {
            str(r["frame"]): None if r["value"] is None else float(r["value"])
            for r in rows
            if r["statistic"] == "alpha_masi"
        }
    st.model_id = latest_model_id(project)
    if st.model_id:
        from coder.suggest.lookup import load_latest_model

        st.cv_macro_f1 = load_latest_model(project, st.model_id).cv_macro_f1()
        items = project.conn.execute(
            "SELECT idea_id, abstained FROM suggestion_items WHERE model_id = ?", (st.model_id,)
        ).fetchall()
        st.routed = sum(int(a) for _, a in items)
        st.model_coded = len(items) - st.routed
        st.routed_open = len(routed_ideas(project, st.model_id))
        review = to_review(project, st.model_id)
        reviewed = {
            str(i)
            for (i,) in project.conn.execute(
                "SELECT DISTINCT item_id FROM studio_reviews WHERE model_version = ?",
                (st.model_id,),
            )
        }
        st.reviewed = len(set(review) & reviewed)
        st.review_pending = len(set(review) - reviewed)
    counts = dict.fromkeys(SOURCES, 0)
    if project.conn.execute("SELECT COUNT(*) FROM final_status").fetchone()[0]:
        for source in final_sources(project, st.model_id).values():
            counts[source] += 1
    st.sources = counts
    st.queued = int(
        project.conn.execute(
            "SELECT COUNT(*) FROM final_status WHERE status = 'queued'"
        ).fetchone()[0]
    )
    st.next_step = _next_step(project, st)
    return st


def _next_step(project: Project, st: Status) -> str:
    p = project.path
    if st.human_coded == 0:
        return (
            f"code a first sample: `coder studio push {p} --coders A,B --n N --overlap 0.3`, "
            f"then `coder studio pull {p}` (or `coder codings import {p} FILE`)"
        )
    if st.model_id is None:
        return f"train a model on the human codings: `coder train {p}`"
    if st.model_coded + st.routed == 0:
        return f"suggest codes for the remaining ideas: `coder suggest {p}`"
    if st.routed_open:
        return (
            f"have humans code the {st.routed_open} routed ideas "
            f"(`coder sample {p} --strategy uncertainty`, then a coding round)"
        )
    if st.review_pending:
        return (
            f"review {st.review_pending} ideas' suggestions: "
            f"`coder studio review-push {p} --reviewers EMAIL`, then `coder studio review-pull {p}`"
        )
    if st.queued:
        return f"adjudicate {st.queued} queued ideas: `coder adjudicate {p} --export queue.xlsx`"
    return f"reconcile and report: `coder reconcile {p}` then `coder report {p} --out report.html`"
