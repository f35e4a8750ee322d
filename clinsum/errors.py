"""Errors that carry a message fit for a person, and a hint of what to do.

Every error raised on purpose by clinsum is a :class:`ClinsumError`. The UI shows
``message`` (translated through ``key`` where a string exists) and ``hint``; the CLI prints
them and exits with ``exit_code``. A common error gets a key of its own,
``raise InputError("The record is empty…", hint="…", key="error.record_empty")``, with
``error.record_empty`` (and ``error.record_empty.hint``) in ``clinsum/ui/strings/errors.py``;
keyword parameters fill the string's ``{placeholders}``. Nothing else should reach a user as a traceback.
"""

from __future__ import annotations


class ClinsumError(Exception):
    """Base class: ``message`` for people, ``hint`` for what to do next."""

    exit_code = 1
    key = "error.generic"

    def __init__(self, message: str, hint: str | None = None, *, key: str | None = None,
                 **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.params = params
        if key:
            self.key = key  # a UI string of its own (``error.record_empty``), formatted with params

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class InputError(ClinsumError):
    """Bad input from a user: a file, a field, a record."""

    exit_code = 3
    key = "error.input"


class NotFound(ClinsumError):
    """A named thing (record, model, job, knowledge base) does not exist."""

    exit_code = 4
    key = "error.not_found"


class BackendUnavailable(ClinsumError):
    """A model server is down, slow, or misconfigured (key missing, model not pulled)."""

    exit_code = 5
    key = "error.backend"


class WorkspaceBusy(ClinsumError):
    """The workspace stayed locked by another process for longer than we wait."""

    exit_code = 6
    key = "error.busy"


class ConfigError(ClinsumError):
    """A configuration file or option is wrong."""

    exit_code = 2
    key = "error.config"


class JobStopped(Exception):
    """Raised inside a job's handler by ``JobContext.check_stop`` to stop at a safe point
    (here, not in ``clinsum.jobs``, so modules that jobs import can catch it)."""


class Reason(str):
    """Why something is skipped, in English (what the CLI and logs print), carrying the
    catalogue ``key`` and ``params`` a page shows it through (``problem.empty_record``)."""

    key: str
    params: dict

    def __new__(cls, text: str, key: str = "", params: dict | None = None) -> Reason:
        reason = super().__new__(cls, text)
        reason.key, reason.params = key, dict(params or {})
        return reason

    def __getnewargs__(self) -> tuple[str, str, dict]:  # pickles (jobs, Ray) keep key and params
        return str(self), self.key, self.params


def reason(key: str, text: str, **params: object) -> Reason:
    """``text`` (English, with ``{placeholders}``) filled with ``params``, keyed ``problem.<key>``
    (parameters kept as numbers or texts, so a job's log can store them)."""
    kept = {k: v if isinstance(v, (int, float)) else str(v) for k, v in params.items()}
    return Reason(text.format(**kept), f"problem.{key}", kept)


def reason_fields(text: str) -> dict:
    """A reason's key and parameters as a job's log stores them (nothing for a plain text)."""
    key = getattr(text, "key", "")
    return {"reason_key": key, "reason_params": getattr(text, "params", {})} if key else {}
