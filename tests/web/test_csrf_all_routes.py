"""CSRF on every POST route (docs/architecture.md "Quality bars"): a missing token, a wrong one, or one
issued for another browser's CSRF cookie answers 400 "This form has expired. Reload the
page and try again." and changes nothing — for plain forms (``csrf_token`` field) and for
htmx requests (``X-CSRF-Token`` header).

The routes are every POST rule of ``app.url_map`` (``test_every_post_rule_is_checked``
fails when one is missing); each is posted with the valid form of the permission matrix
by an actor who may use it, so only the token stands between the request and a change —
which the control request with the right token proves.
"""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD, Client
from tests.factories import AccountFactory
from tests.web.matrix import ACTORS, ROUTES, form_data, main_case

EXPIRED = "This form has expired. Reload the page and try again."
POST_ROUTES = sorted(endpoint for endpoint, method in ROUTES if method == "POST")
BAD_TOKENS = ("missing", "wrong", "foreign")
# The one POST without a token: one-click unsubscribe (mail clients post it without
# cookies; the signed link authorises it, and it can only turn an email off).
EXEMPT = {"mail.unsubscribe"}


def actor_for(case) -> str:
    """An actor the route lets through (the builder first, anonymous for public forms)."""
    allowed = [a for a in ACTORS if a in case.allowed() and a not in case.expect]
    return next((a for a in allowed if a != "banned"), allowed[0])


def bad_request(world, endpoint: str, kind: str, htmx: bool):
    """POST the route's valid form with a bad token of ``kind``; return the response."""
    case = main_case(endpoint, "POST")
    actor = actor_for(case)
    client = world.client(actor)
    other = next(a for a in ACTORS if a != actor)
    token = {"missing": None, "wrong": "0" * 64, "foreign": world.csrf_tokens[other]}[kind]
    assert token != world.csrf_tokens[actor]
    data, headers = form_data(case, world.w), {}
    if token is not None:
        if htmx:
            headers["X-CSRF-Token"] = token
        else:
            data["csrf_token"] = token
    return client.post(case.url(world.w), data, csrf=False, htmx=htmx, headers=headers)


def test_every_post_rule_is_checked(app):
    rules = sorted({r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods})
    assert rules == POST_ROUTES


def test_only_one_click_unsubscribe_is_exempt_and_its_signature_authorises(world):
    from buildstory.web.csrf import EXEMPT_ENDPOINTS
    assert EXEMPT_ENDPOINTS == EXEMPT
    with world.turn():
        client = world.client("anonymous")
        r = client.post("/unsubscribe/bogus", {}, csrf=False)
        assert r.status_code == 404
        assert "This unsubscribe link is invalid" in r.get_data(as_text=True)
        r = client.post(f"/unsubscribe/{world.w.unsubscribe_token}", {}, csrf=False)
        assert r.status_code == 200


@pytest.mark.parametrize("endpoint", [e for e in POST_ROUTES if e not in EXEMPT])
def test_bad_tokens_are_refused_and_change_nothing(world, endpoint):
    failures = []
    for kind in BAD_TOKENS:
        for htmx in (False, True):
            with world.turn():
                before = world.fingerprint()
                world.session.commit()
                r = bad_request(world, endpoint, kind, htmx)
                body = r.get_data(as_text=True)
                where = f"{kind} token, {'htmx' if htmx else 'plain form'}"
                if r.status_code != 400 or EXPIRED not in body:
                    failures.append(f"{where}: {r.status_code}")
                if htmx and r.headers.get("HX-Retarget") != "#messages":
                    failures.append(f"{where}: not retargeted to #messages")
                world.session.rollback()
                if world.fingerprint() != before:
                    failures.append(f"{where}: the database changed")
    assert not failures, endpoint + ":\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("endpoint", POST_ROUTES)
def test_the_right_token_gets_through(world, endpoint):
    """The control: the same request with this browser's token is not refused as expired,
    in both shapes — so the refusals above are the token's doing."""
    case = main_case(endpoint, "POST")
    actor = actor_for(case)
    for htmx in (False, True):
        with world.turn():
            data, headers = form_data(case, world.w), {}
            token = world.csrf_tokens[actor]
            if htmx:
                headers["X-CSRF-Token"] = token
            else:
                data["csrf_token"] = token
            r = world.client(actor).post(case.url(world.w), data, csrf=False, htmx=htmx,
                                         headers=headers)
            assert r.status_code != 400 and r.status_code < 500, (htmx, r.status_code)


def test_a_token_without_its_cookie_is_refused(world):
    """A token copied out of a page is useless to a browser that lacks the cookie."""
    case = main_case("profiles.settings", "POST")
    with world.turn():
        thief = Client(world.app, world.session)  # no CSRF cookie at all
        thief.raw.set_cookie(world.app.config["SESSION_COOKIE_NAME"],
                             world.clients["builder"].session_cookie)
        r = thief.post("/settings", {"csrf_token": world.csrf_tokens["builder"],
                                     **form_data(case, world.w)}, csrf=False)
        assert r.status_code == 400 and EXPIRED in r.get_data(as_text=True)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_tab_opened_before_sign_in_saves_a_real_change_after_it(client, db_session, htmx):
    """Tab 1 loads a page while signed out; tab 2 signs in; tab 1's form still saves."""
    AccountFactory(email="tabs@example.com", profile__username="tabby")
    tab_token = client.csrf()  # the token tab 1 got before anyone signed in
    assert client.post("/sign-in", {"email": "tabs@example.com",
                                    "password": TEST_PASSWORD}).status_code == 303
    data = {"display_name": "Tabby Cat", "username": "tabby", "allow_invites": "1"}
    headers = {}
    if htmx:
        headers["X-CSRF-Token"] = tab_token
    else:
        data["csrf_token"] = tab_token
    r = client.post("/settings", data, csrf=False, htmx=htmx, headers=headers)
    assert r.status_code == (200 if htmx else 303)
    assert "Tabby Cat" in client.get("/profiles/tabby").get_data(as_text=True)
