"""Admin event screens: permissions, create / edit, status, feature, delete, CSV export."""
import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from buildstory.audit import AuditLog
from buildstory.enums import EventStatus
from buildstory.events.models import Event
from tests.factories import (EventFactory, EventRegistrationFactory, ProfileFactory)
from tests.querycount import count_queries


def html(response):
    return response.get_data(as_text=True)


def reload(db_session, event_id):
    db_session.expire_all()
    return db_session.get(Event, event_id)


def actions(db_session):
    db_session.expire_all()
    return [r.action for r in db_session.scalars(select(AuditLog).order_by(AuditLog.created_at))]


FORM = {"name": "Autumn Agents", "slug": "autumn-agents", "description": "Build *agents*.",
        "starts_at": "2030-10-01T09:00", "ends_at": "2030-10-08T17:00",
        "timezone": "America/New_York", "registration_opens_at": "",
        "registration_closes_at": "2030-09-30T23:59"}


@pytest.fixture
def admin(login):
    return login(ProfileFactory(admin=True))


def admin_routes(slug):
    return [("get", "/admin/events"), ("post", "/admin/events"),
            ("get", f"/admin/events/{slug}"), ("post", f"/admin/events/{slug}"),
            ("post", f"/admin/events/{slug}/status"), ("post", f"/admin/events/{slug}/feature"),
            ("post", f"/admin/events/{slug}/unfeature"), ("post", f"/admin/events/{slug}/delete"),
            ("get", f"/admin/events/{slug}/registrations.csv")]


@pytest.mark.parametrize("role", ["builder", "moderator", "hidden", "anonymous"])
def test_admin_event_pages_are_refused_to_everyone_but_admins(client, login, db_session, role):
    event = EventFactory(status="open", name="Keep Me")
    who = {"builder": {}, "moderator": {"moderator": True}, "hidden": {"hidden": True}}
    viewer = client if role == "anonymous" else login(ProfileFactory(**who[role]))
    for method, path in admin_routes(event.slug):
        data = {**FORM, "status": "active", "confirm": "1"}
        r = viewer.get(path) if method == "get" else viewer.post(path, data)
        if role == "anonymous":
            assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in"), path
        else:
            assert r.status_code == 403, (method, path)
    current = reload(db_session, event.id)
    assert current.status == EventStatus.open and current.name == "Keep Me" and not current.featured
    assert actions(db_session) == []


def test_admin_nav_and_list(admin):
    EventFactory(status="draft", name="Draft One")
    EventRegistrationFactory(event=EventFactory(status="active", name="Live One"))
    page = html(admin.get("/admin/events"))
    assert 'aria-current="page">Events</a>' in page
    assert "Draft One" in page and "Live One" in page and "<td data-label=\"Registrations\">1</td>" in page
    for label in ("Name", "Event URL", "Description", "Starts at", "Ends at", "Timezone",
                  "Registration opens at", "Registration closes at"):
        assert f">{label}</label>" in page, label
    assert 'type="datetime-local"' in page and "<option selected>UTC</option>" in page
    assert ">Create event</button>" in page


def test_create_event_reads_times_in_its_timezone(admin, db_session):
    r = admin.post("/admin/events", FORM)
    assert r.status_code == 303
    assert r.headers["Location"] == "/admin/events/autumn-agents?done=created"
    event = db_session.scalar(select(Event).where(Event.slug == "autumn-agents"))
    assert event.status == EventStatus.draft and event.timezone == "America/New_York"
    assert event.starts_at == datetime(2030, 10, 1, 13, 0, tzinfo=UTC)  # EDT is UTC-4
    assert event.registration_closes_at == datetime(2030, 10, 1, 3, 59, tzinfo=UTC)
    assert actions(db_session) == ["create_event"]
    page = html(admin.get(r.headers["Location"]))
    assert "Event created" in page and 'value="2030-10-01T09:00"' in page
    assert ">Save event</button>" in page and "<option selected>America/New_York</option>" in page


