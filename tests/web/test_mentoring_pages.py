"""The help page, its htmx answers, polls, budgets and the claim link (docs/rules.md
"Mentor help")."""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from buildstory.audit import AuditLog
from buildstory.enums import HelpRequestStatus as S, MentorStatus
from buildstory.mentoring import queries, rules, tokens
from buildstory.mentoring.models import HelpRequest, Mentor
from tests.factories import (AccountFactory, EventFactory, EventProjectFactory,
                             MentorApplicationFactory, ProfileFactory, ProjectFactory, utcnow)
from tests.mentoring_factories import HelpRequestFactory, MentorFactory
from tests.querycount import count_queries
from tests.xss_payloads import PAYLOADS, TEMPLATE_MARK, URL_PAYLOADS

FORM = {"topic": "Deploy fails", "details": "Line one\nLine two", "kind": "technical",
        "meeting_url": "https://meet.example/abc"}


def _team():
    event = EventFactory(active=True, slug="live-help")
    project = ProjectFactory(name="Rocket")
    EventProjectFactory(event=event, project=project)
    return event, project


def _mentor(types=("design", "technical", "growth")):
    profile = ProfileFactory()
    MentorFactory(profile_id=profile.id, mentor_types=list(types))
    return profile


def test_team_asks_with_htmx_and_plain_post(login, db_session):
    event, project = _team()
    me = login(project.owner)
    page = me.get(f"/events/{event.slug}/help")
    assert page.status_code == 200 and 'id="ask-form"' in page.get_data(as_text=True)
    bad = me.post(f"/events/{event.slug}/help", {"topic": "", "details": "x", "kind": ""},
                  htmx=True, headers={"HX-Target": "team-help"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and html.startswith('<section id="team-help"')
    assert rules.TOPIC_REQUIRED in html and rules.CHOOSE_KIND in html and "<h1>" not in html
    ok = me.post(f"/events/{event.slug}/help", FORM, htmx=True, headers={"HX-Target": "team-help"})
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "Deploy fails" in html and "Cancel request" in html
    assert 'hx-trigger="every 15s"' in html  # the team panel polls while the request is open
    again = me.post(f"/events/{event.slug}/help", FORM)
    assert again.status_code == 409 and rules.ALREADY_OPEN in again.get_data(as_text=True)
    plain_bad = me.post(f"/events/{event.slug}/help", {**FORM, "kind": "nope"})
    assert plain_bad.status_code == 422 and "<h1>Mentor help</h1>" in plain_bad.get_data(as_text=True)
    me.post(f"/help-requests/{db_session.scalar(select(HelpRequest.id))}/cancel")
    ok = me.post(f"/events/{event.slug}/help", FORM)
    assert ok.status_code == 303 and ok.headers["Location"].endswith("/events/live-help/help#team-help")


def test_closed_queue_explains_on_get_and_refuses_post(login, db_session):
    event = EventFactory(status="judging", slug="judged")
    project = ProjectFactory()
    EventProjectFactory(event=event, project=project)
    me = login(project.owner)
    page = me.get("/events/judged/help")
    assert page.status_code == 200 and rules.QUEUE_CLOSED in page.get_data(as_text=True)
    assert 'id="ask-form"' not in page.get_data(as_text=True)
    refused = me.post("/events/judged/help", FORM)
    assert refused.status_code == 409 and rules.QUEUE_CLOSED in refused.get_data(as_text=True)
    assert login(ProfileFactory()).get(f"/events/{EventFactory(draft=True).slug}/help").status_code == 404


def test_mentor_claims_with_htmx_and_loses_with_a_message_on_top(login, db_session):
    request = HelpRequestFactory(topic="CSS grid", meeting_url="https://meet.example/x")
    slug = db_session.get(queries.Event, request.event_id).slug
    mentor = login(_mentor())
    page = mentor.get(f"/events/{slug}/help").get_data(as_text=True)
    assert f'id="claim-{request.id}"' in page and "Meeting link provided" in page
    assert "https://meet.example/x" not in page  # the link only once claimed
    r = mentor.post(f"/help-requests/{request.id}/claim", htmx=True,
                    headers={"HX-Target": "help-queue"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.startswith('<section id="help-queue"')
    assert 'id="my-help"' in html and 'hx-swap-oob="true"' in html
    assert "https://meet.example/x" in html and "Mark resolved" in html
    other = login(_mentor())
    lost = other.post(f"/help-requests/{request.id}/claim", htmx=True,
                      headers={"HX-Target": "help-queue"})
    html = lost.get_data(as_text=True)
    assert lost.status_code == 409 and rules.TAKEN in html
    assert html.index(rules.TAKEN) < html.index("Help queue</h2>") + 200
    plain = other.post(f"/help-requests/{request.id}/claim")
    assert plain.status_code == 409 and rules.TAKEN in plain.get_data(as_text=True)
    outsider = login(ProfileFactory())
    assert outsider.post(f"/help-requests/{request.id}/claim").status_code == 403


def test_poll_answers_204_when_nothing_changed(login, db_session):
    request = HelpRequestFactory()
    event = db_session.get(queries.Event, request.event_id)
    mentor_profile = _mentor()
    mentor = login(mentor_profile)
    digest = queries.queue(db_session, event, mentor_profile, ["design", "technical",
                                                               "growth"]).digest
    url = f"/events/{event.slug}/help?v={digest}"
    assert f'v={digest}' in mentor.get(f"/events/{event.slug}/help").get_data(as_text=True)
    with count_queries(mentor.app) as q:
        same = mentor.hx_get(url, target="help-queue")
    assert same.status_code == 204 and q.count <= 5
    HelpRequestFactory(event=event)
    changed = mentor.hx_get(url, target="help-queue")
    html = changed.get_data(as_text=True)
    assert changed.status_code == 200 and html.startswith('<section id="help-queue"')
    assert f'id="claim-{request.id}"' in html  # focus survives: the same button id


def test_statement_budgets_page_poll_claim_and_stats(login, db_session, app):
    event = EventFactory(active=True)
    mentor_profile = ProfileFactory(moderator=True)  # the page's largest answer
    MentorFactory(profile_id=mentor_profile.id)
    for n in range(3):
        HelpRequestFactory(event=event)
    project = ProjectFactory(owner=mentor_profile)
    EventProjectFactory(event=event, project=project)
    target = HelpRequestFactory(event=event)
    me = login(mentor_profile)
    me.get(f"/events/{event.slug}/help")  # the first visit also records last_seen_at
    counts = []
    for scale in (1, 10):
        for _ in range(scale * 5):
            HelpRequestFactory(event=event, kind="design")
        with count_queries(app) as page:
            assert me.get(f"/events/{event.slug}/help").status_code == 200
        counts.append(page.count)
    assert counts[0] == counts[1] and counts[0] <= 8
    me.csrf()
    target_id = target.id
    with count_queries(app) as claim:
        r = me.post(f"/help-requests/{target_id}/claim", htmx=True,
                    headers={"HX-Target": "help-queue"})
    assert r.status_code == 200 and f'id="claim-{target_id}"' not in r.get_data(as_text=True)
    assert claim.count <= 6
    with count_queries(app) as stats:
        queries.stats(db_session, event)
    assert stats.count == 2


def test_release_resolve_cancel_rate_through_the_pages(login, db_session):
    request = HelpRequestFactory()
    owner = db_session.get(queries.Profile, request.opened_by)
    mentor = login(_mentor())
    team = login(owner)
    mentor.post(f"/help-requests/{request.id}/claim")
    r = team.post(f"/help-requests/{request.id}/rate", {"rating": "5"}, htmx=True,
                  headers={"HX-Target": "team-help"})
    assert r.status_code == 409 and rules.ONLY_RESOLVED in r.get_data(as_text=True)
    assert mentor.post(f"/help-requests/{request.id}/resolve").status_code == 303
    bad = team.post(f"/help-requests/{request.id}/rate", {"rating": "0"}, htmx=True,
                    headers={"HX-Target": "team-help"})
    assert bad.status_code == 422 and rules.CHOOSE_RATING in bad.get_data(as_text=True)
    ok = team.post(f"/help-requests/{request.id}/rate", {"rating": "4", "note": "Clear"},
                   htmx=True, headers={"HX-Target": "team-help"})
    assert ok.status_code == 200 and "You rated this help 4 of 5." in ok.get_data(as_text=True)
    db_session.refresh(request)
    assert (request.rating, request.rating_note) == (4, "Clear")


def test_moderator_hides_and_unhides(login, db_session):
    request = HelpRequestFactory(topic="Hide me")
    slug = db_session.get(queries.Event, request.event_id).slug
    mod = login(ProfileFactory(moderator=True))
    page = mod.get(f"/events/{slug}/help").get_data(as_text=True)
    assert "Hide request" in page and "hx-confirm" in page
    unticked = mod.post(f"/moderation/help-requests/{request.id}/hide")
    assert unticked.status_code == 422 and "Tick the box to confirm" in unticked.get_data(as_text=True)
    hidden = mod.post(f"/moderation/help-requests/{request.id}/hide", htmx=True,
                      headers={"HX-Target": "help-queue"})
    assert hidden.status_code == 200 and "Unhide request" in hidden.get_data(as_text=True)
    db_session.refresh(request)
    assert request.status == S.cancelled and request.hidden_at is not None
    again = mod.post(f"/moderation/help-requests/{request.id}/hide", htmx=True,
                     headers={"HX-Target": "help-queue"})
    assert again.status_code == 409 and rules.ALREADY_HIDDEN in again.get_data(as_text=True)
    assert mod.post(f"/moderation/help-requests/{request.id}/unhide").status_code == 303
    assert login(ProfileFactory()).post(
        f"/moderation/help-requests/{request.id}/unhide").status_code == 403


class _Markup(HTMLParser):
    """Collects what would run: script elements, on* handlers, non-http(s) links."""

    def __init__(self):
        super().__init__()
        self.bad = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed"):
            self.bad.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (name in ("href", "src") and value and value.strip()
                                         .lower().startswith(("javascript:", "data:"))):
                self.bad.append(f"{tag} {name}={value}")


def _main(html):
    return html[html.index("<main"):html.index("</main>")]


@pytest.mark.parametrize("payload", PAYLOADS + URL_PAYLOADS)
def test_xss_corpus_through_topic_details_meeting_link_and_note(login, db_session, payload):
    """Every payload in Topic, Details, Meeting link and the rating Note is shown inert to
    the team, the mentor who took it and the admins' stats."""
    event, project = _team()
    team = login(project.owner)
    r = team.post(f"/events/{event.slug}/help",
                  {"topic": payload[:120], "details": payload, "kind": "technical",
                   "meeting_url": payload})
    if r.status_code == 422:  # the link refused: ask again without it
        r = team.post(f"/events/{event.slug}/help",
                      {"topic": payload[:120], "details": payload, "kind": "technical"})
    assert r.status_code == 303
    mentor = login(_mentor())
    request_id = db_session.scalar(select(HelpRequest.id))
    queue_page = mentor.get(f"/events/{event.slug}/help").get_data(as_text=True)
    mentor.post(f"/help-requests/{request_id}/claim")
    mentor.post(f"/help-requests/{request_id}/resolve")
    team.post(f"/help-requests/{request_id}/rate", {"rating": "3", "note": payload})
    for html in (queue_page, mentor.get(f"/events/{event.slug}/help").get_data(as_text=True),
                 team.get(f"/events/{event.slug}/help").get_data(as_text=True)):
        parser = _Markup()
        parser.feed(_main(html))
        assert parser.bad == [] and TEMPLATE_MARK not in html


def test_claim_link_page_and_become_a_mentor(login, client, db_session):
    application = MentorApplicationFactory(status=MentorStatus.approved, name="Ada Mentor",
                                           mentor_types=["design"])
    raw = tokens.mint(db_session, application.id, now=utcnow(), ttl_days=14)
    anonymous = client.get(f"/mentor-claim/{raw}")
    html = anonymous.get_data(as_text=True)
    assert anonymous.status_code == 200 and "Sign in" in html and "Ada Mentor" in html
    assert client.get("/mentor-claim/bogus").status_code == 404
    me = login(ProfileFactory())
    page = me.get(f"/mentor-claim/{raw}").get_data(as_text=True)
    assert "Become a mentor</button>" in page
    done = me.post(f"/mentor-claim/{raw}", htmx=True, headers={"HX-Target": "mentor-claim"})
    assert done.status_code == 200 and "You are now a mentor" in done.get_data(as_text=True)
    assert db_session.get(Mentor, me.profile.id).mentor_types == ["design"]
    used = login(ProfileFactory()).post(f"/mentor-claim/{raw}")
    assert used.status_code == 404 and rules.LINK_INVALID in used.get_data(as_text=True)


def test_admin_grants_changes_and_removes_on_the_user_page(login, db_session):
    admin = login(ProfileFactory(admin=True))
    builder = ProfileFactory()
    page = admin.get(f"/admin/users/{builder.id}").get_data(as_text=True)
    assert "Save mentor types" in page and "Remove mentor" not in page
    bad = admin.post(f"/admin/users/{builder.id}/mentor", {}, htmx=True,
                     headers={"HX-Target": "mentor-form"})
    assert bad.status_code == 422 and rules.SELECT_TYPE in bad.get_data(as_text=True)
    ok = admin.post(f"/admin/users/{builder.id}/mentor", {"mentor_types": ["growth", "design"]})
    assert ok.status_code == 303
    assert db_session.get(Mentor, builder.id).mentor_types == ["design", "growth"]
    banned = ProfileFactory(banned=True)
    refused = admin.post(f"/admin/users/{banned.id}/mentor", {"mentor_types": "design"},
                         htmx=True, headers={"HX-Target": "mentor-form"})
    assert refused.status_code == 409 and rules.BANNED_MENTOR in refused.get_data(as_text=True)
    removed = admin.post(f"/admin/users/{builder.id}/mentor/remove", {"confirm": "yes"})
    assert removed.status_code == 303 and db_session.get(Mentor, builder.id) is None
    assert login(ProfileFactory(moderator=True)).post(
        f"/admin/users/{builder.id}/mentor", {"mentor_types": "design"}).status_code == 403


def test_send_new_claim_link_from_the_applications_page(login, db_session):
    admin = login(ProfileFactory(admin=True))
    application = MentorApplicationFactory(status=MentorStatus.approved)
    page = admin.get("/admin/mentors?status=approved").get_data(as_text=True)
    assert "Send new claim link" in page
    r = admin.post(f"/admin/mentors/{application.id}/claim-link", htmx=True,
                   headers={"HX-Target": f"mentor-{application.id}"})
    assert r.status_code == 200 and "Claim link sent." in r.get_data(as_text=True)
    assert db_session.scalar(select(AuditLog.action).where(
        AuditLog.action == "send_mentor_claim_link")) == "send_mentor_claim_link"


def test_notification_settings_show_the_mentoring_fieldsets(login):
    html = login(ProfileFactory()).get("/settings/notifications").get_data(as_text=True)
    for legend in ("Mentoring", "Help requests"):
        assert f"<legend>{legend}</legend>" in html
    assert "New requests for your mentor types" in html and "Becoming a mentor" in html


def test_admin_event_page_shows_mentor_help_stats(login, db_session):
    request = HelpRequestFactory()
    event = db_session.get(queries.Event, request.event_id)
    html = login(ProfileFactory(admin=True)).get(f"/admin/events/{event.slug}").get_data(
        as_text=True)
    assert "<h2 id=\"mentor-help-title\">Mentor help</h2>" in html
    assert "Median time to claim</dt><dd>—</dd>" in html


def test_profiles_show_a_mentor_badge(client, db_session):
    mentor = _mentor()
    builder = ProfileFactory()
    assert 'data-status="mentor">Mentor</span>' in client.get(
        f"/profiles/{mentor.username}").get_data(as_text=True)
    assert 'data-status="mentor"' not in client.get(
        f"/profiles/{builder.username}").get_data(as_text=True)
