"""Registration (docs/rules.md "Events"): the open rules, windows, upsert, withdraw, and the reads."""
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from buildstory.db import db
from buildstory.enums import CommitmentLevel, EventStatus, ProjectEventKind, TeamPreference
from buildstory.errors import Conflict, NotFound, ValidationFailed
from buildstory.events import ics, queries, rules, services
from buildstory.events.models import Event, EventRegistration
from buildstory.profiles.models import Profile
from buildstory.profiles.queries import registrants_of_slug
from buildstory.projects.models import EventProject, ProjectEvent
from tests.helpers import N, run_concurrently
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory)

NOW = datetime.now(UTC)


def reg_count(session, event):
    return session.scalar(select(func.count()).select_from(EventRegistration)
                          .where(EventRegistration.event_id == event.id))


def register(session, event, profile, team="solo", commitment=None, now=NOW):
    return services.register(session, event, profile, team_preference=team,
                             commitment_level=commitment, now=now)


@pytest.mark.parametrize("status", ["open", "active"])
def test_register_while_open_then_update_keeps_one_row(db_session, status):
    event, builder = EventFactory(status=status), ProfileFactory()
    first = register(db_session, event, builder, "looking_for_team", "daily")
    assert first.team_preference == TeamPreference.looking_for_team
    assert first.commitment_level == CommitmentLevel.daily
    second = register(db_session, event, builder, "has_team", None)
    assert second.id == first.id and reg_count(db_session, event) == 1
    # A missing commitment keeps the one already given.
    assert second.team_preference == TeamPreference.has_team
    assert second.commitment_level == CommitmentLevel.daily
    assert queries.registration_for(db_session, event, builder).id == first.id


@pytest.mark.parametrize("status", ["judging", "complete"])
def test_register_for_a_closed_event_is_refused(db_session, status):
    event = EventFactory(status=status)
    with pytest.raises(Conflict, match="^Registration has closed$") as exc:
        register(db_session, event, ProfileFactory())
    assert exc.value.status == 409 and reg_count(db_session, event) == 0


def test_register_for_a_draft_is_not_found(db_session):
    with pytest.raises(NotFound):
        register(db_session, EventFactory(status="draft"), ProfileFactory())


def test_registration_window(db_session):
    event = EventFactory(status="open", registration_opens_at=NOW + timedelta(hours=1),
                         registration_closes_at=NOW + timedelta(days=2))
    builder = ProfileFactory()
    with pytest.raises(Conflict, match="^Registration has not opened yet$"):
        register(db_session, event, builder)
    assert register(db_session, event, builder, now=NOW + timedelta(hours=2))
    with pytest.raises(Conflict, match="^Registration has closed$"):
        register(db_session, event, builder, now=NOW + timedelta(days=2))
    with pytest.raises(Conflict, match="^Registration has closed$"):
        services.withdraw(db_session, event, builder, now=NOW + timedelta(days=3))
    assert reg_count(db_session, event) == 1


def test_a_team_preference_is_required(db_session):
    event = EventFactory(status="open")
    for bad in ("", None, "lone_wolf"):
        with pytest.raises(ValidationFailed) as exc:
            register(db_session, event, ProfileFactory(), bad)
        assert exc.value.errors == {"team_preference": "Choose a team preference"}
    assert reg_count(db_session, event) == 0


@pytest.mark.parametrize("status,opens,closes,registration,entries", [
    ("draft", None, None, False, False),
    ("open", None, None, True, True),
    ("active", None, None, True, True),
    ("judging", None, None, False, False),
    ("complete", None, None, False, False),
    ("open", 1, None, False, True),
    ("active", -2, -1, False, True),
    ("active", -2, 1, True, True),
])
def test_registration_and_entry_rules_by_status_and_window(status, opens, closes,
                                                           registration, entries):
    hours = lambda h: None if h is None else NOW + timedelta(hours=h)  # noqa: E731
    event = Event(status=EventStatus(status), registration_opens_at=hours(opens),
                  registration_closes_at=hours(closes))
    assert rules.is_registration_open(event, NOW) is registration
    assert rules.accepts_entries(event) is entries


def test_withdraw_removes_the_registration_and_the_builders_entries_only(db_session):
    event, other_event = EventFactory(status="active"), EventFactory(status="active")
    builder, friend = ProfileFactory(), ProfileFactory()
    for e in (event, other_event):
        EventRegistrationFactory(event=e, profile=builder)
    EventRegistrationFactory(event=event, profile=friend)
    mine = ProjectFactory(owner=builder)
    theirs = ProjectFactory(owner=friend)
    EventProjectFactory(event=event, project=mine)
    EventProjectFactory(event=other_event, project=mine)
    EventProjectFactory(event=event, project=theirs)

    assert services.withdraw(db_session, event, builder, now=NOW) is True
    assert queries.registration_for(db_session, event, builder) is None
    entries = set(db_session.execute(select(EventProject.event_id, EventProject.project_id)))
    assert entries == {(other_event.id, mine.id), (event.id, theirs.id)}
    history = db_session.scalars(select(ProjectEvent).where(ProjectEvent.project_id == mine.id)).all()
    assert [(h.kind, h.subject_name) for h in history] == [(ProjectEventKind.left_event, event.name)]
    # A repeated withdraw changes nothing.
    assert services.withdraw(db_session, event, builder, now=NOW) is False


