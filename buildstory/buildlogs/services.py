"""Posting, editing, deleting and moderating build-log posts (docs/rules.md "Build logs").

Every function takes the session and explicit values (``now``, the rate-limit switch);
the caller commits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update

from .. import audit, storage
from ..enums import PostContextType
from ..errors import Conflict, Forbidden, ValidationFailed
from ..notifications.models import Notification
from ..profiles.forms import clean_url
from ..profiles.services import AVATAR_MAX_BYTES, ImageTooLarge
from ..projects import access as project_access
from ..ratelimits import enforce
from . import images, rules
from .models import BODY_MAX, DESCRIPTION_MAX, Post, PostImage


def clean_body(raw: str | None) -> tuple[str | None, str | None]:
    body = (raw or "").strip()
    if not body:
        return None, rules.UPDATE_REQUIRED
    if len(body) > BODY_MAX:
        return None, rules.UPDATE_TOO_LONG
    return body, None


def clean_link(raw: str | None) -> tuple[str | None, str | None]:
    link, error = clean_url(raw)
    if error and error.startswith("Website"):
        error = "Link" + error.removeprefix("Website")
    return link, error


def validate(values, *, image: bytes | None = None, with_image: bool = False) -> dict:
    """Return the cleaned ``body``, ``link_url`` and, with ``with_image``, the processed
    image; raise ValidationFailed naming every bad field."""
    errors, cleaned = {}, {}
    cleaned["body"], errors["body"] = clean_body(values.get("body"))
    cleaned["link_url"], errors["link_url"] = clean_link(values.get("link_url"))
    if with_image:
        description = (values.get("image_description") or "").strip()
        if image:
            if len(image) > AVATAR_MAX_BYTES:
                raise ImageTooLarge(field="image")
            if not description:
                errors["image_description"] = rules.DESCRIPTION_REQUIRED
        if len(description) > DESCRIPTION_MAX:
            errors["image_description"] = rules.DESCRIPTION_TOO_LONG
        errors = {k: v for k, v in errors.items() if v}
        if image and not errors:
            try:
                cleaned["image"] = images.process(image)
            except ValidationFailed as exc:
                errors.update(exc.errors)
        cleaned["image_description"] = description
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def can_post_on(project, viewer) -> bool:
    return project_access.is_on_team(project, viewer)


def create_post(session, author, values, *, project=None, tool=None, image: bytes | None = None,
                now: datetime, limits: bool = True) -> Post:
    """Post an update on ``project`` (its team only) or about ``tool`` (any builder).

    Checks the fields, then the posting limits under the builder's lock (deleted and
    hidden posts count), then inserts the post and its image in the caller's transaction.
    """
    if project is not None and not can_post_on(project, author):
        raise Forbidden(rules.NOT_TEAM)
    cleaned = validate(values, image=image, with_image=True)
    enforce(session, rules.POST_LIMIT, scope=rules.POST_LIMIT_SCOPE, profile_id=author.id,
            created_at=Post.created_at, where=Post.author_id == author.id, now=now,
            enabled=limits)
    post = Post(author_id=author.id, body=cleaned["body"], link_url=cleaned["link_url"],
                created_at=now, updated_at=now,
                context_type=PostContextType.project if project is not None
                else PostContextType.tool,
                project_id=project.id if project is not None else None,
                tool_id=tool.id if tool is not None else None)
    session.add(post)
    session.flush()
    if "image" in cleaned:
        data, width, height, digest = cleaned["image"]
        key = storage.put(session, storage.new_key("posts", post.id, digest, ".webp"), data,
                          "image/webp")
        session.add(PostImage(post_id=post.id, storage_key=key, size=len(data), hash=digest,
                              width=width, height=height,
                              description=cleaned["image_description"]))
        session.flush()
    return post


def edit_post(session, viewer, post: Post, values, *, now: datetime) -> Post:
    """Change the body and link of one's own post within 15 minutes of posting."""
    if viewer is None or viewer.id != post.author_id:
        raise Forbidden(rules.NOT_AUTHOR_EDIT)
    if not rules.within_edit_window(post.created_at, now):
        raise Conflict(rules.EDIT_WINDOW_PASSED)
    cleaned = validate(values)
    post.body, post.link_url = cleaned["body"], cleaned["link_url"]
    post.edited_at = post.updated_at = now
    session.flush()
    return post


def can_delete(post: Post, viewer, project=None) -> bool:
    """The author, and for an update on a project also the project's owner."""
    if viewer is None:
        return False
    if viewer.id == post.author_id:
        return True
    return project is not None and post.project_id == project.id and \
        project.profile_id == viewer.id


def delete_post(session, viewer, post: Post, *, project=None, now: datetime) -> None:
    """Soft-delete: the post leaves every list (with its comments); its image is deleted
    (the row now, the stored object after the commit)."""
    if not can_delete(post, viewer, project):
        raise Forbidden(rules.NOT_AUTHOR_DELETE)
    session.execute(update(Post).where(Post.id == post.id, Post.deleted_at.is_(None))
                    .values(deleted_at=now, updated_at=now))
    if session.execute(delete(PostImage).where(PostImage.post_id == post.id)).rowcount:
        storage.released(session)
    session.refresh(post)


def _context_meta(post: Post) -> dict:
    if post.project_id is not None:
        return {"post_id": post.id, "project_id": post.project_id}
    return {"post_id": post.id, "tool_id": post.tool_id}


def hide_post(session, moderator, post: Post, author, *, now: datetime) -> None:
    """Hide a post from every public surface; it takes its notifications with it."""
    hidden = session.execute(update(Post).where(Post.id == post.id, Post.hidden_at.is_(None))
                             .values(hidden_at=now, hidden_by=moderator.id, updated_at=now)
                             .returning(Post.id)).scalar()
    if hidden is None:
        raise Conflict(rules.ALREADY_HIDDEN)
    session.execute(delete(Notification).where(Notification.subject_id == post.id))
    audit.record(session, moderator, "hide_post", author, **_context_meta(post))
    session.refresh(post)


def unhide_post(session, moderator, post: Post, author, *, now: datetime) -> None:
    shown = session.execute(update(Post).where(Post.id == post.id, Post.hidden_at.is_not(None))
                            .values(hidden_at=None, hidden_by=None, updated_at=now)
                            .returning(Post.id)).scalar()
    if shown is None:
        raise Conflict(rules.NOT_HIDDEN)
    audit.record(session, moderator, "unhide_post", author, **_context_meta(post))
    session.refresh(post)


def move_tool_posts(session, from_tool_id, to_tool_id) -> int:
    """Merging a tool: its posts (all of them) now belong to the target."""
    return session.execute(update(Post).where(Post.tool_id == from_tool_id)
                           .values(tool_id=to_tool_id)).rowcount
