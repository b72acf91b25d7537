"""The Helix client against a fake Twitch on loopback: token, filtering, cache, failures."""
import socket

import pytest

from buildstory.streams.twitch import HelixClient, TwitchUnavailable
from tests.fake_helix import CLIENT_ID, CLIENT_SECRET, FakeHelix, stream

GAME = "509670"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def fake():
    with FakeHelix() as server:
        yield server


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(fake, clock):
    return HelixClient(CLIENT_ID, CLIENT_SECRET, api_base=fake.api_base,
                       auth_base=fake.auth_base, clock=clock)


def test_gets_an_app_token_then_asks_for_streams_by_game_and_login(fake, client):
    fake.live = [stream("alice"), stream("bob", game_id="999"), stream("stranger")]
    live = client.live_streams([GAME], ["Alice", "bob", "carol"])
    assert set(live) == {"alice"}  # bob streams another game, stranger is no participant
    assert live["alice"].title == "Building an agent live" and live["alice"].viewer_count == 42
    (token,) = fake.token_requests()
    assert token[0] == "POST" and token[2]["grant_type"] == ["client_credentials"]
    (get,) = fake.streams_requests()
    assert get[2]["game_id"] == [GAME]
    assert sorted(get[2]["user_login"]) == ["alice", "bob", "carol"]
    assert get[3]["Client-Id"] == CLIENT_ID and get[3]["Authorization"] == "Bearer token-1"


def test_an_upstream_answer_is_filtered_again(fake, client):
    fake.extra = [stream("intruder"), stream("carol", game_id="1"),
                  {"user_login": "offline", "game_id": GAME, "type": ""}]
    assert client.live_streams([GAME], ["carol", "offline"]) == {}


def test_answers_are_cached_for_60_seconds(fake, client, clock):
    fake.live = [stream("alice")]
    assert set(client.live_streams([GAME], ["alice"])) == {"alice"}
    fake.live = []
    clock.now += 59
    assert set(client.live_streams([GAME], ["alice"])) == {"alice"}  # no new request
    assert len(fake.streams_requests()) == 1
    clock.now += 2
    assert client.live_streams([GAME], ["alice"]) == {}
    assert len(fake.streams_requests()) == 2
    assert len(fake.token_requests()) == 1  # the token is reused


def test_logins_are_batched_by_100(fake, client):
    logins = [f"user{i:03d}" for i in range(250)]
    fake.live = [stream("user000"), stream("user249")]
    assert set(client.live_streams([GAME, "1469308723"], logins)) == {"user000", "user249"}
    batches = [r[2]["user_login"] for r in fake.streams_requests()]
    assert [len(b) for b in batches] == [100, 100, 50]
    assert sorted(sum(batches, [])) == logins
    assert all(r[2]["game_id"] == ["1469308723", GAME] for r in fake.streams_requests())


def test_nothing_to_ask_makes_no_request(fake, client):
    assert client.live_streams([], ["alice"]) == {}
    assert client.live_streams([GAME], []) == {}
    assert fake.requests == []


def test_expired_token_is_renewed(fake, client, clock):
    fake.expires_in = 120
    client.live_streams([GAME], ["alice"])
    clock.now += 61  # past the cache, and within a minute of the token's expiry
    client.live_streams([GAME], ["alice"])
    assert len(fake.token_requests()) == 2
    assert fake.streams_requests()[-1][3]["Authorization"] == "Bearer token-2"


def test_a_rejected_token_is_replaced_once(fake, client):
    client._access_token()
    fake.live = [stream("alice")]
    fake.reject_token_once = True
    assert set(client.live_streams([GAME], ["alice"])) == {"alice"}
    assert len(fake.token_requests()) == 2


def test_twitch_down_raises_and_is_remembered_briefly(fake, client, clock):
    fake.down = True
    with pytest.raises(TwitchUnavailable):
        client.live_streams([GAME], ["alice"])
    asked = len(fake.requests)
    with pytest.raises(TwitchUnavailable):
        client.live_streams([GAME], ["alice"])
    assert len(fake.requests) == asked  # not asked again right away
    fake.down = False
    clock.now += 16
    assert client.live_streams([GAME], ["alice"]) == {}


def test_bad_credentials_raise(fake, clock):
    client = HelixClient(CLIENT_ID, "wrong", api_base=fake.api_base, auth_base=fake.auth_base,
                         clock=clock)
    with pytest.raises(TwitchUnavailable):
        client.live_streams([GAME], ["alice"])


def test_nothing_listening_raises():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = HelixClient(CLIENT_ID, CLIENT_SECRET, api_base=f"http://127.0.0.1:{port}/helix",
                         auth_base=f"http://127.0.0.1:{port}/oauth2", timeout=1)
    with pytest.raises(TwitchUnavailable):
        client.live_streams([GAME], ["alice"])
