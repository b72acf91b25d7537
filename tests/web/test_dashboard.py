"""The dashboard: featured event, registration call to action, projects, pending invites,
the community card and its Dismiss action, and the query budget."""
import re

import pytest
from sqlalchemy import text

from buildstory.enums import InviteStatus, TeamPreference
from buildstory.home import views as pages
from tests.factories import (AvatarFactory, EventFactory, EventProjectFactory,
                             EventRegistrationFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, TeamInviteFactory)
from tests.querycount import count_queries

DISCORD = "https://discord.gg/buildstory-test"


def body(r):
    return r.get_data(as_text=True)


def register_href(app, event):
    """Where "Register" leads: onboarding when that route exists, else the event's panel."""
    with app.test_request_context():
        return pages.onboarding_url() or f"/events/{event.slug}#registration"


def stat(html, label):
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(\d+)</dd>", html)
    assert match, f"no {label} tile"
    return int(match.group(1))


@pytest.fixture
def discord(app, monkeypatch):
    monkeypatch.setitem(app.config, "DISCORD_INVITE_URL", DISCORD)
    return DISCORD


# --- Access -------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client):
    r = client.get("/dashboard")
    assert r.status_code == 303 and r.headers["Location"] == "/sign-in?next=%2Fdashboard"
    r = client.hx_get("/dashboard")
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/sign-in?next=")


# --- Featured event and registration --------------------------------------------------------

def test_no_featured_event_is_a_friendly_state(login):
    EventFactory(open=True)  # not featured
    html = body(login(ProfileFactory(display_name="Ada L")).get("/dashboard"))
    assert "Welcome, Ada L" in html
    assert "No event is featured right now" in html and 'href="/events"' in html
    assert "data-countdown-to" not in html and ">Register</a>" not in html


def test_not_registered_gets_a_register_call_to_action(app, login):
    event = EventFactory(open=True, featured=True, name="Winter Agents Jam")
    html = body(login(ProfileFactory()).get("/dashboard"))
    assert "Winter Agents Jam" in html and "You're not registered yet" in html
    assert f'<a class="button button--primary" href="{register_href(app, event)}">Register</a>' in html
    assert 'data-countdown-to="' in html and "Starts in" in html


def test_registered_builder_sees_their_answers_and_can_update(login):
    event = EventFactory(active=True, featured=True)
    me = ProfileFactory()
    EventRegistrationFactory(event=event, profile=me, team_preference=TeamPreference.looking_for_team,
                             commitment_level="daily")
    html = body(login(me).get("/dashboard"))
    assert "You're registered." in html and "Looking for a team · Daily" in html
    assert f'href="/events/{event.slug}#registration">Update registration</a>' in html
    assert ">Register</a>" not in html and "Ends in" in html
    # looking for a team: a way to the builders looking too
    assert f"/members?event={event.slug}&amp;seeking=1" in html


def test_onboarding_call_to_action_follows_the_route(app, login):
    event = EventFactory(open=True, featured=True)
    me = ProfileFactory()
    EventRegistrationFactory(event=event, profile=me)
    html = body(login(me).get("/dashboard"))
    with app.test_request_context():
        onboarding = pages.onboarding_url()
    if onboarding:
        assert f'href="{onboarding}">Complete onboarding</a>' in html
    else:
        assert "Complete onboarding" not in html


def test_closed_registration_says_so_without_a_register_button(login):
    EventFactory(judging=True, featured=True)
    html = body(login(ProfileFactory()).get("/dashboard"))
    assert "Registration has closed." in html and ">Register</a>" not in html
    assert "See the event" in html and "Ended" not in html and 'role="timer"' not in html


def test_stats_count_visible_builders_only(login):
    event = EventFactory(active=True, featured=True)
    prefs = [TeamPreference.solo, TeamPreference.solo, TeamPreference.has_team,
             TeamPreference.has_team_open, TeamPreference.looking_for_team]
    countries = ["DE", "DE", "JP", "BR", "NG"]
    people = []
    for pref, country in zip(prefs, countries):
        p = ProfileFactory(country=country, region=None)
        people.append(p)
        EventRegistrationFactory(event=event, profile=p, team_preference=pref)
    EventProjectFactory(event=event, project=ProjectFactory(owner=people[0]))
    EventProjectFactory(event=event, project=ProjectFactory(owner=people[1], hidden=True))
    for trait in ({"hidden": True}, {"banned": True}):
        ghost = ProfileFactory(country="US", region=None, **trait)
        EventRegistrationFactory(event=event, profile=ghost, team_preference=TeamPreference.solo)
        EventProjectFactory(event=event, project=ProjectFactory(owner=ghost))
    html = body(login(people[0]).get("/dashboard"))
    assert stat(html, "Builders signed up") == 5
    assert stat(html, "Projects") == 1
    assert stat(html, "Countries") == 4
    assert stat(html, "Solo") == 2 and stat(html, "In a team") == 2
    assert stat(html, "Looking for a team") == 1


