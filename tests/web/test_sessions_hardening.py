"""Sessions and accounts under attack (docs/architecture.md "Quality bars", docs/rules.md "Accounts and sessions").

What test_auth_flow, test_rate_limits and domain/test_identity already prove is not
repeated; this adds: expiry and SESSION_LIFETIME_DAYS over HTTP, forged and revoked
cookies, a reset ending every session, expired and superseded reset links, the rate limits
at their real numbers and keys (a venue behind one address is not locked out), and no
account enumeration through sign-in or reset — same bodies, similar time, and the reset
email sent off the request path so a slow mail server cannot give an account away.
"""
from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import jwt
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from buildstory.identity import services, tokens
from buildstory.identity.models import Account, UserSession
from buildstory.web.limits import DEFAULTS
from tests.conftest import TEST_PASSWORD, Client
from tests.factories import AccountFactory, ProjectFactory

VENUE = {"REMOTE_ADDR": "203.0.113.7"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.9"}
LIMITED = "Too many attempts. Try again later."


def signed_in(app, db_session, account, *, lifetime_days=30, now=None):
    """A client holding a fresh session of ``account``; returns (client, session row)."""
    c = Client(app, db_session)
    row = services.create_session(db_session, account.id, user_agent="pytest",
                                  now=now or services.utcnow(), lifetime_days=lifetime_days)
    db_session.commit()
    with app.app_context():
        c.raw.set_cookie(app.config["SESSION_COOKIE_NAME"], tokens.encode_session(row))
    return c, row


def is_signed_in(c) -> bool:
    return c.get("/dashboard").status_code == 200


# --- Expiry, revocation, forgery ---------------------------------------------------------

def test_a_session_past_its_expiry_no_longer_works(app, db_session):
    account = AccountFactory()
    c, row = signed_in(app, db_session, account)
    assert is_signed_in(c)
    # The row expires (the cookie itself is still signed and unexpired): signed out.
    db_session.execute(update(UserSession).where(UserSession.id == row.id)
                       .values(expires_at=services.utcnow() - timedelta(seconds=1)))
    r = c.get("/dashboard")
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in?next=")
    assert c.hx_get("/dashboard").headers["HX-Redirect"].startswith("/sign-in?next=")


def test_an_expired_cookie_is_refused_even_if_its_row_lives(app, db_session):
    account = AccountFactory()
    row = services.create_session(db_session, account.id, user_agent=None,
                                  now=services.utcnow(), lifetime_days=30)
    db_session.commit()
    c = Client(app, db_session)
    stale = jwt.encode({"sid": row.id, "typ": "session", "exp": int(time.time()) - 5},
                       app.config["SECRET_KEY"], algorithm="HS256")
    c.raw.set_cookie("bs_session", stale)
    assert not is_signed_in(c)


def test_session_lifetime_days_is_honoured(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_LIFETIME_DAYS", 2)
    AccountFactory(email="brief@example.com")
    before = services.utcnow()
    r = client.post("/sign-in", {"email": "brief@example.com", "password": TEST_PASSWORD})
    assert r.status_code == 303
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("bs_session="))
    assert "Max-Age=172800" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    row = db_session.scalars(select(UserSession).order_by(UserSession.created_at.desc())).first()
    assert timedelta(days=2) <= row.expires_at - before < timedelta(days=2, minutes=1)
    assert services.load_session(db_session, row.id, now=before + timedelta(days=1)) is not None
    assert services.load_session(db_session, row.id,
                                 now=before + timedelta(days=2, minutes=1)) is None


def test_a_revoked_session_cookie_no_longer_works(app, db_session):
    account = AccountFactory()
    c, row = signed_in(app, db_session, account)
    services.revoke_session(db_session, row.id, now=services.utcnow())
    db_session.commit()
    assert not is_signed_in(c)
    # Not even the POST-only actions a signed-in builder has: nothing changes.
    before = db_session.scalar(select(Account.password_hash).where(Account.id == account.id))
    r = c.post("/settings/account", {"current_password": TEST_PASSWORD,
                                     "new_password": "something else entirely"})
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in")
    assert db_session.scalar(select(Account.password_hash).where(Account.id == account.id)) == before


@pytest.mark.parametrize("forge", ["other-key", "alg-none", "reset-token", "garbage"])
def test_forged_session_cookies_are_anonymous(app, db_session, forge):
    account = AccountFactory()
    row = services.create_session(db_session, account.id, user_agent=None,
                                  now=services.utcnow(), lifetime_days=30)
    db_session.commit()
    claims = {"sid": row.id, "typ": "session", "exp": int(time.time()) + 3600}
    value = {
        "other-key": lambda: jwt.encode(claims, "another-secret-key-long-enough-to-sign",
                                        algorithm="HS256"),
        "alg-none": lambda: jwt.encode(claims, None, algorithm="none"),
        "reset-token": lambda: tokens.encode_reset(account, app.config["SECRET_KEY"],
                                                   now=services.utcnow()),
        "garbage": lambda: "not.a.jwt",
    }[forge]()
    c = Client(app, db_session)
    c.raw.set_cookie("bs_session", value)
    assert not is_signed_in(c)


# --- Password change and reset end sessions; reset links ---------------------------------

def reset_link(app, account, *, now=None) -> str:
    with app.app_context():
        return "/reset-password/" + tokens.encode_reset(account, app.config["SECRET_KEY"],
                                                        now=now or services.utcnow())


def test_a_reset_ends_every_session_and_signs_the_resetter_in(app, client, db_session):
    account = AccountFactory()
    laptop, _ = signed_in(app, db_session, account)
    phone, _ = signed_in(app, db_session, account)
    assert is_signed_in(laptop) and is_signed_in(phone)
    r = client.post(reset_link(app, account), {"new_password": "a brand new password"})
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard"
    assert not is_signed_in(laptop) and not is_signed_in(phone)
    assert is_signed_in(client)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, db_session):
    account = AccountFactory()
    here, _ = signed_in(app, db_session, account)
    there, _ = signed_in(app, db_session, account)
    r = here.post("/settings/account", {"current_password": TEST_PASSWORD,
                                        "new_password": "changed password 1"})
    assert r.status_code == 200 and "Password changed" in r.get_data(as_text=True)
    assert is_signed_in(here) and not is_signed_in(there)


