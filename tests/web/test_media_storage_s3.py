"""Uploaded media on an S3-compatible store: a real ``moto_server`` process on loopback
(installed by ``make install`` from the dev extras), reached by the app's real boto3
client with ``STORAGE_URL=s3://…``. Avatars, demo images (and thumbnails), share cards
and post images are uploaded through the pages, land in the bucket, come back through
their app URLs with the same bytes and caching headers, and their objects are deleted
by the job once the deleting transaction has committed — never by a rolled-back one."""
from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from buildstory import storage
from buildstory.buildlogs import services as post_services
from buildstory.buildlogs.models import PostImage
from buildstory.db import db
from buildstory.hackathon import cards
from buildstory.hackathon import submission_reads as reads
from buildstory.hackathon.models import EventSubmission, SubmissionCard, SubmissionImage
from buildstory.identity import services as identity, tokens
from buildstory.profiles import services as profile_services
from buildstory.profiles.models import Avatar, Profile
from buildstory.projects.models import Project
from buildstory.storage.models import MediaDeletion, MediaObject
from tests.conftest import Client
from tests.factories import (AvatarFactory, EventFactory, EventRegistrationFactory,
                             ProfileFactory, ProjectFactory)
from tests.helpers import run_jobs
from tests.querycount import count_queries

BUCKET = "buildstory-media"
IMMUTABLE = "public, max-age=31536000, immutable"
TASK = storage.DELETE_TASK
READY = re.compile(r"Running on http://127\.0\.0\.1:(\d+)")


@pytest.fixture(scope="session")
def s3_endpoint():
    """``moto_server`` on a port of its choosing; the fixture reads the port from the line
    it prints once it listens, and stops the process (by its pid) at the end."""
    exe = Path(sys.executable).with_name("moto_server")
    assert exe.is_file(), "moto_server not installed: `make install` (dev extras)"
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", "0"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    port = None
    for line in proc.stderr:  # blocks until the server speaks (or exits: EOF)
        found = READY.search(line)
        if found:
            port = int(found.group(1))
            break
    if port is None:
        proc.wait(10)
        pytest.fail(f"moto_server did not start (exit {proc.returncode})")
    # keep reading its request log so a full pipe never blocks it
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def bucket(s3_endpoint):
    """A client of our own (not the app's) to look into the bucket."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def s3(app, bucket, s3_endpoint):
    """The app configured with ``STORAGE_URL=s3://…`` for one test."""
    before = app.config.get("STORAGE_URL"), app.extensions.get(storage.EXTENSION_KEY)
    app.config["STORAGE_URL"] = (f"s3://{BUCKET}?endpoint={s3_endpoint}&region=us-east-1"
                                 f"&access_key=test&secret_key=test&prefix=media")
    storage.init_app(app)
    assert app.extensions[storage.EXTENSION_KEY].external
    yield bucket
    app.config["STORAGE_URL"], app.extensions[storage.EXTENSION_KEY] = before


def stored(bucket, key) -> bytes | None:
    """The object's bytes as the S3 server has them, or None when there is none."""
    try:
        return bucket.get_object(Bucket=BUCKET, Key=f"media/{key}")["Body"].read()
    except bucket.exceptions.NoSuchKey:
        return None


