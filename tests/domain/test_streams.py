"""Followed Twitch categories and the streams page's list (docs/rules.md "Applications, streams and draws")."""
import pytest
from sqlalchemy import func, select

from buildstory.streams.models import TwitchCategory
from buildstory.audit import AuditLog
from buildstory.errors import ValidationFailed
from buildstory.streams import queries, services
from tests.factories import (EventFactory, EventRegistrationFactory, ProfileFactory,
                             TwitchCategoryFactory)


def add(db_session, admin, **over):
    values = {"twitch_id": "509670", "name": "Science & Technology", "box_art_url": ""}
    values.update(over)
    return services.add_category(db_session, admin, values)


def test_add_category_is_stored_and_audited(db_session):
    admin = ProfileFactory(admin=True)
    category = add(db_session, admin, twitch_id=" 1469308723 ", name=" Software and Game Development ",
                   box_art_url="https://static-cdn.jtvnw.net/ttv-boxart/1469308723-{width}x{height}.jpg")
    assert category.twitch_id == "1469308723" and category.name == "Software and Game Development"
    assert category.box_art_url.startswith("https://static-cdn.jtvnw.net/")
    assert category.added_by == admin.id
    audit = db_session.scalar(select(AuditLog))
    assert audit.action == "add_twitch_category"
    assert audit.meta == {"twitch_id": "1469308723", "name": "Software and Game Development"}


def test_a_followed_twitch_id_is_refused(db_session):
    admin = ProfileFactory(admin=True)
    add(db_session, admin)
    with pytest.raises(ValidationFailed) as exc:
        add(db_session, admin, name="Another name")
    assert exc.value.status == 422
    assert exc.value.errors == {"twitch_id": "This category is already followed"}


@pytest.mark.parametrize("field,value,message", [
    ("twitch_id", "", "Twitch id is required"),
    ("twitch_id", "abc", "Twitch id must be a number"),
    ("twitch_id", "1" * 21, "Twitch id must be at most 20 characters"),
    ("name", "", "Name is required"),
    ("name", "n" * 201, "Name must be at most 200 characters"),
    ("box_art_url", "static-cdn.jtvnw.net/x.jpg", "Invalid URL"),
    ("box_art_url", "ftp://x.org/a.jpg", "URL must use http or https"),
    ("box_art_url", "https://x.org/" + "a" * 2000, "Box art URL must be at most 2000 characters"),
])
def test_category_field_rules(db_session, field, value, message):
    with pytest.raises(ValidationFailed) as exc:
        add(db_session, ProfileFactory(admin=True), **{field: value})
    assert exc.value.errors == {field: message}


def test_remove_category_is_audited(db_session):
    admin = ProfileFactory(admin=True)
    category = TwitchCategoryFactory(twitch_id="42", name="Art")
    services.remove_category(db_session, admin, category)
    assert db_session.scalar(select(func.count()).select_from(TwitchCategory)) == 0
    audit = db_session.scalar(select(AuditLog))
    assert audit.action == "remove_twitch_category" and audit.meta == {"twitch_id": "42", "name": "Art"}


def streamer(event, username, url, **profile):
    person = ProfileFactory(username=username, twitch_url=url, **profile)
    EventRegistrationFactory(event=event, profile=person)
    return person


def test_streamers_are_visible_registrants_with_a_twitch_url(db_session):
    event = EventFactory(status="active", featured=True)
    streamer(event, "alice", "https://www.twitch.tv/Alice_Live/")
    streamer(event, "bob", "https://twitch.tv/bobcodes")
    streamer(event, "carol", "https://youtube.com/@carol")  # listed, never live
    streamer(event, "hidden", "https://www.twitch.tv/hidden", hidden=True)
    streamer(event, "banned", "https://www.twitch.tv/banned", banned=True)
    streamer(event, "nourl", None)
    streamer(EventFactory(), "elsewhere", "https://www.twitch.tv/elsewhere")
    total, logins = queries.streamer_logins(db_session, event.id)
    assert total == 3 and logins == ["alice_live", "bobcodes"]
    rows, has_next = queries.streamers_page(db_session, event.id, [])
    assert [(p.username, login) for p, login in rows] == [
        ("alice", "alice_live"), ("bob", "bobcodes"), ("carol", None)]
    assert not has_next


def test_live_channels_come_first(db_session):
    event = EventFactory(status="active")
    for name in ("anna", "bert", "cleo", "dina"):
        streamer(event, name, f"https://www.twitch.tv/{name}")
    rows, _ = queries.streamers_page(db_session, event.id, {"cleo", "bert"})
    assert [p.username for p, _ in rows] == ["bert", "cleo", "anna", "dina"]


def test_streamers_are_paginated_by_50(db_session):
    event = EventFactory(status="active")
    for i in range(51):
        streamer(event, f"s{i:03d}", f"https://www.twitch.tv/s{i:03d}")
    first, more = queries.streamers_page(db_session, event.id, [], page=1)
    second, done = queries.streamers_page(db_session, event.id, [], page=2)
    assert (len(first), more, len(second), done) == (50, True, 1, False)
