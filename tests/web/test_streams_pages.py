"""/streams (public, live status from a fake Helix on loopback) and /admin/streams."""
import html
import re

import pytest
from sqlalchemy import func, select

from buildstory.streams.models import TwitchCategory
from buildstory.audit import AuditLog
from tests.factories import (EventFactory, EventRegistrationFactory, ProfileFactory,
                             TwitchCategoryFactory)
from tests.fake_helix import CLIENT_ID, CLIENT_SECRET, FakeHelix, stream
from tests.querycount import count_queries

GAME = "1469308723"


def text(response):
    return html.unescape(response.get_data(as_text=True))


def streamer(event, username, login=None, **profile):
    url = f"https://www.twitch.tv/{login or username}" if login is not False else None
    person = ProfileFactory(username=username, display_name=username.title(), twitch_url=url,
                            **profile)
    EventRegistrationFactory(event=event, profile=person)
    return person


@pytest.fixture
def helix(app, monkeypatch):
    """A fake Twitch, with the app configured to use it."""
    with FakeHelix() as fake:
        monkeypatch.setitem(app.config, "TWITCH_CLIENT_ID", CLIENT_ID)
        monkeypatch.setitem(app.config, "TWITCH_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setitem(app.config, "TWITCH_API_BASE", fake.api_base)
        monkeypatch.setitem(app.config, "TWITCH_AUTH_BASE", fake.auth_base)
        yield fake


def order(page, names):
    return sorted(names, key=lambda n: page.index(f"@{n}"))


def test_streams_without_a_featured_event(client):
    r = client.get("/streams")
    assert r.status_code == 200 and "There is no featured event right now" in text(r)


def test_without_credentials_channels_are_listed_without_live_status(client, app, monkeypatch,
                                                                     login):
    monkeypatch.setitem(app.config, "TWITCH_CLIENT_ID", "")
    event = EventFactory(status="active", featured=True, name="Agents Jam")
    streamer(event, "alice")
    streamer(event, "bobby", login="bob_codes")
    streamer(event, "hidden", hidden=True)
    streamer(event, "banned", banned=True)
    streamer(event, "nourl", login=False)
    streamer(EventFactory(), "otherevent")
    TwitchCategoryFactory(twitch_id=GAME)
    page = text(client.get("/streams"))
    # Visitors see the channels, each offline; the configuration note is for admins only.
    assert "Agents Jam" in page and "Live status is not available" not in page
    assert "@alice" in page and "@bobby" in page and 'href="https://www.twitch.tv/bob_codes"' in page
    for absent in ("@hidden", "@banned", "@nourl", "@otherevent"):
        assert absent not in page
    assert ">Live<" not in page and page.count('data-status="offline">Offline</span>') == 2
    assert "Live status is not available" not in text(login(ProfileFactory()).get("/streams"))
    assert "Live status is not available" not in text(
        login(ProfileFactory(moderator=True)).get("/streams"))
    admin_page = text(login(ProfileFactory(admin=True)).get("/streams"))
    assert "Live status is not available on this site" in admin_page
    assert "TWITCH_CLIENT_ID" in admin_page


def test_live_channels_first_with_text_only_details(client, helix):
    event = EventFactory(status="active", featured=True)
    for name in ("anna", "bert", "cleo"):
        streamer(event, name)
    TwitchCategoryFactory(twitch_id=GAME, name="Software and Game Development")
    helix.live = [stream("cleo", game_id=GAME, title="Shipping a voice agent", viewers=17),
                  stream("anna", game_id="33214", title="Playing a game")]  # not followed
    page = text(client.get("/streams"))
    assert order(page, ["anna", "bert", "cleo"]) == ["cleo", "anna", "bert"]
    assert page.count(">Live</span>") == 1
    assert "Shipping a voice agent" in page and "17 watching" in page
    assert "Playing a game" not in page
    # No third-party images: neither box art nor stream thumbnails are hot-linked.
    assert "jtvnw" not in page
    assert not re.search(r'<img[^>]+src="https?://', page)
    (get,) = helix.streams_requests()
    assert get[2]["game_id"] == [GAME] and sorted(get[2]["user_login"]) == ["anna", "bert", "cleo"]


def test_live_status_is_cached_between_page_views(client, helix):
    event = EventFactory(status="active", featured=True)
    streamer(event, "anna")
    TwitchCategoryFactory(twitch_id=GAME)
    helix.live = [stream("anna", game_id=GAME)]
    assert ">Live</span>" in text(client.get("/streams"))
    helix.live = []
    assert ">Live</span>" in text(client.get("/streams"))  # within 60 s: no new request
    assert len(helix.streams_requests()) == 1 and len(helix.token_requests()) == 1


def test_twitch_down_still_renders_the_page(client, helix):
    event = EventFactory(status="active", featured=True)
    streamer(event, "anna")
    TwitchCategoryFactory(twitch_id=GAME)
    helix.down = True
    r = client.get("/streams")
    assert r.status_code == 200
    page = text(r)
    assert "Twitch is not answering right now" in page and "@anna" in page


def test_no_followed_category_means_nobody_is_live_and_twitch_is_not_asked(client, helix):
    event = EventFactory(status="active", featured=True)
    streamer(event, "anna")
    helix.live = [stream("anna")]
    page = text(client.get("/streams"))
    assert "@anna" in page and ">Live</span>" not in page and helix.requests == []


def test_streams_page_query_budget_is_constant(app, client, helix):
    event = EventFactory(status="active", featured=True)
    TwitchCategoryFactory(twitch_id=GAME)
    counts = []
    for start, n in ((0, 4), (4, 40)):
        for i in range(start, start + n):
            streamer(event, f"streamer{i:03d}")
        with count_queries(app) as q:
            assert client.get("/streams").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1] <= 8


