"""Pull coders' annotations from Label Studio into the store, all or nothing.

Each project of a round is exported in full (Label Studio's JSON export with annotators'
emails: the CSV and JSON-MIN exports flatten multi-select answers inconsistently). Every
annotation is checked against the project's view before anything is written: a code that is
not in the codebook (the config was edited in the UI), a control that is not a frame, two
codes in an exclusive frame, an exclusion without a reason, or a task coder did not push stops
the pull with every problem listed, and the store is left as it was.

Then, in one transaction, each annotation becomes a coding: (item, coder) -> a set of codes
per frame, or an exclusion with its reason, replacing that coder's earlier coding of the item
(as ``coder codings import`` does), with its Label Studio metadata (annotation id, created and
updated times, lead time, comment) in ``studio_annotations``. Cancelled (skipped) annotations
are left out, drafts are never read, and when a coder annotated a task twice the latest
annotation counts. Raw exports are archived under ``annotations/labelstudio/exports/`` (one
file per distinct content, so pulling twice changes nothing).

A round whose every coder has coded every item, as pulled, is closed by the pull; :func:`close`
closes one that is not complete (a coder who will not finish). Only the items of closed rounds
may go to a review round (see :mod:`coder.studio.rounds`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coder.data.codings import Coding, write_codings
from coder.data.store import Project
from coder.errors import InputError, Problem
from coder.studio import config as cfg
from coder.studio.client import Studio
from coder.studio.rounds import (
    ANY_REVIEWER,
    StudioProject,
    is_closed,
    item_questions,
    load_round,
    mark_closed,
    rounds,
    studio_projects,
    task_map,
)

EXPORT_DIR = Path("labelstudio") / "exports"


@dataclass(frozen=True)
class Pulled:
    """One submitted annotation, read and checked."""

    item: str
    coder: str
    coding: Coding
    annotation_id: int
    project_id: int
    task_id: int
    created_at: str
    updated_at: str
    lead_time: float | None
    comment: str


@dataclass
class PullReport:
    """What a pull read and stored."""

    projects: int = 0
    annotations: int = 0  # submitted annotations read
    codings: int = 0  # (item, coder) codings pulled
    changed: int = 0  # codings new or changed in the store
    cancelled: int = 0  # skipped annotations, left out
    drafts: int = 0  # drafts seen, never read
    superseded: int = 0  # older annotations of a coder on the same task
    outside_assignment: int = 0  # annotations by someone the project is not for
    archived: list[Path] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)  # rounds this pull found complete


def read_export(
    project: Project,
    sp: StudioProject,
    tasks: list[dict[str, Any]],
    problems: list[Problem],
    report: PullReport,
) -> list[Pulled]:
    """Read a project's export against its view; problems are appended to ``problems``."""
    source = f"Label Studio project {sp.ls_project_id} ({sp.coder_id}, {sp.view})"
    view = cfg.views(project.codebook).get(sp.view)
    if view is None:
        problems.append(
            Problem(source, None, None, f"the view {sp.view!r}", "a view of the current codebook",
                    "the codebook changed after the push: push a new round")
        )  # fmt: skip
        return []
    mapping = task_map(project, sp.ls_project_id)
    questions = item_questions(project)
    out: list[Pulled] = []
    for task in tasks:
        task_id = int(task.get("id", 0))
        report.drafts += len(task.get("drafts") or [])
        item = mapping.get(task_id)
        data_item = (task.get("data") or {}).get("item")
        if item is None or (data_item is not None and str(data_item) != item):
            problems.append(
                Problem(source, task_id, "data.item",
                        f"a task coder did not push (item {data_item!r})",
                        "only tasks pushed by coder",
                        "run `coder studio push` (it records tasks an interrupted push left "
                        "behind), or delete the task in Label Studio")
            )  # fmt: skip
            continue
        if cfg.view_for(project.codebook, questions[item]).key != sp.view:
            problems.append(
                Problem(source, task_id, "item",
                        f"{item!r}, moved to another question after the push",
                        f"an item coded with the frames {sp.view}",
                        "push the item again in a new round")
            )  # fmt: skip
            continue
        for ann in task.get("annotations") or []:
            if ann.get("was_cancelled"):
                report.cancelled += 1
                continue
            report.annotations += 1
            user = ann.get("completed_by")
            if not isinstance(user, dict) or not user.get("email"):
                problems.append(
                    Problem(source, task_id, "completed_by", repr(user)[:40],
                            "the annotator's user object with an email",
                            "export with full user details (coder does this)")
                )  # fmt: skip
                continue
            coder = str(user["email"]).strip().lower()
            where = f"task {task_id}, annotation {ann.get('id')}"

            def problem(column: str, found: str, expected: str, fix: str,
                        task_id: int = task_id) -> None:  # fmt: skip
                problems.append(Problem(source, task_id, column, found, expected, fix))

            parsed = cfg.parse_result(view, ann.get("result") or [], where, problem)
            if parsed.not_relevant and not parsed.reason:
                problem(
                    cfg.REASON,
                    f"an exclusion without a reason ({where}, by {coder})",
                    "why the item is not relevant",
                    "ask the coder to write the reason in Label Studio and submit again",
                )
            if sp.coder_id not in (ANY_REVIEWER, coder):
                report.outside_assignment += 1
            coding = Coding(parsed.codes, parsed.reason if parsed.not_relevant else None)
            out.append(
                Pulled(item, coder, coding, int(ann["id"]), sp.ls_project_id, task_id,
                       str(ann.get("created_at", "")), str(ann.get("updated_at", "")),
                       _float(ann.get("lead_time")), parsed.comment)
            )  # fmt: skip
    return out


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def latest(pulled: list[Pulled], report: PullReport) -> dict[tuple[str, str], Pulled]:
    """One annotation per (item, coder): the last updated (then the highest id)."""
    out: dict[tuple[str, str], Pulled] = {}
    for p in sorted(pulled, key=lambda p: (p.updated_at, p.annotation_id)):
        if (p.item, p.coder) in out:
            report.superseded += 1
        out[(p.item, p.coder)] = p
    return out


