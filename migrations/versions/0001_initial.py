"""Initial schema: every table, enum, constraint and index of docs/rules.md "Data".

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22

Reviewed by hand. Enum values are written out here (not imported from
buildstory.enums) so this migration keeps meaning what it meant when it ran.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

ENUMS = {
    "experience_level": ("getting_started", "built_a_few", "ships_constantly"),
    "event_status": ("draft", "open", "active", "judging", "complete"),
    "team_preference": ("solo", "has_team", "has_team_open", "looking_for_team"),
    "starting_point": ("new", "existing"),
    "commitment_level": ("all_in", "daily", "nights_weekends", "not_sure"),
    "user_role": ("user", "moderator", "admin"),
    "invite_status": ("pending", "accepted", "declined", "revoked"),
    "invite_type": ("direct", "link"),
    "mentor_application_status": ("pending", "approved", "declined"),
    "sponsorship_inquiry_status": ("pending", "contacted", "accepted", "declined"),
    "project_event_kind": ("invite_sent", "invite_revoked", "joined", "left", "removed",
                           "entered_event", "left_event"),
}

# Rows of the audit log are never updated or deleted (docs/rules.md "Data"); the database
# enforces it too, so no code path can forget. TRUNCATE (test clean-up) is unaffected.
AUDIT_APPEND_ONLY = """
CREATE FUNCTION admin_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit_log is append-only';
END
$$;
CREATE TRIGGER admin_audit_log_append_only
    BEFORE UPDATE OR DELETE ON admin_audit_log
    FOR EACH ROW EXECUTE FUNCTION admin_audit_log_append_only();
