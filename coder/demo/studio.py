"""Simulated people working in a real Label Studio, for the demo and the tests.

:class:`StudioPeople` does a coding round as a team would: the round is pushed (one project per
coder, in the coder's own desk), each coder's answers are posted through the API *as that
coder*, and the round is pulled back into the store and closed; a review round likewise pushes
the model's suggestions, posts the reviewer's decisions as the reviewer and pulls them with
``review-pull``. So every stored code and every stored review has a Label Studio annotation
behind it. The answers come from a function given by the caller (the example's answer files),
never from a reference coding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from coder.data.codings import Coding
from coder.data.store import Project
from coder.studio import config as cfg
from coder.studio import server
from coder.studio.client import Studio
from coder.studio.pull import pull
from coder.studio.push import push_round
from coder.studio.review import Decision, Thresholds, pull_reviews, push_suggestions
from coder.studio.rounds import create_round, mark_closed, studio_projects, task_map
from coder.studio.sample import Assignment
from coder.studio.settings import load_settings

Answer = Callable[[str, str], Coding]  # (person, item) -> their coding of the item


@dataclass
class StudioPeople:
    """Coders and a reviewer who answer from ``answer``, through a Label Studio server."""

    studio: Studio
    answer: Answer
    reviewer: str
    echo: Callable[[str], None] = print
    workers: int = 4

    def code(self, project: Project, round_id: str, assignment: Assignment) -> int:
        """Push the round, post each coder's answers as that coder, pull; return codings."""
        create_round(project, round_id, assignment, "coding", {"source": "simulated coders"})
        pushed = push_round(project, self.studio, round_id)
        posted = self._post(project, round_id)
        report = pull(project, self.studio, round_id)
        mark_closed(project, round_id)  # everyone has coded: its items may go to review
        self.echo(
            f"  Label Studio: {pushed.tasks} tasks pushed to {pushed.projects} projects, "
            f"{posted} annotations posted as the coders, {report.codings} codings pulled"
        )
        if pushed.created_accounts:
            self.echo(f"  Label Studio accounts created: {', '.join(pushed.created_accounts)}")
        return report.codings

    def review(
        self,
        project: Project,
        round_id: str,
        suggestions: dict[str, dict[str, dict[str, float]]],
        model_id: str,
        threshold: Thresholds,
    ) -> list[Decision]:
        """Push the suggestions for review, post the reviewer's decisions, pull them."""
        pushed = push_suggestions(
            project, self.studio, suggestions, model_id, [self.reviewer], round_id, threshold
        )
        posted = self._post(project, round_id, reviewer=self.reviewer)
        result = pull_reviews(project, self.studio, round_id)
        self.echo(
            f"  Label Studio: {pushed.tasks} review tasks pushed, {posted} reviews posted as "
            f"{self.reviewer}, {len(result.decisions)} frame decisions pulled"
        )
        if pushed.created_accounts:
            self.echo(f"  Label Studio accounts created: {', '.join(pushed.created_accounts)}")
        return result.decisions

    def _post(self, project: Project, round_id: str, reviewer: str | None = None) -> int:
        projects = studio_projects(project, round_id)
        people = [reviewer] if reviewer else sorted({sp.coder_id for sp in projects})
        accounts = self.studio.ensure_accounts(sorted({*people, *(sp.coder_id for sp in projects)}))
        views = cfg.views(project.codebook)
        jobs: list[tuple[str, int, list[dict[str, Any]]]] = []
        for sp in projects:
            person = reviewer or sp.coder_id
            done = self.studio.annotated_tasks(sp.ls_project_id, accounts[sp.coder_id].desk_token)
            view = views[sp.view]
            for task_id, item in sorted(task_map(project, sp.ls_project_id).items()):
                if task_id in done:
                    continue  # a re-run: this task is done already
                coding = self.answer(person, item)
                codes = {} if coding.not_relevant_reason else coding.codes
                result = cfg.choices_result(view, codes)
                if coding.not_relevant_reason:
                    result += cfg.exclusion_result(coding.not_relevant_reason)
                jobs.append((accounts[person].token, task_id, result))

        def post(job: tuple[str, int, list[dict[str, Any]]]) -> None:
            token, task_id, result = job
            self.studio.annotate(token, task_id, result, lead_time=30.0)

        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as pool:
            list(pool.map(post, jobs))
        return len(jobs)


@contextmanager
def studio_people(
    project: Project,
    answer: Answer,
    echo: Callable[[str], None] = print,
    keep: bool = False,
    reviewer: str = "rev@example.org",
    studio: Studio | None = None,
) -> Iterator[StudioPeople]:
    """People working in the project's own Label Studio (started on the first free port from
    8080 when it is not running), or in ``studio``. A server started here is stopped at the
    end unless ``keep``; then the message says how to stop it."""
    started = None
    if studio is None:
        settings = load_settings(project.path)
        if not server.status(settings).running:
            settings = load_settings(project.path, port=server.free_port(settings.port))
            echo(f"Starting Label Studio at {settings.url} (the first start takes a minute)...")
            server.start(settings, echo=echo)
            started = settings
        studio = Studio(settings)
    try:
        yield StudioPeople(studio, answer, reviewer, echo)
    finally:
        if started is not None and not keep:
            server.stop(started)
            echo(f"Stopped the Label Studio server the demo started ({started.url})")
        elif started is not None:
            echo(
                f"Label Studio is still running at {started.url}; stop it with "
                f"`coder studio down {project.path}`"
            )