def test_a_reset_link_expires_after_an_hour(app, client, db_session):
    account = AccountFactory()
    old = reset_link(app, account, now=services.utcnow() - timedelta(minutes=61))
    for r in (client.get(old), client.post(old, {"new_password": "a brand new password"})):
        assert r.status_code == 404
        assert "This reset link is invalid or has expired" in r.get_data(as_text=True)
    assert client.post("/sign-in", {"email": account.email,
                                    "password": TEST_PASSWORD}).status_code == 303


def test_a_reset_link_is_single_use_and_dies_with_any_password_change(app, client, db_session):
    account = AccountFactory()
    first, second = reset_link(app, account), reset_link(app, account)
    assert client.post(first, {"new_password": "a brand new password"}).status_code == 303
    for link in (first, second):  # both were issued for the old password
        assert client.get(link).status_code == 404
        assert client.post(link, {"new_password": "yet another password"}).status_code == 404
    # A link issued before a change of password in the settings dies with it too.
    later = reset_link(app, account)
    time.sleep(0.01)  # a distinct password_changed_at
    here, _ = signed_in(app, db_session, account)
    assert here.post("/settings/account", {"current_password": "a brand new password",
                                           "new_password": "settings password 2"}).status_code == 200
    assert client.get(later).status_code == 404


# --- Rate limits at their real numbers -----------------------------------------------------

def test_the_configured_limits_are_those_of_quality_md(app):
    assert DEFAULTS["RATE_SIGNIN_EMAIL"] == app.config["RATE_SIGNIN_EMAIL"] == "10 per 15 minutes"
    assert app.config["RATE_SIGNIN_ADDRESS"] == "300 per 15 minutes"
    assert app.config["RATE_SIGNUP_BROWSER"] == "10 per hour"
    assert app.config["RATE_SIGNUP_ADDRESS"] == "300 per hour"
    assert app.config["RATE_USERNAME_BROWSER"] == "60 per minute"
    assert app.config["RATE_USERNAME_ADDRESS"] == "1200 per minute"
    assert app.config["RATE_INVITES_ACCOUNT"] == "30 per hour"


def fail_sign_in(c, email, env=VENUE):
    return c.post("/sign-in", {"email": email, "password": "wrong password"},
                  environ_base=env).status_code


def test_a_venue_signs_in_while_one_attacker_hammers_an_email(app, db_session):
    """Forty people behind one address mistype, one attacker exhausts a victim's email:
    everyone else still gets in; the lock is per email, not per address."""
    AccountFactory(email="victim@example.com")
    attacker = Client(app, db_session)
    token = attacker.csrf()
    for _ in range(10):
        assert attacker.post("/sign-in", {"email": "VICTIM@example.com ", "password": "nope nope",
                                          "csrf_token": token}, environ_base=VENUE).status_code == 422
    r = attacker.post("/sign-in", {"email": "victim@example.com", "password": "nope nope",
                                   "csrf_token": token}, environ_base=VENUE)
    assert r.status_code == 429 and LIMITED in r.get_data(as_text=True)
    for i in range(40):
        AccountFactory(email=f"guest{i}@example.com")
    for i in range(40):
        guest = Client(app, db_session)
        assert fail_sign_in(guest, f"guest{i}@example.com") == 422
        r = guest.post("/sign-in", {"email": f"guest{i}@example.com", "password": TEST_PASSWORD},
                       environ_base=VENUE)
        assert r.status_code == 303, i


