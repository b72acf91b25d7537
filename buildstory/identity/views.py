"""Sign-up, sign-in, sign-out, password change and reset, the account's email address
(local provider)."""
from __future__ import annotations

from argon2 import PasswordHasher
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from limits import parse

from ..db import db
from ..errors import ValidationFailed
from ..web import htmx
from ..web.auth import login_required
from ..web.limits import browser_key, email_key, failed, limiter, rate
from ..web.refusals import refusal
from ..web.safe_next import safe_next
from . import forms, services, tokens
from .models import Account

bp = Blueprint("identity", __name__)
RESET_SENT = "If an account exists, we sent a link"


def hasher() -> PasswordHasher:
    """Return the app's Argon2 hasher (cheap parameters only in tests)."""
    ext = current_app.extensions
    if "argon2" not in ext:
        ext["argon2"] = PasswordHasher(**current_app.config["ARGON2_PARAMS"])
    return ext["argon2"]


@bp.before_request
def _local_only():
    if current_app.config["AUTH_PROVIDER"] == "clerk":
        urls = {"identity.sign_in": "CLERK_SIGN_IN_URL", "identity.sign_up": "CLERK_SIGN_UP_URL"}
        key = urls.get(request.endpoint)
        if key and current_app.config[key]:
            return redirect(current_app.config[key], 303)
        if request.endpoint != "identity.sign_out":
            abort(404)
    return None


def _start_session(profile_or_identity: str, next_url: str):
    sess = services.create_session(db.session, profile_or_identity,
                                   user_agent=request.user_agent.string, now=services.utcnow(),
                                   lifetime_days=current_app.config["SESSION_LIFETIME_DAYS"])
    db.session.commit()
    response = htmx.redirect(next_url)
    cfg = current_app.config
    response.set_cookie(cfg["SESSION_COOKIE_NAME"], tokens.encode_session(sess), httponly=True,
                        samesite="Lax", secure=cfg["SESSION_COOKIE_SECURE"],
                        max_age=cfg["SESSION_LIFETIME_DAYS"] * 86400)
    return response


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(rate("RATE_SIGNUP_BROWSER"), key_func=browser_key, methods=["POST"])
@limiter.limit(rate("RATE_SIGNUP_ADDRESS"), methods=["POST"])
def sign_up():
    """Create an account; land on the local ``next`` (an invite or event link), else on
    onboarding's first question: join the featured event, or only set up the profile."""
    next_url = safe_next(request.values.get("next"), url_for("events.onboarding", step="start"))
    if request.method == "GET":
        return render_template("identity/sign_up.html", values={}, errors={}, next=next_url,
                               given_next=safe_next(request.values.get("next"), ""))
    values = forms.sign_up(request.form)
    with refusal(ValidationFailed) as refused:
        profile = services.sign_up(db.session, hasher=hasher(), now=services.utcnow(), **values)
    if refused:
        return htmx.page("identity/sign_up.html", {"sign-up-form": "form"}, refused.status,
                         values=values, errors=refused.errors, next=next_url,
                         given_next=safe_next(request.values.get("next"), ""))
    return _start_session(profile.clerk_id, next_url)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(rate("RATE_SIGNIN_EMAIL"), key_func=email_key, methods=["POST"], deduct_when=failed)
@limiter.limit(rate("RATE_SIGNIN_ADDRESS"), methods=["POST"], deduct_when=failed)
def sign_in():
    """Sign in with email and password; land on the local ``next`` or the dashboard."""
    next_url = safe_next(request.values.get("next"), url_for("pages.dashboard"))
    if request.method == "GET":
        return render_template("identity/sign_in.html", values={}, error=None, next=next_url,
                               given_next=safe_next(request.values.get("next"), ""))
    values = forms.credentials(request.form)
    try:
        account = services.authenticate(db.session, hasher=hasher(), **values)
    except services.InvalidCredentials as exc:
        return htmx.page("identity/sign_in.html", {"sign-in-form": "form"}, 422,
                         values={"email": values["email"]}, error=exc.message, next=next_url,
                         given_next=safe_next(request.values.get("next"), ""))
    return _start_session(account.id, next_url)


