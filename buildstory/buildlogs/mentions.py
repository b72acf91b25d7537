"""``@username`` mentions in posts and comments: who a text names.

A mention is ``@`` at the start of the text or after a non-word character, then a
username (matched case-insensitively; stored usernames are lower-case). At most ten
builders are notified per text, the first ten named.
"""
from __future__ import annotations

import re

MENTION_RE = re.compile(r"(?<!\w)@([A-Za-z0-9][A-Za-z0-9_-]{1,28}[A-Za-z0-9])(?![\w-])")
PER_TEXT = 10


def named(text: str | None) -> list[str]:
    """The lower-cased usernames ``text`` mentions, first mention first, no repeats."""
    found = dict.fromkeys(m.group(1).lower() for m in MENTION_RE.finditer(text or ""))
    return list(found)


def newly_named(old: str | None, new: str | None) -> list[str]:
    """The usernames ``new`` mentions that ``old`` did not (an edit notifies only those)."""
    before = set(named(old))
    return [name for name in named(new) if name not in before]
