"""Domain errors: services raise these; web/errors.py maps them to responses once.

Every error carries the exact message a user sees and its HTTP status (docs/rules.md,
"Refusals and status codes"). Field errors (422) name the form field they belong next to.
"""
from __future__ import annotations


class DomainError(Exception):
    """A rule refused an action; ``status`` and ``message`` are what the user gets."""

    status = 409
    message = "This action is not allowed right now."

    def __init__(self, message: str | None = None, *, field: str | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input is malformed or a value is taken (422); ``errors`` maps field → message."""

    status = 422

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        first = next(iter(self.errors.values()), "Check the highlighted fields")
        super().__init__(first, field=next(iter(self.errors), None))


class Conflict(DomainError):
    """The current state refuses the action (409)."""

    status = 409


class Forbidden(DomainError):
    """Not allowed for this role or person (403)."""

    status = 403
    message = "You are not allowed to do that."


class NotFound(DomainError):
    """Unknown or hidden (404)."""

    status = 404
    message = "Page not found"


class Gone(DomainError):
    """Used up for good (410)."""

    status = 410
