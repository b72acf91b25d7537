"""Followed Twitch categories: add and remove, each audited (docs/rules.md "Moderation" and "Applications, streams and draws").

A Twitch id is followed once (unique index; "This category is already followed"). The
box-art URL is stored for reference only: pages never load third-party images.
"""
from __future__ import annotations

import re

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from .models import TwitchCategory
from ..applications.forms import clean_text
from ..audit import record
from ..errors import ValidationFailed
from ..locking import lock_row
from ..profiles.forms import URL_MAX, clean_url

ALREADY_FOLLOWED = "This category is already followed"
TWITCH_ID_FORMAT = "Twitch id must be a number"
TWITCH_ID_RE = re.compile(r"[0-9]{1,20}")
NAME_MAX = 200


def clean_category(values: dict) -> tuple[dict, dict]:
    """Return ``(data, errors)`` for the add-category form."""
    data: dict = {}
    errors: dict = {}
    data["twitch_id"], err = clean_text(values.get("twitch_id"), "Twitch id", 20, True)
    if not err and not TWITCH_ID_RE.fullmatch(data["twitch_id"]):
        err = TWITCH_ID_FORMAT
    if err:
        errors["twitch_id"] = err
    data["name"], err = clean_text(values.get("name"), "Name", NAME_MAX, True)
    if err:
        errors["name"] = err
    data["box_art_url"], err = clean_url(values.get("box_art_url"), "website_url")
    if err:
        # clean_url names the profile field in its length message; say ours instead.
        errors["box_art_url"] = (f"Box art URL must be at most {URL_MAX} characters"
                                 if err.startswith("Website") else err)
    return data, errors


def add_category(session, actor, values: dict) -> TwitchCategory:
    """Follow a Twitch category (audited); raises ValidationFailed (incl. already followed)."""
    data, errors = clean_category(values)
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(exists().where(TwitchCategory.twitch_id == data["twitch_id"]))):
        raise ValidationFailed({"twitch_id": ALREADY_FOLLOWED})
    category = TwitchCategory(**data, added_by=actor.id)
    try:
        with session.begin_nested():
            session.add(category)
    except IntegrityError:
        raise ValidationFailed({"twitch_id": ALREADY_FOLLOWED}) from None
    record(session, actor, "add_twitch_category", twitch_id=category.twitch_id,
           name=category.name)
    return category


def remove_category(session, actor, category: TwitchCategory) -> None:
    """Stop following a category (audited); NotFound when another admin just removed it."""
    lock_row(session, category)
    record(session, actor, "remove_twitch_category", twitch_id=category.twitch_id,
           name=category.name)
    session.delete(category)
    session.flush()
