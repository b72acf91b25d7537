"""Database handles: the declarative base with a constraint naming convention, and the
session that may send a public page's reads to a read replica (``web/replica.py``)."""
import re

from flask import g, has_request_context
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.functions import FunctionElement

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The request's replica engine, set by ``web/replica.py`` for the public read-only pages
# only (never when a replica is not configured, so the default is the primary alone).
REPLICA = "buildstory_replica_engine"
_TEXT_READ = re.compile(r"\s*(SELECT|WITH)\b", re.I)
# Statements that write or lock although they read as a SELECT: the job queue's defer
# function, notifications, sequences and advisory locks (a lock only means something on the
# primary, where the writes it guards happen).
_WRITING_FUNCTIONS = ("procrastinate_", "pg_notify", "nextval", "setval", "pg_advisory")
_TEXT_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|FOR\s+(NO\s+KEY\s+)?UPDATE"
                          r"|FOR\s+(KEY\s+)?SHARE|" + "|".join(_WRITING_FUNCTIONS) + r")", re.I)


def writes_or_locks(sql: str) -> bool:
    """True when SQL text names a write, a row lock or a writing or locking function."""
    return bool(_TEXT_WRITES.search(sql))


def plain_read(clause) -> bool:
    """True for a statement that only reads and locks nothing: a SELECT without FOR
    UPDATE/SHARE that selects no writing or locking function, or a textual SELECT/WITH
    naming no write."""
    if clause is None:
        return False
    if isinstance(clause, TextClause):
        return bool(_TEXT_READ.match(clause.text)) and not _TEXT_WRITES.search(clause.text)
    if not getattr(clause, "is_select", False) \
            or getattr(clause, "_for_update_arg", None) is not None:
        return False
    return not any(isinstance(column, FunctionElement)
                   and str(getattr(column, "name", "")).lower().startswith(_WRITING_FUNCTIONS)
                   for column in getattr(clause, "selected_columns", ()))


class Session(FlaskSession):
    """Flask-SQLAlchemy's session; on a request that ``web/replica.py`` marked as a public
    read, plain reads go to the replica. Flushes, writes and locking reads never do."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and has_request_context():
            replica = g.get(REPLICA)
            if replica is not None and not self._flushing and plain_read(clause):
                return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


class Base(DeclarativeBase):
    """Declarative base whose metadata names every constraint predictably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate(compare_type=True)
