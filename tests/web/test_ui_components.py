"""Shared template components render one way wherever they are used: the textarea (hint,
then error, in aria-describedby), the admin review card (one status badge with its tone),
and the featured-event block of the landing page and the dashboard."""
import html
import re

import pytest

from tests.factories import (AccountFactory, EventFactory, MentorApplicationFactory,
                             ProfileFactory, SponsorshipInquiryFactory)


def text(response):
    return html.unescape(response.get_data(as_text=True))


def textarea(page, field_id):
    match = re.search(rf'<textarea id="{re.escape(field_id)}"[^>]*>', page)
    assert match, field_id
    return match.group(0)


@pytest.mark.parametrize("form,path,data,field", [
    ("mentor", "/mentor-apply", {"name": "Ada", "background": ""}, "background"),
    ("sponsor", "/sponsor-apply", {"offer_description": ""}, "offer_description"),
    ("project", "/projects/new", {"name": "Voice", "description": ""}, "description"),
    ("settings", "/settings", {"display_name": "Ada", "bio": "x" * 600}, "bio"),
])
def test_textareas_name_their_hint_then_their_error(login, form, path, data, field):
    client = login(ProfileFactory())
    page = text(client.post(path, data))
    tag = textarea(page, field)
    assert f'aria-describedby="{field}-hint {field}-error"' in tag and 'aria-invalid="true"' in tag
    assert f'id="{field}-hint"' in page and f'id="{field}-error"' in page
    # Without an error: the hint alone.
    quiet = textarea(text(client.get(path)), field)
    assert f'aria-describedby="{field}-hint"' in quiet and "aria-invalid" not in quiet


def test_the_ban_reason_uses_the_same_textarea(login):
    moderator = login(ProfileFactory(moderator=True))
    builder = ProfileFactory(username="spammy")
    r = moderator.post(f"/moderation/profiles/{builder.id}/ban", {"reason": "x" * 1200},
                       htmx=True, headers={"HX-Target": f"mod-panel-{builder.id}"})
    rid = f"ban-reason-{builder.id}"
    tag = textarea(text(r), rid)
    assert f'aria-describedby="{rid}-hint {rid}-error"' in tag and 'aria-invalid="true"' in tag


@pytest.mark.parametrize("factory,status,tone,path", [
    (MentorApplicationFactory, "pending", "warn", "/admin/mentors"),
    (MentorApplicationFactory, "approved", "ok", "/admin/mentors"),
    (MentorApplicationFactory, "declined", "bad", "/admin/mentors"),
    (SponsorshipInquiryFactory, "contacted", "accent", "/admin/sponsors"),
    (SponsorshipInquiryFactory, "accepted", "ok", "/admin/sponsors"),
])
def test_review_cards_show_one_status_badge_in_its_tone(login, factory, status, tone, path):
    factory(status=status)
    page = text(login(ProfileFactory(admin=True)).get(path))
    cards = re.findall(r'<li id="(?:mentor|sponsor)-[^"]+" class="card review-card.*?</li>', page,
                       re.S)
    assert len(cards) == 1
    badges = re.findall(r'<span class="badge badge--(\w+)" data-status="(\w+)">', cards[0])
    assert badges == [(tone, status)]
    assert '<header class="review-head card-head">' in cards[0]


def test_reviewing_swaps_the_same_card(login):
    application = MentorApplicationFactory()
    admin = login(ProfileFactory(admin=True))
    r = admin.post(f"/admin/mentors/{application.id}/approve", {"status": ""}, htmx=True,
                   headers={"HX-Target": f"mentor-{application.id}"})
    card = text(r)
    assert card.lstrip().startswith(f'<li id="mentor-{application.id}" class="card review-card')
    assert '<span class="badge badge--ok" data-status="approved">Approved</span>' in card
    assert ">Approve</button>" not in card


def test_landing_page_and_dashboard_render_the_same_featured_event_block(client, login):
    EventFactory(active=True, featured=True, name="Winter Agents Jam")
    me = AccountFactory().profile
    head = re.compile(r'<section class="card featured-event".*?<dl class="stat-tiles">', re.S)
    on_home = head.search(text(client.get("/"))).group(0)
    on_dashboard = head.search(text(login(me).get("/dashboard"))).group(0)
    # The countdown's seconds may tick between the two requests.
    strip = lambda s: re.sub(r">Ends in [^<]*<", "><", s)  # noqa: E731
    assert strip(on_home) == strip(on_dashboard)
    assert 'data-status="active">Live</span>' in on_home
