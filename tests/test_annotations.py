"""The committed ``annotations/`` folder: up to date with the codebook and the example, and its
Label Studio export reads back as the example coders' codings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from coder.data.codings import Coding
from coder.data.contributions import ingest
from coder.data.moves import move_ideas, read_moves
from coder.data.store import Project, init_project
from coder.demo.annotations import (
    EXPORT_DIR,
    EXPORT_PREFIX,
    compare_annotations,
    example_codings,
    export_path,
)
from coder.demo.example import example_file
from coder.studio import config as cfg
from coder.studio.rounds import item_questions

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "annotations"
FIX = "run `.venv/bin/python scripts/annotations.py` and commit annotations/"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """A project holding the example's ideas, moved to the questions they are analysed under."""
    with init_project(tmp_path_factory.mktemp("annotations") / "example") as project:
        ingest(project, ideas=example_file("ideas.csv"))
        move_ideas(project, read_moves(example_file("moves.csv")))
        yield project


def test_the_committed_files_are_up_to_date() -> None:
    stale = compare_annotations(FOLDER)
    assert not stale, "annotations/ is stale, " + FIX + ":\n" + "\n".join(stale)


def test_every_view_has_its_committed_configs(example: Project) -> None:
    for view in cfg.views(example.codebook).values():
        for review in (False, True):
            path = FOLDER / cfg.CONFIG_DIR / f"{'review-' if review else ''}{view.key}.xml"
            assert path.exists(), f"{path} is missing: {FIX}"
            assert path.read_text(encoding="utf-8") == cfg.labeling_config(view, review), FIX


def _controls(view_key: str) -> set[tuple[str, str]]:
    """(name, toName) of every control tag of a committed coding config."""
    root = ET.parse(FOLDER / cfg.CONFIG_DIR / f"{view_key}.xml").getroot()
    return {(e.attrib["name"], e.attrib["toName"]) for e in root.iter() if "toName" in e.attrib}


def _read_exports(project: Project) -> dict[tuple[str, str], Coding]:
    """The committed exports read back with the pull's own result parser."""
    views = cfg.views(project.codebook)
    questions = item_questions(project)
    out: dict[tuple[str, str], Coding] = {}
    problems: list[tuple[str, ...]] = []

    def problem(*what: str) -> None:  # parse_result's (column, found, expected, fix)
        problems.append(what)

    files = sorted((FOLDER / EXPORT_DIR).glob(f"{EXPORT_PREFIX}*.json"))
    assert files, FIX
    for path in files:
        key = path.stem.removeprefix(EXPORT_PREFIX)
        view = views[key]
        controls = _controls(key)
        tasks = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(tasks, list)
        for task in tasks:
            item = task["data"]["item"]
            assert cfg.view_for(project.codebook, questions[item]).key == key, item
            assert task["data"]["question"] == cfg.question_text(project.codebook, questions[item])
            assert task["data"]["text"].strip()
            for ann in task["annotations"]:
                assert ann["task"] == task["id"] and not ann["was_cancelled"]
                for region in ann["result"]:
                    assert (region["from_name"], region["to_name"]) in controls, region
                parsed = cfg.parse_result(view, ann["result"], f"task {task['id']}", problem)
                coder = ann["completed_by"]["email"]
                assert (item, coder) not in out, (item, coder)
                out[(item, coder)] = Coding(
                    parsed.codes, parsed.reason if parsed.not_relevant else None
                )
    assert not problems, problems
    return out


def test_the_export_reads_back_as_the_example_codings(example: Project) -> None:
    want = example_codings(example)
    got = _read_exports(example)
    assert len(got) == len(want) == 240
    assert got == want
    assert sum(c.not_relevant_reason is not None for c in got.values()) == 12


def test_the_export_keeps_no_personal_data_the_redactor_finds() -> None:
    texts = [
        t["data"]["text"]
        for path in (FOLDER / EXPORT_DIR).glob(f"{EXPORT_PREFIX}*.json")
        for t in json.loads(path.read_text(encoding="utf-8"))
    ]
    assert any("[NAME]" in t or "[EMAIL]" in t for t in texts)
    assert not any("@examplenhs.net" in t for t in texts)


def test_export_paths_are_under_the_exports_folder() -> None:
    assert export_path("vision") == EXPORT_DIR / "example-vision.json"
