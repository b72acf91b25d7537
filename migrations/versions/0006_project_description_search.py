"""Project search over descriptions: trigram index on projects.description.

Revision ID: 0006_project_description_search
Revises: 0005_directory_country_index
Create Date: 2026-12-06

`/projects?q=` matches names or descriptions with ILIKE '%q%'; with a trigram index on
each column PostgreSQL answers the OR with two bitmap index scans instead of reading
every description.
"""
from alembic import op

revision = "0006_project_description_search"
down_revision = "0005_directory_country_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_projects_description_trgm", "projects", ["description"],
                    postgresql_using="gin", postgresql_ops={"description": "gin_trgm_ops"})


def downgrade():
    op.drop_index("ix_projects_description_trgm", table_name="projects")
