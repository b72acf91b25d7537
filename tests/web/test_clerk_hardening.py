"""Clerk mode in production: allowed origins and issuer required, issuer checked, and an
app session minted from a Clerk token lasts CLERK_SESSION_HOURS, not 30 days."""
import time
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select

from buildstory import create_app
from buildstory.config import ConfigError, load_config
from buildstory.identity.models import UserSession
from buildstory.identity.services import utcnow
from tests.conftest import Client
from tests.helpers import clerk_keys

PRIVATE, PUBLIC = clerk_keys()
ISSUER = "https://clerk.buildstory.example"
CLERK_ENV = {"AUTH_PROVIDER": "clerk", "CLERK_JWT_KEY": "k", "SECRET_KEY": "s",
             "DATABASE_URL": "postgresql://x/y", "CLERK_AUTHORIZED_PARTIES": "https://a.example",
             "CLERK_ISSUER": ISSUER}


def test_clerk_mode_refuses_to_start_without_parties_or_issuer(tmp_path):
    assert load_config(str(tmp_path), env=CLERK_ENV)["CLERK_ISSUER"] == ISSUER
    with pytest.raises(ConfigError, match="CLERK_AUTHORIZED_PARTIES must be set"):
        load_config(str(tmp_path), env={**CLERK_ENV, "CLERK_AUTHORIZED_PARTIES": " "})
    with pytest.raises(ConfigError, match="CLERK_ISSUER must be set"):
        load_config(str(tmp_path), env={**CLERK_ENV, "CLERK_ISSUER": ""})


@pytest.fixture
def clerk_app(app, cluster):
    return create_app({
        "TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": cluster.url("buildstory_test"),
        "AUTH_PROVIDER": "clerk", "CLERK_JWT_KEY": PUBLIC,
        "CLERK_AUTHORIZED_PARTIES": ["http://localhost"], "CLERK_ISSUER": ISSUER,
    })


def clerk_token(sub="user_clerk_hardened", **extra):
    now = int(time.time())
    claims = {"sub": sub, "azp": "http://localhost", "iss": ISSUER, "nbf": now - 5,
              "iat": now - 5, "exp": now + 60, "name": "Clerk Person", **extra}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, PRIVATE,
                      algorithm="RS256")


@pytest.mark.parametrize("iss", ["https://clerk.evil.example", None])
def test_a_token_from_another_issuer_gets_no_session(clerk_app, db_session, iss):
    c = Client(clerk_app, db_session)
    c.raw.set_cookie("__session", clerk_token(iss=iss))
    r = c.get("/dashboard")
    assert r.status_code == 303 and r.headers["Location"].startswith("/sign-in")
    assert db_session.scalar(select(UserSession)) is None


def test_a_clerk_minted_session_lasts_clerk_session_hours(clerk_app, db_session):
    c = Client(clerk_app, db_session)
    c.raw.set_cookie("__session", clerk_token())
    before = utcnow()
    r = c.get("/dashboard")
    assert r.status_code == 200
    assert "Max-Age=43200" in r.headers["Set-Cookie"]
    row = db_session.scalar(select(UserSession).where(
        UserSession.identity_id == "user_clerk_hardened"))
    assert timedelta(hours=11, minutes=59) < row.expires_at - before <= timedelta(hours=12,
                                                                                  minutes=1)
