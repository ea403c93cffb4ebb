"""The admin's connection to Label Studio: retries, projects, tasks, exports, coder accounts.

The SDK (``label_studio_sdk``) is imported on first use. Calls that failed in a way that may
pass on a second try (connection refused or cut, 429, 5xx) are retried with a growing pause;
when they keep failing, :class:`~coder.studio.errors.TransientError` says so. Tokens and
passwords are sent in headers and form bodies only, never in a URL, a message or a log.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

import httpx

from coder.studio.errors import StudioError, TransientError
from coder.studio.settings import Account, StudioSettings, load_accounts, save_account

T = TypeVar("T")
RETRY_STATUS = (408, 429, 500, 502, 503, 504)


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: lost connections, timeouts, 408/429/5xx answers."""
    if isinstance(exc, httpx.TransportError):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and status in RETRY_STATUS


def describe(exc: BaseException) -> str:
    """A short description of a failed call, without bodies that could hold data."""
    status = getattr(exc, "status_code", None)
    if status is not None:
        return f"HTTP {status}"
    return exc.__class__.__name__


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
                            f"{_short(getattr(exc, 'body', ''))}"
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

    # -- projects ---------------------------------------------------------------------------

    def projects_by_key(self) -> dict[str, int]:
        """Projects made by coder, by the key written in their description."""
        out: dict[str, int] = {}
        page = 1
        while True:
            data = self.request("listing projects", "GET", "/api/projects",
                                params={"page": page, "page_size": 100})  # fmt: skip
            for p in data.get("results", []):
                key = _key_of(p.get("description") or "")
                if key:
                    out[key] = int(p["id"])
            if not data.get("next"):
                return out
            page += 1

    def create_project(
        self, title: str, key: str, config: str, show_predictions: bool, maximum: int
    ) -> int:
        body = {
            "title": title,
            "description": f"Made by coder; do not edit the labelling config.\ncoder-key: {key}",
            "label_config": config,
            "show_collab_predictions": show_predictions,
            "maximum_annotations": maximum,
            "show_skip_button": False,
            "enable_empty_annotation": True,
            "show_annotation_history": False,
        }
        return int(self.request("creating a project", "POST", "/api/projects", body=body)["id"])

    def project(self, project_id: int) -> dict[str, Any]:
        out: dict[str, Any] = self.request(
            "reading a project", "GET", f"/api/projects/{project_id}"
        )
        return out

    def project_config(self, project_id: int) -> str:
        return str(self.project(project_id).get("label_config") or "")

    def set_config(self, project_id: int, config: str) -> None:
        self.request("updating a config", "PATCH", f"/api/projects/{project_id}",
                     body={"label_config": config})  # fmt: skip

    def task_count(self, project_id: int) -> int:
        return int(self.project(project_id).get("task_number") or 0)

    def tasks(self, project_id: int) -> list[dict[str, Any]]:
        """Every task of a project (data and counters, not annotations)."""
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self.request(
                "listing tasks", "GET", "/api/tasks",
                params={"project": project_id, "page": page, "page_size": 1000,
                        "fields": "task_only"},
            )  # fmt: skip
            batch = data.get("tasks", [])
            out += batch
            if not batch or len(out) >= int(data.get("total", 0)):
                return out
            page += 1

    def task_items(self, project_id: int) -> dict[str, int]:
        """Task ids of a project by the item id in their data."""
        out: dict[str, int] = {}
        for task in self.tasks(project_id):
            item = (task.get("data") or {}).get("item")
            if item is not None:
                out.setdefault(str(item), int(task["id"]))
        return out

    def annotated_tasks(self, project_id: int) -> set[int]:
        """Ids of a project's tasks that have at least one submitted annotation."""
        return {
            int(t["id"]) for t in self.tasks(project_id) if (t.get("total_annotations") or 0) > 0
        }

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> list[int]:
        """Import tasks in one request (no retry: the caller checks what arrived)."""
        response = self._send(
            "POST", f"/api/projects/{project_id}/import", body=tasks,
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

    def export(self, project_id: int) -> bytes:
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
        export = self.request(what, "POST", f"{base}/", body=body, timeout=900)
        pk = int(export["id"])
        deadline = time.monotonic() + 900
        while export.get("status") != "completed":
            if export.get("status") == "failed" or time.monotonic() > deadline:
                raise StudioError(f"Label Studio's export of project {project_id} failed")
            time.sleep(0.2)
            export = self.request(what, "GET", f"{base}/{pk}")
        raw: bytes = self.request(what, "GET", f"{base}/{pk}/download",
                                  params={"exportType": "JSON"}, raw=True, timeout=900)  # fmt: skip
        self.request(what, "DELETE", f"{base}/{pk}")
        return raw

    def get_json(self, path: str, token: str | None = None) -> Any:
        return self.request(f"GET {path.split('?')[0]}", "GET", path, token=token)

    def _headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Token {token or self.settings.token}"}

    # -- coder accounts ---------------------------------------------------------------------

    def ensure_accounts(self, emails: list[str]) -> dict[str, Account]:
        """Make sure each coder has an account, a password and a token; return them.

        New accounts get a generated password (for the web interface) and their token; both
        are kept in the accounts file (``PROJECT/.studio/coders.json`` by default, mode 0600),
        never printed. Accounts are
        made through the organisation's invitation link, whose token is renewed afterwards.
        """
        path = self.settings.accounts_file
        if path is None:
            raise StudioError("no file to keep coder accounts in (set CODER_STUDIO_ACCOUNTS)")
        stored = load_accounts(path, self.url)
        users = {
            str(u["email"]).lower(): int(u["id"])
            for u in self.get_json("/api/users?page_size=10000")
        }
        out: dict[str, Account] = {}
        invited = False
        for email in emails:
            account = stored.get(email)
            if account is not None and self._token_works(account.token):
                out[email] = account
                continue
            if email in users and account is None:
                raise StudioError(
                    f"Label Studio already has a user {email} that coder did not create, so "
                    "coder cannot sign in as them; use another email, or delete that user in "
                    "Label Studio's Organization page"
                )
            password = account.password if account else secrets.token_urlsafe(15)
            with httpx.Client(base_url=self.url, timeout=60) as session:
                if email in users:
                    self._form(session, "/user/login/", email, password)
                else:
                    invite = self.get_json("/api/invite")["token"]
                    invited = True
                    self._form(session, f"/user/signup/?token={invite}", email, password)
                r = session.get("/api/current-user/whoami")
                if r.status_code != 200 or str(r.json().get("email", "")).lower() != email:
                    raise StudioError(f"could not sign in to Label Studio as {email}")
                user_id = int(r.json()["id"])
                token = session.get("/api/current-user/token").json()["token"]
            account = Account(email, user_id, password, str(token))
            save_account(path, self.url, account)
            out[email] = account
        if invited:  # the invitation token appeared in the server's request log
            self.request("renewing the invitation", "POST", "/api/invite/reset-token", body={})
        return out

    def _token_works(self, token: str) -> bool:
        try:
            r = httpx.get(
                f"{self.url}/api/current-user/whoami", headers=self._headers(token), timeout=30
            )
        except httpx.TransportError:
            return False
        return r.status_code == 200

    def _form(self, session: httpx.Client, path: str, email: str, password: str) -> None:
        session.get(path.split("?")[0])
        csrf = session.cookies.get("csrftoken") or ""
        r = session.post(
            path,
            data={"email": email, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{self.url}{path.split('?')[0]}"},
        )
        if r.status_code not in (200, 302):
            raise StudioError(f"Label Studio refused the sign-in of {email} (HTTP {r.status_code})")


class HttpError(Exception):
    """An HTTP error answer (``status_code`` and the start of the body, as the SDK's)."""

    def __init__(self, status_code: int, body: str) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.body = body


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    return text[:300]


def _key_of(description: str) -> str | None:
    for line in description.splitlines():
        if line.startswith("coder-key: "):
            return line[len("coder-key: ") :].strip()
    return None
