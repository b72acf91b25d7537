"""Turning a refused action into an answer: the one place views roll a refusal back.

A service refuses by raising a domain error (``errors.py``). Most refusals are shown in
place: the form again with its field errors (422), or the card with the message (409).
Every view does that the same way::

    with refusal() as refused:
        services.register(db.session, event, g.profile, now=utcnow())
    if refused:
        return _panel(event, refused.status, errors=refused.errors, message=refused.message)
    db.session.commit()

Refusals of other kinds (403, 404, …) are not caught: ``web/errors.py`` answers them for
the whole app (docs/architecture.md, "A request's path").
"""
from __future__ import annotations

from contextlib import contextmanager

from ..db import db
from ..errors import Conflict, DomainError, ValidationFailed

SHOWN_IN_PLACE = (ValidationFailed, Conflict)


class Refusal:
    """What a ``refusal()`` block caught: false until a refusal happened."""

    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is not None

    @property
    def invalid(self) -> bool:
        """True when the input was refused field by field (422)."""
        return isinstance(self.error, ValidationFailed)

    @property
    def status(self) -> int:
        """The refusal's status code (422 for field errors, 409 for a conflict, …)."""
        return self.error.status

    @property
    def errors(self) -> dict[str, str]:
        """Field → message for a validation refusal, else an empty dict."""
        return getattr(self.error, "errors", {})

    @property
    def message(self) -> str | None:
        """The message of a refusal that is not about fields, else None."""
        return None if self.invalid else self.error.message


@contextmanager
def refusal(*kinds: type[DomainError]):
    """Run the block; when it raises one of ``kinds`` (by default a validation failure or
    a conflict), roll the transaction back and keep the error on the yielded ``Refusal``."""
    caught = Refusal()
    try:
        yield caught
    except (kinds or SHOWN_IN_PLACE) as exc:
        db.session.rollback()
        caught.error = exc
