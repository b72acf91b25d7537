"""Clerk mode: a builder without an uploaded avatar shows their Clerk image (https on
Clerk's image host only); an upload wins; the CSP allows that one image host."""
import re

from sqlalchemy import select

from buildstory.profiles.models import Profile
from tests.conftest import Client
from tests.factories import AvatarFactory
from tests.web.test_clerk_mode import clerk_app, clerk_token  # noqa: F401 (fixture)

IMAGE = "https://img.clerk.com/eyJ0eXBlIjoicHJveHkifQ?width=160"


def signed_in(clerk_app, db_session, sub, **claims):  # noqa: F811
    c = Client(clerk_app, db_session)
    c.raw.set_cookie("__session", clerk_token(sub=sub, **claims))
    assert c.get("/dashboard").status_code == 200
    profile = db_session.scalar(select(Profile).where(Profile.clerk_id == sub))
    profile.username = sub.replace("_", "-")
    db_session.flush()
    return c, profile


def avatar_srcs(html):
    return re.findall(r'<img class="avatar" src="([^"]+)"', html)


def test_the_clerk_image_shows_without_an_upload_and_an_upload_wins(clerk_app, db_session):  # noqa: F811
    c, profile = signed_in(clerk_app, db_session, "user_pic", image_url=IMAGE)
    assert profile.clerk_image_url == IMAGE
    html = c.get("/profiles/user-pic").get_data(as_text=True)
    assert IMAGE.replace("&", "&amp;") in avatar_srcs(html)
    members = c.get("/members").get_data(as_text=True)
    assert IMAGE in avatar_srcs(members)
    landing = Client(clerk_app, db_session).get("/").get_data(as_text=True)  # recent activity
    assert IMAGE in avatar_srcs(landing)

    AvatarFactory(profile=profile)
    db_session.flush()
    html = c.get("/profiles/user-pic").get_data(as_text=True)
    assert IMAGE not in html
    assert any(src.startswith(f"/avatars/{profile.id}/") or "/avatar" in src
               for src in avatar_srcs(html)), avatar_srcs(html)


def test_only_https_images_on_clerks_image_host_are_used(clerk_app, db_session):  # noqa: F811
    for n, url in enumerate(["http://img.clerk.com/a", "https://evil.example/a.png",
                             "https://img.clerk.com.evil.example/a", "javascript:alert(1)",
                             "https://user@img.clerk.com/a", "https://img.clerk.com:8443/a"]):
        c, profile = signed_in(clerk_app, db_session, f"user_bad{n}", image_url=url)
        assert profile.clerk_image_url is None, url
        html = c.get(f"/profiles/user-bad{n}").get_data(as_text=True)
        assert avatar_srcs(html) == [] and url not in html, url


def test_the_csp_allows_only_the_clerk_image_host(clerk_app, db_session, client):  # noqa: F811
    c = Client(clerk_app, db_session)
    csp = c.get("/").headers["Content-Security-Policy"]
    img_src = re.search(r"img-src ([^;]+)", csp).group(1).split()
    assert img_src == ["'self'", "data:", "https://img.clerk.com"]
    local = re.search(r"img-src ([^;]+)", client.get("/").headers["Content-Security-Policy"])
    assert local.group(1).split() == ["'self'", "data:"]


def test_the_image_host_is_a_setting(app, cluster, db_session):
    from buildstory import create_app
    from tests.web.test_clerk_mode import PUBLIC
    other = create_app({
        "TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": cluster.url("buildstory_test"),
        "AUTH_PROVIDER": "clerk", "CLERK_JWT_KEY": PUBLIC,
        "CLERK_AUTHORIZED_PARTIES": ["http://localhost"], "CLERK_IMAGE_HOST": "images.example.org"})
    c = Client(other, db_session)
    csp = c.get("/").headers["Content-Security-Policy"]
    assert re.search(r"img-src ([^;]+)", csp).group(1).split() == [
        "'self'", "data:", "https://images.example.org"]
    c.raw.set_cookie("__session", clerk_token(sub="user_host", image_url=IMAGE))
    assert c.get("/dashboard").status_code == 200
    profile = db_session.scalar(select(Profile).where(Profile.clerk_id == "user_host"))
    assert profile.clerk_image_url is None  # img.clerk.com is not the configured host
    c.raw.set_cookie("__session", clerk_token(sub="user_host2",
                                              image_url="https://images.example.org/p.png"))
    c.raw.delete_cookie("bs_session")
    assert c.get("/dashboard").status_code == 200
    profile = db_session.scalar(select(Profile).where(Profile.clerk_id == "user_host2"))
    assert profile.clerk_image_url == "https://images.example.org/p.png"
