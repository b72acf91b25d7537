"""Uploaded media (avatars, demo images and thumbnails, share cards, post images) behind
one interface, chosen by ``STORAGE_URL`` (docs/architecture.md "Media storage").

- unset or ``database`` (the default): the bytes live in the ``media_objects`` table, in
  the caller's transaction — a rolled-back request leaves nothing behind.
- ``s3://<bucket>?endpoint=http://…&region=…`` (also ``prefix=``, ``access_key=``,
  ``secret_key=``; else the standard AWS environment variables): an S3-compatible store.

A media row (``avatars``, ``post_images``, ``submission_images``, ``submission_cards``)
keeps its metadata (content type, size, the hash or version in its URL) and the object's
``storage_key``. Migration ``0022_media_storage`` moved the bytes of existing rows into
``media_objects``; a row may still hold its bytes inline (``data``: bulk-seeded bench
data) and is served from them; with S3 configured, a key the bucket lacks is read from
``media_objects`` (objects stored before the switch).

Database keys are the content's (``avatars/<profile id>/<hash>.webp``): the same upload
again is the same object. External keys get a random part per write, so the job deleting
an old key can never remove a newer upload of the same bytes.

Deleting or replacing a row releases its key in the database itself (trigger
``media_release``, migration ``0022_media_storage``): a database object goes with the row;
an external key is queued in ``media_deletions`` and the ``storage.delete_objects`` job
removes the object after the transaction commits. A rolled-back request therefore never
deletes an object.
"""
from __future__ import annotations

from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select, text

from .errors import UNAVAILABLE, StorageUnavailable  # noqa: F401  (the package's API)

DEFAULT_URL = "database"
DELETE_TASK = "storage.delete_objects"
EXTENSION_KEY = "buildstory_storage"


class Backend(Protocol):
    """What every backend does. ``external`` is True when objects live outside PostgreSQL
    (their deletion is work after the commit)."""

    name: str
    external: bool

    def put(self, session, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, session, key: str) -> bytes | None: ...

    def delete(self, session, keys: list[str]) -> None: ...

    def key_for(self, kind: str, owner_id, digest: str, suffix: str) -> str: ...


class DatabaseStorage:
    """Objects as rows of ``media_objects``, written in the caller's transaction."""

    name = "database"
    external = False

    # A key is its content's: storing it again (the same avatar twice, two requests
    # filling one card) keeps the one object.
    PUT = text("INSERT INTO media_objects (key, content_type, data) VALUES (:k, :t, :d) "
               "ON CONFLICT (key) DO NOTHING")
    GET = text("SELECT data FROM media_objects WHERE key = :k")
    DELETE = text("DELETE FROM media_objects WHERE key = ANY(:keys)")

    def put(self, session, key, data, content_type):
        session.execute(self.PUT, {"k": key, "t": content_type, "d": data})

    def get(self, session, key):
        return session.scalar(self.GET, {"k": key})

    def delete(self, session, keys):
        if keys:
            session.execute(self.DELETE, {"keys": list(keys)})

    def key_for(self, kind, owner_id, digest, suffix):
        return f"{kind}/{owner_id}/{digest}{suffix}"


DATABASE = DatabaseStorage()


def from_url(url: str | None) -> Backend:
    """Return the backend ``url`` names (see the module's docstring)."""
    url = (url or DEFAULT_URL).strip()
    if url in ("database", "db", "postgresql"):
        return DATABASE
    parts = urlsplit(url)
    if parts.scheme == "s3":
        from .s3 import S3Storage

        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if not parts.netloc:
            raise ValueError("STORAGE_URL s3://… needs a bucket name")
        return S3Storage(bucket=parts.netloc, endpoint=query.get("endpoint"),
                         region=query.get("region"), prefix=query.get("prefix", ""),
                         access_key=query.get("access_key"),
                         secret_key=query.get("secret_key"))
    raise ValueError(f"STORAGE_URL must be 'database' or s3://<bucket>?…, not {url!r}")


def init_app(app) -> None:
    """Build the configured backend now, so a wrong STORAGE_URL fails at start-up."""
    app.extensions[EXTENSION_KEY] = from_url(app.config.get("STORAGE_URL"))


def current() -> Backend:
    """The app's backend (the database one outside an app context)."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return DATABASE
    found = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        found = current_app.extensions[EXTENSION_KEY] = from_url(
            current_app.config.get("STORAGE_URL"))
    return found


def new_key(kind: str, owner_id, digest: str, suffix: str) -> str:
    """The key to store new content under: ``<kind>/<owner id>/<digest><suffix>`` in the
    database, with a random part in an external store."""
    return current().key_for(kind, owner_id, digest, suffix)


def put(session, key: str, data: bytes, content_type: str) -> str:
    """Store ``data`` under ``key`` with the app's backend; return the key."""
    current().put(session, key, data, content_type)
    return key


def bytes_column(inline, key):
    """A column of a media row's bytes wherever PostgreSQL holds them — inline in the row,
    or the database backend's object — so serving reads row and bytes in one statement
    (NULL when the object is external). Pass what it selected to ``read`` as ``inline``."""
    from .models import MediaObject

    return func.coalesce(inline, select(MediaObject.data).where(MediaObject.key == key)
                         .scalar_subquery())


def read(session, *, key: str | None, inline: bytes | None) -> bytes | None:
    """The bytes of a media row: ``inline`` when given (bytes in the row, or selected with
    ``bytes_column``), else its object — from the external store, and from PostgreSQL for
    objects stored there before the switch."""
    if inline is not None or key is None:
        return inline
    backend = current()
    found = backend.get(session, key)
    if found is None and backend.external:
        found = DATABASE.get(session, key)  # stored before the switch to the external store
    return found


def forget(session, key: str) -> None:
    """Release a fresh key that no row took (a concurrent request stored the same content
    first). In the database that key is the winner's too: nothing to do; an external
    object of ours is queued for deletion after the commit."""
    if current().external:
        session.execute(text("INSERT INTO media_deletions (key) VALUES (:k) "
                             "ON CONFLICT DO NOTHING"), {"k": key})
        released(session)


def released(session) -> None:
    """After deleting or replacing media rows: with an external backend, queue the job
    that deletes their objects once this transaction commits (one job waits at a time;
    the job also runs every ten minutes for rows deleted by cascades)."""
    if current().external:
        from .. import jobs

        jobs.defer(session, DELETE_TASK, queueing_lock=DELETE_TASK)


MOVE_TAKE = text("SELECT key, content_type, data FROM media_objects ORDER BY key LIMIT :n "
                 "FOR UPDATE SKIP LOCKED")


def move_to_external(session, *, batch: int = 100) -> int:
    """Copy up to ``batch`` objects of ``media_objects`` to the external backend, then
    delete them from the table (the caller commits); return how many moved."""
    backend = current()
    if not backend.external:
        raise ValueError("STORAGE_URL names no external store")
    rows = session.execute(MOVE_TAKE, {"n": batch}).all()
    for key, content_type, data in rows:
        backend.put(session, key, data, content_type)
    DATABASE.delete(session, [key for key, _type, _data in rows])
    return len(rows)