"""


def enum(name):
    """A column type for an enum created in upgrade() (not again by create_table)."""
    return postgresql.ENUM(*ENUMS[name], name=name, create_type=False)


def tstz(name, **kw):
    return sa.Column(name, sa.DateTime(timezone=True), **kw)


def uuid_pk():
    return sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"),
                     nullable=False)


def now(name):
    """A NOT NULL timestamptz column defaulting to now() (created_at and friends)."""
    return tstz(name, server_default=sa.text("now()"), nullable=False)


def text(name, nullable=True, **kw):
    return sa.Column(name, sa.Text(), nullable=nullable, **kw)


def fk(table, column, target, ondelete):
    """A named foreign key from ``table.column`` to ``target`` ("table.column")."""
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS citext")
    bind = op.get_bind()
    for name, values in ENUMS.items():
        postgresql.ENUM(*values, name=name).create(bind, checkfirst=False)

    _identity_tables()
    _profiles()
    _events()
    _projects()
    _teams()
    _applications_and_admin()


def _identity_tables():
    op.create_table(
        "accounts",
        text("id", nullable=False),
        sa.Column("email", postgresql.CITEXT(), nullable=False),
        text("password_hash", nullable=False),
        now("created_at"),
        tstz("password_changed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
    )
    op.create_table(
        "sessions",
        text("id", nullable=False),
        text("identity_id", nullable=False),
        now("created_at"),
        tstz("last_seen_at", nullable=True),
        tstz("expires_at", nullable=False),
        tstz("revoked_at", nullable=True),
        text("user_agent"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_identity_id"), "sessions", ["identity_id"])
    op.create_table(
        "deleted_identities",
        text("identity_id", nullable=False),
        now("deleted_at"),
        sa.PrimaryKeyConstraint("identity_id", name=op.f("pk_deleted_identities")),
    )
    op.create_table(
        "users",  # legacy, kept for compatibility
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        text("name", nullable=False),
        text("email", nullable=False),
        now("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "admin_audit_log",
        uuid_pk(),
        sa.Column("actor_profile_id", sa.Uuid(), nullable=True),
        text("actor_name"),
        text("action", nullable=False),
        sa.Column("target_profile_id", sa.Uuid(), nullable=True),
        text("target_name"),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'::jsonb"), nullable=False),
        now("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit_log")),
    )
    op.create_index(op.f("ix_admin_audit_log_created_at"), "admin_audit_log", ["created_at"])
    for columns in (["action", "created_at"], ["actor_profile_id", "created_at"],
                    ["target_profile_id", "created_at"]):
        op.create_index(op.f("ix_admin_audit_log_" + "_".join(columns)), "admin_audit_log",
                        columns)
    op.execute(AUDIT_APPEND_ONLY)


def _profiles():
    op.create_table(
        "profiles",
        uuid_pk(),
        text("clerk_id", nullable=False),
        text("username"),
        text("display_name", nullable=False),
        text("avatar_hash"),
        text("bio"),
        text("website_url"),
        text("twitch_url"),
        text("stream_url"),
        text("twitter_handle"),
        text("github_handle"),
        sa.Column("country", sa.CHAR(length=2), nullable=True),
        text("region"),
        sa.Column("experience_level", enum("experience_level"), nullable=True),
        sa.Column("role", enum("user_role"), server_default="user", nullable=False),
        sa.Column("allow_invites", sa.Boolean(), server_default=sa.text("true"),
                  nullable=False),
        sa.Column("discord_card_dismissed", sa.Boolean(), server_default=sa.text("false"),
                  nullable=False),
        tstz("banned_at", nullable=True),
        sa.Column("banned_by", sa.Uuid(), nullable=True),
        text("ban_reason"),
        tstz("hidden_at", nullable=True),
        sa.Column("hidden_by", sa.Uuid(), nullable=True),
        tstz("last_seen_at", nullable=True),
        text("search_text", nullable=False, server_default=""),
        now("created_at"),
        now("updated_at"),
        sa.CheckConstraint("username ~ '^[a-z0-9][a-z0-9_-]{1,28}[a-z0-9]$'",
                           name=op.f("ck_profiles_username_format")),
        sa.CheckConstraint("country ~ '^[A-Z]{2}$'", name=op.f("ck_profiles_country_format")),
        sa.CheckConstraint("char_length(display_name) BETWEEN 1 AND 100",
                           name=op.f("ck_profiles_display_name_length")),
        sa.CheckConstraint("char_length(bio) <= 500", name=op.f("ck_profiles_bio_length")),
        sa.CheckConstraint("char_length(ban_reason) <= 1000",
                           name=op.f("ck_profiles_ban_reason_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint("clerk_id", name=op.f("uq_profiles_clerk_id")),
        sa.UniqueConstraint("username", name=op.f("uq_profiles_username")),
    )
    op.create_index(op.f("ix_profiles_created_at"), "profiles", ["created_at"])
    # Member search: trigrams for 3+ characters, username prefixes for shorter queries.
    op.create_index("ix_profiles_search_text_trgm", "profiles", ["search_text"],
                    postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
    op.create_index("ix_profiles_username_prefix", "profiles", ["username"],
                    postgresql_ops={"username": "text_pattern_ops"})
    op.create_table(
        "avatars",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        text("hash", nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        text("content_type", nullable=False, server_default="image/webp"),
        now("created_at"),
        sa.CheckConstraint("octet_length(data) <= 65536", name=op.f("ck_avatars_data_size")),
        fk("avatars", "profile_id", "profiles.id", "CASCADE"),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_avatars")),
    )


def _events():
    op.create_table(
        "events",
        uuid_pk(),
        text("name", nullable=False),
        text("slug", nullable=False),
        text("description", nullable=False),
        tstz("starts_at", nullable=False),
        tstz("ends_at", nullable=False),
        text("timezone", nullable=False, server_default="UTC"),
        tstz("registration_opens_at", nullable=True),
        tstz("registration_closes_at", nullable=True),
        sa.Column("status", enum("event_status"), server_default="draft", nullable=False),
        sa.Column("featured", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        now("created_at"),
        now("updated_at"),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_events_ends_after_starts")),
        sa.CheckConstraint("registration_opens_at IS NULL OR registration_closes_at IS NULL "
                           "OR registration_closes_at > registration_opens_at",
                           name=op.f("ck_events_registration_window")),
        sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 100",
                           name=op.f("ck_events_slug_format")),
        sa.CheckConstraint("slug <> 'new'", name=op.f("ck_events_slug_not_new")),
        sa.CheckConstraint("NOT (featured AND status = 'draft')",
                           name=op.f("ck_events_featured_not_draft")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("slug", name=op.f("uq_events_slug")),
    )
    op.create_index(op.f("ix_events_status"), "events", ["status"])
    # At most one featured event.
    op.create_index("uq_events_featured", "events", ["featured"], unique=True,
                    postgresql_where=sa.text("featured"))
    op.create_table(
        "event_registrations",
        uuid_pk(),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("team_preference", enum("team_preference"), nullable=False),
        sa.Column("commitment_level", enum("commitment_level"), nullable=True),
        tstz("onboarding_completed_at", nullable=True),
        now("registered_at"),
        now("updated_at"),
        fk("event_registrations", "event_id", "events.id", "RESTRICT"),
        fk("event_registrations", "profile_id", "profiles.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_registrations")),
        sa.UniqueConstraint("event_id", "profile_id",
                            name=op.f("uq_event_registrations_event_id_profile_id")),
    )
    op.create_index(op.f("ix_event_registrations_profile_id"), "event_registrations",
                    ["profile_id"])


def _projects():
    op.create_table(
        "projects",
        uuid_pk(),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        text("name", nullable=False),
        text("slug", nullable=False),
        text("description", nullable=False),
        sa.Column("starting_point", enum("starting_point"), nullable=True),
        text("goal_text"),
        text("github_url"),
        text("live_url"),
        tstz("hidden_at", nullable=True),
        sa.Column("hidden_by", sa.Uuid(), nullable=True),
        now("created_at"),
        now("updated_at"),
        sa.CheckConstraint("slug ~ '^[a-z0-9]+([-_][a-z0-9]+)*$'",
                           name=op.f("ck_projects_slug_format")),
        sa.CheckConstraint("char_length(slug) BETWEEN 2 AND 100",
                           name=op.f("ck_projects_slug_length")),
        sa.CheckConstraint("slug <> 'new'", name=op.f("ck_projects_slug_not_new")),
        fk("projects", "profile_id", "profiles.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("slug", name=op.f("uq_projects_slug")),
    )
    op.create_index(op.f("ix_projects_profile_id"), "projects", ["profile_id"])
    op.create_table(
        "event_projects",
        uuid_pk(),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("entered_by", sa.Uuid(), nullable=True),
        now("submitted_at"),
        fk("event_projects", "event_id", "events.id", "RESTRICT"),
        fk("event_projects", "project_id", "projects.id", "CASCADE"),
        fk("event_projects", "entered_by", "profiles.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_projects")),
        sa.UniqueConstraint("event_id", "project_id",
                            name=op.f("uq_event_projects_event_id_project_id")),
    )
    op.create_index(op.f("ix_event_projects_project_id"), "event_projects", ["project_id"])
    op.create_table(
        "project_events",
        uuid_pk(),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("actor_profile_id", sa.Uuid(), nullable=True),
        text("actor_name", nullable=False),
        sa.Column("kind", enum("project_event_kind"), nullable=False),
        text("subject_name"),
        now("created_at"),
        fk("project_events", "project_id", "projects.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_events")),
    )
    op.create_index(op.f("ix_project_events_project_id_created_at"), "project_events",
                    ["project_id", "created_at"])


def _teams():
    op.create_table(
        "team_invites",
        uuid_pk(),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=True),
        sa.Column("type", enum("invite_type"), nullable=False),
        sa.Column("status", enum("invite_status"), server_default="pending", nullable=False),
        text("token"),
        tstz("expires_at", nullable=True),
        tstz("responded_at", nullable=True),
        now("created_at"),
        sa.CheckConstraint(
            "(type = 'direct' AND recipient_id IS NOT NULL AND token IS NULL)"
            " OR (type = 'link' AND token IS NOT NULL AND expires_at IS NOT NULL)",
            name=op.f("ck_team_invites_type_fields")),
        fk("team_invites", "project_id", "projects.id", "CASCADE"),
        fk("team_invites", "sender_id", "profiles.id", "CASCADE"),
        fk("team_invites", "recipient_id", "profiles.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_invites")),
        sa.UniqueConstraint("token", name=op.f("uq_team_invites_token")),
    )
    for columns in (["recipient_id", "type", "status"], ["sender_id", "status"],
                    ["project_id", "status"]):
        op.create_index(op.f("ix_team_invites_" + "_".join(columns)), "team_invites", columns)
    op.create_table(
        "project_members",
        uuid_pk(),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("invite_id", sa.Uuid(), nullable=True),
        now("joined_at"),
        fk("project_members", "project_id", "projects.id", "CASCADE"),
        fk("project_members", "profile_id", "profiles.id", "CASCADE"),
        fk("project_members", "invite_id", "team_invites.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_members")),
        sa.UniqueConstraint("project_id", "profile_id",
                            name=op.f("uq_project_members_project_id_profile_id")),
    )
    op.create_index(op.f("ix_project_members_profile_id"), "project_members", ["profile_id"])


def _applications_and_admin():
    op.create_table(
        "mentor_applications",
        uuid_pk(),
        text("name", nullable=False),
        text("email", nullable=False),
        text("discord_handle", nullable=False),
        text("twitter_handle"),
        text("website_url"),
        text("github_handle"),
        sa.Column("mentor_types", postgresql.ARRAY(sa.Text()), nullable=False),
        text("background", nullable=False),
        text("availability", nullable=False),
        sa.Column("status", enum("mentor_application_status"), server_default="pending",
                  nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        tstz("reviewed_at", nullable=True),
        now("created_at"),
        now("updated_at"),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_mentor_applications_email_lower")),
        sa.CheckConstraint("cardinality(mentor_types) > 0"
                           " AND mentor_types <@ ARRAY['design', 'technical', 'growth']::text[]",
                           name=op.f("ck_mentor_applications_mentor_types_valid")),
        fk("mentor_applications", "reviewed_by", "profiles.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_applications")),
        sa.UniqueConstraint("email", name=op.f("uq_mentor_applications_email")),
    )
    op.create_table(
        "sponsorship_inquiries",
        uuid_pk(),
        text("company_name", nullable=False),
        text("contact_name", nullable=False),
        text("email", nullable=False),
        text("website_url"),
        text("offer_description", nullable=False),
        text("additional_notes"),
        sa.Column("status", enum("sponsorship_inquiry_status"), server_default="pending",
                  nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        tstz("reviewed_at", nullable=True),
        now("created_at"),
        now("updated_at"),
        sa.CheckConstraint("email = lower(email)",
                           name=op.f("ck_sponsorship_inquiries_email_lower")),
        fk("sponsorship_inquiries", "reviewed_by", "profiles.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorship_inquiries")),
        sa.UniqueConstraint("email", name=op.f("uq_sponsorship_inquiries_email")),
    )
    op.create_table(
        "twitch_categories",
        uuid_pk(),
        text("twitch_id", nullable=False),
        text("name", nullable=False),
        text("box_art_url"),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        now("created_at"),
        fk("twitch_categories", "added_by", "profiles.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_twitch_categories")),
        sa.UniqueConstraint("twitch_id", name=op.f("uq_twitch_categories_twitch_id")),
    )
    op.create_table(
        "prize_draws",
        uuid_pk(),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        text("seed", nullable=False),
        text("algorithm", nullable=False),
        sa.Column("eligible", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("excluded_previous_winners", sa.Boolean(), server_default=sa.text("false"),
                  nullable=False),
        sa.Column("winners", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("winner_count", sa.Integer(), nullable=False),
        sa.Column("total_eligible", sa.Integer(), nullable=False),
        sa.Column("drawn_by", sa.Uuid(), nullable=True),
        now("drawn_at"),
        now("created_at"),
        sa.CheckConstraint("winner_count >= 1", name=op.f("ck_prize_draws_winner_count_positive")),
        sa.CheckConstraint("winner_count <= total_eligible",
                           name=op.f("ck_prize_draws_winner_count_within_eligible")),
        fk("prize_draws", "event_id", "events.id", "RESTRICT"),
        fk("prize_draws", "drawn_by", "profiles.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prize_draws")),
    )
    op.create_index(op.f("ix_prize_draws_event_id"), "prize_draws", ["event_id"])


def downgrade():
    # Children before parents; dropping a table drops its indexes and constraints.
    for table in ("prize_draws", "twitch_categories", "sponsorship_inquiries",
                  "mentor_applications", "project_members", "team_invites",
                  "project_events", "event_projects", "projects", "event_registrations",
                  "events", "avatars", "profiles", "admin_audit_log", "users",
                  "deleted_identities", "sessions", "accounts"):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS admin_audit_log_append_only()")
    # Alembic never drops enum types by itself. The extensions stay: other objects
    # may use them and they are harmless.
    bind = op.get_bind()
    for name in reversed(ENUMS):
        sa.Enum(name=name).drop(bind, checkfirst=True)
