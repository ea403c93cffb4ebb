"""Merge rules, one by one, with ties and provenance."""

from __future__ import annotations

from coder.data.codings import Coding
from coder.reconcile.rules import Suggestion, merge_item

FRAMES = ["literacy", "readiness"]


def c(lit: set[str] | None = None, rd: set[str] | None = None, nr: str | None = None) -> Coding:
    codes = {}
    if lit:
        codes["literacy"] = set(lit)
    if rd:
        codes["readiness"] = set(rd)
    return Coding(codes, nr)


def test_adjudication_wins_over_everything() -> None:
    d = merge_item("i", FRAMES, {"a": c({"learning"}), "b": c({"learning"})},
                   adjudication=("judge", "2026-01-01", c({"innovation"}, {"tech"})))  # fmt: skip
    assert d.status == "final"
    assert d.coding.codes == {"literacy": {"innovation"}, "readiness": {"tech"}}
    assert d.provenance[("literacy", "innovation")].rule == "adjudicated"
    assert d.provenance[("literacy", "innovation")].coders == ("judge",)


def test_unanimous_and_single_coder() -> None:
    d = merge_item(
        "i", FRAMES, {"a": c({"learning"}, {"skills"}), "b": c({"learning"}, {"skills"})}
    )
    assert d.status == "final" and d.coding.codes["literacy"] == {"learning"}
    assert d.provenance[("readiness", "skills")].rule == "unanimous"
    assert d.provenance[("readiness", "skills")].coders == ("a", "b")
    one = merge_item("i", FRAMES, {"a": c({"learning"}, {"skills"})})
    assert one.provenance[("literacy", "learning")].rule == "single_coder"


def test_majority_and_tie() -> None:
    humans = {"a": c({"learning"}, {"skills"}), "b": c({"learning"}, {"drivers"}),
              "c": c({"learning", "innovation"}, {"skills"})}  # fmt: skip
    d = merge_item("i", FRAMES, humans)
    assert d.status == "final"
    assert d.coding.codes == {"literacy": {"learning"}, "readiness": {"skills"}}
    assert d.provenance[("readiness", "skills")].rule == "majority"
    assert d.provenance[("readiness", "skills")].coders == ("a", "c")
    tie = merge_item(
        "i", FRAMES, {"a": c({"learning"}, {"skills"}), "b": c({"learning"}, {"tech"})}
    )
    assert tie.status == "queued"
    assert "readiness/skills" in tie.reason and "readiness/tech" in tie.reason


def test_exclusions() -> None:
    both = merge_item("i", FRAMES, {"a": c(nr="off topic"), "b": c(nr="spam")})
    assert both.status == "excluded" and both.reason == "off topic"
    half = merge_item("i", FRAMES, {"a": c(nr="off topic"), "b": c({"learning"}, {"skills"})})
    assert half.status == "queued" and "exclusion" in half.reason
    most = merge_item("i", FRAMES, {"a": c(nr="x"), "b": c(nr="x"), "c": c({"learning"})})
    assert most.status == "excluded"
    assert most.provenance[("", "not_relevant")].rule == "majority"


def sug(decision: str | None, codes: set[str], edited: set[str] | None = None) -> Suggestion:
    return Suggestion(frozenset(codes), {k: 0.9 for k in codes}, "m1", decision,
                      "rev" if decision else None, "2026-01-02" if decision else None,
                      frozenset(edited) if edited is not None else None)  # fmt: skip


def test_suggestions_need_review_unless_asked() -> None:
    s = {"literacy": sug("accept", {"learning"}), "readiness": sug("edit", {"tech"}, {"skills"})}
    d = merge_item("i", FRAMES, {}, suggestions=s)
    assert d.status == "final"
    assert d.coding.codes == {"literacy": {"learning"}, "readiness": {"skills"}}
    p = d.provenance[("literacy", "learning")]
    assert (p.rule, p.model_version, p.score, p.reviewer) == (
        "accepted_suggestion",
        "m1",
        0.9,
        "rev",
    )
    assert d.provenance[("readiness", "skills")].rule == "reviewer_edit"
    unreviewed = {"literacy": sug(None, {"learning"}), "readiness": sug(None, {"skills"})}
    assert merge_item("i", FRAMES, {}, suggestions=unreviewed).status == "uncoded"
    flagged = merge_item("i", FRAMES, {}, suggestions=unreviewed, include_unreviewed=True)
    assert flagged.status == "final"
    assert all(p.unreviewed for p in flagged.provenance.values())
    rejected = {"literacy": sug("reject", {"learning"}), "readiness": sug("accept", {"skills"})}
    assert merge_item("i", FRAMES, {}, suggestions=rejected).status == "queued"
    partly = {"literacy": sug("accept", {"learning"}), "readiness": sug(None, {"skills"})}
    assert merge_item("i", FRAMES, {}, suggestions=partly).status == "queued"


def test_humans_outrank_suggestions() -> None:
    s = {"literacy": sug("accept", {"innovation"}), "readiness": sug("accept", {"tech"})}
    d = merge_item("i", FRAMES, {"a": c({"learning"}, {"skills"})}, suggestions=s)
    assert d.coding.codes == {"literacy": {"learning"}, "readiness": {"skills"}}
