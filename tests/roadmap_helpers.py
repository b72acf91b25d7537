"""Test data for the roadmap: ideas in any status, categories, comments."""
from __future__ import annotations

from datetime import timedelta

from buildstory.enums import FeatureBoardStatus as S
from buildstory.roadmap import services
from buildstory.roadmap.models import (FeatureBoardCategory, FeatureBoardComment,
                                       FeatureBoardItem, FeatureBoardUpvote)
from tests.factories import utcnow

_n = [0]


def make_idea(session, author, *, title=None, status=S.exploring, age=timedelta(hours=1),
              category=None, upvoters=(), description="", shipped_at=None):
    """An idea by ``author`` (with the author's upvote plus ``upvoters``), in ``status``."""
    _n[0] += 1
    now = utcnow() - age
    title = title or f"Idea number {_n[0]}"
    item = services.submit_idea(session, author, {"title": title, "description": description,
                                                  "category": str(category.id) if category else ""},
                                now=now, limit_enabled=False)
    item.status = S(status)
    if status == S.shipped:
        item.shipped_at = shipped_at or now
    for p in upvoters:
        if p.id == author.id:  # the author's upvote is there already
            continue
        session.add(FeatureBoardUpvote(item_id=item.id, profile_id=p.id, created_at=now))
        item.upvote_count += 1
    session.flush()
    return item


def make_category(session, name="Editor", colour="blue", order=1):
    c = FeatureBoardCategory(name=name, colour=colour, sort_order=order)
    session.add(c)
    session.flush()
    return c


def make_comment(session, item, author, body="A comment", *, parent=None,
                 age=timedelta(minutes=1), deleted=False):
    c = FeatureBoardComment(item_id=item.id, author_id=author.id, body=body,
                            parent_comment_id=parent.id if parent else None,
                            created_at=utcnow() - age,
                            deleted_at=utcnow() if deleted else None)
    session.add(c)
    if not deleted:
        item.comment_count += 1
    session.flush()
    return c
