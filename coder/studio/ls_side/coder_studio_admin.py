"""Accounts and desks in Label Studio's database, run by coder with Label Studio's own Python.

The open-source edition's REST API can neither create an organization nor put a user or a
project in one, so coder runs this script (``<label-studio venv>/bin/python
coder_studio_admin.py``) with the server's environment (its data folder, or its PostgreSQL
variables). It reads one JSON request on stdin and prints one line ``CODER-RESULT <json>``
(passwords arrive on stdin and are never printed; API tokens are printed on that line only,
which coder reads from the pipe).

Each person coder manages gets a *desk*: an organization of their own, owned by a service
account ``desk-<user id>@coder.invalid`` (staff, no usable password) whose API token coder uses
to create and fill that person's projects. The person is a member of their desk only, so Label
Studio lists, opens and signs them in to nothing else.

Request::

    {"admin": "<the analyst's admin email>",
     "people": [{"email": "...", "password": "<new password or null>", "known": true}],
     "adopt": [{"project": 12, "email": "..."}]}

``password`` is set when the account is created or when it is given (a reset); ``known`` says
that coder made the account before (otherwise an existing account is refused). ``adopt`` moves
projects into a person's desk (projects made before desks existed).
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
from typing import Any

RESULT = "CODER-RESULT "
DESK_DOMAIN = "coder.invalid"


class Refused(Exception):
    """A request this script will not carry out (the message says why)."""


def setup() -> None:
    import label_studio  # type: ignore[import-not-found]

    sys.path.insert(0, str(pathlib.Path(label_studio.__file__).parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "label_studio.core.settings.label_studio")
    import django  # type: ignore[import-not-found]

    django.setup()


def desk_email(user_id: int) -> str:
    return f"desk-{user_id}@{DESK_DOMAIN}"


def ensure_desk(user: Any) -> Any:
    """The person's desk (created when missing), with the person as its only member besides
    its owner; their other memberships are removed so that signing in lands on the desk."""
    from organizations.models import (  # type: ignore[import-not-found]
        Organization,
        OrganizationMember,
    )
    from users.models import User  # type: ignore[import-not-found]

    owner = User.objects.filter(email=desk_email(user.pk)).first()
    if owner is None:
        owner = User.objects.create_user(email=desk_email(user.pk), password=None, is_staff=True)
        owner.set_unusable_password()
        owner.username = f"desk-{user.pk}"
        owner.first_name = "Analyst"
        owner.save()
    org = Organization.objects.filter(created_by=owner).first()
    if org is None:
        org = Organization.objects.create(title=f"Coding desk of {user.email}", created_by=owner)
        OrganizationMember.objects.create(user=owner, organization=org)
    if not org.jwt.legacy_api_tokens_enabled:
        org.jwt.legacy_api_tokens_enabled = True
        org.jwt.save()
    if owner.active_organization_id != org.pk:
        owner.active_organization = org
        owner.save(update_fields=["active_organization"])
    OrganizationMember.objects.filter(user=user).exclude(organization=org).delete()
    member = OrganizationMember.objects.filter(user=user, organization=org).first()
    if member is None:
        OrganizationMember.objects.create(user=user, organization=org)
    elif member.deleted_at is not None:
        member.deleted_at = None
        member.save(update_fields=["deleted_at"])
    if user.active_organization_id != org.pk:
        user.active_organization = org
        user.save(update_fields=["active_organization"])
    return org


def person(entry: dict[str, Any]) -> dict[str, Any]:
    from organizations.models import Organization
    from rest_framework.authtoken.models import Token  # type: ignore[import-not-found]
    from users.models import User

    email = str(entry["email"]).strip().lower()
    password = entry.get("password")
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        if not password:
            raise Refused(f"no password given to create the account of {email}")
        user = User.objects.create_user(email=email, password=password)
        user.username = email.split("@")[0]
        user.save()
    else:
        has_desk = Organization.objects.filter(created_by__email=desk_email(user.pk)).exists()
        if user.is_superuser or user.is_staff:
            raise Refused(f"{email} is an administrator of this Label Studio, not a coder")
        if not entry.get("known") and not has_desk:
            raise Refused(
                f"Label Studio already has a user {email} that coder did not create, so coder "
                "cannot give them a desk of their own; use another email, or delete that user "
                "in Label Studio"
            )
        if password:
            user.set_password(password)
            user.save()
    desk = ensure_desk(user)
    owner = User.objects.get(email=desk_email(user.pk))
    return {
        "email": email,
        "user_id": user.pk,
        "token": Token.objects.get_or_create(user=user)[0].key,
        "desk": desk.pk,
        "desk_token": Token.objects.get_or_create(user=owner)[0].key,
        "created": created,
        "password_set": bool(password),
    }


def adopt(entry: dict[str, Any]) -> None:
    from projects.models import Project  # type: ignore[import-not-found]
    from users.models import User

    user = User.objects.get(email__iexact=str(entry["email"]))
    desk = ensure_desk(user)
    owner = User.objects.get(email=desk_email(user.pk))
    Project.objects.filter(pk=int(entry["project"])).update(organization=desk, created_by=owner)


def main() -> int:
    request = json.loads(sys.stdin.read())
    setup()
    from django.db import transaction  # type: ignore[import-not-found]
    from users.models import User

    try:
        with transaction.atomic():
            admin = User.objects.filter(email__iexact=str(request.get("admin", ""))).first()
            if admin is not None and not admin.is_staff:
                admin.is_staff = True
                admin.save(update_fields=["is_staff"])
            people = [person(p) for p in request.get("people", [])]
            for entry in request.get("adopt", []):
                adopt(entry)
    except Refused as exc:
        print(RESULT + json.dumps({"error": str(exc)}), flush=True)
        return 2
    print(RESULT + json.dumps({"people": people}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