def test_create_errors_are_422_with_messages_and_input_kept(admin, db_session):
    EventFactory(slug="autumn-agents")
    r = admin.post("/admin/events", {**FORM, "ends_at": "2030-09-01T09:00"})
    page = html(r)
    assert r.status_code == 422 and "End must be after start" in page
    assert 'value="Autumn Agents"' in page and "error-summary" in page
    r = admin.post("/admin/events", FORM)
    assert r.status_code == 422 and "Event URL is already taken" in html(r)
    r = admin.post("/admin/events", {**FORM, "slug": "Bad URL"}, htmx=True,
                   headers={"HX-Target": "event-form"})
    fragment = html(r)
    assert r.status_code == 422 and fragment.lstrip().startswith('<form id="event-form"')
    assert "Event URL must be lowercase letters, numbers and single hyphens" in fragment
    assert actions(db_session) == []


def test_edit_event_with_and_without_htmx(admin, db_session):
    event = EventFactory(status="open", slug="edit-me", timezone="UTC")
    form = {**FORM, "slug": "edit-me", "timezone": "UTC"}
    r = admin.post("/admin/events/edit-me", {**form, "name": "Renamed"})
    assert r.status_code == 303 and r.headers["Location"] == "/admin/events/edit-me?done=saved"
    assert reload(db_session, event.id).name == "Renamed"
    r = admin.post("/admin/events/edit-me", {**form, "name": "Renamed again"}, htmx=True,
                   headers={"HX-Target": "event-form"})
    assert r.status_code == 200 and "Event saved" in html(r)
    assert html(r).lstrip().startswith('<form id="event-form"')
    r = admin.post("/admin/events/edit-me", {**form, "name": ""}, htmx=True,
                   headers={"HX-Target": "event-form"})
    assert r.status_code == 422 and "Name is required" in html(r)
    # A new URL moves the admin to the new page.
    r = admin.post("/admin/events/edit-me", {**form, "name": "Renamed again", "slug": "moved"},
                   htmx=True, headers={"HX-Target": "event-form"})
    assert r.headers["HX-Redirect"] == "/admin/events/moved?done=saved"
    assert actions(db_session) == ["update_event"] * 3


def test_status_changes_and_refusals(admin, db_session):
    event = EventFactory(status="open", slug="moving")
    page = html(admin.get("/admin/events/moving"))
    assert '<label for="status">Status</label>' in page and ">Change status</button>" in page
    # The status options read as people say them ("Judging"), never "Judging (judging)".
    select = re.search(r'<select id="status".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="(\w+)">([^<]*)</option>', select)
    assert options and all("(" not in text for _, text in options), options
    assert dict(options).get("active") == "Live" and dict(options).get("draft") == "Draft"
    r = admin.post("/admin/events/moving/status", {"status": "active"})
    assert r.status_code == 303 and reload(db_session, event.id).status == EventStatus.active
    r = admin.post("/admin/events/moving/status", {"status": "complete"})
    assert r.status_code == 409 and 'Cannot transition from &#34;active&#34; to &#34;complete&#34;' in html(r)
    r = admin.post("/admin/events/moving/status", {"status": "judging"}, htmx=True,
                   headers={"HX-Target": "event-actions"})
    assert r.status_code == 200 and html(r).lstrip().startswith('<section id="event-actions"')
    assert "Status changed" in html(r) and 'data-status="judging"' in html(r)
    r = admin.post("/admin/events/moving/status", {"status": "draft"}, htmx=True)
    assert r.status_code == 409 and "HX-Retarget" not in r.headers
    assert "Cannot transition from" in html(r)
    r = admin.post("/admin/events/moving/status", {"status": "bogus"})
    assert r.status_code == 422 and "Choose a status from the list" in html(r)
    assert actions(db_session) == ["transition_event_status"] * 2


