"""Sign-up, sign-in, sign-out, next URLs, password change and reset through real pages."""
import re

import sqlalchemy as sa
from sqlalchemy import select

from buildstory.clock import utcnow
from buildstory.identity import tokens

from buildstory.identity.models import UserSession
from tests.conftest import Client, TEST_PASSWORD
from tests.factories import AccountFactory, ProfileFactory


def sign_up(client, **kw):
    data = {"username": "newbie", "email": "newbie@example.com", "password": "long enough pw"}
    data.update(kw)
    return client.post("/sign-up", data)


def test_sign_up_signs_in_and_lands_on_onboarding(client):
    r = sign_up(client)
    assert r.status_code == 303 and r.headers["Location"] == "/onboarding?step=start"
    page = client.get("/dashboard")
    assert page.status_code == 200 and "@newbie" in page.get_data(as_text=True)


def test_sign_up_honours_a_local_next_only(client, app, db_session):
    r = sign_up(client, next="/invite/abc")
    assert r.headers["Location"] == "/invite/abc"
    other = Client(app, db_session)
    r = sign_up(other, username="second", email="second@example.com", next="//evil.example/x")
    assert r.headers["Location"] == "/onboarding?step=start"
    for bad in ("https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        c = Client(app, db_session)
        page = c.get("/sign-in?next=" + bad).get_data(as_text=True)
        assert 'name="next" value="/dashboard"' in page


def test_sign_up_errors_are_shown_by_the_fields_with_input_kept(client):
    ProfileFactory(username="taken-name")
    r = sign_up(client, username="taken-name", email="bad", password="short")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Username is already taken" in html and "Enter a valid email address" in html
    assert "Password must be at least 10 characters" in html
    assert 'value="taken-name"' in html and 'value="bad"' in html


def test_sign_up_with_an_existing_email(client):
    AccountFactory(email="dup@example.com")
    r = sign_up(client, email="DUP@example.com")
    assert r.status_code == 422 and "An account with this email already exists" in r.get_data(as_text=True)


def test_sign_in_and_out(client):
    account = AccountFactory(email="me@example.com")
    r = client.post("/sign-in", {"email": "ME@example.com", "password": TEST_PASSWORD, "next": "/dashboard"})
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    cookie = client.raw.get_cookie("bs_session").value
    r = client.post("/sign-out")
    assert r.status_code == 303
    # The old cookie no longer works even if replayed.
    client.raw.set_cookie("bs_session", cookie)
    assert client.get("/dashboard").status_code == 303
    assert account.id


def test_bad_credentials_answer_the_same_for_known_and_unknown_emails(client):
    AccountFactory(email="known@example.com")
    bodies = []
    for email in ("known@example.com", "unknown@example.com"):
        r = client.post("/sign-in", {"email": email, "password": "wrong password"})
        assert r.status_code == 422
        body = re.sub(r"[0-9a-f]{128}", "", r.get_data(as_text=True))  # the masked token
        bodies.append(re.sub(r'value="[^"]*"', "", body))
    assert "Invalid email or password" in bodies[0] and bodies[0] == bodies[1]


def test_signed_in_pages_redirect_anonymous_visitors(client):
    r = client.get("/dashboard")
    assert r.status_code == 303 and r.headers["Location"] == "/sign-in?next=%2Fdashboard"
    r = client.hx_get("/dashboard", headers={"HX-Current-URL": "http://localhost/dashboard?x=1"})
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/sign-in?next=%2Fdashboard%3Fx%3D1"


def test_a_second_tab_opened_before_sign_in_keeps_working(client):
    AccountFactory(email="tabs@example.com")
    token_before = client.csrf()
    client.post("/sign-in", {"email": "tabs@example.com", "password": TEST_PASSWORD})
    r = client.post("/sign-out", {"csrf_token": token_before})
    assert r.status_code == 303


def test_banned_builders_are_sent_to_the_suspension_page(login):
    profile = ProfileFactory(banned=True, ban_reason="Spamming invites")
    c = login(profile)
    r = c.get("/dashboard")
    assert r.status_code == 303 and r.headers["Location"] == "/banned"
    page = c.get("/banned").get_data(as_text=True)
    assert "Spamming invites" in page
    assert c.hx_get("/dashboard").headers["HX-Redirect"] == "/banned"
    assert c.post("/sign-out").status_code == 303


def test_change_password_page(login, db_session, app):
    account = AccountFactory(password="old password 1")
    profile = account_profile(db_session, account)
    c = login(profile)
    other = login(profile)
    r = c.post("/settings/account", {"current_password": "wrong", "new_password": "new password 2"})
    assert r.status_code == 422 and "Current password is incorrect" in r.get_data(as_text=True)
    r = c.post("/settings/account", {"current_password": "old password 1", "new_password": "new password 2"})
    assert r.status_code == 200 and "Password changed" in r.get_data(as_text=True)
    assert c.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 303


def account_profile(session, account):
    from buildstory.profiles.models import Profile
    return session.scalar(select(Profile).where(Profile.clerk_id == account.id))


def test_password_reset_by_emailed_link(client, app, db_session):
    """The request queues the mail job for any address (the job, tested on a real SMTP
    server in test_email.py, mails the link); the link works once."""
    account = AccountFactory(email="forgetful@example.com")
    for email in ("forgetful@example.com", "nobody@example.com"):
        r = client.post("/forgot-password", {"email": email})
        assert r.status_code == 200 and "If an account exists, we sent a link" in r.get_data(as_text=True)
    assert db_session.scalars(sa.text(
        "SELECT args->>'email' FROM procrastinate_jobs WHERE task_name = 'mail.password_reset'"
        " ORDER BY id")).all() == ["forgetful@example.com", "nobody@example.com"]
    link = "/reset-password/" + tokens.encode_reset(account, app.config["SECRET_KEY"],
                                                    now=utcnow())
    assert client.get(link).status_code == 200
    r = client.post(link, {"new_password": "short"})
    assert r.status_code == 422
    fresh = Client(app, db_session)
    r = fresh.post(link, {"new_password": "a brand new password"})
    assert r.status_code == 303
    again = fresh.get(link)
    assert again.status_code == 404 and "This reset link is invalid or has expired" in again.get_data(as_text=True)
    assert fresh.post("/sign-in", {"email": "forgetful@example.com", "password": "a brand new password"}).status_code == 303


def test_username_check_fragment_states(client, login):
    ProfileFactory(username="taken1")
    cases = {"freename": ("available", "Available ✓"), "Taken1": ("taken", "Taken ✗"),
             "admin": ("taken", "Taken ✗"), "a": ("invalid", "Invalid ✗")}
    for name, (status, words) in cases.items():
        r = client.hx_get(f"/username-check?username={name}")
        html = r.get_data(as_text=True)
        assert r.status_code == 200
        assert 'id="username-status"' in html and 'aria-live="polite"' in html
        assert f'data-status="{status}"' in html and words in html, name
    me = ProfileFactory(username="myname")
    html = login(me).hx_get("/username-check?username=MyName").get_data(as_text=True)
    assert 'data-status="current"' in html and "This is your current username" in html


def test_sign_in_failures_are_limited_per_email_not_per_venue(client, app, db_session):
    AccountFactory(email="target@example.com")
    for _ in range(10):
        assert client.post("/sign-in", {"email": "target@example.com", "password": "wrong password"}).status_code == 422
    r = client.post("/sign-in", {"email": "target@example.com", "password": "wrong password"})
    assert r.status_code == 429 and "Too many attempts. Try again later." in r.get_data(as_text=True)
    assert int(r.headers["Retry-After"]) > 0
    # Someone else at the same address is not locked out.
    neighbour = Client(app, db_session)
    assert neighbour.post("/sign-in", {"email": "other@example.com", "password": "wrong password"}).status_code == 422
