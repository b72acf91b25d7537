"""Team matching: skills, roles and time zones; open roles; join requests.

Revision ID: 0017_team_matching
Revises: 0016_roadmap
Create Date: 2026-12-06

Profiles gain curated skills and roles (arrays with bit strings kept beside them for fast
comparison), other skills and a time zone with its fixed UTC offset. Registrations carry
copies of what the teammates ranking reads (match_ok and the profile's bits, offset,
experience, country and region), kept equal by triggers, so candidates come from one
partial covering index without touching profiles. Projects gain open roles; builders can
ask to join a team (join_requests).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017_team_matching"
down_revision = "0016_roadmap"
branch_labels = None
depends_on = None

ZERO64 = "B'" + "0" * 64 + "'"
ZERO16 = "B'" + "0" * 16 + "'"
NEW_NOTIFICATION_TYPES = ("join_request_received", "join_request_accepted",
                          "join_request_declined")
NEW_HISTORY_KINDS = ("join_requested", "join_request_withdrawn", "join_request_accepted",
                     "join_request_declined")
COPIES = ("skill_bits", "role_bits", "utc_offset_minutes", "experience_level", "country",
          "region")
MATCH_OK = ("p.hidden_at IS NULL AND p.banned_at IS NULL AND p.allow_invites "
            "AND p.username IS NOT NULL")

TRIGGERS = f"""
CREATE FUNCTION event_registrations_match_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {MATCH_OK}, {", ".join("p." + c for c in COPIES)}
      INTO NEW.match_ok, {", ".join("NEW." + c for c in COPIES)}
      FROM profiles p WHERE p.id = NEW.profile_id;
    NEW.match_ok := coalesce(NEW.match_ok, false);
    RETURN NEW;
END $$;
CREATE TRIGGER event_registrations_match_copy
    BEFORE INSERT OR UPDATE OF profile_id ON event_registrations
    FOR EACH ROW EXECUTE FUNCTION event_registrations_match_copy();

CREATE FUNCTION profiles_match_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE event_registrations r
       SET match_ok = {MATCH_OK.replace("p.", "NEW.")},
           {", ".join(f"{c} = NEW.{c}" for c in COPIES)}
     WHERE r.profile_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER profiles_match_copy
    AFTER UPDATE ON profiles FOR EACH ROW
    WHEN ((OLD.hidden_at IS NULL, OLD.banned_at IS NULL, OLD.allow_invites,
           OLD.username IS NULL, {", ".join("OLD." + c for c in COPIES)})
          IS DISTINCT FROM
          (NEW.hidden_at IS NULL, NEW.banned_at IS NULL, NEW.allow_invites,
           NEW.username IS NULL, {", ".join("NEW." + c for c in COPIES)}))
    EXECUTE FUNCTION profiles_match_copy();