@bp.post("/sign-out")
def sign_out():
    """Revoke this session and forget the cookie."""
    if g.user_session is not None:
        services.revoke_session(db.session, g.user_session.id, now=services.utcnow())
        db.session.commit()
    response = htmx.redirect(url_for("pages.home"))
    cfg = current_app.config
    response.delete_cookie(cfg["SESSION_COOKIE_NAME"], secure=cfg["SESSION_COOKIE_SECURE"],
                           samesite="Lax")
    response.delete_cookie("__session")
    return response


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(rate("RATE_RESET_EMAIL"), key_func=email_key, methods=["POST"])
@limiter.limit(rate("RATE_RESET_ADDRESS"), methods=["POST"])
def forgot_password():
    """Email a reset link when the account exists; always answer the same."""
    if request.method == "GET":
        return render_template("identity/forgot_password.html", sent=False, values={}, errors={})
    email = (request.form.get("email") or "").strip()[:400]
    try:
        services.request_reset(db.session, email)
    except ValidationFailed as exc:
        db.session.rollback()
        return render_template("identity/forgot_password.html", sent=False,
                               values={"email": email}, errors=exc.errors), 422
    db.session.commit()  # the job: it looks the account up and mails the link
    return render_template("identity/forgot_password.html", sent=True, message=RESET_SENT)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Set a new password from a single-use link; every session ends."""
    cfg, now = current_app.config, services.utcnow()
    if request.method == "GET":
        services.account_for_reset(db.session, token, secret=cfg["SECRET_KEY"], now=now)
        return render_template("identity/reset_password.html", token=token, errors={})
    try:
        account = services.reset_password(db.session, token, request.form.get("new_password", ""),
                                          secret=cfg["SECRET_KEY"], hasher=hasher(), now=now)
    except ValidationFailed as exc:
        return render_template("identity/reset_password.html", token=token,
                               errors=exc.errors), 422
    db.session.commit()
    _unlock_sign_in(account.email)
    return _start_session(account.id, url_for("pages.dashboard"))


def _unlock_sign_in(email: str) -> None:
    """A password reset proves the owner holds the mailbox: clear the per-email sign-in
    lock, so someone hammering a known email cannot keep its owner out (the reset link
    signs them in, and signing in elsewhere works again at once)."""
    try:
        item = parse(current_app.config["RATE_SIGNIN_EMAIL"])
        limiter.limiter.clear(item, "email:" + email.strip().lower()[:320], "identity.sign_in")
    except Exception:  # a shared store that is away: the lock then simply runs out
        current_app.logger.warning("could not clear the sign-in lock", exc_info=True)


ACCOUNT_BLOCKS = {"password-form": "form", "email-form": "email_form",
                  "verify-form": "verify_form"}


@bp.route("/settings/account", methods=["GET", "POST"])
@login_required
def account():
    """Change the password (current one required; other sessions end) or the email
    address (a confirmation link goes to the new one), or resend the verification link."""
    acct = db.session.get(Account, g.profile.clerk_id)
    if acct is None:
        abort(404)
    if request.method == "GET":
        return render_template("identity/account.html", account=acct, errors={}, saved=False,
                               values={}, email_notice=None, verify_notice=None)
    form = request.form.get("form")
    if form == "email":
        return _change_email(acct)
    if form == "verify":
        return _send_verification(acct)
    with refusal(ValidationFailed) as refused:
        services.change_password(db.session, acct, current=request.form.get("current_password", ""),
                                 new=request.form.get("new_password", ""), hasher=hasher(),
                                 now=services.utcnow(), keep_sid=g.user_session.id)
    if refused:
        return htmx.page("identity/account.html", ACCOUNT_BLOCKS, refused.status,
                         account=acct, errors=refused.errors, saved=False, values={},
                         email_notice=None, verify_notice=None)
    db.session.commit()
    return htmx.page("identity/account.html", ACCOUNT_BLOCKS,
                     account=acct, errors={}, saved=True, values={}, email_notice=None,
                     verify_notice=None)


def _change_email(acct):
    values = {"new_email": (request.form.get("new_email") or "").strip()[:400]}
    with refusal(ValidationFailed) as refused:
        new = services.request_email_change(db.session, acct, new_email=values["new_email"],
                                            password=request.form.get("email_password", ""),
                                            hasher=hasher())
    if refused:
        return htmx.page("identity/account.html", ACCOUNT_BLOCKS, refused.status, account=acct,
                         errors=refused.errors, saved=False, values=values, email_notice=None,
                         verify_notice=None)
    db.session.commit()
    return htmx.page("identity/account.html", ACCOUNT_BLOCKS, account=acct, errors={},
                     saved=False, values={}, verify_notice=None,
                     email_notice=f"We sent a confirmation link to {new}. Your email address "
                                  "changes when you follow it.")


def _send_verification(acct):
    if acct.email_verified_at is None:
        services.send_verification(db.session, acct)
        db.session.commit()
    return htmx.page("identity/account.html", ACCOUNT_BLOCKS, account=acct, errors={},
                     saved=False, values={}, email_notice=None,
                     verify_notice=None if acct.email_verified_at else
                     f"We sent a verification link to {acct.email}.")


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
def verify_email(token):
    """A link from an email: GET names the address, POST (**Confirm email**) verifies it
    and, for a change, makes it the account's address."""
    cfg, now = current_app.config, services.utcnow()
    account, address = services.account_for_email_link(db.session, token,
                                                       secret=cfg["SECRET_KEY"], now=now)
    if request.method == "GET":
        return render_template("identity/verify_email.html", token=token, address=address,
                               done=False)
    services.confirm_email(db.session, token, secret=cfg["SECRET_KEY"], now=now)
    db.session.commit()
    return render_template("identity/verify_email.html", token=token, address=address,
                           done=True)