def test_feature_unfeature_and_the_draft_refusal(admin, db_session):
    old = EventFactory(status="active", featured=True)
    new = EventFactory(status="open", slug="next-one")
    draft = EventFactory(status="draft", slug="drafty")
    assert ">Unfeature</button>" in html(admin.get(f"/admin/events/{old.slug}"))
    assert ">Feature</button>" in html(admin.get("/admin/events/next-one"))
    r = admin.post("/admin/events/next-one/feature")
    assert r.status_code == 303
    assert reload(db_session, new.id).featured and not reload(db_session, old.id).featured
    r = admin.post("/admin/events/drafty/feature", htmx=True)
    assert r.status_code == 409 and "Draft events cannot be featured" in html(r)
    r = admin.post("/admin/events/next-one/unfeature", htmx=True)
    assert r.status_code == 200 and "Event unfeatured" in html(r) and ">Feature</button>" in html(r)
    assert sorted(actions(db_session)) == sorted(
        ["set_featured_event", "unset_featured_event", "unset_featured_event"])
    assert draft


def test_delete_needs_confirmation_and_is_refused_when_in_use(admin, db_session):
    used = EventFactory(status="open", slug="in-use")
    EventRegistrationFactory(event=used)
    spare = EventFactory(status="draft", slug="spare")
    page = html(admin.get("/admin/events/spare"))
    assert 'hx-confirm="Delete' in page and 'name="confirm"' in page and ">Delete event</button>" in page
    r = admin.post("/admin/events/spare/delete")
    assert r.status_code == 422 and "Tick the box to confirm" in html(r)
    r = admin.post("/admin/events/in-use/delete", {"confirm": "1"})
    assert r.status_code == 409 and "Cannot delete an event with registrations" in html(r)
    r = admin.post("/admin/events/spare/delete", {"confirm": "1"})
    assert r.status_code == 303 and r.headers["Location"] == "/admin/events"
    assert reload(db_session, spare.id) is None and reload(db_session, used.id) is not None
    assert actions(db_session) == ["delete_event"]


def test_registrations_csv_is_streamed_visible_only_and_neutralised(admin):
    event = EventFactory(status="active", slug="export-me")
    EventRegistrationFactory(event=event, team_preference="looking_for_team",
                             commitment_level="all_in",
                             profile=ProfileFactory(username="alice", display_name="=HYPERLINK(1)",
                                                    country="DE"))
    EventRegistrationFactory(event=event, team_preference="solo", commitment_level=None,
                             profile=ProfileFactory(username="bob", display_name="@bob +1 -2",
                                                    country="JP"))
    EventRegistrationFactory(event=event, profile=ProfileFactory(username="hideme", hidden=True))
    EventRegistrationFactory(event=event, profile=ProfileFactory(username="banme", banned=True))
    r = admin.get("/admin/events/export-me/registrations.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv" and r.is_streamed
    assert 'filename="export-me-registrations.csv"' in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(html(r))))
    assert rows[0] == ["username", "display name", "team preference", "commitment", "country",
                       "registered at"]
    body = {row[0]: row for row in rows[1:]}
    assert set(body) == {"alice", "bob"}
    assert body["alice"][1:5] == ["'=HYPERLINK(1)", "Looking for a team", "All-in", "DE"]
    assert body["bob"][1:5] == ["'@bob +1 -2", "Solo", "", "JP"]


def test_admin_pages_query_budget(app, admin):
    counts = []
    for scale in (1, 10):
        for _ in range(scale):
            event = EventFactory(status="open")
            for _ in range(3):
                EventRegistrationFactory(event=event)
        admin.get("/admin/events")
        with count_queries(app) as listing:
            admin.get("/admin/events")
        with count_queries(app) as edit:
            admin.get(f"/admin/events/{event.slug}")
        counts.append((listing.count, edit.count))
    assert counts[0] == counts[1] and max(counts[0]) <= 8, counts
