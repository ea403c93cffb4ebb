"""The generated files of the repository's ``annotations/`` folder, for the bundled example.

:func:`build_annotations` writes, from the bundled codebook and example, the same layout a
project keeps under ``PROJECT_DIR/annotations``:

``labelstudio/configs/<view>.xml`` and ``review-<view>.xml``
    the Label Studio labelling configs of every view of the codebook, for coding and for
    reviewing a model's suggestions (what ``coder studio config`` writes, validated with the
    Label Studio SDK);
``coding_manual.md`` and ``coding_manual.html``
    the coding manual (:mod:`coder.data.manual`);
``labelstudio/exports/example-<view>.json``
    the example coders' codings (``coder/data/example/coder_codings.csv``) as the JSON export
    of a Label Studio project holding that view's tasks: a list of tasks with the data coder
    pushes (the redacted text, the item id, the question) and one annotation per coder who coded
    the item, with ``completed_by`` as the user (id and email) and a ``result`` of choices per
    frame (``from_name`` the frame id, ``to_name`` the text), or the "Not relevant" choice
    with its reason. Reading them back with :func:`coder.studio.config.parse_result` gives
    the codings of the CSV exactly. Task, annotation and user ids are numbered in order; the
    synthetic coders left no times, so there are none.

Everything is deterministic: the same codebook and example give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from coder.data.codings import Coding, read_codings
from coder.data.contributions import ingest
from coder.data.manual import manual_html, manual_markdown
from coder.data.moves import move_ideas, read_moves
from coder.data.redact import Redactor, redact_cached
from coder.data.store import Project, init_project
from coder.demo.example import example_file
from coder.studio import config as cfg
from coder.studio.rounds import item_questions

MANUAL = "coding_manual"
EXPORT_DIR = Path("labelstudio") / "exports"
EXPORT_PREFIX = "example-"
CODINGS = "coder_codings.csv"
# What build_annotations owns in the folder (anything else there is written by hand).
GENERATED = ("labelstudio/configs/*.xml", "labelstudio/exports/example-*.json", f"{MANUAL}.*")


def example_codings(project: Project) -> dict[tuple[str, str], Coding]:
    """The example coders' codings, by (idea, coder), read as ``coder codings import`` does."""
    return read_codings(project, example_file(CODINGS))


def _region_id(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode("utf-8")).hexdigest()[:10]


def annotation_result(view: cfg.View, coding: Coding, key: str) -> list[dict[str, Any]]:
    """The Label Studio result of one coding: its choices per frame, then any exclusion.

    ``key`` makes the regions' ids (Label Studio's are random; these are a digest of it).
    """
    regions = cfg.choices_result(view, coding.codes)
    if coding.not_relevant_reason is not None:
        regions += cfg.exclusion_result(coding.not_relevant_reason)
    return [{"id": _region_id(key, r["from_name"]), **r, "origin": "manual"} for r in regions]


