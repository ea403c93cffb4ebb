"""Errors of the Label Studio integration (all are :class:`coder.errors.CoderError`), and how
a failed call to Label Studio is told apart: worth retrying or not, described without its body
(which could quote contributions)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from coder.errors import CoderError

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


class StudioError(CoderError):
    """Label Studio is missing, unreachable, or answered something coder cannot use."""


class PortTakenError(StudioError):
    """The port chosen for Label Studio is already in use."""


class NotRunningError(StudioError):
    """No Label Studio server of this project is running."""


class TransientError(StudioError):
    """A call failed in a way that may succeed when retried (connection lost, 5xx, 429)."""


class HttpError(Exception):
    """An HTTP error answer (``status_code`` and the start of the body, as the SDK's)."""

    def __init__(self, status_code: int, body: str) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.body = body


def short_body(body: Any) -> str:
    """The start of an answer's body, for an error message."""
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    return text[:300]
