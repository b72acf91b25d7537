"""Alembic environment for Flask-Migrate and Flask-SQLAlchemy 3 (as `flask db init` writes it).

Additions: types are compared (``compare_type``), and ``include_object`` skips any
index autogenerate cannot read back faithfully (see ``MISREAD_INDEXES``) and the job
queue's own tables (``procrastinate_*``, created from procrastinate's schema.sql by
``0011_procrastinate``; they have no SQLAlchemy models).
"""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

# Indexes autogenerate reads back wrongly (expression or operator-class indexes it
# reports as changed on every run) are listed here by exact name, each with a reason.
# Alembic 1.20 reads back every index of 0001_initial faithfully, including the
# gin_trgm_ops, text_pattern_ops and partial (WHERE featured) ones -- `flask db check`
# is clean without exclusions -- so the list is empty. Never add a name "just in case":
# an excluded index is invisible to drift detection.
MISREAD_INDEXES: frozenset[str] = frozenset()


JOB_QUEUE_PREFIX = "procrastinate_"


def include_object(obj, name, type_, reflected, compare_to):
    """Leave the misread indexes and the job queue's tables out of autogenerate and
    `flask db check`."""
    if type_ == "table" and (name or "").startswith(JOB_QUEUE_PREFIX):
        return False
    table = getattr(obj, "table", None)
    if table is not None and table.name.startswith(JOB_QUEUE_PREFIX):
        return False
    return not (type_ == "index" and name in MISREAD_INDEXES)


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode: emit SQL for the configured URL."""
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=get_metadata(), literal_binds=True,
                      compare_type=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode: against the app's engine."""

    # Don't write an empty migration when nothing changed.
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("include_object", include_object)

    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