"""


def upgrade():
    bind = op.get_bind()
    status = postgresql.ENUM("pending", "accepted", "declined", "withdrawn",
                             name="join_request_status", create_type=False)
    status.create(bind, checkfirst=True)
    experience = postgresql.ENUM(name="experience_level", create_type=False)

    text_array = postgresql.ARRAY(sa.Text())
    op.add_column("profiles", sa.Column("skills", text_array, server_default=sa.text("'{}'"),
                                        nullable=False))
    op.add_column("profiles", sa.Column("other_skills", text_array,
                                        server_default=sa.text("'{}'"), nullable=False))
    op.add_column("profiles", sa.Column("roles", text_array, server_default=sa.text("'{}'"),
                                        nullable=False))
    op.add_column("profiles", sa.Column("skill_bits", postgresql.BIT(64),
                                        server_default=sa.text(ZERO64), nullable=False))
    op.add_column("profiles", sa.Column("role_bits", postgresql.BIT(16),
                                        server_default=sa.text(ZERO16), nullable=False))
    op.add_column("profiles", sa.Column("timezone", sa.Text(), nullable=True))
    op.add_column("profiles", sa.Column("utc_offset_minutes", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        op.f("ck_profiles_skills_bits"), "profiles",
        "cardinality(skills) <= 10 AND bit_count(skill_bits) = cardinality(skills)")
    op.create_check_constraint(
        op.f("ck_profiles_roles_bits"), "profiles",
        "cardinality(roles) <= 3 AND bit_count(role_bits) = cardinality(roles)")
    op.create_check_constraint(op.f("ck_profiles_other_skills_count"), "profiles",
                               "cardinality(other_skills) <= 3")
    op.create_check_constraint(op.f("ck_profiles_timezone_offset"), "profiles",
                               "(timezone IS NULL) = (utc_offset_minutes IS NULL)")

    op.add_column("event_registrations", sa.Column("match_ok", sa.Boolean(),
                                                   server_default=sa.false(), nullable=False))
    op.add_column("event_registrations", sa.Column("skill_bits", postgresql.BIT(64),
                                                   server_default=sa.text(ZERO64),
                                                   nullable=False))
    op.add_column("event_registrations", sa.Column("role_bits", postgresql.BIT(16),
                                                   server_default=sa.text(ZERO16),
                                                   nullable=False))
    op.add_column("event_registrations", sa.Column("utc_offset_minutes", sa.SmallInteger(),
                                                   nullable=True))
    op.add_column("event_registrations", sa.Column("experience_level", experience,
                                                   nullable=True))
    op.add_column("event_registrations", sa.Column("country", sa.CHAR(2), nullable=True))
    op.add_column("event_registrations", sa.Column("region", sa.Text(), nullable=True))
    op.execute(f"""
        UPDATE event_registrations r
           SET match_ok = {MATCH_OK}, {", ".join(f"{c} = p.{c}" for c in COPIES)}
          FROM profiles p WHERE p.id = r.profile_id""")
    op.execute(TRIGGERS)
    op.create_index("ix_event_registrations_match", "event_registrations",
                    ["event_id", sa.text("registered_at DESC"), "profile_id"],
                    postgresql_include=[*COPIES, "commitment_level"],
                    postgresql_where=sa.text("team_preference = 'looking_for_team' AND match_ok"))

    op.add_column("projects", sa.Column("open_roles", text_array, server_default=sa.text("'{}'"),
                                        nullable=False))
    op.add_column("projects", sa.Column("open_role_bits", postgresql.BIT(16),
                                        server_default=sa.text(ZERO16), nullable=False))
    op.create_check_constraint(
        op.f("ck_projects_open_roles_bits"), "projects",
        "cardinality(open_roles) <= 5 AND bit_count(open_role_bits) = cardinality(open_roles)")

    op.create_table(
        "join_requests",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", status, server_default="pending", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("char_length(message) <= 500",
                           name=op.f("ck_join_requests_message_length")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_join_requests_project_id_projects")),
        sa.ForeignKeyConstraint(["requester_id"], ["profiles.id"], ondelete="CASCADE",
                                name=op.f("fk_join_requests_requester_id_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_requests")),
    )
    op.create_index("ix_join_requests_one_pending", "join_requests",
                    ["project_id", "requester_id"], unique=True,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_join_requests_requester_id_status", "join_requests",
                    ["requester_id", "status"])
    op.create_index("ix_join_requests_project_id_status", "join_requests",
                    ["project_id", "status"])

    # New values are not used in this transaction, so ADD VALUE may run inside it.
    for kind in NEW_NOTIFICATION_TYPES:
        op.execute(f"ALTER TYPE notification_type ADD VALUE IF NOT EXISTS '{kind}'")
    for kind in NEW_HISTORY_KINDS:
        op.execute(f"ALTER TYPE project_event_kind ADD VALUE IF NOT EXISTS '{kind}'")


def downgrade():
    # The enum values stay (PostgreSQL cannot drop them), so notifications and history
    # lines of join requests stay valid and are kept; upgrading adds the values with IF NOT
    # EXISTS.
    op.drop_table("join_requests")
    sa.Enum(name="join_request_status").drop(op.get_bind(), checkfirst=True)
    op.drop_constraint(op.f("ck_projects_open_roles_bits"), "projects", type_="check")
    op.drop_column("projects", "open_role_bits")
    op.drop_column("projects", "open_roles")
    op.execute("DROP TRIGGER profiles_match_copy ON profiles")
    op.execute("DROP FUNCTION profiles_match_copy()")
    op.execute("DROP TRIGGER event_registrations_match_copy ON event_registrations")
    op.execute("DROP FUNCTION event_registrations_match_copy()")
    op.drop_index("ix_event_registrations_match", table_name="event_registrations")
    for column in ("region", "country", "experience_level", "utc_offset_minutes", "role_bits",
                   "skill_bits", "match_ok"):
        op.drop_column("event_registrations", column)
    for name in ("timezone_offset", "other_skills_count", "roles_bits", "skills_bits"):
        op.drop_constraint(op.f(f"ck_profiles_{name}"), "profiles", type_="check")
    for column in ("utc_offset_minutes", "timezone", "role_bits", "skill_bits", "roles",
                   "other_skills", "skills"):
        op.drop_column("profiles", column)
