"""The database backend's objects and the queue of external objects to delete."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db


class MediaObject(db.Model):
    """An object of the database backend (``STORAGE_URL=database``)."""

    __tablename__ = "media_objects"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    content_type: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class MediaDeletion(db.Model):
    """A key of an external backend whose row is gone (committed): the
    ``storage.delete_objects`` job deletes the object, then this row."""

    __tablename__ = "media_deletions"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
