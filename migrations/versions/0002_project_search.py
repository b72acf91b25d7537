"""Project search and listing indexes: trigram on projects.name, (created_at, id) order.

Revision ID: 0002_project_search
Revises: 0001_initial
Create Date: 2026-11-23

`/projects?q=` matches names with ILIKE '%q%' (served by the trigram index) and every
project list is ordered newest first (served by the (created_at, id) index).
"""
from alembic import op

revision = "0002_project_search"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_projects_name_trgm", "projects", ["name"], postgresql_using="gin",
                    postgresql_ops={"name": "gin_trgm_ops"})
    op.create_index("ix_projects_created_at_id", "projects", ["created_at", "id"])


def downgrade():
    op.drop_index("ix_projects_created_at_id", table_name="projects")
    op.drop_index("ix_projects_name_trgm", table_name="projects")
