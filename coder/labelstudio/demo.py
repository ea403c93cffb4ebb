"""The example's round trip through a real Label Studio.

On a project the normal demo built (example ingested, the two example coders' codings in
``coder/data/example/coder_codings.csv``), :func:`run_studio_demo` starts Label Studio, makes
accounts for alex@example.org and sam@example.org, pushes each coder's items to their own
projects, posts each coder's codings through the API *as that coder*, pulls everything back
and checks that the store holds exactly the example codings (codes, and exclusions with their
reasons), then reports agreement on the items both coded.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from coder.codings import Coding, codings_of, read_codings
from coder.example import example_file
from coder.labelstudio import config as cfg
from coder.labelstudio import server
from coder.labelstudio.client import Studio
from coder.labelstudio.pull import PullReport, pull
from coder.labelstudio.push import PushReport, push_round
from coder.labelstudio.rounds import create_round, studio_projects, task_map
from coder.labelstudio.sample import explicit_assignment
from coder.labelstudio.settings import load_settings
from coder.store import Project

DEMO_ROUND = "demo"
CODINGS_FILE = "coder_codings.csv"


@dataclass
class StudioDemoResult:
    """What the studio demo did and whether the store matches the example codings."""

    url: str
    push: PushReport
    posted: int
    pull: PullReport
    expected: int
    differences: list[str] = field(default_factory=list)
    agreement: list[tuple[str, float | None, int, str]] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


def run_studio_demo(
    project: Project,
    echo: Callable[[str], None] = print,
    studio: Studio | None = None,
    port: int | None = None,
    workers: int = 4,
) -> StudioDemoResult:
    """Push the example sample, code it through the API as its two coders, pull it back.

    Parameters
    ----------
    project
        A project the normal demo built.
    studio
        A running server to use; by default the project's own is started (on ``port``, or
        the first free port from 8080) and left running (``coder studio down`` stops it).
    workers
        Annotations posted in parallel.
    """
    expected = read_codings(project, example_file(CODINGS_FILE))
    coders = sorted({c for _, c in expected})
    if studio is None:
        settings = load_settings(project.path, port=port)
        if not server.status(settings).running:
            if port is None:
                settings = load_settings(project.path, port=server.free_port(settings.port))
            echo(f"Starting Label Studio at {settings.url} (the first start takes a minute)...")
        server.start(settings, echo=echo)
        studio = Studio(settings)
    items = {c: sorted(i for i, who in expected if who == c) for c in coders}
    create_round(project, DEMO_ROUND, explicit_assignment(items), "coding",
                 {"source": f"coder/data/example/{CODINGS_FILE}"})  # fmt: skip
    pushed = push_round(project, studio, DEMO_ROUND)
    echo(
        f"Pushed {pushed.tasks} tasks to {pushed.projects} Label Studio projects "
        f"({', '.join(coders)}; {len(set.intersection(*map(set, items.values())))} coded by both)"
    )
    posted = _post_codings(project, studio, coders, expected, workers)
    echo(f"Posted {posted} annotations through the API as the two coders")
    report = pull(project, studio, DEMO_ROUND)
    echo(f"Pulled {report.codings} codings ({report.changed} differed from the store)")
    differences = compare(project, expected)
    if report.codings != len(expected):
        differences.append(f"pulled {report.codings} codings, expected {len(expected)}")
    result = StudioDemoResult(studio.url, pushed, posted, report, len(expected), differences)
    result.agreement = _agreement(project, coders)
    if result.matches:
        echo(f"The store matches {CODINGS_FILE} exactly ({len(expected)} codings)")
    else:
        echo(f"The store differs from {CODINGS_FILE} in {len(differences)} places")
    for frame, alpha, n, note in result.agreement:
        shown = "undefined" if alpha is None else f"{alpha:.3f}"
        echo(f"  agreement on {frame}: Krippendorff's alpha (MASI) {shown} over {n} items"
             + (f" ({note})" if note else ""))  # fmt: skip
    return result


def _post_codings(
    project: Project,
    studio: Studio,
    coders: list[str],
    expected: dict[tuple[str, str], Coding],
    workers: int,
) -> int:
    accounts = studio.ensure_accounts(coders)
    views = cfg.views(project.codebook)
    jobs: list[tuple[str, int, list[dict[str, Any]]]] = []
    for sp in studio_projects(project, DEMO_ROUND):
        done = studio.annotated_tasks(sp.ls_project_id)
        token = accounts[sp.coder_id].token
        view = views[sp.view]
        for task_id, item in sorted(task_map(project, sp.ls_project_id).items()):
            if task_id in done:
                continue  # a re-run: this task is coded already
            coding = expected[(item, sp.coder_id)]
            result = cfg.choices_result(view, coding.codes)
            if coding.not_relevant_reason:
                result += cfg.exclusion_result(coding.not_relevant_reason)
            jobs.append((token, task_id, result))

    def post(job: tuple[str, int, list[dict[str, Any]]]) -> None:
        token, task_id, result = job
        studio.annotate(token, task_id, result, lead_time=30.0)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(post, jobs))
    return len(jobs)


def compare(project: Project, expected: dict[tuple[str, str], Coding]) -> list[str]:
    """Where the store's codings of the example coders differ from ``expected``."""
    out = []
    for coder in sorted({c for _, c in expected}):
        stored = codings_of(project, coder)
        mine = {i: k for (i, c), k in expected.items() if c == coder}
        for item in sorted(set(stored) | set(mine)):
            a, b = stored.get(item), mine.get(item)
            if _norm(a) != _norm(b):
                out.append(f"{item} {coder}: store {_norm(a)} != example {_norm(b)}")
    return out


def _norm(c: Coding | None) -> tuple[Any, ...] | None:
    if c is None:
        return None
    return (c.not_relevant_reason,
            tuple(sorted((f, x) for f, codes in c.codes.items() for x in codes)))  # fmt: skip


def _agreement(project: Project, coders: list[str]) -> list[tuple[str, float | None, int, str]]:
    from coder import reliability

    cs = reliability.from_project(project, coders)
    rows = reliability.frame_rows(cs, coders, n_boot=200)
    return [
        (str(r["frame"]), r["value"], int(r["items"]), str(r["note"] or ""))
        for r in rows
        if r["statistic"] == "alpha_masi"
    ]