# --- Projects and invites -----------------------------------------------------------------

def test_your_projects_owned_and_joined(login):
    me = ProfileFactory()
    ProjectFactory(owner=me, name="Receipt Whisperer")
    ProjectFactory(owner=me, name="Quiet Draft", hidden=True)
    ProjectMemberFactory(profile=me, project=ProjectFactory(name="Tide Tables"))
    ProjectFactory(name="Someone Else's Thing")
    html = body(login(me).get("/dashboard"))
    section = html.split('id="projects-title"', 1)[1]
    assert "Receipt Whisperer" in section and "Tide Tables" in section
    assert "Quiet Draft" in section and "badge--hidden" in section  # your own, badged
    assert "Someone Else" not in html
    assert section.count('<span class="badge">Member</span>') == 1
    assert "No projects yet" not in html


def test_no_projects_shows_the_way_to_create_one(login):
    html = body(login(ProfileFactory()).get("/dashboard"))
    assert "No projects yet" in html and 'href="/projects/new"' in html


def test_pending_invites_have_accept_and_decline_in_place(login):
    me = ProfileFactory()
    invite = TeamInviteFactory(recipient=me, project__name="Receipt Whisperer")
    TeamInviteFactory(recipient=me, status=InviteStatus.declined, project__name="Old News")
    TeamInviteFactory(recipient=me, project__name="Hidden Thing", project__hidden=True)
    html = body(login(me).get("/dashboard"))
    assert f'id="invite-{invite.id}"' in html and "Receipt Whisperer" in html
    assert "Old News" not in html and "Hidden Thing" not in html
    assert f'hx-post="/invites/{invite.id}/accept" hx-target="#invite-{invite.id}"' in html
    assert html.count(">Accept</button>") == 1 and html.count(">Decline</button>") == 1
    assert 'data-count="1"' in html  # the header badge agrees


def test_accepting_from_the_dashboard_swaps_the_card(login):
    me = ProfileFactory()
    invite = TeamInviteFactory(recipient=me, project__name="Receipt Whisperer")
    c = login(me)
    assert f'id="invite-{invite.id}"' in body(c.get("/dashboard"))
    r = c.post(f"/invites/{invite.id}/accept", {}, htmx=True,
               headers={"HX-Target": f"invite-{invite.id}", "HX-Current-URL": "http://localhost/dashboard"})
    html = body(r)
    assert r.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<article id="invite-{invite.id}"')
    assert "You joined the team" in html and 'hx-swap-oob="true"' in html
    after = body(c.get("/dashboard"))
    assert "No invites waiting" in after and "Receipt Whisperer" in after  # now your project


def test_no_invites_is_a_quiet_note(login):
    html = body(login(ProfileFactory()).get("/dashboard"))
    assert "No invites waiting" in html


# --- Community card -----------------------------------------------------------------------

def test_community_card_shows_when_configured_and_not_dismissed(login, discord):
    html = body(login(ProfileFactory()).get("/dashboard"))
    assert 'id="community-card"' in html and f'href="{DISCORD}"' in html
    assert '<button type="submit" class="button button--ghost">Dismiss</button>' in html
    assert 'hx-post="/dashboard/community-card/dismiss" hx-target="#community-card"' in html


def test_community_card_hidden_once_dismissed(login, discord):
    html = body(login(ProfileFactory(discord_card_dismissed=True)).get("/dashboard"))
    assert 'id="community-card"' not in html and DISCORD not in html


def test_community_card_absent_without_configuration(app, login, monkeypatch):
    monkeypatch.setitem(app.config, "DISCORD_INVITE_URL", "")
    html = body(login(ProfileFactory()).get("/dashboard"))
    assert 'id="community-card"' not in html and ">Dismiss</button>" not in html


