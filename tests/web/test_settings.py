"""/settings, the region picker and avatars through the test client (full pages and htmx)."""
import io
import os
import re
import uuid

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from PIL import Image
from sqlalchemy import select

from buildstory.profiles.models import Avatar, Profile
from tests.factories import ProfileFactory
from tests.querycount import count_queries

LABELS = ["Display name", "Username", "Bio", "Country", "Region", "Experience level", "Website",
          "X handle", "GitHub handle", "Twitch URL", "Stream URL", "Allow team invites"]


def form(profile, **changes):
    data = {"display_name": profile.display_name, "username": profile.username, "bio": "",
            "country": "", "region": "", "experience_level": "", "website_url": "",
            "twitter_handle": "", "github_handle": "", "twitch_url": "", "stream_url": "",
            "allow_invites": "1"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def image(fmt="JPEG", size=(320, 240), noise=False):
    img = (Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise
           else Image.new("RGB", size, (40, 120, 200)))
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def upload(c, data, name="me.jpg", htmx=False, **kw):
    return c.post("/settings/avatar", {"avatar": (io.BytesIO(data), name)}, htmx=htmx,
                  content_type="multipart/form-data", **kw)


def text(r):
    return r.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    r = client.get("/settings")
    assert r.status_code == 303 and r.headers["Location"] == "/sign-in?next=%2Fsettings"
    r = client.hx_get("/settings/regions?country=US")
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/sign-in?next=")
    assert client.post("/settings", {"display_name": "x"}).status_code == 303
    assert client.post("/settings/avatar/delete").status_code == 303


def test_the_settings_page_shows_every_field_with_the_current_values(login):
    me = ProfileFactory(username="ada", display_name="Ada Lovelace", country="DE", region="DE-BE",
                        twitter_handle="ada_l", allow_invites=True, bio="I **build** things")
    html = text(login(me).get("/settings"))
    for label in LABELS:
        assert re.search(rf"<label[^>]*>\s*(<input[^>]*>\s*)?{re.escape(label)}\s*</label>", html), label
    assert ">Save profile</button>" in html and ">Upload avatar</button>" in html
    assert 'value="Ada Lovelace"' in html and 'value="ada"' in html and 'value="ada_l"' in html
    assert "I **build** things</textarea>" in html
    assert '<option value="DE" selected>Germany</option>' in html
    assert '<option value="DE-BE" selected>Berlin</option>' in html
    assert 'name="allow_invites" type="checkbox" value="1" checked' in html
    assert f'href="/settings">Settings</a>' in html  # the header menu links here
    assert 'hx-get="/settings/regions"' in html and 'hx-trigger="change"' in html
    assert 'hx-include="#country"' in html and 'hx-target="#region-field"' in html
    assert 'hx-get="/username-check"' in html and "Remove avatar" not in html


def test_saving_redirects_back_with_a_confirmation(login, db_session):
    me = ProfileFactory(username="ada")
    c = login(me)
    r = c.post("/settings", form(me, display_name="Ada L.", username="Ada-L", country="us",
                                 region="US-CA", website_url="https://Example.com",
                                 twitter_handle="@adal", github_handle="github.com/adal/",
                                 experience_level="built_a_few", allow_invites=None))
    assert r.status_code == 303 and r.headers["Location"] == "/settings?saved=1"
    page = text(c.get(r.headers["Location"]))
    assert "Profile saved" in page and 'value="ada-l"' in page
    db_session.expire_all()
    p = db_session.get(Profile, me.id)
    assert (p.display_name, p.username, p.country, p.region) == ("Ada L.", "ada-l", "US", "US-CA")
    assert (p.website_url, p.twitter_handle, p.github_handle) == ("https://example.com/", "adal", "adal")
    assert p.allow_invites is False  # an unticked checkbox is not sent
    assert "Profile saved" not in text(c.get("/settings"))


def test_bad_input_answers_422_with_the_input_kept_and_messages_by_the_fields(login, db_session):
    ProfileFactory(username="taken-name")
    me = ProfileFactory(username="ada", display_name="Ada")
    r = login(me).post("/settings", form(me, display_name="New Name", username="Taken-Name",
                                         website_url="example.com", stream_url="ftp://x.org",
                                         country="US", region="GB-LND", twitter_handle="@not valid"))
    html = text(r)
    assert r.status_code == 422
    assert 'class="error-summary"' in html and html.count('class="field-error"') == 5
    for message in ("Username is already taken", "Invalid URL", "URL must use http or https",
                    "Region does not belong to the selected country", "Invalid X handle"):
        assert message in html
    assert 'id="username-error">Username is already taken' in html
    assert 'value="New Name"' in html and 'value="Taken-Name"' in html
    assert 'value="example.com"' in html and 'value="@not valid"' in html
    assert '<option value="US" selected>' in html  # the chosen country and its regions stay
    assert '<option value="US-CA">California</option>' in html
    db_session.expire_all()
    assert db_session.get(Profile, me.id).display_name == "Ada"


def test_htmx_save_swaps_the_form_with_the_confirmation(login):
    me = ProfileFactory(username="ada")
    c = login(me)
    r = c.post("/settings", form(me, display_name="Ada Swapped"), htmx=True,
               headers={"HX-Target": "settings-form"})
    html = text(r)
    assert r.status_code == 200 and html.lstrip().startswith('<form id="settings-form"')
    assert "<html" not in html and "Profile saved" in html and 'value="Ada Swapped"' in html
    assert "HX-Target" in r.headers["Vary"]


def test_htmx_errors_swap_the_form_in_place_with_422(login):
    me = ProfileFactory(username="ada")
    r = login(me).post("/settings", form(me, display_name="", bio="b" * 501), htmx=True,
                       headers={"HX-Target": "settings-form"})
    html = text(r)
    assert r.status_code == 422 and html.lstrip().startswith('<form id="settings-form"')
    assert "Display name is required" in html and "Bio must be at most 500 characters" in html
    assert "HX-Retarget" not in r.headers and "b" * 501 + "</textarea>" in html


TWITCH_MESSAGE = "Enter a Twitch channel URL, e.g. https://www.twitch.tv/yourname"


def test_a_non_twitch_twitch_url_is_refused_by_the_field_as_htmx_and_plain_post(login, db_session):
    me = ProfileFactory(username="ada", twitch_url=None)
    c = login(me)
    r = c.post("/settings", form(me, twitch_url="https://youtube.com/@ada"))
    assert r.status_code == 422
    assert f'id="twitch_url-error">{TWITCH_MESSAGE}' in text(r)
    assert 'value="https://youtube.com/@ada"' in text(r)
    r = c.post("/settings", form(me, twitch_url="example.com/ada"), htmx=True,
               headers={"HX-Target": "settings-form"})
    html = text(r)
    assert r.status_code == 422 and html.lstrip().startswith('<form id="settings-form"')
    assert f'id="twitch_url-error">{TWITCH_MESSAGE}' in html
    db_session.expire_all()
    assert db_session.get(Profile, me.id).twitch_url is None
    r = c.post("/settings", form(me, twitch_url="twitch.tv/Ada_Live/"), htmx=True,
               headers={"HX-Target": "settings-form"})
    assert r.status_code == 200 and "Profile saved" in text(r)
    db_session.expire_all()
    assert db_session.get(Profile, me.id).twitch_url == "https://www.twitch.tv/ada_live"


def test_unknown_select_values_are_422_not_500(login):
    me = ProfileFactory()
    r = login(me).post("/settings", form(me, experience_level="wizard", country="Narnia"))
    html = text(r)
    assert r.status_code == 422
    assert "Choose an experience level from the list" in html and "Choose a country from the list" in html


def test_the_region_fragment_follows_the_country(login):
    c = login(ProfileFactory(country="US", region="US-CA"))
    r = c.hx_get("/settings/regions?country=de", target="region-field")
    html = text(r)
    assert r.status_code == 200 and html.lstrip().startswith('<div id="region-field"')
    assert '<option value="DE-BE">Berlin</option>' in html and "California" not in html
    names = re.findall(r'<option value="DE-[^"]+">([^<]+)</option>', html)
    assert len(names) == 16 and names == sorted(names)
    for empty in ("", "XX", "AQ"):
        html = text(c.hx_get(f"/settings/regions?country={empty}", target="region-field"))
        assert '<select id="region" name="region" disabled' in html


def test_the_settings_username_check_says_current_for_your_own_name(login):
    ProfileFactory(username="grace")
    c = login(ProfileFactory(username="ada"))
    r = c.hx_get("/username-check?username=Ada", target="username-status")
    assert 'data-status="current"' in text(r) and "This is your current username" in text(r)
    assert 'data-status="taken"' in text(c.hx_get("/username-check?username=grace"))
    assert 'data-status="available"' in text(c.hx_get("/username-check?username=fresh-name"))


def test_settings_post_needs_the_csrf_token(login, db_session):
    me = ProfileFactory(display_name="Before")
    r = login(me).post("/settings", form(me, display_name="After"), csrf=False)
    assert r.status_code == 400
    db_session.expire_all()
    assert db_session.get(Profile, me.id).display_name == "Before"


def test_settings_pages_stay_within_the_query_budget(login, app):
    c = login(ProfileFactory(username="ada"))
    c.get("/settings")  # the first request also records last_seen_at (throttled)
    with count_queries(app) as page:
        assert c.get("/settings").status_code == 200
    with count_queries(app) as fragment:
        assert c.hx_get("/settings/regions?country=GB").status_code == 200
    assert page.count <= 8 and fragment.count <= 8
    for _ in range(30):
        ProfileFactory()
    with count_queries(app) as again:
        c.get("/settings")
    assert again.count == page.count


def test_upload_serve_and_remove_an_avatar(login, client, db_session):
    me = ProfileFactory(username="ada")
    c = login(me)
    r = upload(c, image("PNG", (900, 600)), "me.png")
    assert r.status_code == 303 and r.headers["Location"] == "/settings?avatar=saved"
    db_session.expire_all()
    digest = db_session.get(Profile, me.id).avatar_hash
    page = text(c.get(r.headers["Location"]))
    url = f"/avatars/{me.id}/{digest}"
    assert "Avatar updated" in page and f'src="{url}"' in page and "Remove avatar" in page
    img = client.get(url)
    assert img.status_code == 200 and img.mimetype == "image/webp"
    assert img.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(img.data)).size == (256, 256)
    assert client.get(f"/avatars/{me.id}/{'0' * 16}").status_code == 404  # stale hash
    assert client.get(f"/avatars/{uuid.uuid4()}/{digest}").status_code == 404
    assert client.get(f"/avatars/not-a-uuid/{digest}").status_code == 404
    r = c.post("/settings/avatar/delete", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"] == "/settings?avatar=removed"
    page = text(c.get(r.headers["Location"]))
    assert "Avatar removed" in page and "<svg class=\"avatar\"" in page and url not in page
    assert client.get(url).status_code == 404
    assert db_session.scalar(select(Avatar).where(Avatar.profile_id == me.id)) is None


def test_htmx_upload_and_remove_swap_the_avatar_panel(login):
    me = ProfileFactory()
    c = login(me)
    r = upload(c, image("GIF"), "me.gif", htmx=True, headers={"HX-Target": "avatar-panel"})
    html = text(r)
    assert r.status_code == 200 and html.lstrip().startswith('<section id="avatar-panel"')
    assert "Avatar updated" in html and '<img class="avatar"' in html
    r = c.post("/settings/avatar/delete", htmx=True, headers={"HX-Target": "avatar-panel"})
    assert r.status_code == 200 and "Avatar removed" in text(r) and "<svg" in text(r)


def test_non_images_are_refused_with_422_by_the_field(login):
    c = login(ProfileFactory())
    r = upload(c, b"MZ\x90\x00 definitely not a picture", "evil.jpg")
    assert r.status_code == 422
    assert 'id="avatar-error">Upload a JPEG, PNG, WebP or GIF image' in text(r)
    r = upload(c, b"nope", "x.png", htmx=True, headers={"HX-Target": "avatar-panel"})
    assert r.status_code == 422 and text(r).lstrip().startswith('<section id="avatar-panel"')
    r = c.post("/settings/avatar", {}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Avatar is required" in text(r)


def test_a_large_image_passes_the_1_mb_form_cap(login):
    big = image("PNG", (800, 800), noise=True)
    assert 1024 * 1024 < len(big) < 5 * 1024 * 1024
    assert upload(login(ProfileFactory()), big, "big.png").status_code == 303


def test_files_over_5_mb_answer_413_with_the_message(login, db_session):
    me = ProfileFactory()
    c = login(me)
    just_over = b"\xff\xd8" + b"\x00" * (5 * 1024 * 1024)
    r = upload(c, just_over)
    assert r.status_code == 413 and "Image must be 5 MB or smaller" in text(r)
    r = upload(c, just_over, htmx=True, headers={"HX-Target": "avatar-panel"})
    assert r.status_code == 413 and r.headers["HX-Retarget"] == "#messages"
    assert "Image must be 5 MB or smaller" in text(r)
    r = upload(c, b"\x00" * (7 * 1024 * 1024))  # beyond the upload body limit itself
    assert r.status_code == 413 and "Image must be 5 MB or smaller" in text(r)
    db_session.expire_all()
    assert db_session.get(Profile, me.id).avatar_hash is None


def test_other_forms_keep_the_1_mb_cap(login):
    c = login(ProfileFactory())
    r = c.post("/settings", {"bio": "x" * (2 * 1024 * 1024)})
    assert r.status_code == 413 and "This request is too large" in text(r)


def test_hidden_builders_avatars_are_only_served_to_them_and_moderators(login, client, db_session):
    me = ProfileFactory()
    upload(login(me), image())
    db_session.expire_all()
    me = db_session.get(Profile, me.id)
    url = f"/avatars/{me.id}/{me.avatar_hash}"
    me.hidden_at = me.created_at
    db_session.flush()
    assert client.get(url).status_code == 404
    assert login(ProfileFactory()).get(url).status_code == 404
    own = login(me).get(url)
    assert own.status_code == 200 and own.headers["Cache-Control"].startswith("private")
    assert login(ProfileFactory(moderator=True)).get(url).status_code == 200


@hsettings(max_examples=25, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["display_name", "username", "bio", "country", "region",
                                        "experience_level", "website_url", "twitter_handle",
                                        "github_handle", "twitch_url", "stream_url",
                                        "allow_invites"]),
                       st.text(max_size=80)))
def test_random_settings_input_never_breaks_the_page(login, data):
    me = ProfileFactory()
    r = login(me).post("/settings", {k: v.replace("\x00", "") for k, v in data.items()})
    assert r.status_code in (303, 422)


def test_a_bomb_upload_is_refused_with_a_message_and_uploads_are_limited_per_account(
        login, db_session):
    """A small file declaring 7070×7070 pixels is refused by the field, as a page and with
    htmx; each account may upload 10 images an hour (another account is not affected)."""
    bomb = image("PNG", size=(7070, 7070))
    assert len(bomb) < 200_000
    me = login(ProfileFactory())
    for htmx in (False, True):
        r = upload(me, bomb, name="bomb.png", htmx=htmx,
                   headers={"HX-Target": "avatar-panel"} if htmx else None)
        assert r.status_code == 422
        assert "Image must be at most 4096×4096 pixels (16 megapixels)" in text(r)
    for _ in range(8):
        assert upload(me, image()).status_code == 303
    r = upload(me, image())
    assert r.status_code == 429 and "Too many attempts" in text(r)
    assert upload(login(ProfileFactory()), image()).status_code == 303
