"""Clerk mode: a verified __session token mints our own session; deleted identities are refused."""
import time

import pytest
from sqlalchemy import select

from buildstory import create_app
from buildstory.identity.models import DeletedIdentity
from buildstory.profiles.models import Profile
from tests.conftest import Client
from tests.helpers import clerk_keys
import jwt

PRIVATE, PUBLIC = clerk_keys()


@pytest.fixture
def clerk_app(app, cluster):
    clerk = create_app({
        "TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": cluster.url("buildstory_test"),
        "AUTH_PROVIDER": "clerk", "CLERK_JWT_KEY": PUBLIC,
        "CLERK_AUTHORIZED_PARTIES": ["http://localhost"],
        "CLERK_SIGN_IN_URL": "https://accounts.example.com/sign-in",
        "CLERK_SIGN_UP_URL": "https://accounts.example.com/sign-up",
        "CLERK_FRONTEND_ORIGIN": "https://clerk.example.com",
    })
    return clerk


def clerk_token(sub="user_clerk_web", **extra):
    now = int(time.time())
    return jwt.encode({"sub": sub, "azp": "http://localhost", "nbf": now - 5, "iat": now - 5,
                       "exp": now + 60, "name": "Clerk Person", **extra}, PRIVATE, algorithm="RS256")


def test_a_valid_clerk_token_mints_a_session_and_a_profile(clerk_app, db_session):
    c = Client(clerk_app, db_session)
    c.raw.set_cookie("__session", clerk_token())
    r = c.get("/dashboard")
    assert r.status_code == 200 and "Clerk Person" in r.get_data(as_text=True)
    assert "bs_session=" in r.headers.get("Set-Cookie", "")
    profile = db_session.scalar(select(Profile).where(Profile.clerk_id == "user_clerk_web"))
    assert profile.display_name == "Clerk Person" and profile.username is None
    # Our own session keeps working without the Clerk cookie.
    c.raw.delete_cookie("__session")
    assert c.get("/dashboard").status_code == 200


def test_bearer_tokens_work_too_and_bad_tokens_do_not(clerk_app, db_session):
    c = Client(clerk_app, db_session)
    assert c.get("/dashboard", headers={"Authorization": "Bearer " + clerk_token()}).status_code == 200
    c2 = Client(clerk_app, db_session)
    c2.raw.set_cookie("__session", clerk_token(azp="https://evil.example"))
    assert c2.get("/dashboard").status_code == 303


def test_a_deleted_identity_gets_no_session(clerk_app, db_session):
    db_session.add(DeletedIdentity(identity_id="user_deleted_clerk"))
    c = Client(clerk_app, db_session)
    c.raw.set_cookie("__session", clerk_token(sub="user_deleted_clerk"))
    r = c.get("/dashboard")
    assert r.status_code == 403 and "This account has been deleted" in r.get_data(as_text=True)


def test_password_routes_are_gone_and_sign_in_goes_to_clerk(clerk_app, db_session):
    c = Client(clerk_app, db_session)
    r = c.get("/sign-in")
    assert r.status_code == 303 and r.headers["Location"] == "https://accounts.example.com/sign-in"
    assert c.get("/sign-up").headers["Location"] == "https://accounts.example.com/sign-up"
    for path in ("/forgot-password", "/reset-password/x"):
        assert c.get(path).status_code == 404
    assert "https://clerk.example.com" in c.get("/").headers["Content-Security-Policy"]
