"""Clerk mode: the Clerk account's image URL on the profile.

Revision ID: 0008_clerk_image_url
Revises: 0007_twitch_channel_urls
Create Date: 2026-12-06

A builder signed in through Clerk who uploaded no avatar is shown the image of their
Clerk account; the URL arrives in the session token's image_url claim and is kept here.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_clerk_image_url"
down_revision = "0007_twitch_channel_urls"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("profiles", sa.Column("clerk_image_url", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("profiles", "clerk_image_url")