def test_sign_in_failures_lock_an_address_after_300(app, db_session):
    c = Client(app, db_session)
    token = c.csrf()
    for i in range(300):
        r = c.post("/sign-in", {"email": f"spray{i // 10}@example.com", "password": "x" * 12,
                                "csrf_token": token}, environ_base=VENUE)
        assert r.status_code == 422, i
    r = c.post("/sign-in", {"email": "fresh@example.com", "password": "x" * 12,
                            "csrf_token": token}, environ_base=VENUE)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert fail_sign_in(Client(app, db_session), "fresh@example.com", ELSEWHERE) == 422


def test_sign_up_locks_an_address_after_300_but_each_browser_after_10(app, db_session):
    def attempt(c, token, env=VENUE):
        return c.post("/sign-up", {"username": "x", "email": "bad", "password": "short",
                                   "csrf_token": token}, environ_base=env).status_code

    for _ in range(30):  # thirty browsers behind one address, ten tries each
        c = Client(app, db_session)
        token = c.csrf()
        assert [attempt(c, token) for _ in range(10)] == [422] * 10
    late = Client(app, db_session)
    assert attempt(late, late.csrf()) == 429
    elsewhere = Client(app, db_session)
    assert attempt(elsewhere, elsewhere.csrf(), ELSEWHERE) == 422


def test_the_username_check_locks_an_address_after_1200(app, db_session):
    def check(c, i, env=VENUE):
        return c.hx_get(f"/username-check?username=n{i}", environ_base=env).status_code

    for b in range(20):  # twenty browsers behind one address, sixty checks each
        c = Client(app, db_session)
        c.csrf()
        assert all(check(c, i) == 200 for i in range(60)), b
    late = Client(app, db_session)
    late.csrf()
    r = late.hx_get("/username-check?username=late", environ_base=VENUE)
    assert r.status_code == 429 and r.headers["HX-Retarget"] == "#messages"
    assert check(late, 0, ELSEWHERE) == 200


def test_invite_creation_is_limited_to_30_per_account_per_hour(login, db_session):
    project = ProjectFactory(slug="limited")
    owner = login(project.owner)
    statuses = [owner.post("/projects/limited/invite-links", {}, htmx=True).status_code
                for _ in range(30)]
    assert statuses == [200] * 5 + [409] * 25  # the 5-pending limit answers in place
    r = owner.post("/projects/limited/invites", {"username": "someone"}, htmx=True)
    assert r.status_code == 429 and LIMITED in r.get_data(as_text=True)
    other = ProjectFactory(slug="unlimited")
    assert login(other.owner).post("/projects/unlimited/invite-links", {}).status_code == 200


# --- No enumeration -------------------------------------------------------------------------

def unmasked(body: str) -> str:
    """The body with its CSRF token (masked afresh for every response) left out."""
    return re.sub(r"[0-9a-f]{128}", "TOKEN", body)


def test_sign_in_answers_the_same_for_known_and_unknown_emails_with_htmx(client):
    AccountFactory(email="known@example.com")
    bodies = []
    for email in ("known@example.com", "unknown@example.com"):
        r = client.post("/sign-in", {"email": email, "password": "wrong password"}, htmx=True)
        assert r.status_code == 422 and "Server-Timing" not in r.headers
        bodies.append(unmasked(r.get_data(as_text=True)).replace(email, "EMAIL"))
    assert "Invalid email or password" in bodies[0] and bodies[0] == bodies[1]


def test_forgot_password_answers_byte_for_byte_the_same(client):
    AccountFactory(email="known@example.com")
    answers = []
    for email in ("known@example.com", "unknown@example.com"):
        r = client.post("/forgot-password", {"email": email})
        assert r.status_code == 200 and "Server-Timing" not in r.headers
        answers.append((unmasked(r.get_data(as_text=True)), sorted(r.headers.keys())))
    assert "If an account exists, we sent a link" in answers[0][0]
    assert answers[0] == answers[1]


def test_authenticate_takes_as_long_for_unknown_emails(db_session):
    """The dummy-hash design: an unknown email still verifies a hash of the same cost.

    Medians of interleaved runs, compared within a generous factor, so a noisy machine
    does not fail it while a skipped hash (10× faster) would.
    """
    hasher = PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1)
    account = AccountFactory(email="timed@example.com")
    account.password_hash = hasher.hash(TEST_PASSWORD)
    db_session.flush()

    def timed(email):
        started = time.perf_counter()
        with pytest.raises(services.InvalidCredentials):
            services.authenticate(db_session, email=email, password="wrong password",
                                  hasher=hasher)
        return time.perf_counter() - started

    timed("warm-up@example.com")
    known, unknown = [], []
    for _ in range(15):
        known.append(timed("timed@example.com"))
        unknown.append(timed("nobody@example.com"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 1 / 3 < ratio < 3, (statistics.median(known), statistics.median(unknown))


# The reset email used to go out on a thread of the request; it is now a job
# (mail.password_reset): a slow or stopped mail server cannot touch a request at all,
# tested against a real stopped SMTP server in tests/web/test_email.py.
