"""The demo's roadmap: categories, ideas in every status with upvotes and comments
(a reply and a deleted comment with a reply among them), and the leaderboard computed.
Done through the services, once (nothing when the categories exist)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import exists, select

from ..clock import utcnow
from ..enums import FeatureBoardStatus as S
from ..profiles.models import Profile
from ..profiles.queries import visible
from . import comments, leaderboard, services, upvotes
from .models import FeatureBoardCategory

CATEGORIES = (("Profiles", "blue"), ("Events", "green"), ("Projects", "purple"),
              ("Notifications", "orange"), ("Accessibility", "teal"))
IDEAS = (
    ("Dark mode that follows my system", "Accessibility", S.shipped),
    ("Calendar export for events", "Events", S.now),
    ("Show the tools I use on my profile", "Profiles", S.now),
    ("Weekly digest email", "Notifications", S.next),
    ("Team chat inside a project", "Projects", S.exploring),
    ("Keyboard shortcuts for the board", "Accessibility", S.exploring),
    ("Embed a demo video on project pages", "Projects", S.inbox),
    ("Badges for streak of updates", "Profiles", S.closed),
    ("Old hackathon archive page", "Events", S.archived),
)
COMMENTS = ("Yes please, I would use this every day.", "How would this work on phones?",
            "Could it be opt-in?", "**Love it.** Happy to test an early version.")


def seed(session, rng: random.Random) -> dict:
    """Categories, ideas in every status with upvotes and comments, and the leaderboard."""
    if session.scalar(select(exists().where(FeatureBoardCategory.id.is_not(None)))):
        return {"roadmap ideas": 0}
    admin = session.scalar(select(Profile).where(Profile.clerk_id == "demo_admin"))
    builders = list(session.scalars(select(Profile).where(visible(), Profile.username.is_not(None))
                                    .order_by(Profile.username).limit(40)))
    if admin is None or len(builders) < 5:
        return {"roadmap ideas": 0}
    for name, colour in CATEGORIES:
        services.add_category(session, admin, {"name": name, "colour": colour})
    ids = {c.name: str(c.id) for c in session.scalars(select(FeatureBoardCategory))}
    now = utcnow()
    made = 0
    for n, (title, category, status) in enumerate(IDEAS):
        author = builders[n % len(builders)]
        born = now - timedelta(days=20 - n)
        item = services.submit_idea(session, author, {"title": title, "category": ids[category],
                                                      "description": f"{title}: suggested by the community."},
                                    now=born, limit_enabled=False)
        for voter in rng.sample(builders, k=min(len(builders), 3 + (len(IDEAS) - n) * 2)):
            upvotes.set_upvote(session, voter, item.id, True, now=born + timedelta(hours=1),
                               limit_enabled=False)
        first = None
        for k, body in enumerate(COMMENTS[: 1 + n % len(COMMENTS)]):
            who = builders[(n + k + 1) % len(builders)]
            c = comments.add_comment(session, item, who, body, now=born + timedelta(hours=2 + k),
                                     limit_enabled=False)
            first = first or c
        if first is not None and n % 3 == 0:
            replier = builders[(n + 7) % len(builders)]
            comments.add_comment(session, item, replier, "Agreed, and with a setting to turn it off.",
                                 str(first.id), now=born + timedelta(hours=8), limit_enabled=False)
            if n == 3:  # one deleted comment that keeps its place for the reply
                comments.delete_comment(session, item, first, session.get(Profile, first.author_id),
                                        moderator=False, now=born + timedelta(hours=9))
        if status != S.inbox:
            services.edit_idea(session, item, admin,
                               {"title": item.title, "description": item.description,
                                "category": ids[category], "status": status.value,
                                "internal_notes": "Triaged in the demo."},
                               triager=True, now=born + timedelta(days=1))
        made += 1
    leaderboard.refresh(session, now=now)
    return {"roadmap ideas": made}
