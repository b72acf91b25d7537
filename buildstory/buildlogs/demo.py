"""The build-logs part of ``flask seed-demo``: updates on several demo projects (some with
a picture drawn at seed time, some naming a builder), posts about a few AI tools,
comments and reactions — all through the services, so every counter is what
``flask counters verify`` recounts. Idempotent: nothing is added once a demo builder has
posted."""
from __future__ import annotations

import io
import random
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageDraw
from sqlalchemy import select

from ..profiles.models import Profile
from ..projects.models import Project
from ..tools import services as tool_services
from ..tools.models import AiTool
from . import comments, reactions, services
from .models import Post

PROJECTS = 8  # the demo projects that get updates (with the tool posts, more than a feed page)
UPDATES = [
    "Day one: sketched the data model and got the first page rendering. **Shipped** a skeleton.",
    "Swapped the prompt for a two-step plan-then-act loop; error rate down from 18% to 6%.",
    "First outside user today! Thanks @{mention} for the honest feedback on onboarding.",
    "Added a proper empty state and keyboard shortcuts. Small things, big difference.",
    "Evals are in: 42 of 50 test cases pass. Writing up the failures next.",
    "Cut the cold start from 4 s to 900 ms by caching the embeddings. *Finally.*",
    "Recorded a 90-second demo video; the [changelog](https://example.com/changelog) has it.",
    "Paired with @{mention} on the export feature; CSV and JSON both work now.",
]
PICTURES = ("The new dashboard: a chart of weekly usage above a list of recent runs",
            "Whiteboard sketch of the agent loop: plan, act, check, repeat",
            "Phone screenshot of the onboarding screen with three short steps")
TOOL_POSTS = [
    "Used it to refactor 40 files in one go; the diff review took longer than the change.",
    "Great at first drafts of tests. I still rewrite the assertions by hand.",
    "Tip: give it the schema first, then ask for the query. Far fewer wrong joins.",
]
TOOL_NAMES = ("Claude Code", "Cursor", "v0")
COMMENTS = [
    "This is looking great!", "How did you measure that?", "Love the empty state.",
    "Can I try it? Happy to give feedback.", "Nice speed-up, what did you cache?",
    "The demo video sold me.", "Following along, keep posting!",
    "Same problem here last month, @{mention} had a good fix.",
]
EMOJI = list(reactions.EMOJI)


def _picture(rng: random.Random) -> bytes:
    """A PNG of soft shapes on a gradient, drawn now: no image files ship with the app."""
    w, h = 640, 360
    top, bottom = [tuple(rng.randint(30, 220) for _ in range(3)) for _ in range(2)]
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / (h - 1)
        draw.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(4):
        x0, y0 = rng.randint(20, w - 200), rng.randint(20, h - 120)
        draw.rounded_rectangle((x0, y0, x0 + rng.randint(80, 180), y0 + rng.randint(40, 100)),
                               radius=12, fill=tuple(rng.randint(60, 255) for _ in range(3)))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _visible(stmt):
    return stmt.where(Profile.clerk_id.like("demo_%"), Profile.hidden_at.is_(None),
                      Profile.banned_at.is_(None))


def seed(session, rng) -> dict:
    """Add the demo's build logs unless a demo builder has posted already; return counts.

    Uses its own random source, so the other seeders' demo is the same with or without it.
    """
    none = {"posts": 0, "post comments": 0, "reactions": 0}
    if session.scalar(select(Post.id).join(Profile, Profile.id == Post.author_id)
                      .where(Profile.clerk_id.like("demo_%")).limit(1)):
        return none
    own = random.Random("buildstory-demo-build-logs")
    builders = session.scalars(_visible(select(Profile)).order_by(Profile.username)).all()
    projects = session.scalars(
        _visible(select(Project).join(Profile, Profile.id == Project.profile_id))
        .where(Project.hidden_at.is_(None)).order_by(Project.created_at, Project.slug)
        .limit(PROJECTS)).all()
    tools = session.scalars(select(AiTool).where(AiTool.hidden_at.is_(None),
                                                 AiTool.merged_into_id.is_(None))
                            .order_by(AiTool.usage_count.desc(), AiTool.slug).limit(3)).all()
    if len(builders) < 4 or not projects:
        return none
    if not tools:  # an empty catalogue (the app's migrations seed one): name a few
        tools = [tool_services.add_tool(session, name, by=builders[0], limit=None)
                 for name in TOOL_NAMES]
    now = datetime.now(timezone.utc)
    posts = []

    def mention(author):
        return own.choice([b for b in builders if b.id != author.id]).username

    for p_index, project in enumerate(projects):
        team = [project.owner] + sorted(
            (m.profile for m in project.members
             if m.profile.hidden_at is None and m.profile.banned_at is None),
            key=lambda p: p.username)
        for u_index in range(3 if p_index < 4 else 2):
            author = team[u_index % len(team)]
            text = UPDATES[(p_index * 3 + u_index) % len(UPDATES)]
            values = {"body": text.format(mention=mention(author))}
            picture = None
            if u_index == 0 and p_index < len(PICTURES):
                picture = _picture(own)
                values["image_description"] = PICTURES[p_index]
            when = now - timedelta(days=6 - p_index, hours=5 - u_index * 2)
            posts.append(services.create_post(session, author, values, project=project,
                                              image=picture, now=when, limits=False))
    for t_index, tool in enumerate(tools):
        author = builders[(t_index * 7) % len(builders)]
        posts.append(services.create_post(
            session, author, {"body": TOOL_POSTS[t_index % len(TOOL_POSTS)]}, tool=tool,
            now=now - timedelta(days=2, hours=t_index), limits=False))
    counts = dict(none, posts=len(posts))
    for post in posts:
        for c_index in range(own.randint(0, 3)):
            author = own.choice(builders)
            body = COMMENTS[own.randrange(len(COMMENTS))].format(mention=mention(author))
            comment = comments.add_comment(session, post, author, body,
                                           now=post.created_at + timedelta(hours=1 + c_index),
                                           limit_enabled=False)
            counts["post comments"] += 1
            if own.random() < 0.4:
                reactions.react(session, own.choice(builders), "comment", comment.id, "clap",
                                True, now=comment.created_at, limit_enabled=False)
                counts["reactions"] += 1
        for fan in own.sample(builders, own.randint(2, min(8, len(builders)))):
            for emoji in own.sample(EMOJI, own.randint(1, 2)):
                reactions.react(session, fan, "post", post.id, emoji, True,
                                now=post.created_at + timedelta(minutes=30), limit_enabled=False)
                counts["reactions"] += 1
    session.flush()
    return counts
