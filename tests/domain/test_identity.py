"""Accounts, passwords, sessions, reset links and just-in-time profiles (docs/rules.md "Accounts and sessions")."""
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from buildstory.errors import NotFound, ValidationFailed
from buildstory.identity import services, tokens
from buildstory.identity.models import Account, DeletedIdentity, UserSession
from buildstory.profiles.models import Profile
from tests.factories import AccountFactory, ProfileFactory

HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def sign_up(session, **kw):
    values = {"email": "ada@example.com", "password": "long enough pw", "username": "ada"}
    values.update(kw)
    return services.sign_up(session, hasher=HASHER, now=services.utcnow(), **values)


def test_sign_up_creates_account_and_profile_with_lowercased_fields(db_session):
    profile = sign_up(db_session, email="  Ada@Example.COM ", username="  Ada_Builds ")
    account = db_session.get(Account, profile.clerk_id)
    assert account.email == "ada@example.com"
    assert profile.username == "ada_builds" and profile.display_name == "ada_builds"
    assert account.password_hash.startswith("$argon2")
    assert profile.clerk_id.startswith("user_")


@pytest.mark.parametrize("field,kw,message", [
    ("password", {"password": "short"}, "Password must be at least 10 characters"),
    ("email", {"email": "not-an-email"}, "Enter a valid email address"),
    ("email", {"email": "a@b"}, "Enter a valid email address"),
    ("username", {"username": "a"}, "Username must be 3-30 characters, start and end with a letter or number, and contain only lowercase letters, numbers, hyphens, and underscores"),
    ("username", {"username": "-ada"}, "Username must be 3-30 characters, start and end with a letter or number, and contain only lowercase letters, numbers, hyphens, and underscores"),
    ("username", {"username": "admin"}, "Username is already taken"),
])
def test_sign_up_field_errors(db_session, field, kw, message):
    with pytest.raises(ValidationFailed) as exc:
        sign_up(db_session, **kw)
    assert exc.value.errors[field] == message


def test_sign_up_with_a_registered_email_says_so_case_insensitively(db_session):
    sign_up(db_session)
    with pytest.raises(ValidationFailed) as exc:
        sign_up(db_session, email="ADA@example.com", username="other")
    assert exc.value.errors == {"email": "An account with this email already exists"}


def test_sign_up_with_a_taken_username(db_session):
    ProfileFactory(username="grace")
    with pytest.raises(ValidationFailed) as exc:
        sign_up(db_session, username="Grace")
    assert exc.value.errors == {"username": "Username is already taken"}


def test_authenticate_same_answer_for_wrong_password_and_unknown_email(db_session):
    sign_up(db_session)
    assert services.authenticate(db_session, email="ADA@example.com", password="long enough pw",
                                 hasher=HASHER).email == "ada@example.com"
    messages = set()
    for email, pw in [("ada@example.com", "wrong password"), ("nobody@example.com", "whatever12")]:
        with pytest.raises(services.InvalidCredentials) as exc:
            services.authenticate(db_session, email=email, password=pw, hasher=HASHER)
        messages.add(exc.value.message)
    assert messages == {"Invalid email or password"}


def test_sessions_live_revoked_and_expired(db_session):
    profile = ProfileFactory()
    now = services.utcnow()
    live = services.create_session(db_session, profile.clerk_id, user_agent="ua", now=now, lifetime_days=30)
    assert services.load_session(db_session, live.id, now=now)[1] == profile
    assert services.load_session(db_session, live.id, now=now + timedelta(days=31)) is None
    services.revoke_session(db_session, live.id, now=now)
    assert services.load_session(db_session, live.id, now=now) is None


def test_change_password_needs_current_and_ends_other_sessions(db_session):
    account = AccountFactory(password="old password 1")
    now = services.utcnow()
    keep = services.create_session(db_session, account.id, user_agent=None, now=now, lifetime_days=30)
    other = services.create_session(db_session, account.id, user_agent=None, now=now, lifetime_days=30)
    with pytest.raises(ValidationFailed) as exc:
        services.change_password(db_session, account, current="nope", new="new password 2",
                                 hasher=HASHER, now=now, keep_sid=keep.id)
    assert exc.value.errors == {"current_password": "Current password is incorrect"}
    with pytest.raises(ValidationFailed) as exc:
        services.change_password(db_session, account, current="old password 1", new="short",
                                 hasher=HASHER, now=now, keep_sid=keep.id)
    assert exc.value.errors == {"new_password": "Password must be at least 10 characters"}
    services.change_password(db_session, account, current="old password 1", new="new password 2",
                             hasher=HASHER, now=now, keep_sid=keep.id)
    assert services.load_session(db_session, keep.id, now=now) is not None
    assert services.load_session(db_session, other.id, now=now) is None
    services.authenticate(db_session, email=account.email, password="new password 2", hasher=HASHER)


def test_reset_link_is_single_use_expires_and_ends_every_session(db_session):
    account = AccountFactory()
    now = services.utcnow()
    sess = services.create_session(db_session, account.id, user_agent=None, now=now, lifetime_days=30)
    token = tokens.encode_reset(account, SECRET, now=now)  # what the mail job mints
    later = now + timedelta(seconds=5)
    services.reset_password(db_session, token, "brand new password", secret=SECRET, hasher=HASHER, now=later)
    assert services.load_session(db_session, sess.id, now=later) is None
    with pytest.raises(NotFound) as exc:
        services.reset_password(db_session, token, "another password", secret=SECRET, hasher=HASHER, now=later)
    assert exc.value.message == "This reset link is invalid or has expired"
    db_session.refresh(account)
    assert account.email_verified_at == later  # the link reached the address
    token2 = tokens.encode_reset(account, SECRET, now=later)
    with pytest.raises(NotFound):
        services.account_for_reset(db_session, token2, secret=SECRET, now=later + timedelta(minutes=61))
    with pytest.raises(NotFound):
        services.account_for_reset(db_session, token2, secret="another-test-secret-long-enough-for-hs256", now=later)
    with pytest.raises(NotFound):
        services.account_for_reset(db_session, "garbage", secret=SECRET, now=later)


def test_ensure_profile_creates_once_and_never_for_deleted_identities(db_session):
    p1 = services.ensure_profile(db_session, "user_new1")
    p2 = services.ensure_profile(db_session, "user_new1", display_name="Other")
    assert p1.id == p2.id and p1.display_name == "Builder" and p1.username is None
    assert services.ensure_profile(db_session, "user_new2", display_name="  Ada L  ").display_name == "Ada L"
    db_session.add(DeletedIdentity(identity_id="user_gone"))
    db_session.flush()
    with pytest.raises(services.IdentityDeleted) as exc:
        services.ensure_profile(db_session, "user_gone")
    assert exc.value.message == "This account has been deleted" and exc.value.status == 403
    assert db_session.scalar(select(func.count()).select_from(Profile).where(Profile.clerk_id == "user_gone")) == 0
