"""Blind coding and "coders only code", enforced inside Label Studio (loaded by its settings).

Two pieces, both loaded through Label Studio's own settings:

- :class:`DeskProjectMixin` (``PROJECT_MIXIN``): Label Studio asks a project whether a user may
  use it, and asks the same project for its tasks, annotations, predictions and exports. The
  edition's answer is yes for anyone whose membership of its organization was not revoked, so
  a user of another organization gets in by id. Here the user must also be an active member
  of the project's organization and work in it (their active organization). Superusers (the
  analyst's admin account) keep access to everything.
- :class:`CoderPolicyMiddleware`: for every request to ``/api/`` by a *coder* (an account
  that is neither staff nor superuser), each project, task, annotation, draft, prediction or
  data manager tab it names (in its path, query or JSON body) must be in the coder's
  organization, else HTTP 404 (this also covers views of the edition that check nothing, such
  as a task's drafts); and the coder may read, and may change only what coding changes: their
  annotations and drafts, their data manager tabs, their own profile (not the organization
  they work in). Everything else (creating or configuring projects, importing or deleting
  tasks, exports, storages, webhooks, invitations, other users) is refused with HTTP 403.
  Each response carries ``X-Coder-Policy``, so coder can check that a server enforces the
  policy before it sends a coding round there.

This module runs in Label Studio's Python: Django and Label Studio's apps are imported when the
classes are used, and typed ``Any``.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from projects.mixins import ProjectMixin  # type: ignore[import-not-found]

POLICY = "coder-desks-1"
HEADER = "X-Coder-Policy"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# What a coder may change: (methods, path).
CODING: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = tuple(
    (frozenset(methods), re.compile(pattern + "/?"))
    for methods, pattern in (
        ({"POST"}, r"/api/tasks/\d+/annotations"),
        ({"PATCH", "PUT", "DELETE"}, r"/api/annotations/\d+"),
        ({"POST"}, r"/api/annotations/\d+/convert-to-draft"),
        ({"POST"}, r"/api/(tasks|annotations)/\d+/drafts"),
        ({"PATCH", "PUT", "DELETE"}, r"/api/drafts/\d+"),
        (WRITE, r"/api/current-user/[\w/-]+"),
        (WRITE, r"/api/token(/[\w/-]*)?"),
    )
)
VIEWS = re.compile(r"/api/dm/views(/\d+|/order|/reset)?/?")
ACTIONS = re.compile(r"/api/dm/actions/?")
USER = re.compile(r"/api/users/(\d+)(/avatar)?/?")
# What a coder may not even read.
HIDDEN = re.compile(
    r"/api/(invite|storages|webhooks|jwt|model-provider-connections|import|auth|users"
    r"|organizations/\d+/memberships)(/.*)?"
    r"|/api/projects/\d+/(exports?|file-uploads|imports?|reimports?)(/.*)?"
    r"|/admin(/.*)?"
)

log = logging.getLogger(__name__)


class DeskProjectMixin(ProjectMixin):  # type: ignore[misc]
    """Label Studio's project mixin whose permission check knows organizations."""

    def has_permission(self, user: Any) -> bool:
        if not super().has_permission(user):
            return False
        if getattr(user, "is_superuser", False):
            return True
        if self.organization_id is None or self.organization_id != user.active_organization_id:
            return False
        return bool(self.organization.has_permission(user))


def is_coder(user: Any) -> bool:
    """An account that codes: signed in, neither staff nor superuser."""
    return bool(
        user is not None and user.is_authenticated and not user.is_staff and not user.is_superuser
    )


