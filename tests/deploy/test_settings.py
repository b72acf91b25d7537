"""Production settings: what the app refuses to start without, and proxy-header trust."""
from __future__ import annotations

import pytest

from buildstory import create_app
from buildstory.config import ConfigError, load_config

PROD = {"BUILDSTORY_ENV": "production", "SECRET_KEY": "k" * 64,
        "PUBLIC_URL": "https://buildstory.example.com", "DATABASE_URL": "postgresql://x/y",
        "MAIL_URL": "log:"}


def config(tmp_path, **env):
    return load_config(str(tmp_path), env={k: v for k, v in {**PROD, **env}.items()
                                           if v is not None})


def test_production_refuses_to_start_without_public_url(tmp_path):
    with pytest.raises(ConfigError, match="PUBLIC_URL must be set"):
        config(tmp_path, PUBLIC_URL=None)
    with pytest.raises(ConfigError, match="PUBLIC_URL must be an http"):
        config(tmp_path, PUBLIC_URL="buildstory.example.com")
    assert config(tmp_path)["PUBLIC_URL"] == "https://buildstory.example.com"


def test_production_refuses_to_start_without_mail_url(tmp_path):
    with pytest.raises(ConfigError, match="MAIL_URL is required in production"):
        config(tmp_path, MAIL_URL=None)
    # the older pair still satisfies it
    old = config(tmp_path, MAIL_URL=None, MAIL_BACKEND="smtp",
                 SMTP_URL="smtps://u:p@mail.example.com:465", MAIL_FROM="B <b@example.com>")
    assert old["MAIL_URL"] == "smtps://u:p@mail.example.com:465"
    with pytest.raises(ConfigError, match="MAIL_URL is required in production"):
        config(tmp_path, MAIL_URL=None, MAIL_BACKEND="log", SMTP_URL="smtp://x:587")


def test_mail_url_schemes_and_mail_from(tmp_path):
    dev = load_config(str(tmp_path), env={"DATABASE_URL": "postgresql://x/y"})
    assert dev["MAIL_URL"] == "log:"  # development logs messages by default
    assert config(tmp_path, MAIL_URL="smtp://u:p@mail.example.com:587",
                  MAIL_FROM="B <b@example.com>")["MAIL_FROM"] == "B <b@example.com>"
    with pytest.raises(ConfigError, match="MAIL_FROM is required"):
        config(tmp_path, MAIL_URL="smtp://u:p@mail.example.com:587", MAIL_FROM=None)
    with pytest.raises(ConfigError, match="MAIL_URL must start with"):
        config(tmp_path, MAIL_URL="http://mail.example.com")
    with pytest.raises(ConfigError, match="must name the mail server"):
        config(tmp_path, MAIL_URL="smtp://", MAIL_FROM="b@example.com")


def test_proxy_hops_default_to_none_and_must_be_a_number(tmp_path):
    assert config(tmp_path)["TRUSTED_PROXY_HOPS"] == 0
    assert config(tmp_path, TRUSTED_PROXY_HOPS="1")["TRUSTED_PROXY_HOPS"] == 1
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_HOPS"):
        config(tmp_path, TRUSTED_PROXY_HOPS="yes")


def _robots(app, **headers):
    return app.test_client().get("/robots.txt", headers=headers).get_data(as_text=True)


def test_the_scheme_is_https_when_the_trusted_proxy_says_so(app):
    """Without PUBLIC_URL (development) absolute URLs follow the request: behind one
    trusted proxy its X-Forwarded-Proto counts; with no proxy configured a client's own
    header is ignored."""
    base = {k: app.config[k] for k in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI")}
    behind = create_app({**base, "TRUSTED_PROXY_HOPS": 1})
    assert "Sitemap: https://localhost/sitemap.xml" in _robots(
        behind, **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    direct = create_app({**base, "TRUSTED_PROXY_HOPS": 0})
    assert "Sitemap: http://localhost/sitemap.xml" in _robots(
        direct, **{"X-Forwarded-Proto": "https"})
