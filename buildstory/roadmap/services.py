"""Writes of the roadmap: submitting, editing (triage), shipping and deleting ideas, and
the categories admins manage (docs/rules.md "Roadmap"). Services flush, never commit."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError

from .. import ratelimits
from ..audit import record
from ..enums import FeatureBoardStatus as S
from ..errors import Conflict, Forbidden, ValidationFailed
from ..locking import lock_row
from ..profiles.models import Profile
from . import notices, rules
from .models import (COLOURS, FeatureBoardCategory, FeatureBoardItem, FeatureBoardUpvote,
                     CATEGORY_NAME_MAX, DESCRIPTION_MAX, NOTES_MAX, TITLE_MAX)

SLUG_BATCH = 50


def _category_id(session, raw, errors: dict):
    """The chosen category's id, None for "no category"; an error for anything else."""
    if raw in (None, ""):
        return None
    try:
        wanted = uuid.UUID(str(raw))
    except ValueError:
        errors["category"] = rules.CHOOSE_CATEGORY
        return None
    found = session.scalar(select(FeatureBoardCategory.id)
                           .where(FeatureBoardCategory.id == wanted))
    if found is None:
        errors["category"] = rules.CHOOSE_CATEGORY
    return found


def clean_idea(session, form, *, triager: bool = False) -> dict:
    """The idea's fields from a form (title, description, category, and for triagers
    status and internal notes); ValidationFailed (422) with a message per field."""
    errors: dict[str, str] = {}
    title = (form.get("title") or "").strip()
    if not title:
        errors["title"] = rules.TITLE_REQUIRED
    elif len(title) > TITLE_MAX:
        errors["title"] = rules.TITLE_TOO_LONG
    description = (form.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = rules.DESCRIPTION_TOO_LONG
    values = {"title": title, "description": description,
              "category_id": _category_id(session, form.get("category"), errors)}
    if triager:
        raw_status = form.get("status")
        if raw_status not in {s.value for s in S}:
            errors["status"] = rules.CHOOSE_STATUS
        else:
            values["status"] = S(raw_status)
        notes = (form.get("internal_notes") or "").strip()
        if len(notes) > NOTES_MAX:
            errors["internal_notes"] = rules.NOTES_TOO_LONG
        values["internal_notes"] = notes
    if errors:
        raise ValidationFailed(errors)
    return values


def _free_slug(session, title: str) -> str:
    """The first free slug for ``title`` under a lock on its base, so two ideas with one
    title submitted at once take turns and get two slugs (the unique index is final)."""
    base = rules.slug_base(title)
    ratelimits.lock(session, "roadmap_slug", base)
    start = 1
    while True:
        candidates = [rules.slug_with_suffix(base, n) for n in range(start, start + SLUG_BATCH)]
        taken = set(session.scalars(select(FeatureBoardItem.slug)
                                    .where(FeatureBoardItem.slug.in_(candidates))))
        for slug in candidates:
            if slug not in taken and slug not in rules.RESERVED_SLUGS:
                return slug
        start += SLUG_BATCH


def submit_idea(session, author, form, *, now: datetime, limit_enabled: bool = True):
    """Create an idea in the inbox with its author's upvote (upvote_count 1); return it.
    ValidationFailed (422), RateLimited (429)."""
    values = clean_idea(session, form)
    ratelimits.enforce(session, rules.IDEA_LIMIT, scope="roadmap_idea", profile_id=author.id,
                       created_at=FeatureBoardItem.created_at,
                       where=FeatureBoardItem.author_id == author.id, now=now,
                       enabled=limit_enabled)
    item = FeatureBoardItem(slug=_free_slug(session, values["title"]), author_id=author.id,
                            status=S.inbox, upvote_count=1, comment_count=0, internal_notes="",
                            created_at=now, updated_at=now, **values)
    session.add(item)
    session.flush()
    session.add(FeatureBoardUpvote(item_id=item.id, profile_id=author.id, created_at=now))
    session.flush()
    return item


def edit_idea(session, item, actor, form, *, triager: bool, now: datetime):
    """Change the idea: triagers any field at any time (audited ``triage_roadmap_item``),
    the author title, description and category within 15 minutes. Forbidden (403),
    Conflict (409), ValidationFailed (422). Entering shipped sets shipped_at and announces
    it once; leaving clears it."""
    if not triager:
        if actor.id != item.author_id:
            raise Forbidden(rules.ONLY_AUTHOR_EDIT)
        if not rules.within_edit_window(item.created_at, now):
            raise Conflict(rules.EDIT_WINDOW_PASSED)
    values = clean_idea(session, form, triager=triager)
    item = lock_row(session, item)
    changes = {}
    for name, value in values.items():
        old = getattr(item, name)
        if old != value:
            changes[name] = {"from": _plain(old), "to": _plain(value)}
            setattr(item, name, value)
    if not changes:
        return item
    if "status" in changes:
        if item.status == S.shipped:
            item.shipped_at = now
        else:
            item.shipped_at = None
    item.edited_at = item.updated_at = now
    session.flush()
    if triager:
        author = session.get(Profile, item.author_id)
        record(session, actor, "triage_roadmap_item", author, item_id=item.id, changes=changes)
    if "status" in changes and item.status == S.shipped:
        notices.shipped(session, item, now=now)
    return item


def _plain(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    return value.value if isinstance(value, S) else value


def delete_idea(session, item, actor, *, triager: bool) -> None:
    """Delete the idea (asked first): triagers any time (audited ``delete_roadmap_item``),
    the author while it waits in the inbox. Forbidden (403), Conflict (409)."""
    if not triager:
        if actor.id != item.author_id:
            raise Forbidden(rules.ONLY_AUTHOR_DELETE)
        if item.status != S.inbox:
            raise Conflict(rules.DELETE_ONLY_INBOX)
    item = lock_row(session, item)
    if not triager and item.status != S.inbox:
        raise Conflict(rules.DELETE_ONLY_INBOX)
    if triager:
        record(session, actor, "delete_roadmap_item", session.get(Profile, item.author_id),
               item_id=item.id, title=item.title)
    notices.forget_item(session, item)
    session.delete(item)
    session.flush()


# --- categories ---------------------------------------------------------------------------

def clean_category(form) -> dict:
    """Name (1–50, trimmed) and colour (one of the palette); ValidationFailed otherwise."""
    errors = {}
    name = " ".join((form.get("name") or "").split())
    if not name:
        errors["name"] = rules.NAME_REQUIRED
    elif len(name) > CATEGORY_NAME_MAX:
        errors["name"] = rules.NAME_TOO_LONG
    colour = form.get("colour")
    if colour not in COLOURS:
        errors["colour"] = rules.CHOOSE_COLOUR
    if errors:
        raise ValidationFailed(errors)
    return {"name": name, "colour": colour}


def add_category(session, actor, form):
    """Add a category at the end of the order (audited ``create_roadmap_category``);
    ValidationFailed for a bad or taken name (the unique index decides)."""
    values = clean_category(form)
    order = session.scalar(select(func.coalesce(func.max(FeatureBoardCategory.sort_order), 0)))
    category = FeatureBoardCategory(sort_order=order + 1, **values)
    try:
        with session.begin_nested():
            session.add(category)
            session.flush()
    except IntegrityError:
        raise ValidationFailed({"name": rules.NAME_TAKEN}) from None
    record(session, actor, "create_roadmap_category", None, category_id=category.id,
           name=category.name)
    return category


def delete_category(session, actor, category) -> None:
    """Delete a category; its ideas keep going without one (audited)."""
    record(session, actor, "delete_roadmap_category", None, category_id=category.id,
           name=category.name)
    session.execute(delete(FeatureBoardCategory).where(FeatureBoardCategory.id == category.id))
    session.expire_all()
