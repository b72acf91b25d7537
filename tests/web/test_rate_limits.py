"""Rate limits key on the browser (its CSRF cookie) so a venue behind one address is not locked out."""
from tests.conftest import Client


def test_username_check_is_limited_per_browser(client, app, db_session):
    client.csrf()  # the browser has its cookie, as after loading the sign-up page
    for i in range(60):
        assert client.hx_get(f"/username-check?username=name{i}").status_code == 200
    r = client.hx_get("/username-check?username=one-more")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.headers["HX-Retarget"] == "#messages"
    neighbour = Client(app, db_session)
    neighbour.csrf()
    assert neighbour.hx_get("/username-check?username=neighbour").status_code == 200


def test_sign_up_is_limited_per_browser(client, app, db_session):
    for i in range(10):
        r = client.post("/sign-up", {"username": "x", "email": f"bad{i}", "password": "short"})
        assert r.status_code == 422
    r = client.post("/sign-up", {"username": "x", "email": "bad", "password": "short"})
    assert r.status_code == 429 and "Too many attempts. Try again later." in r.get_data(as_text=True)
    neighbour = Client(app, db_session)
    r = neighbour.post("/sign-up", {"username": "neighbour", "email": "n@example.com", "password": "long enough pw"})
    assert r.status_code == 303


def test_limits_can_be_switched_off(app, cluster):
    from buildstory import create_app
    from buildstory.web.limits import limiter
    off = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": cluster.url("buildstory_test")})
    try:
        c = off.test_client()
        for i in range(70):
            assert c.get(f"/username-check?username=free{i}").status_code == 200
    finally:
        limiter.init_app(app)  # the limiter is process-wide: give it back to the test app


def test_an_unreachable_shared_store_falls_back_to_limits_in_memory(app, cluster):
    """RATELIMIT_STORAGE_URI=redis://… shares limits between processes (README "Scaling");
    when that store is down, requests are still answered and still limited, per process."""
    import socket

    from buildstory import create_app
    from buildstory.web.limits import limiter
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    shared = create_app({"TESTING": True, "SECRET_KEY": "x" * 32,
                         "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{port}/0",
                         "SQLALCHEMY_DATABASE_URI": cluster.url("buildstory_test")})
    try:
        assert type(limiter._storage).__name__ == "RedisStorage"
        c = shared.test_client()
        c.get("/sign-up")  # the browser gets its cookie
        codes = [c.get(f"/username-check?username=free{i}").status_code for i in range(61)]
        assert codes[:60] == [200] * 60 and codes[60] == 429
    finally:  # the limiter is process-wide: forget the dead store, give it back to the test app
        limiter._storage_dead = False
        limiter.init_app(app)
