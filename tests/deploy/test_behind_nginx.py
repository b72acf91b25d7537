"""The app behind a real nginx: poisoned Host headers and client addresses.

Every request goes over real sockets: the test client → nginx (deploy/nginx.conf) → the
app's werkzeug server, except where a test says it talks to the app directly.
"""
from __future__ import annotations

import logging

import pytest

from buildstory.db import db
from tests.factories import AccountFactory, ProfileFactory
from tests.helpers import run_jobs

from .conftest import INTERNAL_HOST, PUBLIC_URL, SIGNIN_ADDRESS_LIMIT, HttpClient


@pytest.fixture
def victim(proxied_app, committed):
    with proxied_app.app_context():
        account = AccountFactory(email="victim@example.com")
        db.session.commit()
        return account.email


@pytest.fixture
def mails(caplog, proxied_app):
    """The emails the app sent (the log backend), as their text: the queued mail jobs
    run first (the real worker), as they would beside the server."""
    caplog.set_level(logging.WARNING, logger="buildstory.mail")

    def sent():
        run_jobs(proxied_app)
        return [r.getMessage() for r in caplog.records if r.name == "buildstory.mail"]
    return sent


def test_a_poisoned_host_gets_no_reset_link_through_nginx(nginx, victim, mails):
    attacker = HttpClient(nginx)
    token = attacker.token()  # the form, fetched honestly
    r = attacker.request("POST", "/forgot-password",
                         data={"email": victim, "csrf_token": token},
                         headers={"Host": "evil.example"})
    assert r.status == 400
    assert mails() == []
    # X-Forwarded-Host is not believed either: the link names the public address.
    r = attacker.request("POST", "/forgot-password",
                         data={"email": victim, "csrf_token": token},
                         headers={"X-Forwarded-Host": "evil.example"})
    assert r.status == 200, r.text[:300]
    [mail] = mails()
    assert f"{PUBLIC_URL}/reset-password/" in mail and "evil" not in mail


def test_a_poisoned_host_gets_no_reset_link_directly(app_server, victim, mails):
    """Talking to the app server itself, bypassing nginx: the same refusal, and a host the
    operator trusts (an internal name) still gets links on the public address."""
    client = HttpClient(app_server, host=INTERNAL_HOST)
    token = client.token()
    r = client.request("POST", "/forgot-password", data={"email": victim, "csrf_token": token},
                       headers={"Host": "evil.example"})
    assert r.status == 400 and mails() == []
    r = client.request("POST", "/forgot-password", data={"email": victim, "csrf_token": token})
    assert r.status == 200
    [mail] = mails()
    assert f"{PUBLIC_URL}/reset-password/" in mail and INTERNAL_HOST not in mail


def test_absolute_urls_in_pages_use_the_public_address(nginx, proxied_app, committed):
    with proxied_app.app_context():
        ProfileFactory(username="visible-builder")
        db.session.commit()
    robots = HttpClient(nginx).get("/robots.txt")
    assert robots.status == 200
    assert f"Sitemap: {PUBLIC_URL}/sitemap.xml" in robots.text
    sitemap = HttpClient(nginx).get("/sitemap.xml", headers={"X-Forwarded-Host": "evil.example"})
    assert f"<loc>{PUBLIC_URL}/sitemap-profiles-1.xml" in sitemap.text
    assert "evil" not in sitemap.text
    chunk = HttpClient(nginx).get("/sitemap-profiles-1.xml")
    assert f"<loc>{PUBLIC_URL}/profiles/visible-builder</loc>" in chunk.text


def test_healthz_answers_any_host(nginx, committed):
    """Load balancers probe by address; the health check reveals nothing host-dependent."""
    assert HttpClient(nginx, host="10.0.0.5").get("/healthz").status == 200


def _fail_sign_in(client, n, **kw):
    return client.post("/sign-in", {"email": f"nobody{n}@example.com",
                                    "password": "wrong password"}, **kw)


def test_each_client_address_has_its_own_bucket_behind_nginx(nginx, committed):
    """Behind nginx every request comes from nginx's address; the per-address sign-in
    limit must key on the visitor's address (the X-Forwarded-For entry nginx adds), or one
    client gets the whole site's sign-in refused."""
    first, second = HttpClient(nginx, "127.0.0.2"), HttpClient(nginx, "127.0.0.3")
    for n in range(SIGNIN_ADDRESS_LIMIT):
        assert _fail_sign_in(first, n).status == 422
    assert _fail_sign_in(first, 99).status == 429
    # Claiming another address in X-Forwarded-For does not give the same client a new bucket.
    assert _fail_sign_in(first, 98, headers={"X-Forwarded-For": "198.51.100.7"}).status == 429
    # Another visitor still gets an answer about their password, not a lock-out.
    r = _fail_sign_in(second, 0)
    assert r.status == 422 and "Invalid email or password" in r.text
