"""Profile pages and fragments: the username check, settings, the region picker, avatars."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, g, redirect, request,
                   url_for)

from .. import storage
from ..db import db
from ..enums import EXPERIENCE_LEVEL_HINTS, EXPERIENCE_LEVEL_LABELS
from ..errors import ValidationFailed
from ..clock import utcnow
from ..web import htmx
from ..web.auth import CHOOSE_USERNAME, login_required
from ..web.errors import error_response
from ..web.limits import account_key, browser_key, limiter, rate
from ..web.refusals import refusal
from ..web.safe_next import safe_next
from . import avatars, countries, forms, queries, services

bp = Blueprint("profiles", __name__)
# The avatar markup every page shows (the header, cards, lists).
for _helper in (avatars.avatar_url, avatars.initials, avatars.avatar_markup):
    bp.add_app_template_global(_helper)

SETTINGS = "profiles/settings.html"
SETTINGS_BLOCKS = {"settings-form": "form", "avatar-panel": "avatar_panel",
                   "region-field": "region_field"}
AVATAR_NOTES = {"saved": "Avatar updated", "removed": "Avatar removed"}
IMMUTABLE = "public, max-age=31536000, immutable"


@bp.get("/username-check")
@limiter.limit(rate("RATE_USERNAME_BROWSER"), key_func=browser_key)
@limiter.limit(rate("RATE_USERNAME_ADDRESS"))
def username_check():
    """Fragment: the availability of ``?username=`` (works without an account)."""
    status, name, message = queries.username_status(db.session, request.args.get("username"),
                                                     g.profile)
    response = htmx.fragments(("_checks.html", "username_status",
                               {"status": status, "message": message}))
    response.headers["Cache-Control"] = "no-store"
    return response


def _settings_page(values, errors, status=200, **extra):
    """Render the settings page (or, for htmx, the block HX-Target names)."""
    context = {"profile": g.profile, "values": values, "errors": errors,
               "countries": countries.all_countries(),
               "regions": countries.regions(values.get("country")),
               "experience_levels": EXPERIENCE_LEVEL_LABELS,
               "experience_hints": EXPERIENCE_LEVEL_HINTS,
               "saved": False, "avatar_error": None, "avatar_note": None,
               "avatar_confirm_error": None,
               # Sent here to choose a username first: say why, and go back after saving.
               "next_url": safe_next(request.values.get("next"), "") or None,
               "choose_username_message": CHOOSE_USERNAME,
               "choose_username": not g.profile.username and (
                   request.values.get("choose") == "username")}
    context.update(extra)
    return htmx.page(SETTINGS, SETTINGS_BLOCKS, status, **context)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """The builder's own profile form; 422 keeps the input, success shows "Profile saved"."""
    if request.method == "GET":
        return _settings_page(forms.profile_values(g.profile), {},
                              saved=request.args.get("saved") == "1",
                              avatar_note=AVATAR_NOTES.get(request.args.get("avatar", "")))
    values = forms.settings_values(request.form)
    with refusal(ValidationFailed) as refused:
        services.update_profile(db.session, g.profile, values, now=utcnow())
    if refused:
        return _settings_page(values, refused.errors, refused.status)
    db.session.commit()
    back = safe_next(request.form.get("next"), "")
    if back:
        return htmx.redirect(back)
    if htmx.is_htmx():
        return _settings_page(forms.profile_values(g.profile), {}, saved=True)
    return redirect(url_for("profiles.settings", saved=1), 303)


@bp.get("/settings/regions")
@login_required
def regions():
    """Fragment: the region picker for ``?country=`` (swapped in when the country changes)."""
    code = (request.args.get("country") or "").strip().upper()
    return htmx.fragments((SETTINGS, "region_field", {
        "values": {"country": code, "region": ""}, "errors": {},
        "regions": countries.regions(code)}))


@bp.url_value_preprocessor
def _upload_body_limit(endpoint, view_args):
    # Runs before every before_request hook (the CSRF check reads the form), so the
    # avatar upload alone may send more than the 1 MB form cap.
    if endpoint == "profiles.upload_avatar":
        request.max_content_length = current_app.config["UPLOAD_BODY_LIMIT"]


@bp.errorhandler(413)
def _too_large(exc):
    if request.endpoint == "profiles.upload_avatar":
        return error_response(413, services.AVATAR_TOO_LARGE)
    return error_response(413)


def _avatar_done(note: str):
    if htmx.is_htmx():
        return _settings_page(forms.profile_values(g.profile), {}, avatar_note=AVATAR_NOTES[note])
    return redirect(url_for("profiles.settings", avatar=note), 303)


@bp.post("/settings/avatar")
@login_required
@limiter.limit(rate("RATE_AVATAR_ACCOUNT"), key_func=account_key)
def upload_avatar():
    """Store an uploaded avatar (≤ 5 MB; 413 beyond, 422 for anything not an image)."""
    upload = request.files.get("avatar")
    data = upload.stream.read(services.AVATAR_MAX_BYTES + 1) if upload else b""
    with refusal(services.ImageTooLarge, ValidationFailed) as refused:
        services.set_avatar(db.session, g.profile, data, now=utcnow())
    if refused.invalid:
        return _settings_page(forms.profile_values(g.profile), {}, refused.status,
                              avatar_error=refused.errors["avatar"])
    if refused:  # too large: htmx answers other than 422 go to the message area
        if htmx.is_htmx():
            return error_response(refused.status, refused.message)
        return _settings_page(forms.profile_values(g.profile), {}, refused.status,
                              avatar_error=refused.message)
    db.session.commit()
    return _avatar_done("saved")


@bp.post("/settings/avatar/delete")
@login_required
def delete_avatar():
    """Remove the uploaded avatar (after the confirmation); the initials show again."""
    if not htmx.confirmed():
        return _settings_page(forms.profile_values(g.profile), {}, 422,
                              avatar_confirm_error=htmx.CONFIRM_REQUIRED)
    services.remove_avatar(db.session, g.profile, now=utcnow())
    db.session.commit()
    return _avatar_done("removed")


@bp.get("/avatars/<uuid:profile_id>/<digest>")
def avatar(profile_id, digest):
    """The stored avatar image at its versioned URL; 404 for unknown or stale hashes.

    A hidden or banned builder's image is only served to them and to moderators.
    """
    found = queries.avatar_image(db.session, profile_id, digest)
    if found is None:
        abort(404)
    inline, key, content_type, is_visible = found
    if not is_visible:
        me = g.profile
        if not (me is not None and (me.id == profile_id or g.role in ("moderator", "admin"))):
            abort(404)
    data = storage.read(db.session, key=key, inline=inline)
    if data is None:
        abort(404)
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = IMMUTABLE if is_visible else "private, max-age=3600"
    response.set_etag(digest)
    return response
