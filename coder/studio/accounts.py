"""Coders' logins and progress: who has an account, how far they are, how they sign in.

Accounts are made by pushes (:meth:`coder.studio.client.Studio.ensure_people`); this module
reads them back for the analyst. :func:`coders` gives one row per person and Label Studio
project of a project's rounds: whether they have an account and when they were last active in
the browser, and items done / assigned. :func:`login` gives one person's sign-in page and
password (made, or replaced with ``reset=True``, when needed), for the analyst to hand over
privately: it is the one place coder shows a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from coder.data.store import Project
from coder.errors import NotFoundError
from coder.studio import config as cfg
from coder.studio.client import Studio
from coder.studio.errors import StudioError
from coder.studio.rounds import ANY_REVIEWER, item_questions, load_round, studio_projects

COLUMNS = ["person", "account", "last_active", "round", "kind", "project", "title", "done",
           "assigned", "pulled"]  # fmt: skip


@dataclass(frozen=True)
class Login:
    """How one person signs in to Label Studio."""

    email: str
    url: str
    password: str = field(repr=False)
    created: bool = False  # the account was made now
    reset: bool = False  # the password was replaced now


def people(project: Project) -> list[str]:
    """Everyone a round of this project was pushed for (coders and reviewers), sorted."""
    return sorted(
        str(r[0])
        for r in project.conn.execute("SELECT DISTINCT coder_id FROM studio_assignments")
        if r[0] != ANY_REVIEWER
    )


def login(project: Project, studio: Studio, email: str, reset: bool = False) -> Login:
    """A person's sign-in page and password; with ``reset`` a new password replaces theirs.

    Raises
    ------
    NotFoundError
        when ``email`` is in no round of the project.
    """
    email = email.strip().lower()
    known = people(project)
    if email not in known:
        raise NotFoundError(
            f"{email} codes or reviews in no round of this project (people: "
            f"{', '.join(known) or 'none yet'}); push a round for them first"
        )
    account = studio.account(email)
    created = was_reset = False
    if reset or account is None or not account.password or account.desk is None:
        made = studio.ensure_people([email], reset=[email] if reset else ())
        account = made.accounts[email]
        created, was_reset = email in made.created, email in made.reset
    return Login(email, f"{studio.settings.coders_url}/user/login/", account.password,
                 created, was_reset)  # fmt: skip


def coders(project: Project, studio: Studio) -> pd.DataFrame:
    """One row per person and Label Studio project of the project's rounds (see
    :data:`COLUMNS`): ``done`` counts tasks with a submitted annotation in Label Studio now,
    ``assigned`` the items of the person's assignment coded with that project's frames,
    ``pulled`` the codings pulled from it into the store."""
    questions = item_questions(project)
    views = {item: cfg.view_for(project.codebook, q).key for item, q in questions.items()}
    assigned: dict[tuple[str, str, str], int] = {}
    for round_id, person, item in project.conn.execute(
        "SELECT round_id, coder_id, item_id FROM studio_assignments"
    ):
        key = (round_id, person, views.get(item, ""))
        assigned[key] = assigned.get(key, 0) + 1
    pulled = dict(
        project.conn.execute(
            "SELECT ls_project_id, COUNT(*) FROM studio_annotations GROUP BY ls_project_id"
        ).fetchall()
    )
    by_person: dict[str, list[Any]] = {p: [] for p in people(project)}
    for sp in studio_projects(project):
        by_person.setdefault(sp.coder_id, []).append(sp)
    rows = []
    for person, projects in sorted(by_person.items()):
        account = studio.account(person) if person != ANY_REVIEWER else None
        token = account.desk_token if account is not None and account.desk_token else None
        seen = _last_active(studio, person, token) if token else None
        state = (
            "none yet" if account is None
            else "yes" if account.desk is not None
            else "without a desk: push again"
        )  # fmt: skip
        if not projects:
            rows.append([person, state, seen, None, None, None, None, 0, 0, 0])
        for sp in projects:
            rnd = load_round(project, sp.round_id)
            try:
                detail = studio.project(sp.ls_project_id, token)
            except StudioError:  # not on this server (any more)
                detail = {"title": "(not found in Label Studio)"}
            rows.append([
                person, state, seen, sp.round_id, rnd.kind if rnd else None, sp.ls_project_id,
                detail.get("title"), int(detail.get("num_tasks_with_annotations") or 0),
                assigned.get((sp.round_id, sp.coder_id, sp.view), 0),
                int(pulled.get(sp.ls_project_id, 0)),
            ])  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _last_active(studio: Studio, email: str, token: str) -> str | None:
    """When the person last changed something in the browser (None: not since joining)."""
    users = studio.get_json("/api/users?page_size=100", token=token)
    for user in users if isinstance(users, list) else users.get("results", []):
        if str(user.get("email", "")).lower() == email:
            last, joined = _time(user.get("last_activity")), _time(user.get("date_joined"))
            if last is None or (joined is not None and last - joined < timedelta(minutes=1)):
                return None
            return last.strftime("%Y-%m-%d %H:%M")
    return None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
