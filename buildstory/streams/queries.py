"""Reads for the streams page and the followed Twitch categories (docs/rules.md "Applications, streams and draws").

The public list is the featured event's registered, visible builders who have a Twitch
URL. Their Twitch login is read from the URL (``https://www.twitch.tv/<login>``); a URL
elsewhere is still listed as a channel link, just never live.
"""
from __future__ import annotations

import uuid

from sqlalchemy import case, func, literal, select

from ..errors import NotFound
from ..events.models import EventRegistration
from ..profiles.models import Profile
from ..profiles.queries import visible
from .models import TwitchCategory

PER_PAGE = 50
# Twitch logins are 1–25 letters, digits and underscores (4+ for new accounts).
LOGIN_PATTERN = r"^https?://(?:www\.|m\.)?twitch\.tv/([A-Za-z0-9_]{1,25})(?:[/?#]|$)"


def login_expression(column=Profile.twitch_url):
    """Return SQL for the lower-case Twitch login in a profile's Twitch URL (or NULL)."""
    return func.lower(func.substring(column, literal(LOGIN_PATTERN)))


def followed_categories(session) -> list[TwitchCategory]:
    """Return the followed categories, by name."""
    return list(session.scalars(select(TwitchCategory)
                                .order_by(func.lower(TwitchCategory.name), TwitchCategory.id)))


def category_or_404(session, category_id: uuid.UUID) -> TwitchCategory:
    """Return a followed category, or raise NotFound."""
    category = session.get(TwitchCategory, category_id)
    if category is None:
        raise NotFound()
    return category


def _streamers(event_id):
    return (select(Profile)
            .join(EventRegistration, EventRegistration.profile_id == Profile.id)
            .where(EventRegistration.event_id == event_id, visible(),
                   Profile.username.is_not(None), Profile.twitch_url.is_not(None)))


def streamer_logins(session, event_id) -> tuple[int, list[str]]:
    """Return (how many channels are listed, their distinct Twitch logins)."""
    login = login_expression()
    rows = session.execute(_streamers(event_id).with_only_columns(login)).scalars().all()
    return len(rows), sorted({r for r in rows if r})


def streamers_page(session, event_id, live_logins, page: int = 1) -> tuple[list, bool]:
    """Return ``([(profile, login)], has_next)``: live channels first, then by username."""
    login = login_expression()
    live_first = case((login.in_(list(live_logins) or [""]), 0), else_=1)
    stmt = (_streamers(event_id).add_columns(login.label("login"))
            .order_by(live_first, Profile.username)
            .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1))
    rows = session.execute(stmt).all()
    return rows[:PER_PAGE], len(rows) > PER_PAGE
