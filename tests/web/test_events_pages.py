"""Public event pages, the calendar file and registration through real requests."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from buildstory.events.models import EventRegistration
from tests.factories import (EventFactory, EventProjectFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory)
from tests.querycount import count_queries


def html(response):
    return response.get_data(as_text=True)


def registration(db_session, event, profile):
    db_session.expire_all()
    return db_session.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.profile_id == profile.id))


def test_events_index_groups_live_upcoming_past_and_hides_drafts(client, login):
    live = EventFactory(status="active", name="Live Jam")
    judging = EventFactory(status="judging", name="Judged Jam")
    upcoming = EventFactory(status="open", name="Next Jam")
    past = EventFactory(status="complete", name="Old Jam")
    EventFactory(status="draft", name="Secret Jam")
    page = html(client.get("/events"))
    sections = re.split(r'<h2 id="(\w+)-title">', page)
    by_id = dict(zip(sections[1::2], sections[2::2]))
    # An event in judging is not "live": it has its own group.
    assert "Live Jam" in by_id["live"] and "Judged Jam" not in by_id["live"]
    assert "Judged Jam" in by_id["judging"] and "Happening now</h2>" in page
    assert "In judging</h2>" in page
    assert "Next Jam" in by_id["upcoming"] and "Old Jam" in by_id["past"]
    assert "Secret Jam" not in page and "drafts" not in by_id
    assert f'href="/events/{live.slug}"' in page and judging and upcoming and past
    # The header links to /events.
    assert re.search(r'<a href="/events" aria-current="page">Events</a>', page)
    for who in (ProfileFactory(), ProfileFactory(moderator=True)):
        assert "Secret Jam" not in html(login(who).get("/events"))
    admin_page = html(login(ProfileFactory(admin=True)).get("/events"))
    assert "Secret Jam" in admin_page and "only admins see these" in admin_page
    assert 'data-status="draft">Draft</span>' in admin_page


def test_past_events_paginate_with_an_htmx_fragment(client):
    for i in range(23):
        EventFactory(status="complete", name=f"Past {i:02d}",
                     ends_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i),
                     starts_at=datetime(2023, 12, 30, tzinfo=UTC) + timedelta(days=i))
    first = html(client.get("/events"))
    assert "Past 22" in first and "Past 02" not in first and 'href="/events?page=2"' in first
    r = client.hx_get("/events?page=2", target="past-events")
    fragment = html(r)
    assert fragment.lstrip().startswith('<div id="past-events">') and "<html" not in fragment
    assert "Past 02" in fragment and "Past 22" not in fragment and "Vary" in r.headers


@pytest.mark.parametrize("status,label", [("open", "Upcoming"), ("active", "Live"),
                                          ("judging", "Judging"), ("complete", "Past")])
def test_event_page_shows_details_status_and_counts(client, status, label):
    event = EventFactory(status=status, name="Agents & Friends", timezone="Europe/Berlin",
                         description="Ship **real** things.\n\nSee [rules](https://example.com).")
    EventRegistrationFactory(event=event, profile=ProfileFactory(country="DE"))
    EventRegistrationFactory(event=event, profile=ProfileFactory(country="JP"))
    EventRegistrationFactory(event=event, profile=ProfileFactory(hidden=True))
    page = html(client.get(f"/events/{event.slug}"))
    assert "<h1>Agents &amp; Friends</h1>" in page
    assert "<strong>real</strong>" in page and 'rel="noopener noreferrer nofollow"' in page
    iso = event.starts_at.isoformat().replace("+00:00", "Z")
    assert f'<time datetime="{iso}" data-local>' in page and " UTC</time>" in page
    # The status is said once, as the badge after the heading: no "Status" fact.
    assert "<dd>Europe/Berlin</dd>" in page and "<dt>Status</dt>" not in page
    assert page.count(f'data-status="{status}">{label}</span>') == 1
    assert "<dt>Participants</dt><dd>2</dd>" in page and "<dt>Countries</dt><dd>2</dd>" in page
    # A countdown and a calendar link only while the event is ahead.
    ahead = status in ("open", "active")
    assert ('role="timer"' in page) == ahead
    assert ('href="/events/%s.ics"' % event.slug in page) == ahead


def test_countdown_phases(client):
    soon = EventFactory(status="open")
    page = html(client.get(f"/events/{soon.slug}"))
    assert re.search(r'data-countdown-to="[^"]+" data-countdown-label="Starts in" '
                     r'data-countdown-then="[^"]+" data-countdown-then-label="Ends in">Starts in 6d 23h', page)
    live = EventFactory(status="active")
    assert re.search(r'data-countdown-label="Ends in">Ends in 2[23]h', html(client.get(f"/events/{live.slug}")))
    done = EventFactory(status="complete")
    page = html(client.get(f"/events/{done.slug}"))
    # Nothing ahead: no countdown at all, never an "Ended" countdown.
    assert 'role="timer"' not in page and "Ended" not in page and "data-countdown-to" not in page


def test_event_page_lists_only_visible_projects_of_visible_owners(client):
    event = EventFactory(status="active")
    shown = EventProjectFactory(event=event, project=ProjectFactory(name="Shown Bot")).project
    EventProjectFactory(event=event, project=ProjectFactory(name="Hidden Bot", hidden=True))
    EventProjectFactory(event=event, project=ProjectFactory(
        name="Banned Owner Bot", owner=ProfileFactory(banned=True)))
    page = html(client.get(f"/events/{event.slug}"))
    assert "Shown Bot" in page and f'href="/projects/{shown.slug}"' in page
    assert "Hidden Bot" not in page and "Banned Owner Bot" not in page
    assert "<dt>Projects</dt><dd>1</dd>" in page


def test_project_pages_swap_as_a_fragment(client):
    event = EventFactory(status="active")
    for _ in range(26):
        EventProjectFactory(event=event)
    page = html(client.get(f"/events/{event.slug}"))
    assert page.count('class="card project-card"') == 24 and "page=2" in page
    r = client.hx_get(f"/events/{event.slug}?page=2", target="event-projects")
    fragment = html(r)
    assert fragment.lstrip().startswith('<section id="event-projects"')
    assert fragment.count('class="card project-card"') == 2 and "<html" not in fragment


def test_drafts_and_unknown_events_are_404_except_drafts_for_admins(client, login):
    draft = EventFactory(status="draft", name="Draft Jam")
    for path in (f"/events/{draft.slug}", f"/events/{draft.slug}.ics", "/events/no-such-event",
                 "/events/no-such-event.ics"):
        assert client.get(path).status_code == 404, path
    for who in (ProfileFactory(), ProfileFactory(moderator=True)):
        assert login(who).get(f"/events/{draft.slug}").status_code == 404
    admin = login(ProfileFactory(admin=True))
    page = admin.get(f"/events/{draft.slug}")
    assert page.status_code == 200 and "Draft Jam" in html(page) and "Manage event" in html(page)
    assert admin.get(f"/events/{draft.slug}.ics").status_code == 200


def test_ics_calendar_file(client):
    event = EventFactory(status="open", name="Agents, Tools; and\\More",
                         starts_at=datetime(2030, 5, 1, 16, 0, tzinfo=UTC),
                         ends_at=datetime(2030, 5, 3, 16, 0, tzinfo=UTC), timezone="Asia/Tokyo",
                         description="**Bold** start.\n\nA " + "very long line " * 10)
    r = client.get(f"/events/{event.slug}.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    assert f'filename="{event.slug}.ics"' in r.headers["Content-Disposition"]
    body = html(r)
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "\r\nBEGIN:VEVENT\r\n" in body and "\r\nEND:VEVENT\r\n" in body
    assert f"\r\nUID:event-{event.id}@buildstory\r\n" in body
    assert "\r\nDTSTART:20300501T160000Z\r\n" in body and "\r\nDTEND:20300503T160000Z\r\n" in body
    assert "\r\nSUMMARY:Agents\\, Tools\\; and\\\\More\r\n" in body
    assert f"\r\nURL:http://localhost/events/{event.slug}\r\n" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    unfolded = body.replace("\r\n ", "")
    assert "DESCRIPTION:Bold start.\\n\\nA very long line" in unfolded and "**" not in unfolded


# --- registration ----------------------------------------------------------------------

def test_anonymous_visitors_are_asked_to_sign_in(client):
    event = EventFactory(status="open")
    page = html(client.get(f"/events/{event.slug}"))
    assert "Sign in to register" in page and f"next=/events/{event.slug}" in page
    r = client.post(f"/events/{event.slug}/register", {"team_preference": "solo"})
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in?next=")


def test_register_update_and_withdraw_without_javascript(login, db_session):
    event = EventFactory(status="open")
    builder = ProfileFactory()
    me = login(builder)
    page = html(me.get(f"/events/{event.slug}"))
    assert '<label for="team_preference">Team preference</label>' in page
    assert '<label for="commitment_level">Commitment level</label>' in page
    assert ">Register</button>" in page and "Withdraw" not in page
    r = me.post(f"/events/{event.slug}/register",
                {"team_preference": "looking_for_team", "commitment_level": "daily"})
    assert r.status_code == 303 and r.headers["Location"] == f"/events/{event.slug}#registration"
    reg = registration(db_session, event, builder)
    assert reg.team_preference == "looking_for_team" and reg.commitment_level == "daily"
    page = html(me.get(f"/events/{event.slug}"))
    assert ">Update registration</button>" in page and ">Withdraw</button>" in page
    assert "You're registered." in page and '<option value="looking_for_team" selected>' in page
    assert "<dt>Participants</dt><dd>1</dd>" in page
    # Withdrawing needs the confirmation box without JavaScript.
    r = me.post(f"/events/{event.slug}/withdraw")
    assert r.status_code == 422 and "Tick the box to confirm" in html(r)
    assert registration(db_session, event, builder) is not None
    r = me.post(f"/events/{event.slug}/withdraw", {"confirm": "1"})
    assert r.status_code == 303 and registration(db_session, event, builder) is None


def test_missing_team_preference_is_422_with_the_message_and_input_kept(login):
    event = EventFactory(status="active")
    r = login(ProfileFactory()).post(f"/events/{event.slug}/register",
                                     {"team_preference": "", "commitment_level": "all_in"})
    page = html(r)
    assert r.status_code == 422 and "Choose a team preference" in page
    assert '<option value="all_in" selected>' in page and 'aria-invalid="true"' in page


@pytest.mark.parametrize("status", ["judging", "complete"])
def test_registering_for_a_closed_event_is_409_on_the_page(login, status):
    event = EventFactory(status=status)
    me = login(ProfileFactory())
    assert "Registration has closed" in html(me.get(f"/events/{event.slug}"))
    r = me.post(f"/events/{event.slug}/register", {"team_preference": "solo"})
    assert r.status_code == 409 and "Registration has closed" in html(r)
    r = me.post(f"/events/{event.slug}/withdraw", {"confirm": "1"})
    assert r.status_code == 409 and "Registration has closed" in html(r)


def test_a_window_not_yet_open_is_explained(login):
    event = EventFactory(status="open",
                         registration_opens_at=datetime.now(UTC) + timedelta(days=2))
    me = login(ProfileFactory())
    page = html(me.get(f"/events/{event.slug}"))
    assert "Registration has not opened yet" in page and "it opens <time" in page
    r = me.post(f"/events/{event.slug}/register", {"team_preference": "solo"})
    assert r.status_code == 409 and "Registration has not opened yet" in html(r)


def test_registering_for_a_draft_or_unknown_event_is_404(login):
    draft = EventFactory(status="draft")
    for who in (ProfileFactory(), ProfileFactory(admin=True)):
        me = login(who)
        assert me.post(f"/events/{draft.slug}/register", {"team_preference": "solo"}).status_code == 404
        assert me.post("/events/nope/register", {"team_preference": "solo"}).status_code == 404
        assert me.post(f"/events/{draft.slug}/withdraw", {"confirm": "1"}).status_code == 404


def test_htmx_registration_swaps_the_panel_and_the_counts(login, db_session):
    event = EventFactory(status="open")
    builder = ProfileFactory()
    me = login(builder)
    headers = {"HX-Target": "registration"}
    r = me.post(f"/events/{event.slug}/register", {"team_preference": "solo"}, htmx=True,
                headers=headers)
    fragment = html(r)
    assert r.status_code == 200 and "<html" not in fragment
    assert fragment.lstrip().startswith('<section id="registration"')
    assert "registered. See you there!" in fragment and "Update registration" in fragment
    assert '<dl id="event-counts" class="event-counts" hx-swap-oob="true">' in fragment
    assert "<dt>Participants</dt><dd>1</dd>" in fragment
    r = me.post(f"/events/{event.slug}/register", {"team_preference": "has_team"}, htmx=True,
                headers=headers)
    assert "Registration updated" in html(r)
    assert registration(db_session, event, builder).team_preference == "has_team"
    r = me.post(f"/events/{event.slug}/register", {"team_preference": ""}, htmx=True, headers=headers)
    assert r.status_code == 422 and "Choose a team preference" in html(r)
    assert "HX-Retarget" not in r.headers
    r = me.post(f"/events/{event.slug}/withdraw", {"confirm": "1"}, htmx=True, headers=headers)
    assert r.status_code == 200 and "You have withdrawn from this event" in html(r)
    assert ">Register</button>" in html(r) and "<dt>Participants</dt><dd>0</dd>" in html(r)


def test_htmx_refusals_are_swapped_in_place_and_404s_go_to_messages(login):
    closed = EventFactory(status="judging")
    me = login(ProfileFactory())
    r = me.post(f"/events/{closed.slug}/register", {"team_preference": "solo"}, htmx=True)
    assert r.status_code == 409 and "HX-Retarget" not in r.headers
    assert html(r).lstrip().startswith('<section id="registration"')
    assert "Registration has closed" in html(r)
    draft = EventFactory(status="draft")
    r = me.post(f"/events/{draft.slug}/register", {"team_preference": "solo"}, htmx=True)
    assert r.status_code == 404 and r.headers["HX-Retarget"] == "#messages"


# --- query budget ----------------------------------------------------------------------

def _populate(scale):
    events = [EventFactory(status=s) for s in ("active", "open", "judging", "complete") * scale]
    for event in events[:2]:
        for _ in range(5 * scale):
            reg = EventRegistrationFactory(event=event)
            EventProjectFactory(event=event, project=ProjectFactory(owner=reg.profile))
    return events[0]


@pytest.mark.parametrize("signed_in", [False, True])
def test_event_pages_run_a_constant_small_number_of_queries(app, client, login, signed_in):
    counts = []
    for scale in (1, 10):
        event = _populate(scale)
        viewer = login(ProfileFactory()) if signed_in else client
        if signed_in:
            viewer.get("/events")  # the first request of a session writes last_seen_at
        with count_queries(app) as index:
            assert viewer.get("/events").status_code == 200
        with count_queries(app) as show:
            assert viewer.get(f"/events/{event.slug}").status_code == 200
        counts.append((index.count, show.count))
    assert counts[0] == counts[1], counts
    assert all(n <= 8 for n in counts[0]), counts
