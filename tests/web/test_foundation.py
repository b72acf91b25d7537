"""Web foundation: CSRF, security headers, Server-Timing, error pages, health, robots."""
import re

from tests.conftest import Client


def test_post_without_csrf_token_is_refused_with_the_message(client):
    r = client.post("/sign-in", {"email": "a@example.com", "password": "x"}, csrf=False)
    assert r.status_code == 400
    assert "This form has expired. Reload the page and try again." in r.get_data(as_text=True)


def test_post_with_a_wrong_token_or_another_browsers_token_is_refused(app, client, db_session):
    client.csrf()
    r = client.post("/sign-in", {"email": "a@example.com", "password": "x", "csrf_token": "0" * 64})
    assert r.status_code == 400
    other = Client(app, db_session)
    foreign_token = other.csrf()
    r = client.post("/sign-in", {"email": "a@example.com", "password": "x", "csrf_token": foreign_token})
    assert r.status_code == 400


def test_htmx_requests_send_the_token_in_a_header(client):
    r = client.post("/sign-in", {"email": "a@example.com", "password": "wrong password"}, htmx=True)
    assert r.status_code == 422  # passed CSRF, failed credentials
    r = client.post("/sign-in", {"email": "a@example.com", "password": "x"}, htmx=True, csrf=False)
    assert r.status_code == 400
    assert r.headers["HX-Retarget"] == "#messages"


def test_csrf_cookie_is_long_lived_and_http_only(client):
    r = client.get("/sign-in")
    cookie = r.headers["Set-Cookie"]
    assert "bs_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=34560000" in cookie


def test_security_headers_and_strict_csp(client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in r.headers  # development
    html = r.get_data(as_text=True)
    assert "<script>" not in html and " on" not in re.sub(r"<script src[^>]+>", "", html).split("<body", 1)[1][:0]


def test_no_inline_scripts_or_styles_on_pages(client):
    for path in ("/", "/sign-in", "/sign-up", "/forgot-password"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html and "<style" not in html and "hx-on" not in html, path


def test_hsts_and_secure_cookies_in_production(cluster, tmp_path, monkeypatch):
    from buildstory import create_app
    monkeypatch.setenv("BUILDSTORY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "prod-secret")
    monkeypatch.setenv("DATABASE_URL", cluster.url("buildstory_test"))
    monkeypatch.setenv("PUBLIC_URL", "https://localhost")  # required in production
    monkeypatch.setenv("MAIL_URL", "log:")  # required in production
    app = create_app()
    r = app.test_client().get("/sign-in")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in r.headers["Set-Cookie"]


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    import pytest
    from buildstory import create_app
    from buildstory.config import ConfigError
    monkeypatch.setenv("BUILDSTORY_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_postgres_urls_are_read_as_psycopg3():
    from buildstory.config import normalise_database_url
    assert normalise_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_server_timing_on_pages_but_not_on_auth_responses(client):
    assert re.match(r"db;dur=[\d.]+, total;dur=[\d.]+", client.get("/healthz").headers["Server-Timing"])
    for path in ("/sign-in", "/sign-up", "/forgot-password", "/reset-password/abc"):
        assert "Server-Timing" not in client.get(path).headers, path


def test_not_found_page_and_htmx_fragment(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "Page not found" in r.get_data(as_text=True)
    assert "<html" in r.get_data(as_text=True)
    r = client.hx_get("/no-such-page")
    assert r.status_code == 404 and "<html" not in r.get_data(as_text=True)
    assert r.headers["HX-Retarget"] == "#messages" and r.headers["HX-Reswap"] == "innerHTML"


def test_oversized_form_bodies_get_413(client):
    r = client.post("/sign-in", {"email": "x" * (1024 * 1024 + 10), "password": "x"})
    assert r.status_code == 413
    assert "This request is too large" in r.get_data(as_text=True)


def test_method_not_allowed(client):
    assert client.raw.put("/sign-in").status_code == 405


def test_healthz_and_robots(client):
    assert client.get("/healthz").get_data(as_text=True) == "ok"
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /admin" in robots and "Sitemap:" in robots


def test_static_assets_are_versioned_and_immutable(client):
    html = client.get("/").get_data(as_text=True)
    js = re.search(r'src="(/static/vendor/htmx-2\.0\.11\.min\.js\?v=[0-9a-f]{12})"', html).group(1)
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    for url in (js, css):
        r = client.get(url)
        assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]


def test_htmx_config_meta_swaps_errors_and_forbids_eval(client):
    html = client.get("/").get_data(as_text=True)
    meta = re.search(r'<meta name="htmx-config" content="([^"]+)"', html).group(1)
    assert "&#34;allowEval&#34;:false" in meta and "&#34;includeIndicatorStyles&#34;:false" in meta
    assert "[45].." in meta


def test_pages_and_static_files_are_gzipped(client):
    import gzip
    r = client.get("/sign-up", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
    assert "Create account" in gzip.decompress(r.data).decode()
    html = client.get("/").get_data(as_text=True)
    js = re.search(r'src="(/static/vendor/htmx-2\.0\.11\.min\.js\?v=[0-9a-f]{12})"', html).group(1)
    r = client.get(js, headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert len(r.data) < 20_000 and b"htmx" in gzip.decompress(r.data)
    assert client.get("/sign-up").headers.get("Content-Encoding") is None  # not asked for


def test_unexpected_errors_get_a_friendly_500_page_and_fragment(cluster):
    from buildstory import create_app
    app = create_app({"TESTING": False, "SECRET_KEY": "x" * 32,
                      "SQLALCHEMY_DATABASE_URI": cluster.url("buildstory_test")})

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    c = app.test_client()
    r = c.get("/boom")
    body = r.get_data(as_text=True)
    assert r.status_code == 500 and "Something went wrong on our side" in body and "kaboom" not in body
    r = c.get("/boom", headers={"HX-Request": "true"})
    assert r.status_code == 500 and r.headers["HX-Retarget"] == "#messages"