# --- /admin/streams -------------------------------------------------------------------------

def test_admin_streams_page_has_the_form(login):
    TwitchCategoryFactory(name="Science & Technology", twitch_id="509670")
    page = text(login(ProfileFactory(admin=True)).get("/admin/streams"))
    for label in ("Twitch id", "Name", "Box art URL"):
        assert f">{label}</label>" in page
    assert ">Add category</button>" in page and "Science & Technology" in page
    assert ">Remove<" in page
    assert "<img" not in page


def test_add_category_then_duplicate(login, db_session):
    admin = login(ProfileFactory(admin=True))
    data = {"twitch_id": "509670", "name": "Science & Technology", "box_art_url": ""}
    r = admin.post("/admin/streams", data)
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/streams")
    again = admin.post("/admin/streams", {**data, "name": "Again"})
    assert again.status_code == 422 and "This category is already followed" in text(again)
    assert 'value="Again"' in text(again)
    bad = admin.post("/admin/streams", {"twitch_id": "", "name": "", "box_art_url": "nope"},
                     htmx=True, headers={"HX-Target": "streams-main"})
    assert bad.status_code == 422 and text(bad).lstrip().startswith('<div id="streams-main"')
    assert "Twitch id is required" in text(bad) and "Invalid URL" in text(bad)
    assert db_session.scalar(select(func.count()).select_from(TwitchCategory)) == 1
    assert db_session.scalar(select(AuditLog.action)) == "add_twitch_category"


def test_add_with_htmx_swaps_the_region(login):
    admin = login(ProfileFactory(admin=True))
    r = admin.post("/admin/streams", {"twitch_id": "1", "name": "Art", "box_art_url": ""},
                   htmx=True, headers={"HX-Target": "streams-main"})
    assert r.status_code == 200 and "Category added." in text(r) and "Art" in text(r)


def test_remove_needs_confirmation_without_js(login, db_session):
    category = TwitchCategoryFactory(name="Art")
    admin = login(ProfileFactory(admin=True))
    url = f"/admin/streams/{category.id}/remove"
    r = admin.post(url)
    assert r.status_code == 422 and "Tick the box to confirm" in text(r)
    assert db_session.scalar(select(func.count()).select_from(TwitchCategory)) == 1
    r = admin.post(url, {"confirm": "yes"})
    assert r.status_code == 303
    assert db_session.scalar(select(func.count()).select_from(TwitchCategory)) == 0
    assert db_session.scalar(select(AuditLog.action)) == "remove_twitch_category"
    assert admin.post(url, {"confirm": "yes"}).status_code == 404


def test_remove_with_htmx_uses_hx_confirm(login, db_session):
    category = TwitchCategoryFactory(name="Art")
    admin = login(ProfileFactory(admin=True))
    page = text(admin.get("/admin/streams"))
    assert 'hx-confirm="Stop following Art?"' in page
    r = admin.post(f"/admin/streams/{category.id}/remove", htmx=True,
                   headers={"HX-Target": "streams-main"})
    assert r.status_code == 200 and "No categories yet" in text(r)


@pytest.mark.parametrize("role", [{}, {"moderator": True}])
def test_admin_streams_mutations_refuse_non_admins(login, db_session, role):
    category = TwitchCategoryFactory()
    who = login(ProfileFactory(**role))
    assert who.post("/admin/streams", {"twitch_id": "7", "name": "X"}).status_code == 403
    assert who.post(f"/admin/streams/{category.id}/remove", {"confirm": "yes"}).status_code == 403
    assert db_session.scalar(select(func.count()).select_from(TwitchCategory)) == 1
