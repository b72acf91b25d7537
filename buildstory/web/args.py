"""Query-string arguments every list reads the same way."""
from __future__ import annotations

from flask import request

MAX_PAGE = 10_000  # a bound on the OFFSET a list may be asked to skip


def page_arg(name: str = "page", maximum: int = MAX_PAGE, args=None) -> int:
    """Return the page number in ``?<name>=`` of this request (or of ``args``): 1 when
    missing or malformed, at most ``maximum``; a bad page number is never an error."""
    try:
        return min(max(int((request.args if args is None else args).get(name) or 1), 1),
                   maximum)
    except ValueError:
        return 1
