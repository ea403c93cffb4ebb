"""Errors of the Label Studio integration (all are :class:`coder.errors.CoderError`)."""

from __future__ import annotations

from coder.errors import CoderError


class StudioError(CoderError):
    """Label Studio is missing, unreachable, or answered something coder cannot use."""


class PortTakenError(StudioError):
    """The port chosen for Label Studio is already in use."""


class NotRunningError(StudioError):
    """No Label Studio server of this project is running."""


class TransientError(StudioError):
    """A call failed in a way that may succeed when retried (connection lost, 5xx, 429)."""