def png(size=(800, 500), colour=(10, 150, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def assert_served(client, url, data, etag, content_type="image/webp"):
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == content_type, url
    assert r.get_data() == data, url
    assert r.headers["Cache-Control"] == IMMUTABLE and r.headers["ETag"] == f'"{etag}"'


def team_with_event(session):
    event = EventFactory(active=True, slug="s3-jam", name="S3 Jam")
    project = ProjectFactory(slug="s3-bot", name="Bucket Bot")
    EventRegistrationFactory(event=event, profile=project.owner)
    session.flush()
    return event, project


SUBMISSION = "/projects/s3-bot/submissions/s3-jam"
FORM = {"what_built": "A bot that fills buckets", "demo_url": "https://bot.example",
        "repo_url": "", "video_url": "", "lesson_learned": ""}


def test_uploads_go_to_the_bucket_and_come_back_through_the_app(s3, login, client, db_session):
    event, project = team_with_event(db_session)
    owner = project.owner
    me = login(owner)

    # the avatar
    r = me.post("/settings/avatar", {"avatar": (io.BytesIO(png((300, 300))), "me.png")},
                content_type="multipart/form-data")
    assert r.status_code == 303
    avatar = db_session.get(Avatar, owner.id)
    assert avatar.data is None and avatar.storage_key.startswith(f"avatars/{owner.id}/")
    data = stored(s3, avatar.storage_key)
    assert data[8:12] == b"WEBP" and len(data) == avatar.size
    assert db_session.get(MediaObject, avatar.storage_key) is None  # not in the database
    assert_served(client, f"/avatars/{owner.id}/{avatar.hash}", data, avatar.hash)

    # the demo image and its thumbnail
    assert me.post(SUBMISSION, FORM).status_code == 303
    r = me.post(SUBMISSION + "/image", {"image": (io.BytesIO(png()), "demo.png")},
                content_type="multipart/form-data")
    assert r.status_code == 303
    image = db_session.scalar(select(SubmissionImage))
    assert image.image is None and image.thumb is None
    big, thumb = stored(s3, image.storage_key), stored(s3, image.thumb_storage_key)
    assert Image.open(io.BytesIO(big)).size == (800, 500)
    assert Image.open(io.BytesIO(thumb)).size == (480, 300)
    src = f"/submission-images/{image.submission_id}/{image.hash}"
    assert_served(client, src, big, image.hash)
    assert_served(client, src + "/thumb", thumb, image.hash)

    # the share card, stored on its first request
    sub = db_session.get(EventSubmission, image.submission_id)
    version = cards.card_version(reads.current_card_inputs(db_session, sub.id))
    first = client.get(f"/cards/{sub.id}/{version}.png")
    assert first.status_code == 200 and first.mimetype == "image/png"
    card = db_session.get(SubmissionCard, sub.id)
    assert card.png is None and stored(s3, card.storage_key) == first.get_data()
    assert_served(client, f"/cards/{sub.id}/{version}.png", first.get_data(), version,
                  "image/png")

    # a post image
    r = me.post(f"/projects/{project.slug}/updates",
                {"body": "New header", "image_description": "The new header",
                 "image": (io.BytesIO(png((1200, 600))), "a.png")},
                content_type="multipart/form-data")
    assert r.status_code == 303
    post_image = db_session.scalar(select(PostImage))
    assert post_image.data is None
    data = stored(s3, post_image.storage_key)
    assert data[8:12] == b"WEBP" and len(data) == post_image.size
    assert_served(client, f"/post-images/{post_image.post_id}/{post_image.hash}", data,
                  post_image.hash)

    # a hidden builder's avatar still answers only to them (the same rule as before)
    db_session.get(Profile, owner.id).hidden_at = avatar.created_at
    db_session.flush()
    assert client.get(f"/avatars/{owner.id}/{avatar.hash}").status_code == 404
    mine = me.get(f"/avatars/{owner.id}/{avatar.hash}")
    assert mine.status_code == 200 and mine.headers["Cache-Control"].startswith("private")


def test_rows_stored_before_the_switch_are_still_served(s3, client, db_session):
    """Bytes inline (older rows) and objects in the database (moved there by the
    migration) keep working once the bucket is configured."""
    inline = AvatarFactory()
    assert_served(client, f"/avatars/{inline.profile_id}/{inline.hash}", inline.data,
                  inline.hash)
    profile = ProfileFactory()
    data = inline.data
    key = storage.DATABASE.key_for("avatars", profile.id, "0123456789abcdef", ".webp")
    storage.DATABASE.put(db_session, key, data, "image/webp")
    db_session.add(Avatar(profile_id=profile.id, hash="0123456789abcdef", storage_key=key,
                          size=len(data), content_type="image/webp"))
    profile.avatar_hash = "0123456789abcdef"
    db_session.flush()
    assert_served(client, f"/avatars/{profile.id}/0123456789abcdef", data, "0123456789abcdef")


def test_flask_storage_move_puts_database_images_in_the_bucket(s3, app, client, db_session):
    profile = ProfileFactory()
    data = AvatarFactory.build().data
    key = storage.DATABASE.key_for("avatars", profile.id, "00000000000000aa", ".webp")
    storage.DATABASE.put(db_session, key, data, "image/webp")
    db_session.add(Avatar(profile_id=profile.id, hash="00000000000000aa", storage_key=key,
                          size=len(data), content_type="image/webp"))
    profile.avatar_hash = "00000000000000aa"
    db_session.flush()
    assert stored(s3, key) is None
    result = app.test_cli_runner().invoke(args=["storage", "move", "--batch", "1"])
    assert result.exit_code == 0 and "Every image is in the bucket." in result.output
    assert stored(s3, key) == data
    assert db_session.scalar(select(func.count()).select_from(MediaObject)) == 0
    assert_served(client, f"/avatars/{profile.id}/00000000000000aa", data, "00000000000000aa")


def signed_in(app, profile) -> Client:
    c = Client(app)
    c.raw.set_cookie(app.config["SESSION_COOKIE_NAME"], tokens.encode_session(
        identity.create_session(db.session, profile.clerk_id, user_agent="s3",
                                now=identity.utcnow(), lifetime_days=1)))
    return c


def queued(app) -> set[str]:
    with app.app_context():
        keys = set(db.session.scalars(select(MediaDeletion.key)))
        db.session.remove()
        return keys


def test_deleting_media_deletes_their_objects_after_the_commit(s3, committed):
    app = committed
    with app.app_context():
        event, project = team_with_event(db.session)
        owner_id, slug = project.owner.id, project.slug
        me = signed_in(app, project.owner)
        db.session.commit()
        db.session.remove()

    def row(model, **where):
        with app.app_context():
            found = db.session.scalars(select(model).filter_by(**where)).one_or_none()
            db.session.expunge_all()
            db.session.remove()
            return found

    # replacing an avatar: the old object stays until the job runs, then goes
    me.post("/settings/avatar", {"avatar": (io.BytesIO(png((90, 90))), "a.png")},
            content_type="multipart/form-data")
    old = row(Avatar, profile_id=owner_id).storage_key
    me.post("/settings/avatar", {"avatar": (io.BytesIO(png((90, 90), (200, 0, 0))), "b.png")},
            content_type="multipart/form-data")
    new = row(Avatar, profile_id=owner_id).storage_key
    assert old != new and queued(app) == {old} and stored(s3, old) is not None
    left = run_jobs(app, tasks={TASK})
    assert not left.get("failed") and queued(app) == set()
    assert stored(s3, old) is None and stored(s3, new) is not None

    # removing it
    r = me.post("/settings/avatar/delete", {"confirm": "yes"})
    assert r.status_code == 303 and row(Avatar, profile_id=owner_id) is None
    run_jobs(app, tasks={TASK})
    assert stored(s3, new) is None

    # a demo image and its thumbnail, removed
    me.post(SUBMISSION, FORM)
    me.post(SUBMISSION + "/image", {"image": (io.BytesIO(png()), "demo.png")},
            content_type="multipart/form-data")
    image = row(SubmissionImage)
    keys = {image.storage_key, image.thumb_storage_key}
    assert all(stored(s3, k) for k in keys)
    assert me.post(SUBMISSION + "/image/delete", {"confirm": "yes"}).status_code == 303
    run_jobs(app, tasks={TASK})
    assert [stored(s3, k) for k in keys] == [None, None]

    # a post, deleted with its image
    me.post(f"/projects/{slug}/updates",
            {"body": "Header", "image_description": "The header",
             "image": (io.BytesIO(png((400, 200))), "a.png")},
            content_type="multipart/form-data")
    post_image = row(PostImage)
    assert stored(s3, post_image.storage_key) is not None
    r = me.post(f"/posts/{post_image.post_id}/delete", {"confirm": "yes"})
    assert r.status_code == 303 and row(PostImage) is None
    run_jobs(app, tasks={TASK})
    assert stored(s3, post_image.storage_key) is None
    assert me.get(f"/post-images/{post_image.post_id}/{post_image.hash}").status_code == 404

    # a deleted project takes its posts' images with it (a cascade); this post skips the
    # ten seconds between posts
    with app.app_context():
        owner = db.session.get(Profile, owner_id)
        post_services.create_post(db.session, owner, {"body": "Another",
                                                      "image_description": "Another header"},
                                  project=db.session.scalars(
                                      select(Project).filter_by(slug=slug)).one(),
                                  image=png((300, 200)), now=identity.utcnow(), limits=False)
        db.session.commit()
        db.session.remove()
    key = row(PostImage).storage_key
    r = me.post(f"/projects/{slug}/delete", {"confirm": "yes"})
    assert r.status_code == 303 and row(PostImage) is None and queued(app) == {key}
    run_jobs(app, tasks={TASK})
    assert stored(s3, key) is None and queued(app) == set()


def test_a_rolled_back_deletion_keeps_the_object_and_cascades_are_swept(s3, committed):
    app = committed
    with app.app_context():
        profile = ProfileFactory()
        profile_services.set_avatar(db.session, profile, png((64, 64)), now=identity.utcnow())
        db.session.commit()
        key, profile_id = db.session.get(Avatar, profile.id).storage_key, profile.id
        # a request that deletes the avatar, then fails and rolls back
        profile_services.remove_avatar(db.session, db.session.get(Profile, profile_id),
                                       now=identity.utcnow())
        db.session.rollback()
        db.session.remove()
    left = run_jobs(app, tasks={TASK})
    assert not left and queued(app) == set() and stored(s3, key) is not None
    with app.app_context():
        assert db.session.get(Avatar, profile_id).storage_key == key
        # a deletion that cascades from elsewhere (the profile row itself) queues the key too;
        # the job's ten-minute round (here: run at once) deletes the object
        db.session.execute(text("DELETE FROM profiles WHERE id = :id"), {"id": profile_id})
        db.session.commit()
        db.session.remove()
    assert queued(app) == {key}
    with app.app_context():
        from buildstory import jobs

        jobs.defer(db.session, TASK)
        db.session.commit()
        db.session.remove()
    run_jobs(app, tasks={TASK})
    assert queued(app) == set() and stored(s3, key) is None


def test_the_database_backend_keeps_objects_in_the_transaction(db_session):
    """Without STORAGE_URL the bytes live in media_objects; deleting a row deletes its
    object in the same transaction (no job), and a rollback keeps it."""
    assert not storage.current().external
    profile = ProfileFactory()
    profile_services.set_avatar(db_session, profile, png((64, 64)), now=identity.utcnow())
    key = db_session.get(Avatar, profile.id).storage_key
    assert key == f"avatars/{profile.id}/{profile.avatar_hash}.webp"
    assert db_session.get(MediaObject, key).data[8:12] == b"WEBP"
    savepoint = db_session.begin_nested()
    profile_services.remove_avatar(db_session, profile, now=identity.utcnow())
    assert db_session.scalar(select(func.count()).select_from(MediaObject)) == 0
    savepoint.rollback()
    assert db_session.get(MediaObject, key) is not None
    assert db_session.scalar(select(func.count()).select_from(MediaDeletion)) == 0


def test_database_images_are_served_with_their_row_in_one_statement(app, client, db_session):
    """An image in media_objects costs the same one statement an inline one did."""
    profile = ProfileFactory()
    profile_services.set_avatar(db_session, profile, png((64, 64)), now=identity.utcnow())
    inline = AvatarFactory()
    db_session.flush()
    counts = []
    for url in (f"/avatars/{profile.id}/{profile.avatar_hash}",
                f"/avatars/{inline.profile_id}/{inline.hash}"):
        client.get(url)  # warm: the first request of a session may read more
        with count_queries(app) as q:
            assert client.get(url).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1]
    assert sum("media_objects" in s for s in q.statements) == 1  # the subquery, no extra read


def test_a_store_that_does_not_answer_is_a_503_with_a_message(app, login, client, db_session):
    """Uploads and images of a bucket nobody answers for: 503 and the message, nothing
    stored, never a 500."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    before = app.config.get("STORAGE_URL"), app.extensions.get(storage.EXTENSION_KEY)
    app.config["STORAGE_URL"] = (f"s3://{BUCKET}?endpoint=http://127.0.0.1:{port}"
                                 f"&region=us-east-1&access_key=test&secret_key=test")
    storage.init_app(app)
    try:
        profile = ProfileFactory()
        me = login(profile)
        for htmx in (False, True):
            r = me.post("/settings/avatar", {"avatar": (io.BytesIO(png((64, 64))), "me.png")},
                        content_type="multipart/form-data", htmx=htmx,
                        headers={"HX-Target": "avatar-panel"} if htmx else None)
            assert r.status_code == 503 and storage.UNAVAILABLE in r.get_data(as_text=True)
        assert db_session.get(Avatar, profile.id) is None
        db_session.add(Avatar(profile_id=profile.id, hash="00000000000000bb",
                              storage_key="avatars/x/00000000000000bb-1.webp", size=1,
                              content_type="image/webp"))
        db_session.get(Profile, profile.id).avatar_hash = "00000000000000bb"
        db_session.flush()
        r = client.get(f"/avatars/{profile.id}/00000000000000bb")
        assert r.status_code == 503
    finally:
        app.config["STORAGE_URL"], app.extensions[storage.EXTENSION_KEY] = before


@pytest.mark.parametrize("url, message", [
    ("ftp://bucket", "STORAGE_URL must be"),
    ("s3://?endpoint=http://127.0.0.1:9", "needs a bucket name"),
])
def test_a_wrong_storage_url_is_refused_at_start(url, message):
    with pytest.raises(ValueError, match=message):
        storage.from_url(url)


def test_the_s3_url_names_bucket_endpoint_region_prefix_and_keys():
    backend = storage.from_url("s3://media?endpoint=http://127.0.0.1:9000&region=eu-west-1"
                               "&prefix=/bs/&access_key=a&secret_key=b")
    assert (backend.bucket, backend.endpoint, backend.region) == (
        "media", "http://127.0.0.1:9000", "eu-west-1")
    assert backend.object_name("avatars/x.webp") == "bs/avatars/x.webp"
    assert storage.from_url(None) is storage.DATABASE
    assert storage.from_url("database") is storage.DATABASE
