"""The notifications' statements are index-backed: the bell's count (alone and inside the
session lookup), the list's pages and the fan-out's batch, EXPLAINed with sequential
scans switched off (as ``test_explain_hot_queries`` does) over tens of thousands of rows."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text

from buildstory.models import Event, NotificationFanout, Profile
from buildstory.notifications import fanout, queries
from buildstory.web.auth import _page_view_statement, preload_with_session
from tests.domain.test_explain_hot_queries import captured, plans

N = 3000
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
FILL = f"""
INSERT INTO profiles (clerk_id, username, display_name, created_at)
  SELECT 'user_nx' || i, 'nx-user-' || i, 'Nx ' || i, now() - i * interval '1 minute'
  FROM generate_series(1, {N}) i;
INSERT INTO events (name, slug, description, starts_at, ends_at, status, featured)
  VALUES ('Nx', 'nx-event', 'd', now(), now() + interval '1 day', 'active', false),
         ('Nx two', 'nx-two', 'd', now(), now() + interval '1 day', 'active', false);
INSERT INTO event_registrations (event_id, profile_id, team_preference)
  SELECT e.id, p.id, 'solo' FROM profiles p CROSS JOIN events e WHERE p.clerk_id LIKE 'user_nx%';
INSERT INTO notifications (recipient_id, type, title, read_at, created_at)
  SELECT p.id, 'member_left', 'P' || g, CASE WHEN g % 3 = 0 THEN now() END,
         now() - g * interval '1 minute'
  FROM profiles p CROSS JOIN generate_series(1, 12) g WHERE p.clerk_id LIKE 'user_nx%';
INSERT INTO notifications (recipient_id, type, title, created_at)
  SELECT p.id, 'member_left', 'Busy ' || g, now() - g * interval '1 second'
  FROM profiles p CROSS JOIN generate_series(1, 3000) g WHERE p.clerk_id = 'user_nx7';
INSERT INTO sessions (id, identity_id, created_at, expires_at)
  SELECT 'nx-session-' || i, 'user_nx' || i, now(), now() + interval '30 days'
  FROM generate_series(1, {N}) i;
ANALYZE profiles; ANALYZE events; ANALYZE event_registrations; ANALYZE notifications;
ANALYZE sessions;
"""
LARGE = ("profiles", "event_registrations", "notifications", "sessions")
# Both partial indexes of unread rows lead with the recipient; either serves the count.
UNREAD = re.compile(r"ix_notifications_unread|uq_notifications_unread_group")
# The walk: the (event_id, profile_id) unique index, or the planner's pick on this small
# table, the profile_id index with the event as a filter; never a scan of the table.
WALK = re.compile(r"uq_event_registrations_event_id_profile_id|ix_event_registrations_profile_id")


@pytest.fixture
def data(db_session):
    db_session.execute(text(FILL))
    return {"me": db_session.scalar(select(Profile).filter_by(clerk_id="user_nx7")),
            "event": db_session.scalar(select(Event).filter_by(slug="nx-event"))}


def explained(session, fn) -> list[str]:
    with captured(session) as sent:
        fn()
    assert sent, "nothing was sent"
    out = plans(session, sent)
    for plan in out:
        for table in LARGE:
            assert not re.search(rf"Seq Scan on {table}\b", plan), plan
    return out


def test_the_unread_count_reads_the_partial_index(db_session, data):
    [plan] = explained(db_session, lambda: queries.unread_count(db_session, data["me"]))
    assert UNREAD.search(plan), plan


def test_the_count_inside_the_session_lookup(db_session, data):
    preload_with_session("notification_count", queries.unread_count_column)
    stmt = _page_view_statement(("notification_count",))
    [plan] = explained(db_session, lambda: db_session.execute(
        stmt, {"sid": "nx-session-7", "now": NOW}).all())
    assert UNREAD.search(plan), plan


def test_the_list_walks_the_recipients_index_without_sorting(db_session, data):
    me = data["me"]  # 3,000 of them: the index gives them in order, 21 read
    first = queries.page(db_session, me)
    cursor = queries.decode_cursor(first.items[-1].cursor)
    for plan in explained(db_session, lambda: queries.page(db_session, me)) + explained(
            db_session, lambda: queries.page(db_session, me, before=cursor)):
        assert "ix_notifications_recipient_id_created_at_id" in plan
        assert not re.search(r"^\s*(->\s*)?Sort\b", plan, re.M), plan


def test_the_fan_out_batch_ranges_over_the_registrations_index(db_session, data, monkeypatch):
    monkeypatch.setattr(fanout, "BATCH", 500)
    event = data["event"]
    fid = db_session.scalar(
        NotificationFanout.__table__.insert().values(
            type="event_status", audience="event_registrants", subject_id=event.id,
            dedupe_key=f"event_status:{event.id}:active", title="Nx", event_id=event.id)
        .returning(NotificationFanout.id))
    db_session.execute(text("ANALYZE notification_fanouts"))
    found = explained(db_session, lambda: fanout.run_batch(db_session, fid))
    walking = [p for p in found if "event_registrations" in p]
    assert len(walking) == 2  # the batch's upper bound, then the INSERT … SELECT
    for plan in walking:
        assert WALK.search(plan), plan
