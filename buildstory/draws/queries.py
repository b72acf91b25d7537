"""Reads for prize draws: who is eligible, earlier winners, the history (docs/rules.md "Applications, streams and draws")."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from ..enums import EventStatus
from ..errors import NotFound
from ..events.models import Event, EventRegistration
from ..profiles.models import Profile
from ..profiles.queries import visible
from .models import PrizeDraw

HISTORY_PER_PAGE = 20
EVENT_CHOICES = 200


def earlier_winner_ids(session, event_id) -> set[str]:
    """Return the profile ids (as strings) of everyone who won an earlier draw of the event."""
    lists = session.scalars(select(PrizeDraw.winners).where(PrizeDraw.event_id == event_id))
    return {str(w["profile_id"]) for winners in lists for w in winners if "profile_id" in w}


def eligible(session, event_id, *, exclude_earlier_winners: bool = False) -> list[dict]:
    """Return ``[{profile_id, username}]`` of the event's visible registrants with a username.

    Sorted by username in code-point order (Python's ``sorted`` on ``str``, never a
    database collation), optionally without earlier winners of the same event.
    """
    rows = session.execute(
        select(Profile.id, Profile.username)
        .join(EventRegistration, EventRegistration.profile_id == Profile.id)
        .where(EventRegistration.event_id == event_id, visible(),
               Profile.username.is_not(None))).all()
    skip = earlier_winner_ids(session, event_id) if exclude_earlier_winners else set()
    people = [{"profile_id": str(pid), "username": name} for pid, name in rows
              if str(pid) not in skip]
    return sorted(people, key=lambda p: p["username"])


def draw_events(session) -> list[Event]:
    """Return the events a draw may be run for: every non-draft event, newest first."""
    return list(session.scalars(select(Event).where(Event.status != EventStatus.draft)
                                .order_by(Event.starts_at.desc(), Event.id)
                                .limit(EVENT_CHOICES)))


def draw_event_or_none(session, event_id: uuid.UUID) -> Event | None:
    """Return the non-draft event with this id, or None."""
    return session.scalar(select(Event).where(Event.id == event_id,
                                              Event.status != EventStatus.draft))


def history(session, page: int = 1) -> tuple[list, bool]:
    """Return ``(rows, has_next)``, newest first; rows carry the draw's summary columns.

    The eligible snapshot is left out: it can be long, and only the details panel needs it.
    """
    stmt = (select(PrizeDraw.id, PrizeDraw.drawn_at, PrizeDraw.winners, PrizeDraw.winner_count,
                   PrizeDraw.total_eligible, PrizeDraw.excluded_previous_winners,
                   PrizeDraw.seed, Event.name.label("event_name"),
                   Profile.display_name.label("drawn_by_name"))
            .join(Event, Event.id == PrizeDraw.event_id)
            .outerjoin(Profile, Profile.id == PrizeDraw.drawn_by)
            .order_by(PrizeDraw.drawn_at.desc(), PrizeDraw.id)
            .offset((page - 1) * HISTORY_PER_PAGE).limit(HISTORY_PER_PAGE + 1))
    rows = session.execute(stmt).all()
    return rows[:HISTORY_PER_PAGE], len(rows) > HISTORY_PER_PAGE


def draw_or_404(session, draw_id: uuid.UUID) -> PrizeDraw:
    """Return a stored draw, or raise NotFound."""
    row = session.get(PrizeDraw, draw_id)
    if row is None:
        raise NotFound()
    return row