def fetch(
    project: Project, studio: Studio, projects: list[StudioProject], report: PullReport
) -> tuple[list[Pulled], list[tuple[int, bytes]]]:
    """Export and read projects; raise :class:`InputError` with every problem found."""
    problems: list[Problem] = []
    pulled: list[Pulled] = []
    raws: list[tuple[int, bytes]] = []
    for sp in projects:
        token = None if sp.coder_id == ANY_REVIEWER else studio.desk_token(sp.coder_id)
        if token:
            studio.desks[sp.ls_project_id] = token
        raw = studio.export(sp.ls_project_id)
        raws.append((sp.ls_project_id, raw))
        try:
            tasks = json.loads(raw)
        except ValueError:
            tasks = None
        if not isinstance(tasks, list):
            problems.append(
                Problem(f"Label Studio project {sp.ls_project_id}", None, None,
                        "an export that is not a JSON list of tasks",
                        "Label Studio's JSON export", "check the server's version")
            )  # fmt: skip
            continue
        pulled += read_export(project, sp, tasks, problems, report)
        report.projects += 1
    if problems:
        raise InputError(problems)
    return pulled, raws


def archive(project: Project, raws: list[tuple[int, bytes]]) -> list[Path]:
    """Keep raw exports under ``annotations/labelstudio/exports`` (one file per content)."""
    folder = project.annotations_dir / EXPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for pid, raw in raws:
        path = folder / f"project-{pid}-{hashlib.sha256(raw).hexdigest()[:16]}.json"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(raw)
            tmp.replace(path)
        out.append(path)
    return out


def pull(project: Project, studio: Studio, round_id: str | None = None) -> PullReport:
    """Pull the annotations of one coding round (default: every coding round) into the store.

    Raises
    ------
    InputError
        listing every annotation that does not fit the codebook; nothing is stored then.
    """
    chosen = [round_id] if round_id else rounds(project, "coding")
    for r in chosen:
        rnd = load_round(project, r)
        if rnd is not None and rnd.kind != "coding":
            raise InputError([Problem("round", None, None, f"the review round {r!r}",
                                      "a coding round", "pull reviews with `coder studio "
                                      "review-pull`")])  # fmt: skip
    projects = [sp for r in chosen for sp in studio_projects(project, r)]
    report = PullReport()
    pulled, raws = fetch(project, studio, projects, report)
    chosen_annotations = latest(pulled, report)
    report.codings = len(chosen_annotations)
    report.archived = archive(project, raws)
    with project.transaction() as conn:
        report.changed = write_codings(
            conn,
            {key: p.coding for key, p in chosen_annotations.items()},
            "human",
            action="studio pull",
            reason="pulled from Label Studio",
            refs={
                key: f"Label Studio annotation {p.annotation_id} (project {p.project_id}, "
                f"task {p.task_id})"
                for key, p in chosen_annotations.items()
            },
        )
        for (item, coder), p in sorted(chosen_annotations.items()):
            conn.execute(
                "INSERT OR REPLACE INTO studio_annotations(idea_id, coder_id, ls_annotation_id,"
                " ls_project_id, ls_task_id, created_at, updated_at, lead_time, comment)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (item, coder, p.annotation_id, p.project_id, p.task_id, p.created_at,
                 p.updated_at, p.lead_time, p.comment or None),
            )  # fmt: skip
    for r in chosen:
        if not is_closed(project, r) and _complete(project, r):
            mark_closed(project, r)
            report.closed.append(r)
    return report


def _complete(project: Project, round_id: str) -> bool:
    """True when every coder's every item of the round has a pulled annotation."""
    left = project.conn.execute(
        "SELECT COUNT(*) FROM studio_assignments a WHERE a.round_id = ? AND NOT EXISTS ("
        " SELECT 1 FROM studio_annotations s JOIN studio_projects p USING (ls_project_id)"
        " WHERE p.round_id = a.round_id AND s.idea_id = a.item_id AND s.coder_id = a.coder_id)",
        (round_id,),
    ).fetchone()[0]
    return int(left) == 0


def close(project: Project, studio: Studio, round_id: str) -> PullReport:
    """Pull a coding round once more, then close it: its items may then go to a review round,
    and it takes no new tasks. Closing a closed round pulls it again and changes nothing else.

    Raises
    ------
    InputError
        as :func:`pull` does; the round stays open then.
    """
    rnd = load_round(project, round_id)
    assert rnd is not None
    if rnd.kind != "coding":
        raise InputError([Problem("round", None, None, f"the review round {round_id!r}",
                                  "a coding round", "only coding rounds are closed")])  # fmt: skip
    report = pull(project, studio, round_id)
    mark_closed(project, round_id)
    return report
