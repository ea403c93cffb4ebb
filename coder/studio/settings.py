"""Where a project's Label Studio is and how coder signs in to it, without leaking secrets.

Settings come from the environment first, then from ``PROJECT/.studio/config.json`` (created
with mode 0600 on first use, holding a generated admin password and API token):

==========================  ====================================================================
``CODER_STUDIO_URL``        a server coder does not manage (then ``studio up`` is not needed)
``CODER_STUDIO_PORT``       the port of the project's own server (default 8080)
``CODER_STUDIO_ADMIN``      the admin's email
``CODER_STUDIO_PASSWORD``   the admin's password
``CODER_STUDIO_TOKEN``      the admin's API token (40 characters for a server coder starts)
``CODER_STUDIO_ACCOUNTS``   where coder accounts are kept (default ``PROJECT/.studio/coders.json``;
                            share one file between projects that use the same server)
==========================  ====================================================================

Coder accounts made by coder are kept in the accounts file (mode 0600): each coder's password
(for the web interface) and API token, per server. Secrets are never printed, logged or
shown in a ``repr``.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coder.studio.errors import StudioError

STUDIO_DIR = ".studio"
CONFIG_FILE = "config.json"
CODERS_FILE = "coders.json"
DEFAULT_PORT = 8080
DEFAULT_ADMIN = "studio-admin@coder.invalid"


@dataclass(frozen=True)
class StudioSettings:
    """How to reach one Label Studio server as its admin.

    ``managed`` is True when the server is the project's own (started by ``coder studio up``,
    data under ``PROJECT/.studio/data``), False for a server given by ``CODER_STUDIO_URL``.
    """

    url: str
    port: int
    admin_email: str
    admin_password: str = field(repr=False)
    token: str = field(repr=False)
    managed: bool = True
    folder: Path | None = None
    accounts_file: Path | None = None

    def with_port(self, port: int) -> StudioSettings:
        return replace(self, port=port, url=f"http://127.0.0.1:{port}")


@dataclass(frozen=True)
class Account:
    """A coder's Label Studio account, as coder created it."""

    email: str
    user_id: int
    password: str = field(repr=False)
    token: str = field(repr=False)


def studio_dir(project_dir: str | Path) -> Path:
    return Path(project_dir) / STUDIO_DIR


def write_secret(path: Path, data: dict[str, Any]) -> None:
    """Write JSON readable by the owner only (mode 0600), atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_secret(path: Path) -> dict[str, Any]:
    """Read a secret JSON file; refuse one that others can read."""
    if not path.exists():
        return {}
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise StudioError(
            f"{path} is readable by others (mode {mode:o}); it holds passwords and tokens. "
            f"Fix: chmod 600 {path}"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StudioError(
            f"{path} is not a readable JSON file ({exc.__class__.__name__}); "
            "restore it, or delete it to start with new credentials"
        ) from exc
    if not isinstance(data, dict):
        raise StudioError(f"{path} should hold a JSON object; delete it to start again")
    return data


def load_settings(
    project_dir: str | Path, port: int | None = None, create: bool = True
) -> StudioSettings:
    """The project's Label Studio settings: environment first, then ``.studio/config.json``.

    Parameters
    ----------
    project_dir
        The project folder.
    port
        The port of the project's own server; overrides the stored one (and is stored).
    create
        Generate and store an admin password and token when none is set yet.
    """
    folder = studio_dir(project_dir)
    path = folder / CONFIG_FILE
    stored = read_secret(path)
    env = os.environ
    url = env.get("CODER_STUDIO_URL", "").rstrip("/")
    chosen_port = port or _int_env("CODER_STUDIO_PORT") or int(stored.get("port", DEFAULT_PORT))
    admin = env.get("CODER_STUDIO_ADMIN") or stored.get("admin_email") or DEFAULT_ADMIN
    password = env.get("CODER_STUDIO_PASSWORD") or stored.get("admin_password")
    token = env.get("CODER_STUDIO_TOKEN") or stored.get("token")
    if url and not token:
        raise StudioError(
            "CODER_STUDIO_URL is set but no token: set CODER_STUDIO_TOKEN to the admin's API "
            "token of that server"
        )
    generated: dict[str, Any] = {}
    if not password:
        password = generated["admin_password"] = secrets.token_urlsafe(18)
    if not token:
        token = generated["token"] = secrets.token_hex(20)
    if not url and stored.get("port") != chosen_port:
        generated["port"] = chosen_port
    if generated and create:
        # Only what coder generated (or the port asked for) is stored, never a secret given
        # through the environment.
        write_secret(path, {**stored, **generated, "admin_email": admin})
    return StudioSettings(
        url=url or f"http://127.0.0.1:{chosen_port}",
        port=chosen_port,
        admin_email=admin,
        admin_password=password,
        token=token,
        managed=not url,
        folder=folder,
        accounts_file=Path(env["CODER_STUDIO_ACCOUNTS"])
        if env.get("CODER_STUDIO_ACCOUNTS")
        else folder / CODERS_FILE,
    )


def _int_env(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise StudioError(f"{name} should be a port number, found {value!r}")
    return int(value)


def load_accounts(path: Path, url: str) -> dict[str, Account]:
    """Coder accounts stored in ``path`` for the server at ``url``, by email."""
    data = read_secret(path).get(url, {})
    return {
        email: Account(email, int(a["user_id"]), str(a["password"]), str(a["token"]))
        for email, a in data.items()
    }


def save_account(path: Path, url: str, account: Account) -> None:
    data = read_secret(path)
    data.setdefault(url, {})[account.email] = {
        "user_id": account.user_id,
        "password": account.password,
        "token": account.token,
    }
    write_secret(path, data)
