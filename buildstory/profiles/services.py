"""Profile writes: the settings form and avatars (docs/rules.md "Profiles"). No flask imports."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from ..errors import DomainError, ValidationFailed
from .. import storage
from . import avatars, countries, forms
from .models import Avatar, Profile
from .queries import CURRENT, username_status
from .rules import USERNAME_TAKEN

AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_TOO_LARGE = "Image must be 5 MB or smaller"


class ImageTooLarge(DomainError):
    """An avatar upload over 5 MB (413)."""

    status = 413
    message = AVATAR_TOO_LARGE


def validate_profile(session, profile: Profile, values: dict) -> dict:
    """Return the normalised settings; raise ValidationFailed naming every bad field."""
    clean, errors = {}, {}

    def take(name, result):
        value, error = result
        if error:
            errors[name] = error
        clean[name] = value

    take("display_name", forms.clean_display_name(values.get("display_name")))
    take("username", _clean_username(session, profile, values.get("username")))
    take("bio", forms.clean_bio(values.get("bio")))
    take("country", _clean_country(values.get("country")))
    take("region", _clean_region(values.get("country"), values.get("region"),
                                 country_ok="country" not in errors))
    take("experience_level", forms.clean_experience(values.get("experience_level")))
    for name in forms.URL_FIELDS:
        take(name, forms.clean_url(values.get(name), name))
    take("twitch_url", forms.clean_twitch_url(values.get("twitch_url")))
    take("twitter_handle", forms.clean_x_handle(values.get("twitter_handle")))
    take("github_handle", forms.clean_github_handle(values.get("github_handle")))
    clean["allow_invites"] = bool(values.get("allow_invites"))
    if errors:
        # Keep the order of the form, so the error summary reads top to bottom.
        raise ValidationFailed({name: errors[name] for name in forms.LABELS if name in errors})
    return clean


def _clean_username(session, profile, raw):
    if not (raw or "").strip():
        return None, "Username is required"
    status, name, message = username_status(session, raw, profile)
    if status in (CURRENT, "available"):
        return name, None
    return None, message


def _clean_country(raw):
    value = (raw or "").strip()
    if not value:
        return None, None
    found = countries.country(value)
    return (found.code, None) if found else (None, forms.COUNTRY_UNKNOWN)


def _clean_region(country_raw, raw, *, country_ok):
    value = (raw or "").strip().upper()
    if not value or not country_ok:
        return None, None  # a bad country already has its own message
    if not countries.is_region_of(country_raw, value):
        return None, forms.REGION_MISMATCH
    return value, None


def update_profile(session, profile: Profile, values: dict, *, now: datetime) -> Profile:
    """Validate and save the settings form; raise ValidationFailed with every field error.

    The username is changed inside a savepoint: when another builder claims the same
    name at the same moment, the unique index decides and the loser sees "taken".
    """
    clean = validate_profile(session, profile, values)
    try:
        with session.begin_nested():
            for name, value in clean.items():
                if getattr(profile, name) != value:
                    setattr(profile, name, value)  # @validates keeps search_text in step
            profile.updated_at = now
            session.flush()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or ""
        if "username" not in constraint:
            raise
        raise ValidationFailed({"username": USERNAME_TAKEN}) from None
    return profile


def set_avatar(session, profile: Profile, data: bytes, *, now: datetime) -> str:
    """Store an uploaded image as the builder's 256×256 WebP avatar; return its hash.

    Raises ImageTooLarge over 5 MB and ValidationFailed for anything that is not a
    decodable JPEG, PNG, WebP or GIF (including decompression bombs).
    """
    if not data:
        raise ValidationFailed({"avatar": "Avatar is required"})
    if len(data) > AVATAR_MAX_BYTES:
        raise ImageTooLarge(field="avatar")
    webp = avatars.process_image(data)
    digest = hashlib.sha256(webp).hexdigest()[:16]
    key = storage.put(session, storage.new_key("avatars", profile.id, digest, ".webp"), webp,
                      avatars.CONTENT_TYPE)
    row = {"profile_id": profile.id, "hash": digest, "data": None, "storage_key": key,
           "size": len(webp), "content_type": avatars.CONTENT_TYPE, "created_at": now}
    stmt = insert(Avatar).values(**row)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[Avatar.profile_id],
        set_={k: stmt.excluded[k] for k in ("hash", "data", "storage_key", "size",
                                            "content_type", "created_at")}))
    storage.released(session)  # the replaced avatar's object goes after the commit
    profile.avatar_hash = digest
    profile.updated_at = now
    session.flush()
    return digest


def remove_avatar(session, profile: Profile, *, now: datetime) -> None:
    """Delete the builder's uploaded avatar; the initials avatar shows again."""
    if session.execute(delete(Avatar).where(Avatar.profile_id == profile.id)).rowcount:
        storage.released(session)  # its object goes after the commit
    profile.avatar_hash = None
    profile.updated_at = now
    session.flush()


# --- Dashboard (appended by the dashboard work) ---------------------------------------------

def dismiss_community_card(session, profile: Profile) -> None:
    """Hide the dashboard's community (Discord) card for good; dismissing twice is a no-op."""
    if not profile.discord_card_dismissed:
        profile.discord_card_dismissed = True
        session.flush()
