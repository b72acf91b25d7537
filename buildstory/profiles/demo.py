"""Demo avatars: a few demo builders get an uploaded picture (the rest keep initials)."""
from __future__ import annotations

import io
import random
from datetime import datetime, timezone

from PIL import Image, ImageDraw
from sqlalchemy import select

from . import services
from .models import Profile

# Demo usernames that get a picture; generated shapes, so no image files ship with the app.
WITH_AVATARS = ("amara", "zoe-builds", "priya", "kenji", "mateus", "noahw", "yuki", "thandi")


def _picture(rng) -> bytes:
    """Return a PNG of soft shapes on a gradient, like an abstract profile picture."""
    w, h = 480, 360  # not square: the service crops it like a real upload
    top, bottom = [tuple(rng.randint(40, 230) for _ in range(3)) for _ in range(2)]
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / (h - 1)
        draw.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(3):
        r = rng.randint(40, 110)
        x, y = rng.randint(w // 2 - 120, w // 2 + 120), rng.randint(60, h - 60)
        draw.ellipse((x - r, y - r, x + r, y + r),
                     fill=tuple(rng.randint(20, 255) for _ in range(3)))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def seed(session, rng) -> dict:
    """Give the listed demo builders an avatar when they have none; return how many.

    Uses its own random source, so the shared ``rng`` (and every other seeder's demo)
    is the same whether or not this runs.
    """
    own = random.Random("buildstory-demo-avatars")
    profiles = session.scalars(select(Profile).where(Profile.username.in_(WITH_AVATARS),
                                                     Profile.clerk_id.like("demo_%"),
                                                     Profile.avatar_hash.is_(None))).all()
    now = datetime.now(timezone.utc)
    for profile in sorted(profiles, key=lambda p: p.username):
        services.set_avatar(session, profile, _picture(own), now=now)
    return {"avatars": len(profiles)}
