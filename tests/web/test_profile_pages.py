"""/profiles/<username>: what a visitor sees, who sees hidden and banned builders, queries."""
import re

import pytest

from buildstory.enums import ExperienceLevel
from tests.factories import AvatarFactory, ProfileFactory
from tests.querycount import count_queries


def body(response):
    return response.get_data(as_text=True)


def meta(html, attr, name):
    match = re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)">', html)
    return match.group(1) if match else None


def test_profile_shows_names_experience_location_bio_links_and_member_since(client):
    ProfileFactory(username="ada", display_name="Ada Lovelace",
                   experience_level=ExperienceLevel.ships_constantly,
                   country="GB", region="GB-LND", bio="I **build** engines.\nSee [notes](https://ada.dev/notes)",
                   website_url="https://ada.dev/", twitter_handle="ada_l", github_handle="ada-l",
                   twitch_url="https://www.twitch.tv/ada", stream_url="https://youtube.com/@ada")
    r = client.get("/profiles/ada")
    html = body(r)
    assert r.status_code == 200
    assert "<h1 id=\"profile-name\">Ada Lovelace</h1>" in html and "@ada" in html
    assert "Ships constantly" in html
    assert re.search(r'<img class="flag" src="/static/flags/gb\.svg\?v=[0-9a-f]{12}" width="20" '
                     r'height="15" alt=""> City of London, United Kingdom', html)
    assert "I <strong>build</strong> engines.<br>" in html
    assert ('<a href="https://ada.dev/notes" target="_blank" rel="noopener noreferrer nofollow">'
            'notes</a>') in html
    rel = 'rel="noopener noreferrer nofollow"'
    for href in ("https://ada.dev/", "https://x.com/ada_l", "https://github.com/ada-l",
                 "https://www.twitch.tv/ada", "https://youtube.com/@ada"):
        assert f'<a href="{href}" {rel}>' in html
    assert "Member since" in html
    assert 'id="profile-status-' in html and "badge--hidden" not in html


def test_title_meta_description_and_open_graph(client):
    bio = "**Builder** of " + " ".join(f"thing{i}" for i in range(40))
    ProfileFactory(username="grace", display_name="Grace Hopper", bio=bio)
    html = body(client.get("/profiles/grace"))
    assert "<title>Grace Hopper (@grace) · Buildstory</title>" in html
    description = meta(html, "name", "description")
    assert description.startswith("Builder of thing0 thing1") and description.endswith("…")
    assert len(description) <= 160 and "**" not in description
    assert meta(html, "property", "og:title") == "Grace Hopper (@grace)"
    assert meta(html, "property", "og:description") == description
    assert meta(html, "property", "og:type") == "profile"
    assert meta(html, "property", "og:url") == "http://localhost/profiles/grace"


def test_meta_description_falls_back_without_a_bio_and_avatar_becomes_og_image(client):
    p = ProfileFactory(username="quiet", display_name="Quiet One", bio=None)
    AvatarFactory(profile=p)
    html = body(client.get("/profiles/quiet"))
    assert meta(html, "name", "description") == "Quiet One (@quiet) builds with AI on Buildstory."
    assert "has not written a bio yet" in html
    assert meta(html, "property", "og:image").startswith(f"http://localhost/avatars/{p.id}/")


def test_names_and_links_are_escaped(client):
    ProfileFactory(username="xss", display_name='<script>alert("x")</script>',
                   website_url="javascript:alert(1)", twitter_handle='a"onclick=alert(1)',
                   bio='<img src=x onerror=alert(1)> [x](javascript:alert(1))')
    html = body(client.get("/profiles/xss"))
    assert "<script>alert(" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html
    assert 'href="javascript:' not in html  # a stored bad URL never becomes a link
    assert 'onclick=alert(1)"' not in html and "https://x.com/a%22onclick%3Dalert%281%29" in html


def test_unknown_malformed_and_reserved_usernames_are_404(client):
    for path in ("/profiles/nobody", "/profiles/ab", "/profiles/admin", "/profiles/bad!name",
                 "/profiles/" + "x" * 40):
        assert client.get(path).status_code == 404, path


def test_mixed_case_username_redirects_to_the_canonical_address(client):
    ProfileFactory(username="mixedcase")
    r = client.get("/profiles/MixedCase")
    assert r.status_code == 301 and r.headers["Location"] == "/profiles/mixedcase"


