"""Build logs: posts, post_images, post_comments, reactions, rate_events.

Revision ID: 0015_build_logs
Revises: 0014_webhooks
Create Date: 2026-12-06

Builders post short updates on their projects and about AI tools; others comment and
react. Real foreign keys tie every row to what it belongs to, so deleting a project or a
builder takes their posts, comments, images and reactions with it. Adds the
notification types of comments and mentions.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_build_logs"
down_revision = "0014_webhooks"
branch_labels = None
depends_on = None

LISTED = "deleted_at IS NULL AND hidden_at IS NULL"
COUNTERS = ("fire_count", "rocket_count", "lightbulb_count", "clap_count", "wrench_count")
NOT_NEGATIVE = " AND ".join(f"{c} >= 0" for c in COUNTERS)
NEW_NOTIFICATION_TYPES = ("mention", "post_comment")


def _counters(*names):
    return [sa.Column(n, sa.Integer(), server_default=sa.text("0"), nullable=False)
            for n in names]


def _times():
    return [
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
    ]


def upgrade():
    bind = op.get_bind()
    context = postgresql.ENUM("project", "tool", name="post_context_type", create_type=False)
    source = postgresql.ENUM("manual", "cli", "webhook", name="post_source", create_type=False)
    emoji = postgresql.ENUM("fire", "rocket", "lightbulb", "clap", "wrench",
                            name="reaction_emoji", create_type=False)
    for kind in (context, source, emoji):
        kind.create(bind, checkfirst=True)

    op.create_table(
        "posts",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("context_type", context, nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("tool_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link_url", sa.Text(), nullable=True),
        sa.Column("source", source, server_default="manual", nullable=False),
        *_counters(*COUNTERS, "comment_count"),
        *_times(),
        sa.CheckConstraint(
            "(context_type = 'project' AND project_id IS NOT NULL AND tool_id IS NULL) OR "
            "(context_type = 'tool' AND tool_id IS NOT NULL AND project_id IS NULL)",
            name=op.f("ck_posts_one_context")),
        sa.CheckConstraint("char_length(body) BETWEEN 1 AND 280", name=op.f("ck_posts_body_length")),
        sa.CheckConstraint("char_length(link_url) <= 2048", name=op.f("ck_posts_link_url_length")),
        sa.CheckConstraint(f"{NOT_NEGATIVE} AND comment_count >= 0",
                           name=op.f("ck_posts_counts_not_negative")),
        sa.ForeignKeyConstraint(["author_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_posts_author_id_profiles")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_posts_project_id_projects")),
        sa.ForeignKeyConstraint(["tool_id"], ["ai_tools.id"], ondelete="RESTRICT",
                                name=op.f("fk_posts_tool_id_ai_tools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    op.create_index("ix_posts_feed", "posts", [sa.text("created_at DESC"), sa.text("id DESC")],
                    postgresql_where=sa.text(LISTED))
    for column in ("project_id", "tool_id", "author_id"):
        op.create_index(f"ix_posts_{column.removesuffix('_id')}_feed", "posts",
                        [column, sa.text("created_at DESC"), sa.text("id DESC")],
                        postgresql_where=sa.text(LISTED))
    op.create_index("ix_posts_author_id_created_at", "posts", ["author_id", "created_at"])
    op.create_index("ix_posts_project_id", "posts", ["project_id"])
    op.create_index("ix_posts_tool_id", "posts", ["tool_id"])

    op.create_table(
        "post_images",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.CheckConstraint("octet_length(data) <= 524288", name=op.f("ck_post_images_data_size")),
        sa.CheckConstraint("width BETWEEN 1 AND 1600 AND height BETWEEN 1 AND 1600",
                           name=op.f("ck_post_images_dimensions")),
        sa.CheckConstraint("char_length(description) BETWEEN 1 AND 200",
                           name=op.f("ck_post_images_description_length")),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE",
                                name=op.f("fk_post_images_post_id_posts")),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_post_images")),
    )

    op.create_table(
        "post_comments",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        *_counters(*COUNTERS),
        *_times(),
        sa.CheckConstraint("char_length(body) BETWEEN 1 AND 280",
                           name=op.f("ck_post_comments_body_length")),
        sa.CheckConstraint(NOT_NEGATIVE, name=op.f("ck_post_comments_counts_not_negative")),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE",
                                name=op.f("fk_post_comments_post_id_posts")),
        sa.ForeignKeyConstraint(["author_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_post_comments_author_id_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_comments")),
    )
    op.create_index("ix_post_comments_post_id_created_at_id", "post_comments",
                    ["post_id", "created_at", "id"])
    op.create_index("ix_post_comments_author_id", "post_comments", ["author_id"])

    op.create_table(
        "reactions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=True),
        sa.Column("comment_id", sa.Uuid(), nullable=True),
        sa.Column("emoji", emoji, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("(post_id IS NULL) <> (comment_id IS NULL)",
                           name=op.f("ck_reactions_one_target")),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_reactions_profile_id_profiles")),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE",
                                name=op.f("fk_reactions_post_id_posts")),
        sa.ForeignKeyConstraint(["comment_id"], ["post_comments.id"], ondelete="CASCADE",
                                name=op.f("fk_reactions_comment_id_post_comments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reactions")),
        sa.UniqueConstraint("profile_id", "post_id", "emoji",
                            name=op.f("uq_reactions_profile_id_post_id_emoji")),
        sa.UniqueConstraint("profile_id", "comment_id", "emoji",
                            name=op.f("uq_reactions_profile_id_comment_id_emoji")),
    )
    op.create_index("ix_reactions_post_id", "reactions", ["post_id"])
    op.create_index("ix_reactions_comment_id", "reactions", ["comment_id"])

    op.create_table(
        "rate_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("kind IN ('reaction_add', 'upvote_add')",
                           name=op.f("ck_rate_events_kind_known")),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_rate_events_profile_id_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_events")),
    )
    op.create_index("ix_rate_events_profile_id_kind_created_at", "rate_events",
                    ["profile_id", "kind", "created_at"])

    # New values are not used in this transaction, so ADD VALUE may run inside it.
    for kind in NEW_NOTIFICATION_TYPES:
        op.execute(f"ALTER TYPE notification_type ADD VALUE IF NOT EXISTS '{kind}'")


def downgrade():
    # notification_type keeps the two values: PostgreSQL cannot drop enum values, no row
    # uses them once these are deleted, and upgrading adds them with IF NOT EXISTS.
    op.execute("DELETE FROM notifications WHERE type IN ('mention', 'post_comment')")
    op.execute("DELETE FROM notification_fanouts WHERE type IN ('mention', 'post_comment')")
    op.drop_table("rate_events")
    op.drop_table("reactions")
    op.drop_table("post_comments")
    op.drop_table("post_images")
    op.drop_table("posts")
    bind = op.get_bind()
    for name in ("reaction_emoji", "post_source", "post_context_type"):
        sa.Enum(name=name).drop(bind, checkfirst=True)
