"""Pure rules of the roadmap: statuses, messages, limits, slugs, the edit window and the
leaderboard's formula (docs/rules.md "Roadmap"). No database here."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from ..enums import FeatureBoardStatus as S
from ..ratelimits import DAY, Limit
from .models import COLOURS, SLUG_MAX

PUBLIC = (S.exploring, S.next, S.now, S.shipped)
TRIAGE_ONLY = (S.inbox, S.closed, S.archived)
BOARD_COLUMNS = (S.now, S.next, S.exploring, S.shipped)
TRIAGER_COLUMNS = BOARD_COLUMNS + TRIAGE_ONLY
COLUMN_SIZE = 50
PAGE_SIZE = 18
QUERY_MAX = 100
TRIGRAM_FROM = 3
LEADERBOARD_SIZE = 50
COMMENTS_SHOWN = 200

COLOUR_LABELS = {"blue": "Blue", "green": "Green", "purple": "Purple", "orange": "Orange",
                 "red": "Red", "teal": "Teal", "pink": "Pink", "slate": "Slate"}
assert tuple(COLOUR_LABELS) == COLOURS

TITLE_REQUIRED = "Title is required"
TITLE_TOO_LONG = "Title must be at most 200 characters"
DESCRIPTION_TOO_LONG = "Description must be at most 5000 characters"
NOTES_TOO_LONG = "Internal notes must be at most 5000 characters"
CHOOSE_CATEGORY = "Choose a category from the list"
CHOOSE_STATUS = "Choose a status from the list"
COMMENT_REQUIRED = "Comment is required"
COMMENT_TOO_LONG = "Comment must be at most 5000 characters"
REPLY_REQUIRED = "Reply is required"
REPLY_TOO_LONG = "Reply must be at most 5000 characters"
NAME_REQUIRED = "Name is required"
NAME_TOO_LONG = "Name must be at most 50 characters"
NAME_TAKEN = "A category with this name already exists"
CHOOSE_COLOUR = "Choose a colour from the list"
ONLY_AUTHOR_EDIT = "Only the author can edit this"
EDIT_WINDOW_PASSED = "The 15-minute edit window has passed."
DELETE_ONLY_INBOX = "Ideas can only be deleted while waiting for review"
ONLY_AUTHOR_DELETE = "Only the author can delete this idea"
ONLY_AUTHOR_DELETE_COMMENT = "Only the author can delete this comment"
NO_REPLY_TO_REPLY = "Cannot reply to a reply"
CHOOSE_STATE = "Choose on or off"
WAITING = "Waiting for review"
DELETED_COMMENT = "This comment was deleted"

EDIT_WINDOW = timedelta(minutes=15)
IDEA_LIMIT = Limit(count=5, window=DAY,
                   count_message="You can submit up to 5 ideas per day. Please try again later.",
                   gap=timedelta(seconds=60),
                   gap_message="Please wait a minute before submitting another idea.")
UPVOTE_LIMIT = Limit(count=50, window=DAY,
                     count_message="You have reached the daily upvote limit. "
                                   "Please try again later.")
COMMENT_LIMIT = Limit(count=30, window=DAY,
                      count_message="You can post up to 30 comments per day. "
                                    "Please try again later.",
                      gap=timedelta(seconds=10),
                      gap_message="Please wait a few seconds before posting another comment.")

# Leaderboard: points per idea, shipped idea, comment and upvote given.
POINTS = {"ideas": 10, "shipped": 30, "comments": 3, "upvotes": 1}
RESERVED_SLUGS = frozenset({"new", "edit"})


def is_public(status) -> bool:
    return S(status) in PUBLIC


def within_edit_window(created_at: datetime, now: datetime) -> bool:
    return now - created_at <= EDIT_WINDOW


def slug_base(title: str) -> str:
    """The slug a title asks for: its ASCII letters and digits, lower-cased, in
    hyphen-joined groups, at most 80 characters; ``idea`` when nothing remains."""
    base = "-".join(re.findall(r"[a-z0-9]+", (title or "").lower().encode("ascii", "ignore")
                                .decode()))
    base = base[:SLUG_MAX].rstrip("-")
    return base or "idea"


def slug_with_suffix(base: str, n: int) -> str:
    """``base`` (n = 1) or ``base-n``, cut so the whole stays within 80 characters."""
    if n == 1:
        return base
    suffix = f"-{n}"
    return base[:SLUG_MAX - len(suffix)].rstrip("-") + suffix


def month_start(now: datetime) -> datetime:
    """The 1st of ``now``'s month, 00:00 UTC (the "month" period starts there)."""
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def score(ideas: int, shipped: int, comments: int, upvotes: int) -> int:
    return (ideas * POINTS["ideas"] + shipped * POINTS["shipped"]
            + comments * POINTS["comments"] + upvotes * POINTS["upvotes"])
