"""Media storage: objects behind one interface (buildstory/storage/).

Revision ID: 0022_media_storage
Revises: 0018_ownership
Create Date: 2026-12-06

Avatars, demo images and thumbnails, share cards and post images keep their metadata and
gain ``storage_key`` (and ``size``); their bytes live in the configured backend: the new
``media_objects`` table (the default) or an S3-compatible store. The bytes of existing
rows move to ``media_objects`` under their content's key (what the database backend
writes); a row may still hold bytes inline, and is served from them. ``media_release`` runs when a media row is deleted (also by a cascade) or its
key replaced: a database object is deleted with the row, in the same transaction; an
external key is queued in ``media_deletions`` for the job that deletes it after commit.
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_media_storage"
down_revision = "0018_ownership"
branch_labels = None
depends_on = None

# table -> (the inline bytes column(s), their key column(s), the largest size or None)
MEDIA = {
    "avatars": (("data",), ("storage_key",), 65536),
    "post_images": (("data",), ("storage_key",), 512 * 1024),
    "submission_images": (("image", "thumb"), ("storage_key", "thumb_storage_key"), None),
    "submission_cards": (("png",), ("storage_key",), None),
}

# (table, inline column) -> (the key the database backend gives that content, its type)
MOVE = {
    ("avatars", "data"): ("'avatars/' || profile_id || '/' || hash || '.webp'", "content_type"),
    ("post_images", "data"): ("'posts/' || post_id || '/' || hash || '.webp'", "'image/webp'"),
    ("submission_images", "image"): ("'submissions/' || submission_id || '/' || hash || '.webp'",
                                     "'image/webp'"),
    ("submission_images", "thumb"): ("'submissions/' || submission_id || '/' || hash "
                                     "|| '-thumb.webp'", "'image/webp'"),
    ("submission_cards", "png"): ("'cards/' || submission_id || '/' || version || '.png'",
                                  "'image/png'"),
}

RELEASE = """
CREATE FUNCTION media_release_key(old_key text, new_key text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF old_key IS NULL OR old_key IS NOT DISTINCT FROM new_key THEN
    RETURN;
  END IF;
  DELETE FROM media_objects WHERE key = old_key;
  IF NOT FOUND THEN
    INSERT INTO media_deletions (key) VALUES (old_key) ON CONFLICT DO NOTHING;
  END IF;
END $$;

CREATE FUNCTION media_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM media_release_key(OLD.storage_key, NULL);
    IF TG_TABLE_NAME = 'submission_images' THEN
      PERFORM media_release_key(OLD.thumb_storage_key, NULL);
    END IF;
  ELSE
    PERFORM media_release_key(OLD.storage_key, NEW.storage_key);
    IF TG_TABLE_NAME = 'submission_images' THEN
      PERFORM media_release_key(OLD.thumb_storage_key, NEW.thumb_storage_key);
    END IF;
  END IF;
  RETURN NULL;
END $$;
"""


def upgrade():
    op.create_table(
        "media_objects",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_media_objects")),
    )
    op.create_table(
        "media_deletions",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_media_deletions")),
    )
    for table, (inline, keys, largest) in MEDIA.items():
        for column in inline:
            op.alter_column(table, column, existing_type=sa.LargeBinary(), nullable=True)
        for column in keys:
            op.add_column(table, sa.Column(column, sa.Text(), nullable=True))
        op.add_column(table, sa.Column("size", sa.Integer(), nullable=True))
        if largest:
            op.create_check_constraint("size_max", table, f"size <= {largest}")
        op.create_check_constraint("one_place", table, " AND ".join(
            f"({i} IS NULL) <> ({k} IS NULL)" for i, k in zip(inline, keys)))
    for table, (inline, keys, _largest) in MEDIA.items():
        for i, k in zip(inline, keys):
            key, content_type = MOVE[(table, i)]
            op.execute(f"INSERT INTO media_objects (key, content_type, data) "
                       f"SELECT {key}, {content_type}, {i} FROM {table} WHERE {i} IS NOT NULL "
                       f"ON CONFLICT (key) DO NOTHING")
        op.execute(f"UPDATE {table} SET size = octet_length({inline[0]}), " + ", ".join(
            f"{k} = {MOVE[(table, i)][0]}, {i} = NULL" for i, k in zip(inline, keys))
            + f" WHERE {inline[0]} IS NOT NULL")
    op.execute(RELEASE)
    for table, (_inline, keys, _largest) in MEDIA.items():
        op.execute(f"CREATE TRIGGER {table}_media_release "
                   f"AFTER DELETE OR UPDATE OF {', '.join(keys)} ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION media_release()")


def downgrade():
    # Rows whose bytes live only in an object cannot go back to inline bytes: copy the
    # database backend's objects back, and drop rows whose object is elsewhere.
    for table, (inline, keys, _largest) in MEDIA.items():
        op.execute(f"DROP TRIGGER {table}_media_release ON {table}")
    op.execute("DROP FUNCTION media_release()")
    op.execute("DROP FUNCTION media_release_key(text, text)")
    for table, (inline, keys, largest) in MEDIA.items():
        op.drop_constraint(op.f(f"ck_{table}_one_place"), table, type_="check")
        if largest:
            op.drop_constraint(op.f(f"ck_{table}_size_max"), table, type_="check")
        for i, k in zip(inline, keys):
            op.execute(f"UPDATE {table} t SET {i} = o.data FROM media_objects o "
                       f"WHERE t.{i} IS NULL AND o.key = t.{k}")
            op.execute(f"DELETE FROM {table} WHERE {i} IS NULL")
        op.drop_column(table, "size")
        for column in keys:
            op.drop_column(table, column)
        for column in inline:
            op.alter_column(table, column, existing_type=sa.LargeBinary(), nullable=False)
    op.execute("UPDATE profiles p SET avatar_hash = NULL WHERE avatar_hash IS NOT NULL "
               "AND NOT EXISTS (SELECT 1 FROM avatars a WHERE a.profile_id = p.id)")
    op.drop_table("media_deletions")
    op.drop_table("media_objects")