def test_self_sees_an_edit_link_others_do_not(client, login):
    me = ProfileFactory(username="me-myself")
    assert "Edit profile" in body(login(me).get("/profiles/me-myself"))
    assert "Edit profile" not in body(client.get("/profiles/me-myself"))


def test_the_public_sees_no_moderation_on_a_profile(client):
    ProfileFactory(username="plain")
    r = client.get("/profiles/plain")
    assert r.status_code == 200 and "moderation" not in body(r).split("<main", 1)[1].lower()


# --- Visibility matrix: viewer × target -------------------------------------------------

VIEWERS = ["anonymous", "builder", "self", "moderator", "admin"]
TARGETS = ["active", "hidden", "banned"]
# (viewer, target) → (status, badge shown)
EXPECTED = {
    ("anonymous", "active"): (200, None), ("anonymous", "hidden"): (404, None),
    ("anonymous", "banned"): (404, None),
    ("builder", "active"): (200, None), ("builder", "hidden"): (404, None),
    ("builder", "banned"): (404, None),
    ("self", "active"): (200, None), ("self", "hidden"): (200, "Hidden"),
    ("self", "banned"): (303, None),  # sent to /banned like on every request
    ("moderator", "active"): (200, None), ("moderator", "hidden"): (200, "Hidden"),
    ("moderator", "banned"): (200, "Banned"),
    ("admin", "active"): (200, None), ("admin", "hidden"): (200, "Hidden"),
    ("admin", "banned"): (200, "Banned"),
}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("target", TARGETS)
def test_visibility_matrix(client, login, viewer, target):
    subject = ProfileFactory(username=f"target-{target}", **({target: True} if target != "active" else {}))
    visitor = {"anonymous": lambda: client,
               "builder": lambda: login(ProfileFactory()),
               "self": lambda: login(subject),
               "moderator": lambda: login(ProfileFactory(moderator=True)),
               "admin": lambda: login(ProfileFactory(admin=True))}[viewer]()
    r = visitor.get(f"/profiles/{subject.username}")
    status, badge = EXPECTED[(viewer, target)]
    assert r.status_code == status
    html = body(r)
    if status == 303:
        assert r.headers["Location"] == "/banned"
    elif status == 404:
        assert subject.display_name not in html and "Page not found" in html
    else:
        for word in ("Hidden", "Banned"):
            shown = f'class="badge badge--{word.lower()}">{word}</span>' in html
            assert shown == (word == badge), (word, html)
    if (viewer, target) == ("self", "hidden"):
        assert "A moderator has hidden your profile" in html
        assert '<meta name="robots" content="noindex">' in html


def test_hidden_builder_404_for_htmx_requests_too(client):
    ProfileFactory(username="ghost", hidden=True)
    r = client.hx_get("/profiles/ghost")
    assert r.status_code == 404 and r.headers["HX-Retarget"] == "#messages"


# --- Query budget ---------------------------------------------------------------------

def _profiles(n):
    for _ in range(n):
        ProfileFactory()


@pytest.mark.parametrize("signed_in", [False, True])
def test_profile_page_query_count_is_small_and_constant(client, login, app, signed_in):
    ProfileFactory(username="counted", bio="Hello **there**")
    visitor = login(ProfileFactory(moderator=True)) if signed_in else client
    counts = []
    for n in (5, 45):
        _profiles(n)
        visitor.get("/profiles/counted")  # warm: last_seen and session writes settle
        with count_queries(app) as q:
            assert visitor.get("/profiles/counted").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1] and counts[0] <= 8, counts


def test_location_reads_region_comma_country_without_iso_codes(client):
    ProfileFactory(username="swede", country="SE", region="SE-AB")
    ProfileFactory(username="nowhere", country=None, region=None)
    html = body(client.get("/profiles/swede"))
    assert 'alt=""> Stockholm County, Sweden</li>' in html and "[SE-" not in html
    assert 'class="profile-location"' not in body(client.get("/profiles/nowhere"))


def test_status_badge_block_renders_on_its_own(app, db_session):
    from jinja2_fragments.flask import render_block

    p = ProfileFactory(username="badge-me", hidden=True)
    with app.test_request_context("/profiles/badge-me"):
        html = render_block("profiles/profile.html", "profile_status", profile=p)
    assert html.strip().startswith(f'<span id="profile-status-{p.id}"')
    assert '<span class="badge badge--hidden">Hidden</span>' in html
