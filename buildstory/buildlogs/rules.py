"""Pure rules of build logs: messages, limits, the edit window and mentions
(docs/rules.md "Build logs")."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from ..markdown import render
from ..ratelimits import DAY, Limit

UPDATE_REQUIRED = "Update is required"
UPDATE_TOO_LONG = "Update must be at most 280 characters"
DESCRIPTION_REQUIRED = "Image description is required"
DESCRIPTION_TOO_LONG = "Image description must be at most 200 characters"
NOT_TEAM = "You must be a project owner or member to post updates"
NOT_AUTHOR_EDIT = "Only the author can edit this"
NOT_AUTHOR_DELETE = "Only the author or the project owner can delete this update"
EDIT_WINDOW_PASSED = "The 15-minute edit window has passed."
ALREADY_HIDDEN = "Update is already hidden"
NOT_HIDDEN = "Update is not hidden"

EDIT_WINDOW = timedelta(minutes=15)
POST_LIMIT = Limit(count=20, window=DAY,
                   count_message="You can create up to 20 posts per day. Please try again later.",
                   gap=timedelta(seconds=10),
                   gap_message="Please wait a few seconds before posting again.")
POST_LIMIT_SCOPE = "post"
PAGE_SIZE = 20
LATEST = 5

# "@name" at the start or after a non-word character; usernames are 3–30 lower-case
# letters, digits and hyphens (matched case-insensitively, linked lower-cased).
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9-]{1,28}[A-Za-z0-9])(?![\w-])")


def within_edit_window(created_at: datetime, now: datetime) -> bool:
    return now - created_at <= EDIT_WINDOW


def mentioned_usernames(body: str) -> list[str]:
    """The distinct usernames named with ``@`` in ``body``, lower-cased, in order."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def render_body(body: str, profile_url) -> Markup:
    """The body as safe HTML: the markdown subset, then ``@username`` linked to the
    profile (``profile_url(username)``), outside existing links only."""
    html = str(render(body))
    parts = re.split(r"(<a\b[^>]*>.*?</a>|<[^>]+>)", html, flags=re.S)
    out = []
    for part in parts:
        if part.startswith("<"):
            out.append(part)
            continue
        out.append(MENTION.sub(
            lambda m: f'<a href="{escape(profile_url(m.group(1).lower()))}">@{m.group(1)}</a>',
            part))
    return Markup("".join(out))
