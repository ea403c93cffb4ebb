"""Importing codings: sets of codes per (idea, coder), exclusions, and bad coding files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coder.data.codebook import default_codebook_path
from coder.data.codings import codings_of, read_codings, store_codings
from coder.data.contributions import ingest
from coder.data.moves import move_ideas
from coder.data.store import Project, init_project
from coder.errors import InputError, NotFoundError
from tests.conftest import write_csv


def _project(tmp_path: Path, codebook: Path | None = None) -> Project:
    project = init_project(tmp_path / "p", codebook)
    ideas = [{"idea_id": f"i{n}", "question": q, "text": "t", "author_id": "a"}
             for n, q in enumerate(["I", "II", "II", "Other"])]  # fmt: skip
    ingest(project, ideas=write_csv(tmp_path / "ideas.csv", ideas))
    return project


def _rows(*rows: tuple[str, ...]) -> list[dict[str, object]]:
    return [
        dict(zip(["idea_id", "coder", "frame", "code", "reason"], r, strict=True)) for r in rows
    ]


def test_coding_is_a_set_per_idea_and_coder(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        path = write_csv(tmp_path / "c.csv", _rows(
            ("i0", "ann", "vision", "Empowered staff", ""),
            ("i0", "ann", "vision", "integration", ""),
            ("i0", "ann", "vision", "Integration of services", ""),  # same code by label
            ("i1", "ann", "literacy", "Learning", ""),
            ("i1", "ann", "readiness", "Skills", ""),
            ("i2", "ann", "", "not_relevant", "off topic"),
            ("i1", "bob", "", "", ""),  # seen, no code
        ))  # fmt: skip
        assert store_codings(project, read_codings(project, path)) == 4
        ann = codings_of(project, "ann")
        assert ann["i0"].codes == {"vision": {"empowered_staff", "integration"}}
        assert ann["i1"].codes == {"literacy": {"learning"}, "readiness": {"skills"}}
        assert ann["i2"].not_relevant_reason == "off topic"
        assert codings_of(project, "bob")["i1"].codes == {}
        # Same file again: nothing changes. A new coding of i0 replaces ann's earlier one.
        assert store_codings(project, read_codings(project, path)) == 0
        again = write_csv(
            tmp_path / "d.csv", _rows(("i0", "ann", "vision", "Empowered patients", ""))
        )
        assert store_codings(project, read_codings(project, again)) == 1
        assert codings_of(project, "ann")["i0"].codes == {"vision": {"empowered_patients"}}
        assert codings_of(project, "ann")["i1"].codes["literacy"] == {"learning"}
        with pytest.raises(NotFoundError, match="coders: ann, bob"):
            codings_of(project, "carol")


def test_bad_coding_file_reports_everything_and_stores_nothing(tmp_path: Path) -> None:
    data = yaml.safe_load(default_codebook_path().read_text())
    data["frames"][2]["selection"] = "exclusive"
    cb = tmp_path / "cb.yaml"
    cb.write_text(yaml.safe_dump(data))
    with _project(tmp_path, cb) as project:
        before = list(project.conn.iterdump())
        path = write_csv(tmp_path / "c.csv", _rows(
            ("nope", "ann", "vision", "Empowered staff", ""),
            ("i0", "ann", "literacy", "Learning", ""),
            ("i1", "ann", "literacy", "Lerning", ""),
            ("i1", "ann", "readiness", "Skills", ""),
            ("i1", "ann", "readiness", "Tech", ""),
            ("i2", "ann", "", "not_relevant", ""),
            ("i3", "ann", "vision", "Empowered staff", ""),
            ("i1", "", "readiness", "Tech", ""),
            ("i1", "bob", "themes", "Tech", ""),
        ))  # fmt: skip
        with pytest.raises(InputError) as info:
            read_codings(project, path)
        problems = {(p.row, p.column): p.found for p in info.value.problems}
        assert "unknown idea 'nope'" in problems[(2, "idea_id")]
        assert "frame 'literacy' on an idea of question 'I'" in problems[(3, "frame")]
        assert "'Lerning'" in problems[(4, "code")]
        assert "second code" in problems[(6, "code")]
        assert "without a reason" in problems[(7, "reason")]
        assert "question 'Other'" in problems[(8, "frame")]
        assert "empty coder" in problems[(9, "coder")]
        assert "'themes'" in problems[(10, "frame")]
        assert len(info.value.problems) == 8
        assert list(project.conn.iterdump()) == before


def test_moving_an_idea_changes_which_frames_apply(tmp_path: Path) -> None:
    with _project(tmp_path) as project:
        move_ideas(project, [("i3", "IV", "an example")])
        path = write_csv(tmp_path / "c.csv", _rows(("i3", "ann", "literacy", "Learning", "")))
        store_codings(project, read_codings(project, path))
        assert codings_of(project, "ann")["i3"].codes == {"literacy": {"learning"}}
