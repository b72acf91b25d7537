"""Submissions carry their visibility (kept by triggers) and their visible reviews' counts.

Revision ID: 0015b_submission_visible
Revises: 0015_build_logs
Create Date: 2026-12-06

A submission is visible exactly when its project is (not hidden, the owner neither hidden
nor banned). The review and judge pages' progress line ("Reviewed X of Y") counts the
visible submissions of an event; with the flag stored on the row that count reads one
small partial index instead of joining every submission to its project and owner, so it
stays cheap as events grow. Triggers keep the copy exact whatever changes the project or
its owner (hiding, banning, restoring, handing the project to another owner); the
``flask counters verify`` command compares it with a recount.

The showcase cards show each submission's visible reviews and highlights per category;
``visible_review_count`` and ``highlight_counts`` store them beside ``highlight_count``,
recounted by the same code at the same moments (docs/rules.md "Peer review"), so a page of
cards no longer aggregates every review of every card. ``event_submission_tools.event_id``
(copied from the submission by a trigger) lets the showcase's AI-tool filter list the
tools used in an event from one index.
"""
from alembic import op

revision = "0015b_submission_visible"
down_revision = "0015_build_logs"
branch_labels = None
depends_on = None

COMPUTED = """(SELECT p.hidden_at IS NULL AND o.hidden_at IS NULL AND o.banned_at IS NULL
               FROM projects p JOIN profiles o ON o.id = p.profile_id
               WHERE p.id = {project})"""


def upgrade():
    op.execute("ALTER TABLE event_submissions ADD COLUMN visible boolean DEFAULT true NOT NULL")
    op.execute("UPDATE event_submissions s SET visible = "
               + COMPUTED.format(project="s.project_id"))
    op.execute("ALTER TABLE event_submissions "
               "ADD COLUMN visible_review_count integer DEFAULT 0 NOT NULL, "
               "ADD COLUMN highlight_counts jsonb DEFAULT '{}'::jsonb NOT NULL, "
               "ADD CONSTRAINT ck_event_submissions_visible_review_count_not_negative "
               "CHECK (visible_review_count >= 0)")
    op.execute("""
        UPDATE event_submissions s SET
          visible_review_count = (
            SELECT count(*) FROM hackathon_reviews r JOIN profiles rp ON rp.id = r.reviewer_profile_id
            WHERE r.event_id = s.event_id AND r.project_id = s.project_id
              AND r.hidden_at IS NULL AND rp.hidden_at IS NULL AND rp.banned_at IS NULL),
          highlight_counts = coalesce((
            SELECT jsonb_object_agg(c.category, c.n) FROM (
              SELECT h.category, count(*) AS n FROM hackathon_reviews r
              JOIN profiles rp ON rp.id = r.reviewer_profile_id
              JOIN hackathon_review_highlights h ON h.review_id = r.id
              WHERE r.event_id = s.event_id AND r.project_id = s.project_id
                AND r.hidden_at IS NULL AND rp.hidden_at IS NULL AND rp.banned_at IS NULL
              GROUP BY h.category) c), '{}'::jsonb)""")
    op.execute("CREATE INDEX ix_event_submissions_visible ON event_submissions "
               "(event_id, judge_score_count, project_id) WHERE visible")
    op.execute("ALTER TABLE event_submission_tools ADD COLUMN event_id uuid")
    op.execute("UPDATE event_submission_tools t SET event_id = s.event_id "
               "FROM event_submissions s WHERE s.id = t.submission_id")
    op.execute("ALTER TABLE event_submission_tools ALTER COLUMN event_id SET NOT NULL")
    op.execute("CREATE INDEX ix_event_submission_tools_event_id ON event_submission_tools "
               "(event_id, tool_id)")
    op.execute("""
        CREATE FUNCTION event_submission_tools_set_event() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.event_id := (SELECT event_id FROM event_submissions WHERE id = NEW.submission_id);
            RETURN NEW;
        END $$""")
    op.execute("""
        CREATE TRIGGER event_submission_tools_event BEFORE INSERT OR UPDATE OF submission_id
        ON event_submission_tools FOR EACH ROW
        EXECUTE FUNCTION event_submission_tools_set_event()""")
    op.execute(f"""
        CREATE FUNCTION event_submissions_set_visible() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.visible := coalesce({COMPUTED.format(project="NEW.project_id")}, false);
            RETURN NEW;
        END $$""")
    op.execute("""
        CREATE TRIGGER event_submissions_visible BEFORE INSERT OR UPDATE OF project_id
        ON event_submissions FOR EACH ROW EXECUTE FUNCTION event_submissions_set_visible()""")
    op.execute(f"""
        CREATE FUNCTION projects_submissions_visible() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE event_submissions SET visible = coalesce({COMPUTED.format(project="NEW.id")}, false)
            WHERE project_id = NEW.id;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER projects_submissions_visible AFTER UPDATE OF hidden_at, profile_id
        ON projects FOR EACH ROW
        WHEN (OLD.hidden_at IS DISTINCT FROM NEW.hidden_at
              OR OLD.profile_id IS DISTINCT FROM NEW.profile_id)
        EXECUTE FUNCTION projects_submissions_visible()""")
    op.execute("""
        CREATE FUNCTION profiles_submissions_visible() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE event_submissions s
               SET visible = (p.hidden_at IS NULL AND NEW.hidden_at IS NULL
                              AND NEW.banned_at IS NULL)
              FROM projects p
             WHERE p.profile_id = NEW.id AND s.project_id = p.id;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER profiles_submissions_visible AFTER UPDATE OF hidden_at, banned_at
        ON profiles FOR EACH ROW
        WHEN (OLD.hidden_at IS DISTINCT FROM NEW.hidden_at
              OR OLD.banned_at IS DISTINCT FROM NEW.banned_at)
        EXECUTE FUNCTION profiles_submissions_visible()""")


def downgrade():
    op.execute("DROP TRIGGER event_submission_tools_event ON event_submission_tools")
    op.execute("DROP FUNCTION event_submission_tools_set_event()")
    op.execute("DROP INDEX ix_event_submission_tools_event_id")
    op.execute("ALTER TABLE event_submission_tools DROP COLUMN event_id")
    op.execute("DROP TRIGGER profiles_submissions_visible ON profiles")
    op.execute("DROP FUNCTION profiles_submissions_visible()")
    op.execute("DROP TRIGGER projects_submissions_visible ON projects")
    op.execute("DROP FUNCTION projects_submissions_visible()")
    op.execute("DROP TRIGGER event_submissions_visible ON event_submissions")
    op.execute("DROP FUNCTION event_submissions_set_visible()")
    op.execute("DROP INDEX ix_event_submissions_visible")
    op.execute("ALTER TABLE event_submissions DROP COLUMN visible, "
               "DROP COLUMN visible_review_count, DROP COLUMN highlight_counts")
