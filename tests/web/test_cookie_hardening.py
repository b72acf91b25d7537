"""Cookies in production: the ``__Host-`` prefix (Secure, Path=/, no Domain), existing
sessions and CSRF cookies carried over from the old names, and a CSRF token masked per
response so that compressed pages hold no repeating secret."""
from __future__ import annotations

import re

import pytest

from buildstory import create_app
from buildstory.config import load_config
from buildstory.identity import services, tokens
from buildstory.web.csrf import new_cookie
from tests.conftest import CSRF_RE, TEST_PASSWORD
from tests.factories import AccountFactory

BASE = "https://buildstory.test"


@pytest.fixture
def prod_app(app, tmp_path, db_session):
    cfg = load_config(str(tmp_path), env={
        "BUILDSTORY_ENV": "production", "SECRET_KEY": app.config["SECRET_KEY"],
        "PUBLIC_URL": BASE, "MAIL_URL": "log:", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]})
    return create_app({**cfg, "TESTING": True, "ARGON2_PARAMS": app.config["ARGON2_PARAMS"],
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def set_cookies(response) -> dict:
    """name → the full Set-Cookie header."""
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def host_cookie(header: str) -> bool:
    parts = [p.strip().lower() for p in header.split(";")]
    return "secure" in parts and "path=/" in parts and not any(
        p.startswith("domain=") for p in parts)


def token_of(response) -> str:
    return CSRF_RE.search(response.get_data(as_text=True)).group(1)


def test_production_cookies_use_the_host_prefix(prod_app, db_session):
    account = AccountFactory(email="prefix@example.com")
    db_session.commit()
    c = prod_app.test_client()
    page = c.get("/sign-in", base_url=BASE)
    csrf = set_cookies(page)["__Host-bs_csrf"]
    assert host_cookie(csrf) and "HttpOnly" in csrf
    r = c.post("/sign-in", base_url=BASE, data={"email": account.email,
                                                "password": TEST_PASSWORD,
                                                "csrf_token": token_of(page)})
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    session = set_cookies(r)["__Host-bs_session"]
    assert host_cookie(session) and "HttpOnly" in session
    assert "bs_session" not in {n for n in set_cookies(r) if not n.startswith("__Host-")}
    assert c.get("/dashboard", base_url=BASE).status_code == 200


def test_a_signed_in_user_is_not_signed_out_by_the_rename(prod_app, db_session):
    """Cookies from before production mode (``bs_session``, ``bs_csrf``) are read once,
    reissued under the ``__Host-`` names, and the old ones deleted."""
    account = AccountFactory(email="renamed@example.com")
    row = services.create_session(db_session, account.id, user_agent="old", lifetime_days=30,
                                  now=services.utcnow())
    db_session.commit()
    with prod_app.test_request_context():
        old_session = tokens.encode_session(row)
        old_csrf = new_cookie()
    c = prod_app.test_client()
    c.set_cookie("bs_session", old_session, domain="buildstory.test")
    c.set_cookie("bs_csrf", old_csrf, domain="buildstory.test")
    page = c.get("/settings", base_url=BASE)
    assert page.status_code == 200  # still signed in
    issued = set_cookies(page)
    assert issued["__Host-bs_session"].startswith(f"__Host-bs_session={old_session};")
    assert issued["__Host-bs_csrf"].startswith(f"__Host-bs_csrf={old_csrf};")
    assert "Max-Age=0" in issued["bs_session"] and "Max-Age=0" in issued["bs_csrf"]
    # The browser now holds only the new names: still signed in, and the token of the
    # page opened with the old cookie still posts.
    assert c.get_cookie("bs_session", domain="buildstory.test") is None
    assert c.get("/dashboard", base_url=BASE).status_code == 200
    r = c.post("/settings/avatar/delete", base_url=BASE,
               data={"csrf_token": token_of(page), "confirm": "yes"})
    assert r.status_code == 303


def test_the_csrf_token_is_masked_per_response(client, db_session):
    first, second = client.get("/sign-in"), client.get("/sign-in")
    one, two = token_of(first), token_of(second)
    assert one != two and len(one) == len(two) == 128
    # Neither page contains the unmasked token, nor any 16 hex characters in common.
    cookie = client.raw.get_cookie("bs_csrf").value
    with client.app.app_context():
        from buildstory.web.csrf import _raw_token
        raw = _raw_token(cookie).hex()
    for page in (first, second):
        assert raw not in page.get_data(as_text=True)
    assert not any(one[i:i + 16] in two for i in range(0, 112))
    # Each masked token (form field or htmx header) is accepted, once unmasked.
    assert client.post("/sign-in", {"email": "a@b.co", "password": "x" * 12,
                                    "csrf_token": one}).status_code == 422
    assert client.post("/sign-in", {"email": "a@b.co", "password": "x" * 12},
                       csrf=False, headers={"X-CSRF-Token": two}).status_code == 422
    # A tampered token is refused.
    bad = one[:64] + ("0" if one[64] != "0" else "1") + one[65:]
    assert client.post("/sign-in", {"email": "a@b.co", "password": "x" * 12,
                                    "csrf_token": bad}).status_code == 400
    assert re.fullmatch(r"[0-9a-f]{128}", one)
