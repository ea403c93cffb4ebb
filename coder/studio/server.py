"""Install, start, stop and check a project's own Label Studio server.

The server runs from its own virtual environment (Label Studio pins Django, pandas and numpy
versions of its own), listens on 127.0.0.1 unless another address is asked for, keeps its
SQLite data under ``PROJECT/.studio/data`` and has analytics, error reporting and version
checks off. Its admin and API token come from :mod:`coder.studio.settings` through environment
variables, never through the command line (which other users can read) and never in the log.

It runs with coder's settings module (:mod:`coder.studio.ls_side.coder_studio_settings`), which
keeps each person to their own organization (their *desk*) and coders to coding; and
:func:`run_admin` runs :mod:`coder.studio.ls_side.coder_studio_admin` with Label Studio's
Python to make accounts and desks, which the edition's REST API cannot.

Serving coders on other machines (``host`` other than 127.0.0.1): Label Studio is told the
address coders open (``LABEL_STUDIO_HOST``), which hosts it answers to (``ALLOWED_HOSTS``) and
which origin may post its forms (``CSRF_TRUSTED_ORIGINS``), so signing in works from there; over
plain HTTP passwords cross the network readable, so :func:`exposure` warns unless the public
address is ``https://`` (a TLS reverse proxy in front, see ``docs/labelstudio.md``).

Label Studio reads ``LABEL_STUDIO_X``, then ``HEARTEX_X``, then a plain ``X``: stray ``HOST``,
``PORT``, ``USERNAME``, ``PASSWORD`` or ``DEBUG`` variables would take effect, so they are
removed from the server's environment. When its port is taken, Label Studio silently moves to
the next one; coder checks the port first and stops a server that moved anyway.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coder.studio.errors import NotRunningError, PortTakenError, StudioError
from coder.studio.settings import SERVER_FILE, StudioSettings, connect_host

LABEL_STUDIO_VERSION = "1.23.2"
VENV_NAME = ".venv-labelstudio"
PID_FILE = SERVER_FILE
LS_SIDE = Path(__file__).resolve().parent / "ls_side"
SETTINGS_MODULE = "coder_studio_settings"
ADMIN_SCRIPT = LS_SIDE / "coder_studio_admin.py"
RESULT = "CODER-RESULT "
LOG_FILE = "server.log"
STRAY = ("HOST", "PORT", "USERNAME", "PASSWORD", "DEBUG")
START_TIMEOUT = 240.0


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    url: str
    pid: int | None = None
    detail: str = ""


def default_venv() -> Path:
    """Label Studio's own venv: ``$CODER_LABEL_STUDIO_VENV``, else next to coder's venv."""
    env = os.environ.get("CODER_LABEL_STUDIO_VENV")
    if env:
        return Path(env)
    return Path(sys.prefix).resolve().parent / VENV_NAME


def label_studio_bin(venv: Path | None = None) -> Path:
    return (venv or default_venv()) / "bin" / "label-studio"


def install(venv: Path | None = None, echo: Callable[[str], None] = print) -> Path:
    """Create Label Studio's venv and install Label Studio in it, unless already there.

    Returns the path of the ``label-studio`` executable.
    """
    venv = venv or default_venv()
    exe = label_studio_bin(venv)
    if exe.exists():
        return exe
    echo(f"Installing label-studio {LABEL_STUDIO_VERSION} into {venv} (about 1 GB, a minute)...")
    try:
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
             f"label-studio=={LABEL_STUDIO_VERSION}"],
            check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        raise StudioError(
            f"installing label-studio into {venv} failed ({exc}); check the network access to "
            "the package index, or run bash scripts/setup_studio.sh"
        ) from exc
    return exe


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts connections on (host, port) or the port cannot be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        if s.connect_ex((host, port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As the server will: connections in TIME_WAIT from a stopped server do not count.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def free_port(start: int = 8080, host: str = "127.0.0.1") -> int:
    """The first free port from ``start`` on."""
    for port in range(start, start + 200):
        if not port_in_use(port, host):
            return port
    raise PortTakenError(f"no free port in {start}-{start + 199}; pass --port")


def server_env(settings: StudioSettings, data_dir: Path) -> dict[str, str]:
    """The environment of the server process: stray variables removed, ours set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in STRAY and not k.startswith(("LABEL_STUDIO_", "HEARTEX_", "CODER_STUDIO_"))
    }
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_USERNAME=settings.admin_email,
        LABEL_STUDIO_PASSWORD=settings.admin_password,
        LABEL_STUDIO_USER_TOKEN=settings.token,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        PYTHONPATH=str(LS_SIDE),
    )
    env.update(address_env(settings))
    return env


