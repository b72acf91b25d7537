"""Accounts, sessions and just-in-time profiles (docs/rules.md "Accounts and sessions"). No flask imports."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..clock import utcnow  # noqa: F401  (re-exported: identity.services.utcnow)
from ..errors import Conflict, DomainError, NotFound, ValidationFailed
from ..profiles.models import Profile
from ..profiles.rules import USERNAME_TAKEN, is_reserved, normalise_username, username_format_error
from . import tokens
from .models import Account, DeletedIdentity, UserSession

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PASSWORD_MIN = 10
PASSWORD_SHORT = "Password must be at least 10 characters"
EMAIL_INVALID = "Enter a valid email address"
EMAIL_REQUIRED = "Enter your email address"
EMAIL_EXISTS = "An account with this email already exists"
RESET_INVALID = "This reset link is invalid or has expired"
EMAIL_LINK_INVALID = "This email link is invalid or has expired"
EMAIL_UNCHANGED = "This is already your email address"
PASSWORD_WRONG = "Current password is incorrect"


class InvalidCredentials(DomainError):
    """Bad email or password — the same answer whether or not the account exists."""

    status = 422
    message = "Invalid email or password"


class IdentityDeleted(DomainError):
    """An identity an admin deleted tries to come back."""

    status = 403
    message = "This account has been deleted"


def new_identity_id() -> str:
    """Return a fresh local identity id (``user_`` + 128 random bits)."""
    return "user_" + secrets.token_hex(16)


def normalise_email(raw: str | None) -> str:
    """Return the email trimmed and lower-cased."""
    return (raw or "").strip().lower()


def _password_error(password: str) -> str | None:
    if len(password or "") < PASSWORD_MIN:
        return PASSWORD_SHORT
    if len(password) > 1024:
        return "Password must be at most 1024 characters"
    return None


def _email_error(email: str) -> str | None:
    return None if len(email) <= 320 and EMAIL_RE.fullmatch(email) else EMAIL_INVALID


def sign_up(session, *, email: str, password: str, username: str, hasher: PasswordHasher,
            now: datetime) -> Profile:
    """Create an account and its profile; raise ValidationFailed with field messages."""
    email, username = normalise_email(email), normalise_username(username)
    errors = {}
    if err := username_format_error(username):
        errors["username"] = err
    elif is_reserved(username):
        errors["username"] = USERNAME_TAKEN
    if err := _email_error(email):
        errors["email"] = err
    if err := _password_error(password):
        errors["password"] = err
    if "username" not in errors and session.scalar(
            select(Profile.id).where(Profile.username == username)):
        errors["username"] = USERNAME_TAKEN
    if "email" not in errors and session.scalar(select(Account.id).where(Account.email == email)):
        errors["email"] = EMAIL_EXISTS
    if errors:
        raise ValidationFailed(errors)
    identity = new_identity_id()
    try:
        with session.begin_nested():
            session.add(Account(id=identity, email=email, password_hash=hasher.hash(password),
                                password_changed_at=now))
            profile = Profile(clerk_id=identity, username=username, display_name=username,
                              search_text=Profile.compute_search_text(username, username))
            session.add(profile)
            session.flush()
    except IntegrityError as exc:
        name = getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or ""
        raise ValidationFailed({"email": EMAIL_EXISTS} if "email" in name
                               else {"username": USERNAME_TAKEN}) from None
    send_verification(session, session.get(Account, identity))
    return profile


_DUMMY_HASH: dict[int, str] = {}


def authenticate(session, *, email: str, password: str, hasher: PasswordHasher) -> Account:
    """Return the account for these credentials or raise InvalidCredentials.

    When no account exists a dummy hash is still verified, so both paths cost the same.
    """
    account = session.scalar(select(Account).where(Account.email == normalise_email(email)))
    stored = account.password_hash if account else _dummy_hash(hasher)
    try:
        hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if account is None:
        raise InvalidCredentials()
    return account


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = id(hasher)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMY_HASH[key]


def create_session(session, identity_id: str, *, user_agent: str | None, now: datetime,
                   lifetime_days: int = 30, lifetime: timedelta | None = None) -> UserSession:
    """Return a new ``sessions`` row for the identity, valid ``lifetime`` (else
    ``lifetime_days``)."""
    row = UserSession(id=secrets.token_urlsafe(32), identity_id=identity_id, created_at=now,
                      last_seen_at=now,
                      expires_at=now + (lifetime or timedelta(days=lifetime_days)),
                      user_agent=(user_agent or "")[:200] or None)
    session.add(row)
    session.flush()
    return row


@cache
def live_session_statement():
    """The session lookup of every signed-in request, built once (values are bound per
    call: rebuilding the statement cost more than running it)."""
    return (select(UserSession, Profile)
            .outerjoin(Profile, Profile.clerk_id == UserSession.identity_id)
            .where(UserSession.id == bindparam("sid"), UserSession.revoked_at.is_(None),
                   UserSession.expires_at > bindparam("now")))


def load_session(session, sid: str, *, now: datetime):
    """Return ``(UserSession, Profile | None)`` for a live session id, or None."""
    row = session.execute(live_session_statement(), {"sid": sid, "now": now}).first()
    return (row[0], row[1]) if row else None


def revoke_session(session, sid: str, *, now: datetime) -> None:
    """Revoke one session (sign-out)."""
    session.execute(update(UserSession).where(UserSession.id == sid,
                                              UserSession.revoked_at.is_(None))
                    .values(revoked_at=now))


def revoke_other_sessions(session, identity_id: str, *, keep: str | None, now: datetime) -> int:
    """Revoke every live session of the identity except ``keep``; return how many."""
    stmt = (update(UserSession)
            .where(UserSession.identity_id == identity_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now))
    if keep:
        stmt = stmt.where(UserSession.id != keep)
    return session.execute(stmt).rowcount


def change_password(session, account: Account, *, current: str, new: str,
                    hasher: PasswordHasher, now: datetime, keep_sid: str | None) -> None:
    """Set a new password after checking the current one; end the other sessions."""
    try:
        hasher.verify(account.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise ValidationFailed({"current_password": PASSWORD_WRONG}) from None
    if err := _password_error(new):
        raise ValidationFailed({"new_password": err})
    _set_password(session, account, new, hasher=hasher, now=now, keep_sid=keep_sid)


def _set_password(session, account, new, *, hasher, now, keep_sid):
    account.password_hash = hasher.hash(new)
    account.password_changed_at = now
    revoke_other_sessions(session, account.id, keep=keep_sid, now=now)
    session.flush()


def request_reset(session, email: str) -> None:
    """Queue the ``mail.password_reset`` job for this address, account or not: the job
    looks the account up and mints the link, so the request does the same work, and
    answers the same, whether or not the address has an account. One job per address
    waits at a time (queueing lock).

    Raises ValidationFailed for an empty or malformed address: no link can go there, so
    the page must not say one was sent.
    """
    email = normalise_email(email)
    if not email:
        raise ValidationFailed({"email": EMAIL_REQUIRED})
    if err := _email_error(email):
        raise ValidationFailed({"email": err})
    jobs.defer(session, "mail.password_reset", queueing_lock=f"password_reset:{email}",
               email=email)


def account_for_reset(session, token: str, *, secret: str, now: datetime) -> Account:
    """Return the account a live, unused reset token belongs to, or raise NotFound."""
    claims = tokens.decode_reset(token, secret, now=now)
    account = session.get(Account, claims["sub"]) if claims else None
    if account is None or not tokens.reset_matches(account, claims):
        raise NotFound(RESET_INVALID)
    return account


def reset_password(session, token: str, new: str, *, secret: str, hasher: PasswordHasher,
                   now: datetime) -> Account:
    """Set a new password from a reset link (single use) and end every session."""
    account = account_for_reset(session, token, secret=secret, now=now)
    if err := _password_error(new):
        raise ValidationFailed({"new_password": err})
    _set_password(session, account, new, hasher=hasher, now=now, keep_sid=None)
    account.email_verified_at = now  # the link reached the address: it is verified
    session.flush()
    return account


# --- The account's email address ------------------------------------------------------------

def send_verification(session, account: Account) -> None:
    """Queue a verification link to the account's (unverified) address."""
    jobs.defer(session, "mail.account_email", queueing_lock=f"verify_email:{account.id}",
               kind="verify_email", account_id=account.id, to_address=account.email)