@pytest.mark.parametrize("status", ["judging", "complete"])
def test_withdraw_is_refused_once_registration_has_closed(db_session, status):
    event = EventFactory(status=status)
    registration = EventRegistrationFactory(event=event)
    with pytest.raises(Conflict, match="^Registration has closed$"):
        services.withdraw(db_session, event, registration.profile, now=NOW)
    assert reg_count(db_session, event) == 1


def test_concurrent_double_registration_makes_one_row(app, committed):
    with app.app_context():
        event, builder = EventFactory(status="open"), ProfileFactory()
        db.session.commit()
        event_id, builder_id = event.id, builder.id

    def submit(session, i):
        ev, who = session.get(Event, event_id), session.get(Profile, builder_id)
        team = list(TeamPreference)[i % 4]
        return services.register(session, ev, who, team_preference=team, now=NOW).id

    results = run_concurrently(app, submit)
    assert [r[0] for r in results] == ["ok"] * N
    assert len({r[1] for r in results}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EventRegistration)) == 1


# --- reads ----------------------------------------------------------------------------

def test_event_stats_count_visible_builders_and_projects_only(db_session):
    event = EventFactory(status="active")
    prefs = ["solo", "solo", "has_team", "has_team_open", "looking_for_team"]
    builders = [ProfileFactory(country=c) for c in ("US", "US", "DE", "JP", "BR")]
    for builder, pref in zip(builders, prefs):
        EventRegistrationFactory(event=event, profile=builder, team_preference=pref)
    for trait in ({"hidden": True}, {"banned": True}):
        EventRegistrationFactory(event=event, profile=ProfileFactory(country="FR", **trait),
                                 team_preference="solo")
    shown = EventProjectFactory(event=event, project=ProjectFactory(owner=builders[0])).project
    EventProjectFactory(event=event, project=ProjectFactory(owner=builders[1], hidden=True))
    EventProjectFactory(event=event, project=ProjectFactory(owner=ProfileFactory(banned=True)))
    EventRegistrationFactory(profile=builders[2])  # another event

    assert queries.event_stats(db_session, event) == {
        "signups": 5, "solo": 2, "team": 2, "looking": 1, "countries": 4, "projects": 1}
    projects, more = queries.entered_projects(db_session, event)
    assert [(p.id, o.id) for p, o in projects] == [(shown.id, builders[0].id)]
    assert more is False


def test_entered_projects_paginate(db_session):
    event = EventFactory(status="active")
    for _ in range(5):
        EventProjectFactory(event=event)
    first, more = queries.entered_projects(db_session, event, 1, per_page=2)
    last, none_after = queries.entered_projects(db_session, event, 3, per_page=2)
    assert len(first) == 2 and more is True and len(last) == 1 and none_after is False


def test_featured_event_and_registrants_of_slug(db_session):
    assert queries.featured_event(db_session) is None
    event = EventFactory(status="active", featured=True)
    assert queries.featured_event(db_session).id == event.id
    rows = {pref: EventRegistrationFactory(event=event, team_preference=pref).profile_id
            for pref in TeamPreference}
    EventRegistrationFactory(team_preference="looking_for_team")  # another event
    everyone = set(db_session.scalars(registrants_of_slug(event.slug)))
    seeking = set(db_session.scalars(registrants_of_slug(event.slug, True)))
    assert everyone == set(rows.values())
    assert seeking == {rows[TeamPreference.looking_for_team], rows[TeamPreference.has_team_open]}
    # It works as a subquery in a profile filter, as the member directory uses it.
    found = set(db_session.scalars(select(Profile.id).where(
        Profile.id.in_(registrants_of_slug(event.slug, True)))))
    assert found == seeking


def test_event_listing_groups_and_hides_drafts(db_session):
    events = {s: EventFactory(status=s) for s in EventStatus}
    public = queries.event_listing(db_session, include_drafts=False)
    # An event in judging is no longer "happening now": it has its own group.
    assert [e.id for e, _ in public["live"]] == [events["active"].id]
    assert [e.id for e, _ in public["judging"]] == [events["judging"].id]
    assert [e.id for e, _ in public["upcoming"]] == [events["open"].id]
    assert [e.id for e, _ in public["past"]] == [events["complete"].id]
    assert public["drafts"] == []
    admin = queries.event_listing(db_session, include_drafts=True)
    assert [e.id for e, _ in admin["drafts"]] == [events["draft"].id]


# --- demo -----------------------------------------------------------------------------

def test_demo_registrations_are_varied_and_idempotent(db_session):
    from buildstory import demo
    from buildstory.events import demo as events_demo

    demo.seed_builders(db_session, random.Random(1))
    demo.seed_events(db_session)
    first = events_demo.seed(db_session, random.Random(42))
    again = events_demo.seed(db_session, random.Random(42))
    assert first["registrations"] > 60 and again == {"registrations": 0}
    draft = db_session.scalar(select(Event).where(Event.slug == "summer-tools-hack"))
    assert reg_count(db_session, draft) == 0
    featured = db_session.scalar(select(Event).where(Event.slug == "winter-agents-jam"))
    stats = queries.event_stats(db_session, featured)
    assert stats["signups"] >= 30 and stats["solo"] and stats["team"] and stats["looking"]
    prefs = set(db_session.scalars(select(EventRegistration.commitment_level)))
    assert len(prefs) >= 3


# --- the calendar file -------------------------------------------------------------------

def test_ics_escapes_text_and_folds_long_lines():
    assert ics.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = ics.fold("DESCRIPTION:" + "é" * 80)
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == \
        "DESCRIPTION:" + "é" * 80
