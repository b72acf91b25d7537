"""The roadmap: categories, ideas, upvotes, comments and the precomputed leaderboard.

Revision ID: 0016_roadmap
Revises: 0015b_submission_visible
Create Date: 2026-12-06

The community proposes and upvotes ideas for Buildstory; moderators triage them. Adds the
notification types of roadmap replies and shipped ideas. Upvote adds are counted in the
existing ``rate_events`` (kind ``upvote_add``).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016_roadmap"
down_revision = "0015b_submission_visible"
branch_labels = None
depends_on = None

STATUSES = ("inbox", "exploring", "next", "now", "shipped", "closed", "archived")
COLOURS = ("blue", "green", "purple", "orange", "red", "teal", "pink", "slate")
NEW_NOTIFICATION_TYPES = ("comment_reply", "roadmap_shipped")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _created():
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                     nullable=False)


def _updated():
    return sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                     nullable=False)


def upgrade():
    bind = op.get_bind()
    status = postgresql.ENUM(*STATUSES, name="feature_board_status", create_type=False)
    status.create(bind, checkfirst=True)

    op.create_table(
        "feature_board_categories",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("colour", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default=sa.text("0"), nullable=False),
        _created(),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 50",
                           name=op.f("ck_feature_board_categories_name_length")),
        sa.CheckConstraint(_in("colour", COLOURS),
                           name=op.f("ck_feature_board_categories_colour_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_board_categories")),
    )
    op.create_index("uq_feature_board_categories_name_lower", "feature_board_categories",
                    [sa.text("lower(name)")], unique=True)

    op.create_table(
        "feature_board_items",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("status", status, server_default="inbox", nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("upvote_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("comment_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("internal_notes", sa.Text(), server_default="", nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        _created(), _updated(),
        sa.CheckConstraint("char_length(title) BETWEEN 1 AND 200",
                           name=op.f("ck_feature_board_items_title_length")),
        sa.CheckConstraint("char_length(description) <= 5000",
                           name=op.f("ck_feature_board_items_description_length")),
        sa.CheckConstraint("char_length(internal_notes) <= 5000",
                           name=op.f("ck_feature_board_items_notes_length")),
        sa.CheckConstraint("char_length(slug) BETWEEN 1 AND 80",
                           name=op.f("ck_feature_board_items_slug_length")),
        sa.CheckConstraint("upvote_count >= 0 AND comment_count >= 0",
                           name=op.f("ck_feature_board_items_counts_not_negative")),
        sa.ForeignKeyConstraint(["category_id"], ["feature_board_categories.id"],
                                ondelete="SET NULL",
                                name=op.f("fk_feature_board_items_category_id_feature_board_categories")),
        sa.ForeignKeyConstraint(["author_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_feature_board_items_author_id_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_board_items")),
    )
    op.create_index("uq_feature_board_items_slug", "feature_board_items", ["slug"], unique=True)
    op.create_index("ix_feature_board_items_status_top", "feature_board_items",
                    ["status", sa.text("upvote_count DESC"), "id"])
    op.create_index("ix_feature_board_items_status_new", "feature_board_items",
                    ["status", sa.text("created_at DESC"), "id"])
    op.create_index("ix_feature_board_items_shipped", "feature_board_items",
                    [sa.text("shipped_at DESC"), "id"],
                    postgresql_where=sa.text("status = 'shipped'"))
    op.create_index("ix_feature_board_items_title_trgm", "feature_board_items",
                    [sa.text("lower(title) gin_trgm_ops")], postgresql_using="gin")
    op.create_index("ix_feature_board_items_title_prefix", "feature_board_items",
                    [sa.text("lower(title) text_pattern_ops")])
    op.create_index("ix_feature_board_items_author_id", "feature_board_items", ["author_id"])
    op.create_index("ix_feature_board_items_category_id", "feature_board_items", ["category_id"])

    op.create_table(
        "feature_board_upvotes",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(["item_id"], ["feature_board_items.id"], ondelete="CASCADE",
                                name=op.f("fk_feature_board_upvotes_item_id_feature_board_items")),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_feature_board_upvotes_profile_id_profiles")),
        sa.PrimaryKeyConstraint("item_id", "profile_id", name=op.f("pk_feature_board_upvotes")),
    )
    op.create_index("ix_feature_board_upvotes_profile_id", "feature_board_upvotes",
                    ["profile_id"])

    op.create_table(
        "feature_board_comments",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("parent_comment_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Uuid(), nullable=True),
        _created(), _updated(),
        sa.CheckConstraint("char_length(body) BETWEEN 1 AND 5000",
                           name=op.f("ck_feature_board_comments_body_length")),
        sa.ForeignKeyConstraint(["item_id"], ["feature_board_items.id"], ondelete="CASCADE",
                                name=op.f("fk_feature_board_comments_item_id_feature_board_items")),
        sa.ForeignKeyConstraint(["author_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_feature_board_comments_author_id_profiles")),
        sa.ForeignKeyConstraint(["parent_comment_id"], ["feature_board_comments.id"],
                                ondelete="CASCADE",
                                name=op.f("fk_feature_board_comments_parent_comment_id_feature_board_comments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_board_comments")),
    )
    op.create_index("ix_feature_board_comments_item_id_created_at_id", "feature_board_comments",
                    ["item_id", "created_at", "id"])
    op.create_index("ix_feature_board_comments_author_id_created_at", "feature_board_comments",
                    ["author_id", "created_at"])
    op.create_index("ix_feature_board_comments_parent_comment_id", "feature_board_comments",
                    ["parent_comment_id"])

    op.create_table(
        "roadmap_leaderboard",
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("ideas", sa.Integer(), nullable=False),
        sa.Column("shipped", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("upvotes", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period IN ('all', 'month')",
                           name=op.f("ck_roadmap_leaderboard_period_known")),
        sa.CheckConstraint("rank BETWEEN 1 AND 50", name=op.f("ck_roadmap_leaderboard_rank_range")),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_roadmap_leaderboard_profile_id_profiles")),
        sa.PrimaryKeyConstraint("period", "rank", name=op.f("pk_roadmap_leaderboard")),
    )

    # New values are not used in this transaction, so ADD VALUE may run inside it.
    for kind in NEW_NOTIFICATION_TYPES:
        op.execute(f"ALTER TYPE notification_type ADD VALUE IF NOT EXISTS '{kind}'")


def downgrade():
    # notification_type keeps the two values (PostgreSQL cannot drop enum values; upgrading
    # adds them with IF NOT EXISTS), so the notifications about ideas stay as they are, and
    # rate_events already allowed upvote adds: a downgrade loses no row outside its tables.
    op.drop_table("roadmap_leaderboard")
    op.drop_table("feature_board_comments")
    op.drop_table("feature_board_upvotes")
    op.drop_table("feature_board_items")
    op.drop_table("feature_board_categories")
    sa.Enum(name="feature_board_status").drop(op.get_bind(), checkfirst=True)