def address_env(settings: StudioSettings) -> dict[str, str]:
    """Label Studio's host, allowed hosts and trusted origins for a server coders reach at
    ``settings.public_url`` (nothing for the default 127.0.0.1 with no public address)."""
    if not settings.public_url and not settings.exposed:
        return {}
    public = urllib.parse.urlsplit(settings.coders_url)
    hosts = {public.hostname or "", connect_host(settings.host), "127.0.0.1", "localhost"}
    if settings.host not in ("0.0.0.0", "::"):
        hosts.add(settings.host)
    origin = f"{public.scheme}://{public.netloc}"
    env = {
        "LABEL_STUDIO_HOST": origin + public.path.rstrip("/"),
        "LABEL_STUDIO_ALLOWED_HOSTS": ",".join(sorted(h for h in hosts if h)),
        "LABEL_STUDIO_CSRF_TRUSTED_ORIGINS": origin,
    }
    if public.scheme == "https":
        env["LABEL_STUDIO_SESSION_COOKIE_SECURE"] = "1"
        env["LABEL_STUDIO_CSRF_COOKIE_SECURE"] = "1"
    return env


def exposure(settings: StudioSettings) -> str | None:
    """A warning when coders would send passwords to the server unencrypted, else None."""
    if not settings.exposed or settings.coders_url.startswith("https://"):
        return None
    return (
        f"Warning: Label Studio listens on {settings.host} and coders reach it at "
        f"{settings.coders_url} over plain HTTP: their passwords and the contributions cross "
        "the network unencrypted. Put a TLS reverse proxy in front and pass its https:// "
        "address as the public URL (docs/labelstudio.md, 'Serving a team')"
    )


def health(url: str, timeout: float = 2.0) -> bool:
    """True when ``url/health`` answers ``{"status": "UP"}``."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as r:
            return bool(json.loads(r.read().decode()).get("status") == "UP")
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) counts as dead.
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        if fields and fields[0] == "Z":
            return False
    return True


def _is_label_studio(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _pid_alive(pid)  # no /proc: trust the PID file
    return b"label-studio" in cmdline or b"label_studio" in cmdline


def _read_pid(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / PID_FILE).read_text())
        return {"pid": int(data["pid"]), "port": int(data["port"]),
                "host": str(data.get("host", "127.0.0.1"))}  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return None


def status(settings: StudioSettings) -> ServerStatus:
    """Whether the project's server (or the external one) is up."""
    if not settings.managed:
        up = health(settings.url)
        return ServerStatus(up, settings.url, None, "external server" + ("" if up else ", down"))
    assert settings.folder is not None
    record = _read_pid(settings.folder)
    if record is None or not _pid_alive(record["pid"]) or not _is_label_studio(record["pid"]):
        return ServerStatus(False, settings.url, None, "not running")
    url = f"http://{connect_host(record['host'])}:{record['port']}"
    up = health(url)
    return ServerStatus(up, url, record["pid"], "up" if up else "starting or not responding")


