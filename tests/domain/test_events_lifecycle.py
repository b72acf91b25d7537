"""Event lifecycle (docs/rules.md "Events"): transitions, fields, featuring, deletion, audit rows."""
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import func, select

from buildstory.audit import AuditLog
from buildstory.enums import EventStatus
from buildstory.errors import Conflict, ValidationFailed
from buildstory.events import forms, services
from buildstory.events.models import Event
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             PrizeDrawFactory, ProfileFactory)

ALLOWED = {("draft", "open"), ("open", "active"), ("open", "draft"), ("active", "judging"),
           ("active", "open"), ("judging", "complete"), ("judging", "active"),
           ("complete", "judging")}
START = datetime(2030, 3, 1, 18, 0, tzinfo=UTC)


def fields(**kw):
    base = {"name": "Spring Agents Jam", "slug": "spring-agents-jam",
            "description": "Build **agents** for a week.", "starts_at": START,
            "ends_at": START + timedelta(days=7), "timezone": "UTC",
            "registration_opens_at": None, "registration_closes_at": None}
    base.update(kw)
    return base


def audit_rows(session, action=None):
    stmt = select(AuditLog).order_by(AuditLog.created_at, AuditLog.id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return session.scalars(stmt).all()


@pytest.fixture
def admin(db_session):
    return ProfileFactory(admin=True)


@pytest.mark.parametrize("current,target", list(product(EventStatus, EventStatus)))
def test_every_transition_is_allowed_or_refused_with_the_exact_message(db_session, admin,
                                                                       current, target):
    event = EventFactory(status=current)
    if (current.value, target.value) in ALLOWED:
        services.transition_status(db_session, admin, event, target)
        assert event.status == target
        [row] = audit_rows(db_session)
        assert row.action == "transition_event_status"
        assert row.meta == {"event_id": str(event.id), "from": current.value, "to": target.value}
        assert row.actor_profile_id == admin.id
    else:
        with pytest.raises(Conflict) as exc:
            services.transition_status(db_session, admin, event, target)
        assert exc.value.status == 409
        assert exc.value.message == f'Cannot transition from "{current.value}" to "{target.value}"'
        assert db_session.get(Event, event.id).status == current
        assert audit_rows(db_session) == []


def test_the_featured_event_cannot_go_back_to_draft(db_session, admin):
    event = EventFactory(status="open", featured=True)
    with pytest.raises(Conflict, match="^Unfeature this event first$"):
        services.transition_status(db_session, admin, event, EventStatus.draft)
    assert event.status == EventStatus.open and audit_rows(db_session) == []


def test_create_event_makes_a_draft_and_one_audit_row(db_session, admin):
    event = services.create_event(db_session, admin, fields())
    assert event.id and event.status == EventStatus.draft and not event.featured
    [row] = audit_rows(db_session)
    assert row.action == "create_event"
    assert row.meta == {"name": "Spring Agents Jam", "slug": "spring-agents-jam"}


@pytest.mark.parametrize("changes,field,message", [
    ({"name": ""}, "name", "Name is required"),
    ({"name": "x" * 101}, "name", "Name must be at most 100 characters"),
    ({"slug": ""}, "slug", "Event URL is required"),
    ({"slug": "Spring-Jam"}, "slug", "Event URL must be lowercase letters, numbers and single hyphens"),
    ({"slug": "spring--jam"}, "slug", "Event URL must be lowercase letters, numbers and single hyphens"),
    ({"slug": "-spring"}, "slug", "Event URL must be lowercase letters, numbers and single hyphens"),
    ({"slug": "spring_jam"}, "slug", "Event URL must be lowercase letters, numbers and single hyphens"),
    ({"slug": "new"}, "slug", "Event URL must be lowercase letters, numbers and single hyphens"),
    ({"slug": "a" * 101}, "slug", "Event URL must be lowercase letters, numbers and single hyphens"),
    ({"description": ""}, "description", "Description is required"),
    ({"description": "x" * 5001}, "description", "Description must be at most 5000 characters"),
    ({"ends_at": START}, "ends_at", "End must be after start"),
    ({"ends_at": START - timedelta(hours=1)}, "ends_at", "End must be after start"),
    ({"starts_at": None}, "starts_at", "Starts at is required"),
    ({"timezone": "Mars/Olympus"}, "timezone", "Choose a timezone from the list"),
    ({"registration_opens_at": START, "registration_closes_at": START},
     "registration_closes_at", "Registration must close after it opens"),
    ({"registration_opens_at": START, "registration_closes_at": START - timedelta(days=1)},
     "registration_closes_at", "Registration must close after it opens"),
])
def test_event_field_rules_and_messages(db_session, admin, changes, field, message):
    with pytest.raises(ValidationFailed) as exc:
        services.create_event(db_session, admin, fields(**changes))
    assert exc.value.status == 422
    assert exc.value.errors[field] == message
    assert audit_rows(db_session) == []


def test_longest_allowed_values_and_an_open_ended_window_are_accepted(db_session, admin):
    event = services.create_event(db_session, admin, fields(
        name="n" * 100, slug="a" * 100, description="d" * 5000,
        timezone="America/Argentina/Buenos_Aires", registration_closes_at=START))
    assert event.slug == "a" * 100 and event.registration_opens_at is None


def test_a_taken_event_url_is_refused_on_create_and_on_update(db_session, admin):
    EventFactory(slug="taken-url")
    with pytest.raises(ValidationFailed) as exc:
        services.create_event(db_session, admin, fields(slug="taken-url"))
    assert exc.value.errors == {"slug": "Event URL is already taken"}
    mine = EventFactory(slug="mine")
    with pytest.raises(ValidationFailed) as exc:
        services.update_event(db_session, admin, mine, fields(slug="taken-url"))
    assert exc.value.errors == {"slug": "Event URL is already taken"}
    # Keeping its own URL is not "taken".
    assert services.update_event(db_session, admin, mine, fields(slug="mine")) is True


def test_update_event_audits_exactly_the_changes(db_session, admin):
    event = services.create_event(db_session, admin, fields())
    changed = services.update_event(db_session, admin, event, fields(
        name="Spring Agents Jam 2", timezone="Europe/Berlin"))
    assert changed is True and event.name == "Spring Agents Jam 2"
    row = audit_rows(db_session, "update_event")[0]
    assert row.meta == {"event_id": str(event.id), "changes": {
        "name": {"from": "Spring Agents Jam", "to": "Spring Agents Jam 2"},
        "timezone": {"from": "UTC", "to": "Europe/Berlin"}}}
    # Saving the same values again changes nothing and writes no row.
    assert services.update_event(db_session, admin, event, fields(
        name="Spring Agents Jam 2", timezone="Europe/Berlin")) is False
    assert len(audit_rows(db_session, "update_event")) == 1


def test_draft_events_cannot_be_featured(db_session, admin):
    event = EventFactory(status="draft")
    with pytest.raises(Conflict, match="^Draft events cannot be featured$") as exc:
        services.feature_event(db_session, admin, event)
    assert exc.value.status == 409 and not event.featured


def test_featuring_moves_the_flag_and_audits_both_changes(db_session, admin):
    old = EventFactory(status="active", featured=True)
    new = EventFactory(status="open")
    assert services.feature_event(db_session, admin, new) is True
    db_session.expire_all()
    assert db_session.get(Event, new.id).featured and not db_session.get(Event, old.id).featured
    rows = audit_rows(db_session)
    # Both rows share the transaction's now(), so compare them without order.
    assert sorted((r.action, r.meta["event_id"]) for r in rows) == [
        ("set_featured_event", str(new.id)), ("unset_featured_event", str(old.id))]
    assert all(set(r.meta) == {"event_id"} for r in rows)
    assert db_session.scalar(select(func.count()).where(Event.featured)) == 1


def test_feature_and_unfeature_are_idempotent(db_session, admin):
    event = EventFactory(status="open", featured=True)
    assert services.feature_event(db_session, admin, event) is False
    assert services.unfeature_event(db_session, admin, event) is True
    assert not event.featured
    assert services.unfeature_event(db_session, admin, event) is False
    assert [(r.action, r.meta) for r in audit_rows(db_session)] == [
        ("unset_featured_event", {"event_id": str(event.id)})]


@pytest.mark.parametrize("setup,message", [
    (lambda e: setattr(e, "featured", True), "Cannot delete the featured event"),
    (lambda e: EventRegistrationFactory(event=e), "Cannot delete an event with registrations"),
    (lambda e: EventProjectFactory(event=e), "Cannot delete an event with entries or draws"),
    (lambda e: PrizeDrawFactory(event=e), "Cannot delete an event with entries or draws"),
])
def test_delete_refusals(db_session, admin, setup, message):
    event = EventFactory(status="open")
    setup(event)
    db_session.flush()
    with pytest.raises(Conflict) as exc:
        services.delete_event(db_session, admin, event)
    assert exc.value.status == 409 and exc.value.message == message
    assert db_session.get(Event, event.id) is not None
    assert audit_rows(db_session) == []


def test_delete_an_unused_event(db_session, admin):
    event = EventFactory(status="draft", name="Scrapped Jam")
    event_id = event.id
    services.delete_event(db_session, admin, event)
    db_session.expire_all()
    assert db_session.get(Event, event_id) is None
    [row] = audit_rows(db_session)
    assert row.action == "delete_event"
    assert row.meta == {"event_id": str(event_id), "name": "Scrapped Jam"}


def test_the_audit_row_shares_the_changes_transaction(db_session, admin):
    savepoint = db_session.begin_nested()
    services.create_event(db_session, admin, fields(slug="rolled-back"))
    assert len(audit_rows(db_session, "create_event")) == 1
    savepoint.rollback()
    assert db_session.scalar(select(Event).where(Event.slug == "rolled-back")) is None
    assert audit_rows(db_session, "create_event") == []


# --- the admin form: datetime-local values read in the event's timezone ------------------

def form(**kw):
    data = {"name": "Jam", "slug": "jam", "description": "Hi", "starts_at": "2030-07-01T18:00",
            "ends_at": "2030-07-03T18:00", "timezone": "Europe/Berlin",
            "registration_opens_at": "", "registration_closes_at": ""}
    data.update(kw)
    return forms.event_values(data)


def test_form_times_are_read_in_the_event_timezone_and_stored_in_utc():
    parsed = forms.parse_event(form())
    assert parsed["starts_at"] == datetime(2030, 7, 1, 16, 0, tzinfo=UTC)  # CEST is UTC+2
    winter = forms.parse_event(form(starts_at="2030-01-10T09:30", ends_at="2030-01-11T09:30"))
    assert winter["starts_at"] == datetime(2030, 1, 10, 8, 30, tzinfo=UTC)  # CET is UTC+1
    assert parsed["registration_opens_at"] is None


def test_form_defaults_to_utc_and_round_trips_for_the_edit_page():
    values = form(timezone="")
    assert values["timezone"] == "UTC"
    parsed = forms.parse_event(values)
    assert parsed["starts_at"] == datetime(2030, 7, 1, 18, 0, tzinfo=UTC)
    assert forms.local_input(datetime(2030, 7, 1, 16, 0, tzinfo=UTC), "Europe/Berlin") == \
        "2030-07-01T18:00"


def test_form_errors_are_reported_together():
    with pytest.raises(ValidationFailed) as exc:
        forms.parse_event(form(name="", starts_at="tomorrow", registration_opens_at="2030-07-01T10:00",
                               registration_closes_at="2030-06-01T10:00"))
    assert exc.value.errors == {"name": "Name is required", "starts_at": "Enter a date and time",
                                "registration_closes_at": "Registration must close after it opens"}


def test_unknown_status_values_are_refused():
    with pytest.raises(ValidationFailed) as exc:
        forms.status({"status": "archived"})
    assert exc.value.errors == {"status": "Choose a status from the list"}


def test_concurrent_creates_of_one_event_url_one_wins(app, committed):
    from tests.helpers import N, run_concurrently

    results = run_concurrently(app, lambda s, i: services.create_event(
        s, None, fields(name=f"Jam {i}", slug="hot-url")).id)
    wins = [r for r in results if r[0] == "ok"]
    losses = [r[1] for r in results if r[0] == "error"]
    assert len(wins) == 1 and len(losses) == N - 1
    assert all(isinstance(e, ValidationFailed) and e.errors == {"slug": "Event URL is already taken"}
               for e in losses)
