"""The job queue's schema: procrastinate 3.10.0 (tables, types, functions, triggers).

The SQL is a copy of the pinned package's ``procrastinate/sql/schema.sql``, kept next to
the migrations as ``migrations/procrastinate-3.10.0-schema.sql`` so this revision never
changes when the package is upgraded; a later procrastinate release ships its own
migration that applies that release's ``sql/migrations/*.sql`` files. ``flask db check``
ignores ``procrastinate_*`` objects (``migrations/env.py``).

Revision ID: 0011_procrastinate
Revises: 0010_ai_tools_seed
"""
from pathlib import Path

from alembic import op

revision = "0011_procrastinate"
down_revision = "0010_ai_tools_seed"
branch_labels = None
depends_on = None

SCHEMA = Path(__file__).resolve().parent.parent / "procrastinate-3.10.0-schema.sql"


def upgrade():
    _run_script(SCHEMA.read_text())


def _run_script(sql: str) -> None:
    # Many statements in one string, passed to the driver's cursor without parameters so
    # neither SQLAlchemy nor psycopg reads the ``:`` and ``%`` inside the SQL functions as
    # placeholders; it runs in the migration's transaction.
    cursor = op.get_bind().connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def downgrade():
    # Everything the schema created is named procrastinate_* (tables take their indexes
    # and triggers with them); functions are found by name, types dropped last.
    _run_script("""
        DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
                             procrastinate_jobs, procrastinate_workers CASCADE;
        DO $$
        DECLARE f regprocedure;
        BEGIN
            FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
                     JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
            LOOP
                EXECUTE 'DROP ROUTINE ' || f::text || ' CASCADE';
            END LOOP;
        END $$;
        DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
                            procrastinate_job_status CASCADE;
    """)
