"""/settings/notifications: an email checkbox per notification type with its default,
saved as a plain form and through htmx."""
from __future__ import annotations

from markupsafe import escape

import re

from buildstory.mail import services
from buildstory.mail.preferences import TYPES
from tests.factories import ProfileFactory

LABELS = ["Team invites", "Invites accepted", "Invites declined", "New members",
          "Members leaving", "Removed from a team", "Project hidden", "Project unhidden",
          "Team submissions", "Reviews received", "Judging assignments", "Results",
          "Event updates", "Mentions", "Comments on your updates", "Replies on the roadmap",
          "Shipped ideas",
          "Requests to join your projects", "Your requests accepted", "Your requests declined",
          "Becoming a mentor",
          "New requests for your mentor types", "Your team's requests taken",
          "Your team's requests released", "Your team's requests resolved",
          "Requests you took, cancelled",
          "Projects passed to you", "Requests to take over your projects",
          "Reminders before ownership passes", "Your ownership requests declined"]
OWNERSHIP = ["ownership_transferred", "ownership_requested", "ownership_request_reminder",
             "ownership_request_declined"]


def checked(html: str) -> set[str]:
    return set(re.findall(r'name="email_(\w+)" checked', html))


def test_the_page_lists_every_type_with_its_default(login):
    page = login(ProfileFactory()).get("/settings/notifications").get_data(as_text=True)
    assert [TYPES[n].label for n in TYPES] == LABELS
    positions = [page.index(f"> {escape(label)}</label>") for label in LABELS]
    assert positions == sorted(positions)
    assert checked(page) == {"team_invite", "review_received", "judge_assigned",
                             "results_published", "join_request_received",
                             "ownership_requested", "ownership_request_reminder"}
    assert "Save notification settings" in page
    # the ownership types sit in their own fieldset, under its legend
    fieldset = page[page.index("<legend>Project ownership</legend>"):]
    fieldset = fieldset[:fieldset.index("</fieldset>")]
    assert all(f'name="email_{name}"' in fieldset for name in OWNERSHIP)


def test_saving_as_a_plain_form_and_with_htmx(login, db_session):
    profile = ProfileFactory()
    client = login(profile)
    r = client.post("/settings/notifications", {"email_event_status": "on",
                                                "email_team_invite": "on"})
    assert r.status_code == 200 and "Notification settings saved." in r.get_data(as_text=True)
    assert checked(r.get_data(as_text=True)) == {"event_status", "team_invite"}
    assert services.email_choices(db_session, profile.id)["review_received"] is False
    r = client.post("/settings/notifications", {"email_results_published": "on"}, htmx=True,
                    headers={"HX-Target": "notification-settings-form"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html  # the form fragment only
    assert 'id="notification-settings-form"' in html and checked(html) == {"results_published"}
    assert services.email_choices(db_session, profile.id) == {
        name: name == "results_published" for name in TYPES}


def test_unknown_fields_are_ignored_and_signed_out_visitors_sign_in(client, login):
    r = client.get("/settings/notifications")
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in")
    c = login(ProfileFactory())
    r = c.post("/settings/notifications", {"email_nonsense": "on", "email_team_invite": "x"})
    assert r.status_code == 200 and checked(r.get_data(as_text=True)) == set()


def test_join_request_emails_sit_under_their_own_legend(login):
    page = login(ProfileFactory()).get("/settings/notifications").get_data(as_text=True)
    group = page[page.index("<legend>Join requests</legend>"):]
    group = group[:group.index("</fieldset>")]
    assert [label for label in ("Requests to join your projects", "Your requests accepted",
                                "Your requests declined") if f"> {label}</label>" in group] \
        == ["Requests to join your projects", "Your requests accepted", "Your requests declined"]