def request_email_change(session, account: Account, *, new_email: str, password: str,
                         hasher: PasswordHasher) -> str:
    """Check the new address and the password, then queue a confirmation link to the new
    address; nothing changes until it is followed. Returns the new address."""
    new_email = normalise_email(new_email)
    errors = {}
    if err := _email_error(new_email):
        errors["new_email"] = err
    elif new_email == account.email.lower():
        errors["new_email"] = EMAIL_UNCHANGED
    try:
        hasher.verify(account.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        errors["email_password"] = PASSWORD_WRONG
    if errors:
        raise ValidationFailed(errors)
    jobs.defer(session, "mail.account_email", kind="confirm_email", account_id=account.id,
               to_address=new_email)
    return new_email


def account_for_email_link(session, token: str, *, secret: str, now: datetime
                           ) -> tuple[Account, str]:
    """(account, the address the link confirms) for a live, unused link, or NotFound."""
    claims = tokens.decode_email_link(token, secret, now=now)
    account = session.get(Account, claims["sub"]) if claims else None
    if account is None or not tokens.email_link_matches(account, claims):
        raise NotFound(EMAIL_LINK_INVALID)
    return account, claims.get("new") or account.email


def confirm_email(session, token: str, *, secret: str, now: datetime) -> tuple[Account, str | None]:
    """Follow an email link: the address is verified and, for a change, becomes the
    account's (the old one gets a notice). Returns (account, the old address if changed).
    Raises NotFound for a bad, used or expired link, Conflict when the new address was
    taken meanwhile."""
    account, address = account_for_email_link(session, token, secret=secret, now=now)
    old = None
    if address.lower() != account.email.lower():
        if session.scalar(select(Account.id).where(Account.email == address)):
            raise Conflict(EMAIL_EXISTS)
        old, account.email = account.email, address
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            raise Conflict(EMAIL_EXISTS) from None
        jobs.defer(session, "mail.account_email", kind="email_changed", account_id=account.id,
                   to_address=old)
    account.email_verified_at = now
    session.flush()
    return account, old


def is_deleted_identity(session, identity_id: str) -> bool:
    """True when an admin deleted this identity (it is never recreated)."""
    return session.get(DeletedIdentity, identity_id) is not None


def ensure_profile(session, identity_id: str, *, display_name: str | None = None,
                   clerk_image_url: str | None = None, from_clerk: bool = False) -> Profile:
    """Return the identity's profile, creating it just in time (race-safe).

    Concurrent first requests run the same ``INSERT … ON CONFLICT DO NOTHING`` so exactly
    one row is created; a deleted identity raises IdentityDeleted instead. With
    ``from_clerk`` (a session minted from a Clerk token) the token's image URL is kept on
    the profile, shown when no avatar was uploaded.
    """
    if is_deleted_identity(session, identity_id):
        raise IdentityDeleted()
    name = (display_name or "").strip()[:100] or "Builder"
    session.execute(insert(Profile).values(
        clerk_id=identity_id, display_name=name, clerk_image_url=clerk_image_url,
        search_text=Profile.compute_search_text(None, name),
    ).on_conflict_do_nothing(index_elements=[Profile.clerk_id]))
    profile = session.scalar(select(Profile).where(Profile.clerk_id == identity_id))
    if from_clerk and profile.clerk_image_url != clerk_image_url:
        profile.clerk_image_url = clerk_image_url
        session.flush()
    return profile
