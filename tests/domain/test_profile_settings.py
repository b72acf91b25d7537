"""The settings rules of docs/rules.md "Profiles": normalisation, every message, the username race."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from buildstory.db import db
from buildstory.enums import ExperienceLevel
from buildstory.errors import ValidationFailed
from buildstory.profiles import countries, services
from buildstory.profiles.models import Profile
from buildstory.profiles.queries import invitable_builders
from tests.helpers import N, run_concurrently
from tests.factories import ProfileFactory

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
FORMAT = ("Username must be 3-30 characters, start and end with a letter or number, "
          "and contain only lowercase letters, numbers, hyphens, and underscores")


def form(profile, **changes):
    """A settings submission that keeps the profile as it is, except ``changes``."""
    values = {"display_name": profile.display_name, "username": profile.username or "",
              "bio": "", "country": "", "region": "", "experience_level": "",
              "website_url": "", "twitter_handle": "", "github_handle": "",
              "twitch_url": "", "stream_url": "", "allow_invites": True}
    values.update(changes)
    return values


def save(session, profile, **changes):
    return services.update_profile(session, profile, form(profile, **changes), now=NOW)


def errors_of(session, profile, **changes):
    with pytest.raises(ValidationFailed) as info:
        save(session, profile, **changes)
    return info.value.errors


def test_a_full_profile_is_normalised_and_stored(db_session):
    profile = ProfileFactory(username="ada", display_name="Ada")
    save(db_session, profile, display_name="  Ada   Lovelace ", username="  Ada-Builds ",
         bio="Line one\r\nLine two  ", country="gb", region="gb-lnd",
         experience_level="ships_constantly", website_url=" https://Example.COM ",
         twitter_handle="@ada_l", github_handle="https://github.com/ada-l/",
         twitch_url="HTTPS://www.Twitch.tv/ada", stream_url="http://Example.com:80/live?x=1",
         allow_invites=False)
    db_session.expire_all()
    p = db_session.get(Profile, profile.id)
    assert p.display_name == "Ada Lovelace"
    assert p.username == "ada-builds"
    assert p.bio == "Line one\nLine two"
    assert (p.country, p.region) == ("GB", "GB-LND")
    assert p.experience_level is ExperienceLevel.ships_constantly
    assert p.website_url == "https://example.com/"
    assert p.twitch_url == "https://www.twitch.tv/ada"
    assert p.stream_url == "http://example.com/live?x=1"
    assert (p.twitter_handle, p.github_handle) == ("ada_l", "ada-l")
    assert p.allow_invites is False
    assert p.search_text == "ada-builds ada lovelace"
    assert p.updated_at == NOW


def test_empty_optional_fields_are_stored_as_null(db_session):
    profile = ProfileFactory(bio="Old bio", website_url="https://old.example/", github_handle="old")
    save(db_session, profile, bio="   ", website_url=" ", github_handle="", twitter_handle="")
    assert (profile.bio, profile.website_url, profile.github_handle, profile.twitter_handle,
            profile.country, profile.region, profile.experience_level) == (None,) * 7


def test_every_bad_field_is_reported_at_once_in_form_order(db_session):
    profile = ProfileFactory()
    errors = errors_of(db_session, profile, display_name=" ", username="x", bio="b" * 501,
                       country="XX", region="US-CA", experience_level="guru",
                       website_url="example.com", twitter_handle="@", github_handle="a_b",
                       twitch_url="ftp://x.org", stream_url="https://example.com/" + "a" * 1990)
    assert errors == {
        "display_name": "Display name is required",
        "username": FORMAT,
        "bio": "Bio must be at most 500 characters",
        "country": "Choose a country from the list",
        "experience_level": "Choose an experience level from the list",
        "website_url": "Invalid URL",
        "twitter_handle": "Invalid X handle",
        "github_handle": "Invalid GitHub handle",
        "twitch_url": "Enter a Twitch channel URL, e.g. https://www.twitch.tv/yourname",
        "stream_url": "Stream URL must be at most 2000 characters",
    }
    assert list(errors)[:3] == ["display_name", "username", "bio"]


def test_nothing_changes_when_the_form_is_refused(db_session):
    profile = ProfileFactory(display_name="Kept Name", username="kept")
    errors_of(db_session, profile, display_name="New Name", username="new-name", country="ZZ")
    assert (profile.display_name, profile.username) == ("Kept Name", "kept")


@pytest.mark.parametrize("raw, error", [
    ("a" * 100, None), ("a" * 101, "Display name must be at most 100 characters"),
    ("", "Display name is required"), ("\t \n", "Display name is required"),
])
def test_display_name_length(db_session, raw, error):
    profile = ProfileFactory()
    if error:
        assert errors_of(db_session, profile, display_name=raw) == {"display_name": error}
    else:
        assert save(db_session, profile, display_name=raw).display_name == raw


def test_bio_limit_counts_a_line_break_once(db_session):
    profile = ProfileFactory()
    bio = ("x" * 99 + "\r\n") * 5  # 500 characters once \r\n is one break (trailing one trimmed)
    assert len(save(db_session, profile, bio=bio).bio) == 499
    assert errors_of(db_session, profile, bio="y" * 501) == {"bio": "Bio must be at most 500 characters"}


@pytest.mark.parametrize("raw, stored", [
    ("NewName", "newname"), ("  spaced_out-9 ", "spaced_out-9"), ("abc", "abc"),
])
def test_username_is_trimmed_and_lower_cased(db_session, raw, stored):
    assert save(db_session, ProfileFactory(), username=raw).username == stored


@pytest.mark.parametrize("raw, error", [
    ("ab", FORMAT), ("-abc", FORMAT), ("abc_", FORMAT), ("a" * 31, FORMAT), ("has space", FORMAT),
    ("", "Username is required"),
    ("settings", "Username is already taken"), ("Admin", "Username is already taken"),
])
def test_username_format_and_reserved_names(db_session, raw, error):
    assert errors_of(db_session, ProfileFactory(), username=raw) == {"username": error}


def test_a_username_of_another_builder_is_taken_but_your_own_is_fine(db_session):
    ProfileFactory(username="grace")
    me = ProfileFactory(username="ada")
    assert errors_of(db_session, me, username="GRACE") == {"username": "Username is already taken"}
    assert save(db_session, me, username="Ada", display_name="Ada again").username == "ada"


@pytest.mark.parametrize("raw, stored", [
    ("https://Example.com", "https://example.com/"),
    ("http://example.com/path?q=1#top", "http://example.com/path?q=1#top"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("https://example.com:8443", "https://example.com:8443/"),
    ("https://bücher.example/", "https://xn--bcher-kva.example/"),
    ("https://[::1]:8080/x", "https://[::1]:8080/x"),
])
def test_urls_are_stored_normalised(db_session, raw, stored):
    assert save(db_session, ProfileFactory(), website_url=raw).website_url == stored


@pytest.mark.parametrize("raw, error", [
    ("example.com", "Invalid URL"), ("example.com:8080", "Invalid URL"),
    ("www.example.com/page", "Invalid URL"), ("https://", "Invalid URL"),
    ("http:example.com", "Invalid URL"), ("https://exa mple.com", "Invalid URL"),
    ("https://bad_host!.com", "Invalid URL"), ("https://example.com:99999/", "Invalid URL"),
    ("https://user:pw@example.com/", "Invalid URL"),
    ("ftp://x.org", "URL must use http or https"),
    ("javascript:alert(1)", "URL must use http or https"),
    ("mailto:someone@example.com", "URL must use http or https"),
    ("https://example.com/" + "p" * 1981, "Stream URL must be at most 2000 characters"),
])
def test_bad_urls_are_refused_with_their_message(db_session, raw, error):
    field = "stream_url" if "must be at most" in error else "website_url"
    assert errors_of(db_session, ProfileFactory(), **{field: raw}) == {field: error}


def test_a_url_of_exactly_2000_characters_is_fine(db_session):
    url = "https://example.com/" + "p" * 1980
    assert len(url) == 2000
    assert save(db_session, ProfileFactory(), stream_url=url).stream_url == url


@pytest.mark.parametrize("raw, stored", [
    ("@ada_l", "ada_l"), ("ada", "ada"), ("A" * 15, "A" * 15), (" @x ", "x"),
])
def test_x_handle_strips_the_at_sign(db_session, raw, stored):
    assert save(db_session, ProfileFactory(), twitter_handle=raw).twitter_handle == stored


@pytest.mark.parametrize("raw", ["@", "@@ada", "a" * 16, "ada-l", "ada l", "https://x.com/ada"])
def test_bad_x_handles(db_session, raw):
    assert errors_of(db_session, ProfileFactory(), twitter_handle=raw) == {
        "twitter_handle": "Invalid X handle"}


@pytest.mark.parametrize("raw, stored", [
    ("octocat", "octocat"), ("https://github.com/octo-cat/", "octo-cat"),
    ("github.com/octo", "octo"), ("http://www.github.com/Octo", "Octo"), ("octo/", "octo"),
    ("a" * 39, "a" * 39),
])
def test_github_handle_strips_the_url_prefix(db_session, raw, stored):
    assert save(db_session, ProfileFactory(), github_handle=raw).github_handle == stored


@pytest.mark.parametrize("raw", ["a" * 40, "octo_cat", "https://gitlab.com/octo", "github.com/",
                                 "github.com/octo/repo", "@octo"])
def test_bad_github_handles(db_session, raw):
    assert errors_of(db_session, ProfileFactory(), github_handle=raw) == {
        "github_handle": "Invalid GitHub handle"}


def test_country_is_an_iso_code_stored_upper_case(db_session):
    profile = ProfileFactory()
    assert save(db_session, profile, country=" de ", region="").country == "DE"
    for bad in ("XX", "DEU", "Germany", "D"):
        assert errors_of(db_session, profile, country=bad) == {
            "country": "Choose a country from the list"}


@pytest.mark.parametrize("country, region", [("US", "GB-LND"), ("", "US-CA"), ("DE", "Berlin"),
                                             ("FR", "FR-XX")])
def test_region_must_belong_to_the_country(db_session, country, region):
    assert errors_of(db_session, ProfileFactory(), country=country, region=region) == {
        "region": "Region does not belong to the selected country"}


def test_a_region_of_the_country_is_stored_and_a_bad_country_hides_the_region_error(db_session):
    profile = ProfileFactory()
    assert save(db_session, profile, country="JP", region="jp-13").region == "JP-13"
    assert errors_of(db_session, profile, country="QQ", region="JP-13") == {
        "country": "Choose a country from the list"}


def test_experience_level_comes_from_the_list(db_session):
    profile = ProfileFactory()
    for level in ExperienceLevel:
        assert save(db_session, profile, experience_level=level.value).experience_level is level
    assert errors_of(db_session, profile, experience_level="Built a few things") == {
        "experience_level": "Choose an experience level from the list"}


def test_country_helpers_list_names_flags_and_sorted_regions():
    listed = countries.all_countries()
    assert len(listed) == 249
    assert countries.country("us") == ("US", "United States", "flags/us.svg")
    assert countries.country("TW").name == "Taiwan"  # the common name, not the formal one
    names = [c.name for c in listed]
    assert names.index("Åland Islands") < names.index("Albania")
    regions = countries.regions("US")
    assert [r.name for r in regions] == sorted(r.name for r in regions)
    assert ("US-CA", "California") in regions
    assert countries.regions("AQ") == () and countries.regions("XX") == ()
    assert countries.location_text("DE", "DE-BE") == "Berlin, Germany"
    assert countries.location_text("DE", "US-CA") == "Germany"


def test_invitable_builders_respects_allow_invites_and_visibility(db_session):
    open_ = ProfileFactory(username="inviteme", display_name="Ina Vite")
    closed = ProfileFactory(username="invite-closed", allow_invites=False)
    ProfileFactory(username="invite-hidden", hidden=True)
    ProfileFactory(username="invite-banned", banned=True)
    assert invitable_builders(db_session, "invi", exclude_ids=()) == [open_]
    # turning invites off through settings removes a builder from the search
    save(db_session, open_, allow_invites=False)
    assert invitable_builders(db_session, "invi", exclude_ids=()) == []
    save(db_session, closed, allow_invites=True)
    assert invitable_builders(db_session, "INVITE", exclude_ids=()) == [closed]


def test_invitable_builders_matches_username_or_display_name_word_starts(db_session):
    zoe = ProfileFactory(username="zoe-builds", display_name="Zoë Müller")
    ada = ProfileFactory(username="ada", display_name="Ada Lovelace")
    assert invitable_builders(db_session, "mul", exclude_ids=()) == [zoe]  # accents ignored
    assert invitable_builders(db_session, "zo", exclude_ids=()) == [zoe]
    assert invitable_builders(db_session, "love", exclude_ids=()) == [ada]
    assert invitable_builders(db_session, "ove", exclude_ids=()) == []  # not a word start
    assert invitable_builders(db_session, "lo", exclude_ids=()) == []  # short: usernames only
    assert invitable_builders(db_session, "ada", exclude_ids=[ada.id]) == []
    assert invitable_builders(db_session, "  ", exclude_ids=()) == []
    assert invitable_builders(db_session, "%", exclude_ids=()) == []


def test_invitable_builders_is_limited(db_session):
    for i in range(7):
        ProfileFactory(username=f"many{i}")
    assert [p.username for p in invitable_builders(db_session, "many", exclude_ids=())] == [
        f"many{i}" for i in range(5)]
    assert len(invitable_builders(db_session, "many", exclude_ids=(), limit=2)) == 2


def test_many_concurrent_settings_claims_of_one_username_one_wins(app, committed):
    with app.app_context():
        ids = [ProfileFactory(username=f"racer{i}").id for i in range(N)]
        db.session.commit()

    def claim(session, i):
        profile = session.get(Profile, ids[i])
        return services.update_profile(session, profile, form(profile, username="hotname"),
                                       now=NOW).id

    results = run_concurrently(app, claim)
    wins = [r for r in results if r[0] == "ok"]
    losses = [r[1] for r in results if r[0] == "error"]
    assert len(wins) == 1 and len(losses) == N - 1
    assert all(isinstance(e, ValidationFailed) and e.errors == {"username": "Username is already taken"}
               for e in losses)
    with app.app_context():
        owners = db.session.scalars(select(Profile.id).where(Profile.username == "hotname")).all()
        assert owners == [wins[0][1]]
        assert db.session.scalar(select(func.count()).select_from(Profile)
                                 .where(Profile.username.like("racer%"))) == N - 1


@pytest.mark.parametrize("raw", [
    "twitch.tv/Ada_Live", "www.twitch.tv/ada_live", "https://twitch.tv/ada_live/",
    "http://www.twitch.tv/ada_live", "HTTPS://WWW.TWITCH.TV/Ada_Live/", "m.twitch.tv/ada_live",
    " https://www.twitch.tv/ada_live?sr=a ", "https://twitch.tv/ada_live#chat",
])
def test_the_twitch_url_takes_a_channel_in_its_usual_forms(db_session, raw):
    assert save(db_session, ProfileFactory(), twitch_url=raw).twitch_url == \
        "https://www.twitch.tv/ada_live"


@pytest.mark.parametrize("raw", [
    "https://youtube.com/@ada", "https://example.com/twitch.tv/ada", "twitch.tv",
    "https://www.twitch.tv/", "https://www.twitch.tv/ada/videos", "https://twitch.tv/directory",
    "https://www.twitch.tv/ada-live", "https://www.twitch.tv/" + "a" * 26,
    "https://eviltwitch.tv/ada", "https://twitch.tv.example.com/ada", "ftp://twitch.tv/ada",
    "javascript:alert(1)//twitch.tv/ada", "@ada_live",
])
def test_anything_but_a_twitch_channel_is_refused(db_session, raw):
    assert errors_of(db_session, ProfileFactory(), twitch_url=raw) == {
        "twitch_url": "Enter a Twitch channel URL, e.g. https://www.twitch.tv/yourname"}