def example_exports(
    project: Project, codings: Mapping[tuple[str, str], Coding], redactor: Redactor | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The codings as Label Studio JSON exports, one per view (by view key).

    Parameters
    ----------
    project : Project
        holds the ideas (texts and analysis questions) and the codebook.
    codings : mapping of (idea id, coder) to Coding
        what each coder coded.
    redactor : Redactor, optional
        redacts the texts, as a push does (default: :class:`~coder.data.redact.Redactor`).
    """
    cb = project.codebook
    questions = item_questions(project)
    items = sorted({item for item, _ in codings})
    texts = dict(
        project.conn.execute(
            f"SELECT idea_id, text FROM ideas WHERE idea_id IN ({','.join('?' * len(items))})",
            items,
        )
    )
    redacted = dict(
        zip(items, redact_cached(project, [texts[i] for i in items], redactor), strict=True)
    )
    users = {coder: n for n, coder in enumerate(sorted({c for _, c in codings}), start=1)}
    by_view: dict[str, list[str]] = {}
    for item in items:
        by_view.setdefault(cfg.view_for(cb, questions[item]).key, []).append(item)
    out: dict[str, list[dict[str, Any]]] = {}
    task_id = annotation_id = 0
    for project_id, (key, view_items) in enumerate(sorted(by_view.items()), start=1):
        view = cfg.view_for(cb, questions[view_items[0]])
        tasks = out.setdefault(key, [])
        for inner_id, item in enumerate(view_items, start=1):
            task_id += 1
            annotations = []
            for coder in sorted(users):
                coding = codings.get((item, coder))
                if coding is None:
                    continue
                annotation_id += 1
                annotations.append({
                    "id": annotation_id,
                    "completed_by": {"id": users[coder], "email": coder,
                                     "first_name": "", "last_name": ""},
                    "result": annotation_result(view, coding, f"{task_id}/{coder}"),
                    "was_cancelled": False,
                    "ground_truth": False,
                    "lead_time": None,
                    "task": task_id,
                    "project": project_id,
                })  # fmt: skip
            tasks.append({
                "id": task_id,
                "annotations": annotations,
                "drafts": [],
                "predictions": [],
                "data": {"text": redacted[item], "item": item,
                         "question": cfg.question_text(cb, questions[item])},
                "meta": {},
                "inner_id": inner_id,
                "total_annotations": len(annotations),
                "cancelled_annotations": 0,
                "total_predictions": 0,
                "project": project_id,
            })  # fmt: skip
    return out


def export_path(view_key: str) -> Path:
    """Where the example's export of a view is kept, relative to ``annotations/``."""
    return EXPORT_DIR / f"{EXPORT_PREFIX}{view_key}.json"


def build_annotations(out: str | Path, redactor: Redactor | None = None) -> list[Path]:
    """Write the generated files of ``annotations/`` into ``out``; return them in order.

    Generated files of an earlier run that are not generated any more (a view the codebook no
    longer has) are removed; files that do not match :data:`GENERATED` are left alone (the
    redaction set and the README are written by hand).
    """
    out = Path(out)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp, init_project(Path(tmp) / "example") as project:
        cb = project.codebook
        for view in cfg.views(cb).values():
            for review in (False, True):
                path, _ = cfg.write_config(out, view, review)
                written.append(path)
        for suffix, text in (("md", manual_markdown(cb)), ("html", manual_html(cb))):
            path = out / f"{MANUAL}.{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
        ingest(project, ideas=example_file("ideas.csv"))
        move_ideas(project, read_moves(example_file("moves.csv")))
        exports = example_exports(project, example_codings(project), redactor)
        for key, tasks in exports.items():
            path = out / export_path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            # One task per line: a JSON list that diffs task by task.
            lines = ",\n".join(json.dumps(t, ensure_ascii=False) for t in tasks)
            text = f"[\n{lines}\n]\n"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for path in _generated(out) - set(written):
        path.unlink()
    return written


def _generated(folder: Path) -> set[Path]:
    return {p for pattern in GENERATED for p in folder.glob(pattern) if p.is_file()}


def compare_annotations(folder: str | Path, redactor: Redactor | None = None) -> list[str]:
    """How the generated files in ``folder`` differ from what :func:`build_annotations` writes
    now: one line per file that is missing, differs or is not generated any more (an empty
    list when the folder is up to date)."""
    folder = Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        build_annotations(fresh, redactor)
        want = {p.relative_to(fresh): p.read_bytes() for p in _generated(fresh)}
    have = {p.relative_to(folder): p for p in _generated(folder)}
    out = []
    for rel in sorted(set(want) | set(have)):
        if rel not in have:
            out.append(f"{rel}: missing")
        elif rel not in want:
            out.append(f"{rel}: not generated any more")
        elif have[rel].read_bytes() != want[rel]:
            out.append(f"{rel}: differs from what the codebook and example give now")
    return out