def request_user(request: Any) -> Any:
    """The user of a request: its session or JWT user, else the owner of its legacy token."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "token" or not key.strip():
        return None
    from rest_framework.authtoken.models import Token  # type: ignore[import-not-found]

    token = Token.objects.select_related("user").filter(key=key.strip()).first()
    return token.user if token is not None else None


def _body(request: Any) -> dict[str, Any]:
    if "json" not in request.META.get("CONTENT_TYPE", ""):
        return {}
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


OWNED = re.compile(r"/api/(projects|tasks|annotations|drafts|predictions|dm/views)/(\d+)(/.*)?")
STATES = re.compile(r"/api/fsm/entities/(project|task|annotation)/(\d+)(/.*)?")
# How each kind of object reaches its project's organization.
ORGANIZATION_OF = {
    "projects": ("projects.models", "Project", "organization_id"),
    "tasks": ("tasks.models", "Task", "project__organization_id"),
    "annotations": ("tasks.models", "Annotation", "project__organization_id"),
    "drafts": ("tasks.models", "AnnotationDraft", "task__project__organization_id"),
    "predictions": ("tasks.models", "Prediction", "project__organization_id"),
    "dm/views": ("data_manager.models", "View", "project__organization_id"),
    "project": ("projects.models", "Project", "organization_id"),
    "task": ("tasks.models", "Task", "project__organization_id"),
    "view": ("data_manager.models", "View", "project__organization_id"),
    "annotation": ("tasks.models", "Annotation", "project__organization_id"),
}


def _in_organization(kind: str, value: Any, organization: Any) -> bool:
    """True when the object does not exist or is in ``organization`` (Label Studio answers
    404 for a missing one itself)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return True
    module, name, field = ORGANIZATION_OF[kind]
    model = getattr(importlib.import_module(module), name)
    found = model.objects.filter(pk=pk).values_list(field, flat=True).first()
    return found is None or found == organization


def in_scope(user: Any, path: str, request: Any) -> bool:
    """Every project, task, annotation, draft, prediction or tab the request names (in its
    path, its query or its JSON body) is in the organization the coder works in."""
    organization = user.active_organization_id
    owned = OWNED.fullmatch(path)
    if owned and not _in_organization(owned.group(1), owned.group(2), organization):
        return False
    state = STATES.fullmatch(path)
    if state and not _in_organization(state.group(1), state.group(2), organization):
        return False
    body = _body(request) if request.method in WRITE else {}
    for kind in ("project", "task", "view"):
        for value in (request.GET.get(kind), body.get(kind)):
            if value is not None and not _in_organization(kind, value, organization):
                return False
    return True


def refusal(user: Any, method: str, path: str, request: Any) -> tuple[int, str] | None:
    """The status and reason to refuse a coder's request with, or None when they may make it."""
    if HIDDEN.fullmatch(path):
        own = USER.fullmatch(path)
        if own and int(own.group(1)) == user.pk:
            if method in SAFE or own.group(2):
                return None
            if method in {"PATCH", "PUT"}:
                if "active_organization" in _body(request):
                    return 403, "coders cannot change the organization they work in"
                return None
        if path.rstrip("/") == "/api/users" and method in SAFE:
            return None
        return 403, "this is for the analyst's account, not a coder's"
    if not in_scope(user, path, request):
        return 404, "not found"
    if method in SAFE:
        return None
    if any(method in methods and pattern.fullmatch(path) for methods, pattern in CODING):
        return None
    if VIEWS.fullmatch(path):
        return None
    if ACTIONS.fullmatch(path) and request.GET.get("id") == "next_task":
        return None
    return 403, "coders code: creating, configuring, importing and deleting are for the analyst"


class CoderPolicyMiddleware:
    """Refuse coders' requests outside coding (HTTP 403); mark every answer with the policy."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        path = request.path_info
        if path.startswith(("/api/", "/admin")):
            user = request_user(request)
            if is_coder(user):
                refused = refusal(user, request.method, path, request)
                if refused is not None:
                    from django.http import JsonResponse  # type: ignore[import-not-found]

                    log.warning("coder policy refused %s %s (user %s)", request.method, path,
                                user.pk)  # fmt: skip
                    response = JsonResponse({"detail": refused[1]}, status=refused[0])
                    response[HEADER] = POLICY
                    return response
        response = self.get_response(request)
        response[HEADER] = POLICY
        return response
