"""The one refusal of media storage."""
from __future__ import annotations

from ..errors import DomainError

UNAVAILABLE = "Images are unavailable right now. Please try again in a minute."


class StorageUnavailable(DomainError):
    """The external store did not answer (503); nothing was written."""

    status = 503
    message = UNAVAILABLE