def start(
    settings: StudioSettings,
    venv: Path | None = None,
    timeout: float = START_TIMEOUT,
    echo: Callable[[str], None] = print,
) -> ServerStatus:
    """Start the project's server (installing Label Studio first if needed) and wait for it.

    Returns at once when it is already running. Raises :class:`PortTakenError` when the port
    is taken, and :class:`StudioError` when the server exits or does not answer in time (the
    log is in ``PROJECT/.studio/server.log``).
    """
    if not settings.managed:
        if health(settings.url):
            return ServerStatus(True, settings.url, None, "external server")
        raise StudioError(f"the Label Studio at CODER_STUDIO_URL ({settings.url}) is not up")
    assert settings.folder is not None
    folder = settings.folder
    current = status(settings)
    if current.running:
        if current.url != settings.url:
            raise StudioError(
                f"this project's Label Studio already runs at {current.url}; "
                "stop it first (coder studio down) to change the port"
            )
        return current
    if current.pid is not None:
        stop(settings)
    if port_in_use(settings.port, connect_host(settings.host)):
        raise PortTakenError(
            f"port {settings.port} is already in use (another Label Studio or program); "
            "pick another with --port, or stop what listens there"
        )
    exe = install(venv, echo)
    warning = exposure(settings)
    if warning:
        echo(warning)
    data_dir = folder / "data"
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    log_path = folder / LOG_FILE
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "ab") as log:
        proc = subprocess.Popen(
            [str(exe), "start", "--no-browser", "--internal-host", settings.host,
             "--port", str(settings.port)],
            env=server_env(settings, data_dir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=str(folder),
        )  # fmt: skip
    (folder / PID_FILE).write_text(json.dumps({"pid": proc.pid, "port": settings.port,
                                               "host": settings.host,
                                               "public_url": settings.public_url}))  # fmt: skip
    deadline = time.monotonic() + timeout
    moved = f"Port {settings.port} is in use".encode()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            (folder / PID_FILE).unlink(missing_ok=True)
            raise StudioError(
                f"Label Studio exited with status {proc.returncode} while starting; see {log_path}"
            )
        if moved in _log_tail(log_path):
            stop(settings)
            raise PortTakenError(
                f"port {settings.port} was taken while Label Studio started and it moved to "
                "another port; it was stopped. Pick another port with --port"
            )
        if health(settings.url):
            return ServerStatus(True, settings.url, proc.pid, "up")
        time.sleep(0.5)
    stop(settings)
    raise StudioError(
        f"Label Studio did not answer {settings.url}/health within {timeout:.0f} s; see {log_path}"
    )


def _log_tail(path: Path, size: int = 20000) -> bytes:
    try:
        with path.open("rb") as f:
            f.seek(max(0, path.stat().st_size - size))
            return f.read()
    except OSError:
        return b""


def stop(settings: StudioSettings, timeout: float = 20.0) -> bool:
    """Stop the project's server by the PID it was started with. False if it was not running."""
    if not settings.managed:
        raise NotRunningError(
            "the server at CODER_STUDIO_URL is not managed by coder; stop it where it runs"
        )
    assert settings.folder is not None
    record = _read_pid(settings.folder)
    if record is None:
        return False
    pid = record["pid"]
    pid_file = settings.folder / PID_FILE
    if not _pid_alive(pid) or not _is_label_studio(pid):
        pid_file.unlink(missing_ok=True)
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(pid):
        _reap(pid)
        time.sleep(0.2)
    if _pid_alive(pid):
        _signal_group(pid, signal.SIGKILL)
        time.sleep(0.5)
        _reap(pid)
    pid_file.unlink(missing_ok=True)
    return True


def kill(settings: StudioSettings) -> None:
    """Kill the project's server at once (SIGKILL), as a crash would; for tests."""
    assert settings.folder is not None
    record = _read_pid(settings.folder)
    if record is not None and _pid_alive(record["pid"]):
        _signal_group(record["pid"], signal.SIGKILL)
        for _ in range(50):
            _reap(record["pid"])
            if not _pid_alive(record["pid"]):
                break
            time.sleep(0.1)


def _signal_group(pid: int, sig: int) -> None:
    # The server was started in a session of its own, so its process group id is its PID.
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def admin_env(settings: StudioSettings) -> dict[str, str]:
    """The environment :func:`run_admin` gives Label Studio's Python: the server's own for a
    server coder manages; for another, this process's (its database variables: Label Studio's
    ``LABEL_STUDIO_BASE_DATA_DIR``, or ``DJANGO_DB`` and ``POSTGRE_*``), without stray ones."""
    if settings.managed:
        assert settings.folder is not None
        return server_env(settings, settings.folder / "data")
    env = {k: v for k, v in os.environ.items() if k not in STRAY}
    env.update(PYTHONUNBUFFERED="1", SENTRY_DSN="", FRONTEND_SENTRY_DSN="",
               LATEST_VERSION_CHECK="false", COLLECT_ANALYTICS="false")  # fmt: skip
    return env


def run_admin(
    settings: StudioSettings, request: dict[str, Any], venv: Path | None = None
) -> dict[str, Any]:
    """Run :mod:`~coder.studio.ls_side.coder_studio_admin` with Label Studio's Python against
    the server's database; ``request`` goes in on stdin (it may hold passwords) and the answer
    comes back from the pipe, never through a file, an argument or the log.

    Raises
    ------
    StudioError
        when Label Studio's Python is missing, the script fails, or it refuses the request
        (its message says why).
    """
    python = (venv or default_venv()) / "bin" / "python"
    if not python.exists():
        raise StudioError(
            f"coder makes accounts and desks with Label Studio's own Python, and {python} is "
            "missing: run `coder studio up` (or bash scripts/setup_studio.sh); for a server coder "
            "does not manage, run coder on its machine with CODER_LABEL_STUDIO_VENV and its "
            "database variables set (docs/labelstudio.md)"
        )
    try:
        done = subprocess.run(
            [str(python), str(ADMIN_SCRIPT)], input=json.dumps(request), capture_output=True,
            text=True, env=admin_env(settings), timeout=600, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        why = exc.__class__.__name__
        raise StudioError(f"Label Studio's Python could not run ({why})") from exc
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT)]
    answer: dict[str, Any] = json.loads(lines[-1][len(RESULT) :]) if lines else {}
    if "error" in answer:
        raise StudioError(str(answer["error"]))
    if done.returncode != 0 or "people" not in answer:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1][:300]
        raise StudioError(
            f"making accounts in Label Studio's database failed (exit {done.returncode}: "
            f"{last}); check that its database variables point at the server's database"
        )
    return answer