def test_dismiss_without_javascript_redirects_back_and_stays_dismissed(login, discord, db_session):
    me = ProfileFactory()
    c = login(me)
    r = c.post("/dashboard/community-card/dismiss", {})
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard"
    db_session.refresh(me)
    assert me.discord_card_dismissed is True
    assert 'id="community-card"' not in body(c.get("/dashboard"))
    # dismissing again changes nothing and still answers
    assert c.post("/dashboard/community-card/dismiss", {}).status_code == 303


def test_dismiss_with_htmx_removes_the_card_in_place(login, discord, db_session):
    me = ProfileFactory()
    r = login(me).post("/dashboard/community-card/dismiss", {}, htmx=True,
                       headers={"HX-Target": "community-card"})
    html = body(r)
    assert r.status_code == 200 and "<html" not in html
    assert html.strip().startswith('<p id="community-card" class="community-dismissed" role="status"')
    assert "Dismiss" not in html and DISCORD not in html
    db_session.refresh(me)
    assert me.discord_card_dismissed is True


def test_the_card_is_a_fragment_of_its_own(login, discord):
    r = login(ProfileFactory()).hx_get("/dashboard", target="community-card")
    html = body(r)
    assert r.status_code == 200 and "<html" not in html and "HX-Target" in r.headers["Vary"]
    assert html.strip().startswith('<section id="community-card"') and ">Dismiss</button>" in html


def test_dismiss_needs_a_csrf_token(login, discord, db_session):
    me = ProfileFactory()
    r = login(me).post("/dashboard/community-card/dismiss", {}, csrf=False)
    assert r.status_code == 400
    db_session.refresh(me)
    assert me.discord_card_dismissed is False


def test_dismiss_needs_sign_in(client, discord):
    r = client.post("/dashboard/community-card/dismiss", {})
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in?next=")


# --- Profile summary and next steps -----------------------------------------------------

def test_profile_summary_and_next_steps(login):
    EventFactory(open=True, featured=True, name="Spring Sprint")
    me = ProfileFactory(username="ada-l", bio=None, country="DE", region="DE-BE")
    html = body(login(me).get("/dashboard"))
    assert "@ada-l" in html and 'href="/profiles/ada-l">View your profile</a>' in html
    assert "Berlin, Germany" in html and 'href="/settings">Edit profile</a>' in html
    assert "0 of 4 done" in html
    assert 'href="/settings">Add a bio and where you build from</a>' in html
    assert ">Register for Spring Sprint</a>" in html


def test_next_steps_tick_what_is_done(login):
    event = EventFactory(open=True, featured=True, name="Spring Sprint")
    me = ProfileFactory(bio="I build agents", country="DE", region="DE-BE")
    AvatarFactory(profile=me)
    EventRegistrationFactory(event=event, profile=me)
    ProjectFactory(owner=me)
    html = body(login(me).get("/dashboard"))
    assert "4 of 4 done" in html and html.count("checklist-item--done") == 4
    assert "Register for Spring Sprint<span class=\"visually-hidden\"> (done)</span>" in html


# --- Query budget -------------------------------------------------------------------------

def _seed(scale, me, event):
    for i in range(scale):
        p = ProfileFactory(hidden=i % 5 == 4)
        EventRegistrationFactory(event=event, profile=p)
        project = ProjectFactory(owner=p)
        EventProjectFactory(event=event, project=project)
        ProjectMemberFactory(project=project, profile=me)
        ProjectFactory(owner=me)
        TeamInviteFactory(recipient=me)
    EventRegistrationFactory(event=event, profile=me)


def test_dashboard_query_count_is_small_and_constant(app, login, db_session, discord):
    counts = []
    for scale in (3, 30):
        me = ProfileFactory()
        _seed(scale, me, EventFactory(active=True, featured=True))
        c = login(me)
        assert c.get("/dashboard").status_code == 200  # warm up: last_seen write
        with count_queries(app) as q:
            r = c.get("/dashboard")
        assert r.status_code == 200
        counts.append(q.count)
        db_session.rollback()
        for table in ("team_invites", "project_members", "event_projects", "projects",
                      "event_registrations", "events", "sessions", "profiles"):
            db_session.execute(text(f"DELETE FROM {table}"))
        db_session.commit()
    assert counts[0] == counts[1] and counts[0] <= 8, counts
