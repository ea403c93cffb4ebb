"""The analyst's connection to Label Studio: retries, projects, tasks, exports, accounts.

The SDK (``label_studio_sdk``) is imported on first use. Calls that failed in a way that may
pass on a second try (connection refused or cut, 429, 5xx) are retried with a growing pause;
when they keep failing, :class:`~coder.studio.errors.TransientError` says so. Tokens and
passwords are sent in headers and request bodies only, never in a URL, a message or a log.

**Desks.** Each person (coder or reviewer) works in an organization of their own, their desk
(see :mod:`coder.studio.ls_side`): their projects are created and read with the token of the
desk's service account, which every project method takes as ``token`` (default: the one
recorded in :attr:`Studio.desks` for that project by a push or a pull, else the admin's, for
projects made before desks). :meth:`Studio.ensure_people` makes accounts and desks and
says which accounts it created; before it does, it checks that the server enforces coder's
policy (the ``X-Coder-Policy`` header), so a coding round never goes to a server where coders
could open each other's projects.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, TypeVar

import httpx

from coder.studio import config as cfg
from coder.studio.errors import (
    HttpError,
    StudioError,
    TransientError,
    describe,
    is_transient,
    short_body,
)
from coder.studio.settings import Account, People, StudioSettings, load_accounts, save_accounts

POLICY_HEADER = "X-Coder-Policy"

T = TypeVar("T")


class Studio:
    """A Label Studio server, reached as its admin over its REST API.

    Parameters
    ----------
    settings
        Where the server is and the admin's credentials.
    retries
        How many times a transient failure is retried (pauses of ``backoff``, doubling).

    The SDK is not needed for any of this (its import alone takes seconds); :attr:`sdk` and
    :meth:`client_for` give SDK clients for callers who want them.
    """

    def __init__(self, settings: StudioSettings, retries: int = 5, backoff: float = 0.5) -> None:
        self.settings = settings
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.Client(base_url=settings.url, timeout=120)
        self._policy_checked = False
        # The token that reaches each project coder made in a desk (filled in by pushes and
        # pulls), used when a project method is given none.
        self.desks: dict[int, str] = {}

    @property
    def url(self) -> str:
        return self.settings.url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Studio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def sdk(self) -> Any:
        """An SDK client acting as the admin (imported on first use: it loads pandas)."""
        return self.client_for(self.settings.token)

    def client_for(self, token: str) -> Any:
        """An SDK client acting as the owner of ``token``."""
        from label_studio_sdk import LabelStudio

        return LabelStudio(base_url=self.url, api_key=token, timeout=120)  # type: ignore[no-untyped-call]

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)``, retrying transient failures; ``what`` names it in errors."""
        pause = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                if not is_transient(exc):
                    status = getattr(exc, "status_code", None)
                    if status in (401, 403):
                        raise StudioError(
                            f"Label Studio refused {what} (HTTP {status}): the token is wrong "
                            "for this server; check CODER_STUDIO_TOKEN or the project's "
                            ".studio/config.json"
                        ) from exc
                    if status is not None:
                        raise StudioError(
                            f"Label Studio answered HTTP {status} to {what}: "
                            f"{short_body(getattr(exc, 'body', ''))}"
                        ) from exc
                    raise
                if attempt == self.retries:
                    raise TransientError(
                        f"{what} failed {attempt + 1} times ({describe(exc)}); is Label Studio "
                        f"up at {self.url}? (coder studio status)"
                    ) from exc
                time.sleep(pause)
                pause *= 2
        raise AssertionError("unreachable")

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        token: str | None = None,
        timeout: float = 120,
        raw: bool = False,
    ) -> Any:
        content = None
        headers = self._headers(token)
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        r = self._http.request(
            method, path, content=content, params=params, headers=headers, timeout=timeout
        )
        if r.status_code >= 400:
            raise HttpError(r.status_code, r.text[:300])
        if raw:
            return r.content
        return r.json() if r.content else None

    def request(self, what: str, method: str, path: str, **kwargs: Any) -> Any:
        """One API call with retries (see :meth:`call`)."""
        return self.call(what, self._send, method, path, **kwargs)

    # -- projects (``token``: the desk's service account; default the admin) --------------

    def projects_by_key(self, token: str | None = None) -> dict[str, int]:
        """Projects made by coder that ``token`` sees, by the key in their instructions (or,
        for projects made before desks, in their description)."""
        out: dict[str, int] = {}
        page = 1
        while True:
            data = self.request("listing projects", "GET", "/api/projects", token=token,
                                params={"page": page, "page_size": 100})  # fmt: skip
            for p in data.get("results", []):
                key = cfg.key_in(p.get("expert_instruction") or "") or cfg.key_in(
                    p.get("description") or ""
                )
                if key:
                    out[key] = int(p["id"])
            if not data.get("next"):
                return out
            page += 1

    def create_project(
        self,
        title: str,
        key: str,
        config: str,
        show_predictions: bool,
        maximum: int,
        *,
        description: str = "",
        instructions: str = "",
        token: str | None = None,
    ) -> int:
        """Create a project; ``key`` goes into its instructions as an element the interface
        does not show (:func:`coder.studio.config.key_tag`)."""
        body = {
            "title": title,
            "description": description,
            "expert_instruction": instructions + cfg.key_tag(key),
            "show_instruction": bool(instructions),
            "label_config": config,
            "show_collab_predictions": show_predictions,
            "maximum_annotations": maximum,
            "show_skip_button": False,
            "enable_empty_annotation": True,
            "show_annotation_history": False,
        }
        out = self.request("creating a project", "POST", "/api/projects", body=body, token=token)
        if token:
            self.desks[int(out["id"])] = token
        return int(out["id"])

    def _token(self, project_id: int, token: str | None) -> str | None:
        return token or self.desks.get(project_id)

    def project(self, project_id: int, token: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = self.request(
            "reading a project", "GET", f"/api/projects/{project_id}",
            token=self._token(project_id, token),
        )  # fmt: skip
        return out

    def project_config(self, project_id: int, token: str | None = None) -> str:
        return str(self.project(project_id, token).get("label_config") or "")

    def set_config(self, project_id: int, config: str, token: str | None = None) -> None:
        self.update_project(project_id, {"label_config": config}, token)

    def update_project(
        self, project_id: int, fields: dict[str, Any], token: str | None = None
    ) -> None:
        self.request("updating a project", "PATCH", f"/api/projects/{project_id}",
                     body=fields, token=self._token(project_id, token))  # fmt: skip

    def task_count(self, project_id: int, token: str | None = None) -> int:
        return int(self.project(project_id, token).get("task_number") or 0)

    def tasks(self, project_id: int, token: str | None = None) -> list[dict[str, Any]]:
        """Every task of a project (data and counters, not annotations)."""
        out: list[dict[str, Any]] = []
        page = 1
        token = self._token(project_id, token)
        while True:
            data = self.request(
                "listing tasks", "GET", "/api/tasks", token=token,
                params={"project": project_id, "page": page, "page_size": 1000,
                        "fields": "task_only"},
            )  # fmt: skip
            batch = data.get("tasks", [])
            out += batch
            if not batch or len(out) >= int(data.get("total", 0)):
                return out
            page += 1

    def task_items(self, project_id: int, token: str | None = None) -> dict[str, int]:
        """Task ids of a project by the item id in their data."""
        out: dict[str, int] = {}
        for task in self.tasks(project_id, token):
            item = (task.get("data") or {}).get("item")
            if item is not None:
                out.setdefault(str(item), int(task["id"]))
        return out

    def annotated_tasks(self, project_id: int, token: str | None = None) -> set[int]:
        """Ids of a project's tasks that have at least one submitted annotation."""
        return {
            int(t["id"])
            for t in self.tasks(project_id, token)
            if (t.get("total_annotations") or 0) > 0
        }

    def import_tasks(
        self, project_id: int, tasks: list[dict[str, Any]], token: str | None = None
    ) -> list[int]:
        """Import tasks in one request (no retry: the caller checks what arrived)."""
        response = self._send(
            "POST", f"/api/projects/{project_id}/import", body=tasks,
            token=self._token(project_id, token),
            params={"return_task_ids": "true"}, timeout=900,
        )  # fmt: skip
        ids = response.get("task_ids") if isinstance(response, dict) else None
        if not isinstance(ids, list) or len(ids) != len(tasks):
            raise StudioError(
                f"Label Studio imported {len(ids or [])} of {len(tasks)} tasks without their "
                "ids; run the push again to check and resume"
            )
        return [int(i) for i in ids]

    def annotate(
        self, token: str, task_id: int, result: list[dict[str, Any]], **fields: Any
    ) -> int:
        """Submit an annotation as the owner of ``token``; returns its id."""
        out = self.request("posting an annotation", "POST", f"/api/tasks/{task_id}/annotations",
                           body={"result": result, **fields}, token=token)  # fmt: skip
        return int(out["id"])

    def export(self, project_id: int, token: str | None = None) -> bytes:
        """The full JSON export of a project's annotated tasks, with annotators' emails."""
        base = f"/api/projects/{project_id}/exports"
        body = {
            "serialization_options": {
                "predictions": {"only_id": False},
                "annotations__completed_by": {"only_id": False},
            },
            "task_filter_options": {"only_with_annotations": True},
        }
        what = f"exporting project {project_id}"
        token = self._token(project_id, token)
        export = self.request(what, "POST", f"{base}/", body=body, timeout=900, token=token)
        pk = int(export["id"])
        deadline = time.monotonic() + 900
        while export.get("status") != "completed":
            if export.get("status") == "failed" or time.monotonic() > deadline:
                raise StudioError(f"Label Studio's export of project {project_id} failed")
            time.sleep(0.2)
            export = self.request(what, "GET", f"{base}/{pk}", token=token)
        raw: bytes = self.request(what, "GET", f"{base}/{pk}/download", token=token,
                                  params={"exportType": "JSON"}, raw=True, timeout=900)  # fmt: skip
        self.request(what, "DELETE", f"{base}/{pk}", token=token)
        return raw

    def get_json(self, path: str, token: str | None = None) -> Any:
        return self.request(f"GET {path.split('?')[0]}", "GET", path, token=token)

    def _headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Token {token or self.settings.token}"}

    # -- accounts and desks ------------------------------------------------------------

    def check_policy(self) -> None:
        """Raise :class:`StudioError` unless the server enforces coder's desk policy."""
        if self._policy_checked:
            return
        try:
            r = self._http.get("/health", timeout=30)
        except httpx.TransportError as exc:
            raise TransientError(f"Label Studio does not answer at {self.url}") from exc
        if not r.headers.get(POLICY_HEADER):
            raise StudioError(
                f"the Label Studio at {self.url} does not keep coders apart (it was not "
                "started with coder's settings), so coders could open each other's projects. "
                "Restart it: `coder studio down` then `coder studio up`; for a server coder "
                "does not manage, start it with DJANGO_SETTINGS_MODULE=coder_studio_settings "
                "(docs/labelstudio.md, 'Production layout')"
            )
        self._policy_checked = True

    def ensure_accounts(self, emails: list[str]) -> dict[str, Account]:
        """Each person's account and desk (see :meth:`ensure_people`), by email."""
        return self.ensure_people(emails).accounts

    def ensure_people(
        self,
        emails: Sequence[str],
        reset: Sequence[str] = (),
        adopt: Sequence[tuple[int, str]] = (),
    ) -> People:
        """Make sure each person has an account, a password, a token and a desk.

        New accounts get a generated password (for the web interface); passwords and tokens
        are kept in the accounts file (``PROJECT/.studio/coders.json`` by default, mode 0600),
        never printed. Accounts are made with Label Studio's own Python
        (:func:`coder.studio.server.run_admin`), only when something is missing.

        Parameters
        ----------
        emails
            The people (coders or reviewers).
        reset
            People whose password is replaced by a new one.
        adopt
            ``(project id, email)``: projects made before desks, moved into that desk.

        Returns
        -------
        People
            the accounts, and which were created or got a new password.
        """
        from coder.studio.server import run_admin

        path = self.settings.accounts_file
        if path is None:
            raise StudioError("no file to keep coder accounts in (set CODER_STUDIO_ACCOUNTS)")
        self.check_policy()
        wanted = list(dict.fromkeys(e.strip().lower() for e in emails))
        for email in reset:
            if email not in wanted:
                wanted.append(email)
        stored = load_accounts(path, self.settings.accounts_key)
        out: dict[str, Account] = {}
        todo: list[str] = []
        for email in wanted:
            account = stored.get(email)
            if (
                account is not None
                and email not in reset
                and account.desk is not None
                and self._token_works(account.token)
                and self._token_works(account.desk_token)
            ):
                out[email] = account
            else:
                todo.append(email)
        report = People(out)
        if not todo and not adopt:
            return report
        passwords = {
            e: secrets.token_urlsafe(15)
            if e in reset or e not in stored or not stored[e].password
            else None
            for e in todo
        }
        request = {
            "admin": self.settings.admin_email,
            "people": [{"email": e, "password": passwords[e], "known": e in stored}
                       for e in todo],
            "adopt": [{"project": pid, "email": e} for pid, e in adopt],
        }  # fmt: skip
        answer = run_admin(self.settings, request)
        made = []
        for p in answer["people"]:
            email = str(p["email"])
            password = passwords.get(email) or stored[email].password
            account = Account(email, int(p["user_id"]), password, str(p["token"]),
                              int(p["desk"]), str(p["desk_token"]))  # fmt: skip
            made.append(account)
            out[email] = account
            if p["created"]:
                report.created.append(email)
            elif p["password_set"]:
                report.reset.append(email)
        save_accounts(path, self.settings.accounts_key, made)
        return report

    def account(self, email: str) -> Account | None:
        """The stored account of a person on this server (None when coder made none)."""
        if self.settings.accounts_file is None:
            return None
        return load_accounts(self.settings.accounts_file, self.settings.accounts_key).get(
            email.lower()
        )

    def desk_token(self, email: str) -> str | None:
        """The token that reaches a person's projects (None: the admin's, for projects made
        before desks or shared by all reviewers)."""
        account = self.account(email)
        return account.desk_token if account is not None and account.desk_token else None

    def _token_works(self, token: str) -> bool:
        if not token:
            return False
        try:
            r = httpx.get(
                f"{self.url}/api/current-user/whoami", headers=self._headers(token), timeout=30
            )
        except httpx.TransportError:
            return False
        return r.status_code == 200
