"""Push a round's items to Label Studio: idempotent, resumable, redacted, blind.

For each coder and view, the round gets a Label Studio project of its own (the open-source
edition has no task assignment, so a coder's project holds exactly their tasks), in the coder's
desk: their own organization, which no other coder can list or open (see
:mod:`coder.studio.client`). Accounts and desks are made first, and the report names the
accounts this push created. A closed round (:func:`coder.studio.pull.close`) takes no new
tasks. Texts are redacted (:mod:`coder.data.redact`) before they leave the store.

Tasks go in batches; after each batch the task <-> item mapping is committed. Before pushing
to a project, its task count is compared with the mapping; when they differ (a push was cut
off between Label Studio's import and the store's commit, or tasks were deleted in the UI),
the project's tasks are listed and the mapping is rebuilt from the item id each task carries,
so a re-run neither duplicates nor loses a task. Transient failures are retried the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from coder.data.redact import Redactor, redact_cached
from coder.data.store import Project, now
from coder.errors import CoderError
from coder.studio import config as cfg
from coder.studio.client import Studio
from coder.studio.errors import StudioError, TransientError, describe, is_transient
from coder.studio.rounds import (
    ANY_REVIEWER,
    assigned_items,
    create_round,
    is_closed,
    item_questions,
    load_round,
    studio_uid,
)
from coder.studio.sample import Assignment, stratified_assignment

Progress = Callable[[int, int], None]
TaskBuilder = Callable[[str, dict[str, Any]], dict[str, Any]]
BATCH = 2000


@dataclass
class PushReport:
    """What a push did."""

    round_id: str
    projects: int = 0
    created_projects: int = 0
    tasks: int = 0  # tasks the round has in Label Studio now
    pushed: int = 0  # tasks sent by this run
    recovered: int = 0  # tasks found in Label Studio that the store had not recorded
    configs_restored: int = 0
    accounts: list[str] = field(default_factory=list)  # everyone the round's projects are for
    created_accounts: list[str] = field(default_factory=list)  # accounts this push made
    held_back: dict[str, int] = field(default_factory=dict)  # review: items per open round


def sample_round(
    project: Project,
    round_id: str,
    coders: Sequence[str],
    n: int,
    overlap: float,
    seed: int = 0,
    questions: Sequence[str] | None = None,
) -> Assignment:
    """Draw a coding round's sample (or return the stored one when the same was asked).

    Items of questions without frames and items already in another coding round are left
    out. See :func:`coder.studio.sample.stratified_assignment`.
    """
    settings = {"n": n, "overlap": overlap, "seed": seed, "coders": list(coders),
                "questions": list(questions) if questions else None}  # fmt: skip
    existing = load_round(project, round_id, missing_ok=True)
    if existing is not None and existing.settings == settings:
        return existing.assignment
    taken = assigned_items(project, "coding")
    eligible = {
        item: q
        for item, q in item_questions(project).items()
        if project.codebook.frames_for(q)
        and item not in taken
        and (not questions or q in questions)
    }
    assignment = stratified_assignment(eligible, n, overlap, list(coders), seed)
    create_round(project, round_id, assignment, "coding", settings)
    return assignment


def push_round(
    project: Project,
    studio: Studio,
    round_id: str,
    *,
    batch_size: int = BATCH,
    progress: Progress | None = None,
    redactor: Redactor | None = None,
    echo: Callable[[str], None] | None = None,
) -> PushReport:
    """Push a coding round: accounts, one project per (coder, view), the missing tasks.

    Coding projects show no model suggestions (``show_collab_predictions`` off, and none is
    sent). Returns a :class:`PushReport`; raises
    :class:`~coder.studio.errors.TransientError` when Label Studio stays unreachable
    (what was pushed stays recorded: run the push again to resume).
    """
    rnd = load_round(project, round_id)
    assert rnd is not None
    if rnd.kind != "coding":
        raise CoderError(f"round {round_id!r} is a review round; push it with the review commands")
    cfg.preload_validator(project.annotations_dir, project.codebook)
    report = PushReport(round_id)

    def build(item: str, base: dict[str, Any]) -> dict[str, Any]:
        return {"data": base}

    push_projects(project, studio, rnd.round_id, rnd.assignment.items, build, report,
                   review=False, batch_size=batch_size, progress=progress, redactor=redactor,
                   echo=echo, closed=is_closed(project, round_id))  # fmt: skip
    return report


def push_projects(
    project: Project,
    studio: Studio,
    round_id: str,
    items_by_coder: Mapping[str, Sequence[str]],
    build: TaskBuilder,
    report: PushReport,
    *,
    review: bool,
    batch_size: int,
    progress: Progress | None,
    redactor: Redactor | None,
    echo: Callable[[str], None] | None,
    closed: bool = False,
) -> None:
    """Make the people's accounts and desks, one project per (person, view) in their desk, and
    push the tasks each project lacks (see the module's description)."""
    questions = item_questions(project)
    cb = project.codebook
    plan: dict[tuple[str, str], list[str]] = {}
    views: dict[str, cfg.View] = {}
    for coder, items in items_by_coder.items():
        for item in items:
            view = cfg.view_for(cb, questions[item])
            views[view.key] = view
            plan.setdefault((coder, view.key), []).append(item)
    uid = studio_uid(project)
    people = sorted(items_by_coder)
    if ANY_REVIEWER in people:
        raise CoderError(
            f"round {round_id!r} was made for any reviewer, before each person had a desk of "
            "their own; push the suggestions to a new round (--round)"
        )
    # Projects made before desks (in the admin's organization) move into their coder's desk.
    legacy = [
        (pid, parts[-2])
        for key, pid in studio.projects_by_key().items()
        if (parts := key.split("/"))[0] == uid
        and "/".join(parts[1:-2]) == round_id
        and parts[-2] in people
    ]
    accounts = studio.ensure_people(people, adopt=legacy)
    report.accounts = people
    report.created_accounts = sorted(accounts.created)
    tokens = {p: accounts.accounts[p].desk_token for p in people}
    on_server = {p: studio.projects_by_key(tokens[p]) for p in people}
    targets: list[tuple[int, list[str], str]] = []
    for (coder, key), items in sorted(plan.items()):
        _, xml = cfg.write_config(project.annotations_dir, views[key], review=review)
        texts = cfg.project_texts(views[key], len(items), round_id, review)
        pid = _ensure_project(project, studio, on_server[coder], uid, round_id, coder, key, xml,
                              review, report, texts, tokens[coder])  # fmt: skip
        targets.append((pid, items, tokens[coder]))
    report.projects = len(targets)
    # What is missing, per project (rebuilding the mapping where it disagrees with the server).
    todo: list[tuple[int, list[str], str]] = []
    for pid, items, token in targets:
        missing = _missing(project, studio, pid, items, report, token)
        if missing:
            todo.append((pid, missing, token))
    total = sum(len(m) for _, m, _ in todo)
    if closed and total:
        raise CoderError(
            f"round {round_id!r} is closed, and {total} of its tasks are not in Label Studio; "
            "a closed round takes no new tasks: draw a new round for them"
        )
    all_items = sorted({i for _, m, _ in todo for i in m})
    texts = dict(
        zip(all_items, redact_cached(project, _texts(project, all_items), redactor), strict=True)
    )
    done = 0
    if progress:
        progress(0, total)

    def payload(batch: list[str]) -> list[dict[str, Any]]:
        return [
            build(item, {"text": texts[item], "item": item,
                         "question": cfg.question_text(cb, questions[item])})
            for item in batch
        ]  # fmt: skip

    # One batch in flight at a time; the next one is built while Label Studio imports it.
    with ThreadPoolExecutor(max_workers=1) as sender:
        for pid, missing, token in todo:
            batches = [missing[i : i + batch_size] for i in range(0, len(missing), batch_size)]
            tasks = payload(batches[0])
            for k, batch in enumerate(batches):
                sent = sender.submit(studio.import_tasks, pid, tasks)
                following = payload(batches[k + 1]) if k + 1 < len(batches) else []
                try:
                    ids = sent.result()
                except Exception as exc:
                    ids = _import_with_retry(project, studio, pid, batch, tasks, report, token,
                                             exc)  # fmt: skip
                _record(project, pid, list(zip(batch, ids, strict=True)))
                report.pushed += sum(1 for i in ids if i > 0)
                done += len(batch)
                tasks = following
                if progress:
                    progress(done, total)
    report.tasks = sum(
        project.conn.execute(
            "SELECT COUNT(*) FROM studio_tasks WHERE ls_project_id = ?", (pid,)
        ).fetchone()[0]
        for pid, _, _ in targets
    )
    if echo and report.recovered:
        echo(f"Recovered {report.recovered} tasks pushed by an interrupted run")


def _texts(project: Project, items: Sequence[str]) -> list[str]:
    out: dict[str, str] = {}
    for i in range(0, len(items), 500):
        chunk = list(items[i : i + 500])
        out.update(
            project.conn.execute(
                f"SELECT idea_id, text FROM ideas WHERE idea_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        )
    return [out[i] for i in items]


def _ensure_project(
    project: Project,
    studio: Studio,
    on_server: dict[str, int],
    uid: str,
    round_id: str,
    coder: str,
    view: str,
    xml: str,
    review: bool,
    report: PushReport,
    texts: dict[str, str],
    token: str,
) -> int:
    key = f"{uid}/{round_id}/{coder}/{view}"
    row = project.conn.execute(
        "SELECT ls_project_id, config_sha256 FROM studio_projects "
        "WHERE round_id = ? AND coder_id = ? AND view = ?",
        (round_id, coder, view),
    ).fetchone()
    pid = on_server.get(key)
    if pid is not None:
        studio.desks[pid] = token
    sha = cfg.config_sha(xml)
    if pid is None:
        pid = studio.create_project(
            texts["title"], key, xml, show_predictions=review, maximum=1,
            description=texts["description"], instructions=texts["instructions"], token=token,
        )  # fmt: skip
        on_server[key] = pid
        report.created_projects += 1
    else:
        # Edited in the UI, or made by an older coder: the codebook's config and texts win.
        detail = studio.project(pid, token)
        wanted = {
            "label_config": xml,
            "title": texts["title"],
            "description": texts["description"],
            "expert_instruction": texts["instructions"] + cfg.key_tag(key),
            "show_instruction": True,
        }
        fields = {k: v for k, v in wanted.items() if _differs(detail.get(k), v)}
        if "label_config" in fields:
            report.configs_restored += 1
        if fields:
            studio.update_project(pid, fields, token)
    if row is None or int(row[0]) != pid or row[1] != sha:
        with project.transaction() as conn:
            if row is not None and int(row[0]) != pid:
                # The stored project is not on this server (another data dir): forget it.
                conn.execute("DELETE FROM studio_projects WHERE ls_project_id = ?", (row[0],))
            conn.execute(
                "INSERT OR REPLACE INTO studio_projects(round_id, coder_id, view, ls_project_id,"
                " config_sha256, created_at) VALUES (?,?,?,?,?,?)",
                (round_id, coder, view, pid, sha, now()),
            )
    return pid


def _differs(found: Any, wanted: Any) -> bool:
    if isinstance(wanted, str):
        return str(found or "").strip() != wanted.strip()
    return bool(found != wanted)


def _missing(
    project: Project,
    studio: Studio,
    pid: int,
    items: Sequence[str],
    report: PushReport,
    token: str | None,
) -> list[str]:
    mapped = {
        r[0]: int(r[1])
        for r in project.conn.execute(
            "SELECT item_id, ls_task_id FROM studio_tasks WHERE ls_project_id = ?", (pid,)
        )
    }
    if studio.task_count(pid, token) != len(mapped):
        mapped = _reconcile(project, studio, pid, set(items), mapped, report, token)
    return [i for i in items if i not in mapped]


def _reconcile(
    project: Project,
    studio: Studio,
    pid: int,
    wanted: set[str],
    mapped: dict[str, int],
    report: PushReport,
    token: str | None,
) -> dict[str, int]:
    """Make the stored mapping of one project equal to the tasks it holds on the server."""
    server = {i: t for i, t in studio.task_items(pid, token).items() if i in wanted}
    report.recovered += len(set(server) - set(mapped))
    with project.transaction() as conn:
        conn.execute("DELETE FROM studio_tasks WHERE ls_project_id = ?", (pid,))
        stamp = now()
        conn.executemany(
            "INSERT INTO studio_tasks(ls_project_id, item_id, ls_task_id, pushed_at)"
            " VALUES (?,?,?,?)",
            [(pid, i, t, stamp) for i, t in server.items()],
        )
    return server


def _import_with_retry(
    project: Project,
    studio: Studio,
    pid: int,
    batch: list[str],
    tasks: list[dict[str, Any]],
    report: PushReport,
    token: str | None,
    failure: BaseException | None = None,
) -> list[int]:
    """Import a batch (``failure``: how a first attempt failed); after a transient failure,
    check what arrived before sending again.

    Returns a task id per item (ids of tasks found already imported are negated, so the
    caller does not count them as pushed by this call).
    """
    pause = studio.backoff
    last: BaseException | None = failure
    send = failure is None
    for _ in range(studio.retries + 1):
        if send:
            try:
                return studio.import_tasks(pid, tasks)
            except Exception as exc:
                last = exc
        assert last is not None
        if not is_transient(last):
            if isinstance(last, StudioError):
                raise last
            # The answer's body is not shown: it may quote the tasks' texts.
            raise StudioError(
                f"Label Studio refused tasks for project {pid} ({describe(last)}); see the "
                "server's log, and check that the project's config is coder's"
            ) from last
        time.sleep(pause)
        pause *= 2
        # Never send again before knowing what the failed attempt left in Label Studio.
        try:
            on_server = {i: t for i, t in studio.task_items(pid, token).items() if i in set(batch)}
        except Exception as exc:
            if not is_transient(exc) and not isinstance(exc, TransientError):
                raise
            send = False  # the server is still away: wait and look again
            continue
        send = True
        if on_server:
            report.recovered += len(on_server)
            _record(project, pid, list(on_server.items()))
            rest = [k for k, item in enumerate(batch) if item not in on_server]
            if not rest:
                return [-on_server[i] for i in batch]
            ids = _import_with_retry(
                project, studio, pid, [batch[k] for k in rest], [tasks[k] for k in rest],
                report, token,
            )  # fmt: skip
            by_item = dict(zip([batch[k] for k in rest], ids, strict=True))
            return [-on_server[i] if i in on_server else by_item[i] for i in batch]
    pushed = project.conn.execute(
        "SELECT COUNT(*) FROM studio_tasks WHERE ls_project_id = ?", (pid,)
    ).fetchone()[0]
    raise TransientError(
        f"pushing to Label Studio project {pid} failed {studio.retries + 1} times "
        f"({describe(last) if last else 'no answer'}); {pushed} of its tasks are in Label "
        "Studio and recorded. Check that the server is up (coder studio status) and run the "
        "push again: it resumes without duplicates"
    ) from last


def _record(project: Project, pid: int, pairs: list[tuple[str, int]]) -> None:
    stamp = now()
    with project.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO studio_tasks(ls_project_id, item_id, ls_task_id, pushed_at)"
            " VALUES (?,?,?,?)",
            [(pid, item, abs(task), stamp) for item, task in pairs],
        )
