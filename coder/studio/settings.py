"""Where a project's Label Studio is and how coder signs in to it, without leaking secrets.

Settings come from the environment first, then from ``PROJECT/.studio/config.json`` (created
with mode 0600 on first use, holding a generated admin password and API token):

==========================  ====================================================================
``CODER_STUDIO_URL``        a server coder does not manage (then ``studio up`` is not needed)
``CODER_STUDIO_PORT``       the port of the project's own server (default 8080)
``CODER_STUDIO_HOST``       the address the project's own server listens on (default 127.0.0.1;
                            another address serves coders on other machines: see
                            :mod:`coder.studio.server`)
``CODER_STUDIO_PUBLIC_URL`` the address coders open (default ``http://HOST:PORT``; the TLS
                            reverse proxy's ``https://`` address in production)
``CODER_STUDIO_ADMIN``      the admin's email
``CODER_STUDIO_PASSWORD``   the admin's password
``CODER_STUDIO_TOKEN``      the admin's API token (40 characters for a server coder starts)
``CODER_STUDIO_ACCOUNTS``   where coder accounts are kept (default ``PROJECT/.studio/coders.json``;
                            share one file between projects that use the same server)
==========================  ====================================================================

Coder accounts made by coder are kept in the accounts file (mode 0600): each coder's password
(for the web interface), API token and desk (their own Label Studio organization, with the
token of its service account), per server. Secrets are never printed (except by ``coder studio
login``, whose purpose is to hand a coder their password), logged or shown in a ``repr``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
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
DEFAULT_HOST = "127.0.0.1"
SERVER_FILE = "server.json"  # written by coder.studio.server: PID, address and port
WILDCARD = ("0.0.0.0", "::", "")


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
    host: str = DEFAULT_HOST
    public_url: str = ""

    def with_port(self, port: int) -> StudioSettings:
        return replace(self, port=port, url=f"http://{connect_host(self.host)}:{port}")

    @property
    def accounts_key(self) -> str:
        """What accounts are filed under in the accounts file: the server's URL (for a server
        coder manages, its loopback URL, whatever address it also serves)."""
        return f"http://127.0.0.1:{self.port}" if self.managed else self.url

    @property
    def coders_url(self) -> str:
        """The address coders open in their browser."""
        return self.public_url or self.url

    @property
    def exposed(self) -> bool:
        """True when the server listens on more than this machine's loopback."""
        return self.managed and not self.host.startswith("127.") and self.host != "localhost"


def connect_host(host: str) -> str:
    """The address coder itself connects to for a server listening on ``host``."""
    return "127.0.0.1" if host in WILDCARD else host


@dataclass(frozen=True)
class Account:
    """A coder's Label Studio account, as coder created it."""

    email: str
    user_id: int
    password: str = field(repr=False)
    token: str = field(repr=False)
    desk: int | None = None  # the person's own organization
    desk_token: str = field(default="", repr=False)  # its service account's API token


@dataclass
class People:
    """Accounts by email, and which of them were created or given a new password now."""

    accounts: dict[str, Account]
    created: list[str] = field(default_factory=list)
    reset: list[str] = field(default_factory=list)


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
    project_dir: str | Path,
    port: int | None = None,
    create: bool = True,
    host: str | None = None,
    public_url: str | None = None,
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
    host, public_url
        The address the project's own server listens on and the address coders open (default:
        ``CODER_STUDIO_HOST`` and ``CODER_STUDIO_PUBLIC_URL``, else those of the running server,
        else 127.0.0.1). They are not stored: serving other machines is asked for at each start.
    """
    folder = studio_dir(project_dir)
    path = folder / CONFIG_FILE
    stored = read_secret(path)
    env = os.environ
    url = env.get("CODER_STUDIO_URL", "").rstrip("/")
    running = _running(folder)
    chosen_port = port or _int_env("CODER_STUDIO_PORT") or int(stored.get("port", DEFAULT_PORT))
    chosen_host = (host or env.get("CODER_STUDIO_HOST", "").strip()
                   or str(running.get("host", DEFAULT_HOST)))  # fmt: skip
    chosen_public = (public_url or env.get("CODER_STUDIO_PUBLIC_URL", "").strip()
                     or str(running.get("public_url", ""))).rstrip("/")  # fmt: skip
    if chosen_public and not chosen_public.startswith(("http://", "https://")):
        raise StudioError(
            f"the public address {chosen_public!r} should start with https:// (or http://)"
        )
    if not chosen_public and chosen_host != DEFAULT_HOST:
        shown = socket.gethostname() if chosen_host in WILDCARD else chosen_host
        chosen_public = f"http://{shown}:{chosen_port}"
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
        url=url or f"http://{connect_host(chosen_host)}:{chosen_port}",
        port=chosen_port,
        admin_email=admin,
        admin_password=password,
        token=token,
        managed=not url,
        folder=folder,
        accounts_file=Path(env["CODER_STUDIO_ACCOUNTS"])
        if env.get("CODER_STUDIO_ACCOUNTS")
        else folder / CODERS_FILE,
        host=chosen_host if not url else DEFAULT_HOST,
        public_url=chosen_public if not url else env.get("CODER_STUDIO_PUBLIC_URL", url),
    )


def _running(folder: Path) -> dict[str, Any]:
    """What the project's running server was started with (empty when none was)."""
    try:
        data = json.loads((folder / SERVER_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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
        email: Account(
            email, int(a["user_id"]), str(a["password"]), str(a["token"]),
            int(a["desk"]) if a.get("desk") is not None else None, str(a.get("desk_token", "")),
        )
        for email, a in data.items()
    }  # fmt: skip


def save_account(path: Path, url: str, account: Account) -> None:
    save_accounts(path, url, [account])


def save_accounts(path: Path, url: str, accounts: list[Account]) -> None:
    """Store accounts for the server at ``url`` (one write of the file, mode 0600)."""
    data = read_secret(path)
    for account in accounts:
        data.setdefault(url, {})[account.email] = {
            "user_id": account.user_id,
            "password": account.password,
            "token": account.token,
            "desk": account.desk,
            "desk_token": account.desk_token,
        }
    write_secret(path, data)
