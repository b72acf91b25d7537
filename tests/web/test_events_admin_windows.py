"""The admin event form's hackathon windows: Submissions close at, Reviews open at,
Reviews close at (read in the event's timezone) and Judges per submission."""
from datetime import UTC, datetime

from sqlalchemy import select

from buildstory.audit import AuditLog
from buildstory.events.models import Event
from tests.factories import EventFactory, ProfileFactory

FORM = {"name": "Autumn Agents", "slug": "autumn-agents", "description": "Build *agents*.",
        "starts_at": "2030-10-01T09:00", "ends_at": "2030-10-08T17:00",
        "timezone": "America/New_York"}


def html(r):
    return r.get_data(as_text=True)


def test_the_form_shows_the_window_fields_with_judges_defaulting_to_three(login):
    page = html(login(ProfileFactory(admin=True)).get("/admin/events"))
    for name, label in (("submissions_close_at", "Submissions close at"),
                        ("review_opens_at", "Reviews open at"),
                        ("review_closes_at", "Reviews close at")):
        assert f'<label for="{name}">{label}</label>' in page
        assert f'id="{name}" name="{name}" type="datetime-local"' in page
    assert '<label for="judges_per_submission">Judges per submission</label>' in page
    assert 'name="judges_per_submission" type="number" value="3"' in page


def test_windows_are_read_in_the_event_timezone_and_audited(login, db_session):
    admin = login(ProfileFactory(admin=True))
    r = admin.post("/admin/events", {**FORM, "submissions_close_at": "2030-10-08T12:00",
                                     "review_opens_at": "2030-10-09T09:00",
                                     "review_closes_at": "2030-10-12T09:00",
                                     "judges_per_submission": "5"})
    assert r.status_code == 303, html(r)[:800]
    event = db_session.scalar(select(Event).where(Event.slug == "autumn-agents"))
    assert event.submissions_close_at == datetime(2030, 10, 8, 16, 0, tzinfo=UTC)  # EDT = UTC-4
    assert event.review_opens_at == datetime(2030, 10, 9, 13, 0, tzinfo=UTC)
    assert event.review_closes_at == datetime(2030, 10, 12, 13, 0, tzinfo=UTC)
    assert event.judges_per_submission == 5
    page = html(admin.get("/admin/events/autumn-agents"))
    assert 'value="2030-10-08T12:00"' in page and 'value="5"' in page
    r = admin.post("/admin/events/autumn-agents", {
        **FORM, "submissions_close_at": "", "review_opens_at": "2030-10-09T09:00",
        "review_closes_at": "2030-10-12T09:00", "judges_per_submission": "2"})
    assert r.status_code == 303
    db_session.expire_all()
    event = db_session.get(Event, event.id)
    assert event.submissions_close_at is None and event.judges_per_submission == 2
    audit = db_session.scalars(select(AuditLog).where(AuditLog.action == "update_event")).all()
    assert len(audit) == 1
    changes = audit[0].meta["changes"]
    assert set(changes) == {"submissions_close_at", "judges_per_submission"}


def test_the_window_messages(login, db_session):
    admin = login(ProfileFactory(admin=True))
    EventFactory(slug="edit-windows", timezone="UTC")
    cases = [
        ({"submissions_close_at": "2030-10-01T09:00"}, "submissions_close_at",
         "Submissions must close after the event starts"),
        ({"review_opens_at": "2030-10-10T09:00", "review_closes_at": "2030-10-10T09:00"},
         "review_closes_at", "Reviews must close after they open"),
        ({"judges_per_submission": "0"}, "judges_per_submission",
         "Judges per submission must be between 1 and 10"),
        ({"judges_per_submission": "11"}, "judges_per_submission",
         "Judges per submission must be between 1 and 10"),
        ({"judges_per_submission": "three"}, "judges_per_submission",
         "Judges per submission must be between 1 and 10"),
        ({"review_closes_at": "soon"}, "review_closes_at", "Enter a date and time"),
    ]
    for extra, field, message in cases:
        for path in ("/admin/events", "/admin/events/edit-windows"):
            form = {**FORM, "slug": "edit-windows" if path.endswith("windows") else "new-one",
                    **extra}
            r = admin.post(path, form)
            assert r.status_code == 422, (extra, path)
            assert f'<p class="field-error" id="{field}-error">{message}</p>' in html(r), extra
            assert 'aria-invalid="true"' in html(r)
            r = admin.post(path, form, htmx=True, headers={"HX-Target": "event-form"})
            assert r.status_code == 422 and html(r).lstrip().startswith('<form id="event-form"')
            assert message in html(r)
    assert db_session.scalar(select(Event).where(Event.slug == "new-one")) is None
