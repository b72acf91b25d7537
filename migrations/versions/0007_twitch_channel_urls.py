"""Twitch URLs hold Twitch channels only: other links move to the Stream URL.

Revision ID: 0007_twitch_channel_urls
Revises: 0006_project_description_search
Create Date: 2026-12-06

The settings form used to take any http(s) URL as the Twitch URL. Now it takes a Twitch
channel only, stored as https://www.twitch.tv/<channel>. Existing Twitch channel URLs are
rewritten in that form; any other value moves to the Stream URL, or to the Website when
the Stream URL is already set. A value with both already set stays where it is (nothing
is thrown away; the settings form asks its owner to fix it). The rules are copied here so
the migration keeps doing what it did when the form's code changes.

Downgrade leaves the data as it is: the moved values are valid in their new fields.
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0007_twitch_channel_urls"
down_revision = "0006_project_description_search"
branch_labels = None
depends_on = None

CHANNEL_RE = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?twitch\.tv/([A-Za-z0-9_]{1,25})/?(?:[?#]\S*)?", re.I)
NOT_CHANNELS = frozenset({
    "directory", "videos", "settings", "search", "p", "downloads", "jobs", "turbo", "login",
    "signup", "subscriptions", "inventory", "wallet", "friends", "messages", "payments",
    "drops", "prime", "store", "legal", "creatorcamp", "following"})


def channel_url(value):
    """Return the canonical channel URL for a Twitch channel URL, else None."""
    match = CHANNEL_RE.fullmatch(value.strip())
    if not match or match.group(1).lower() in NOT_CHANNELS:
        return None
    return f"https://www.twitch.tv/{match.group(1).lower()}"


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, twitch_url, stream_url, website_url FROM profiles "
        "WHERE twitch_url IS NOT NULL ORDER BY id")).all()
    for id_, twitch, stream, website in rows:
        canonical = channel_url(twitch)
        if canonical is not None:
            if canonical != twitch:
                conn.execute(sa.text("UPDATE profiles SET twitch_url = :v WHERE id = :id"),
                             {"v": canonical, "id": id_})
        elif stream is None:
            conn.execute(sa.text("UPDATE profiles SET stream_url = twitch_url, twitch_url = NULL "
                                 "WHERE id = :id"), {"id": id_})
        elif website is None:
            conn.execute(sa.text("UPDATE profiles SET website_url = twitch_url, "
                                 "twitch_url = NULL WHERE id = :id"), {"id": id_})


def downgrade():
    pass
