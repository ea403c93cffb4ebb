"""`coder codings show`: every code of an item from every source, with where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.errors import NotFoundError
from coder.reconcile.rules import reconcile
from coder.tables.item import COLUMNS, item_codes
from tests.test_reconcile_store import _project, _review, _suggest


def test_every_source_of_an_item(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        _suggest(project, "i4", {"literacy": {"collaboration"}, "readiness": {"attitudes"}})
        _review(project, "i4", "literacy", "accept", ["collaboration"])
        _review(project, "i4", "readiness", "edit", ["drivers"])
        reconcile(project)
        rows = item_codes(project, "i4")
        assert list(rows.columns) == COLUMNS
        got = [tuple(r) for r in rows[["source", "who", "frame", "codes"]].itertuples(index=False)]
        assert got == [
            ("model", "m1", "literacy", "collaboration"),
            ("model", "m1", "readiness", "attitudes"),
            ("review", "rev@x", "literacy", "collaboration"),
            ("review", "rev@x", "readiness", "drivers"),
            ("final", "final", "literacy", "collaboration"),
            ("final", "final", "readiness", "drivers"),
        ]
        detail = dict(zip(rows["source"] + "/" + rows["frame"], rows["detail"], strict=True))
        assert detail["model/literacy"] == "scores collaboration (0.90)"
        assert detail["review/readiness"] == "edit of model m1's no code"
        assert detail["final/readiness"] == "rule reviewer_edit"


def test_humans_ties_and_exclusions(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        reconcile(project)
        table = item_codes(project)
        shown = table[table.idea_id.isin(["i1", "i3"])]
        assert [tuple(r) for r in shown.drop(columns="question").itertuples(index=False)] == [
            ("i1", "literacy", "coder", "ann", "learning", ""),
            ("i1", "literacy", "coder", "bob", "learning", ""),
            ("i1", "readiness", "coder", "ann", "skills", ""),
            ("i1", "readiness", "coder", "bob", "tech", ""),
            ("i1", "", "final", "queued", "", "not final: tie on readiness/skills, readiness/tech"),
            ("i3", "", "coder", "ann", "not relevant", "off topic"),
            ("i3", "", "coder", "bob", "not relevant", "spam"),
            ("i3", "", "final", "excluded", "not relevant", "rule unanimous"),
        ]
        # Texts never appear.
        assert not table.apply(lambda r: r.astype(str).str.contains("idea 3")).any().any()


def test_unknown_item_says_how_to_find_one(tmp_path: Path) -> None:
    with _project(tmp_path) as project, pytest.raises(NotFoundError, match="no idea 'nope'"):
        item_codes(project, "nope")
