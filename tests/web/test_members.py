"""/members: the directory page, its htmx fragment, filters, pages, visibility, queries."""
import re
from datetime import timedelta

import pytest
from jinja2_fragments.flask import render_block

from buildstory.enums import ExperienceLevel
from tests.factories import ProfileFactory, utcnow
from tests.querycount import count_queries


def body(response):
    return response.get_data(as_text=True)


def listed(html):
    """Usernames of the member cards, in page order."""
    return re.findall(r'<span class="member-handle">@([^<]+)</span>', html)


def test_full_page_has_the_live_search_field_filters_and_cards(client):
    p = ProfileFactory(username="ada", display_name="Ada Lovelace",
                       experience_level=ExperienceLevel.built_a_few, country="GB",
                       region="GB-LND")
    r = client.get("/members")
    html = body(r)
    assert r.status_code == 200 and "<title>Members · Buildstory</title>" in html
    assert '<label for="member-q">Search members</label>' in html
    field = re.search(r'<input id="member-q"[^>]*>', html, re.S).group(0)
    for attr in ('type="search"', 'name="q"', 'hx-get="/members"',
                 'hx-trigger="input changed delay:400ms, search"', 'hx-sync="this:replace"',
                 'hx-target="#member-results"', 'hx-push-url="true"'):
        assert attr in field, attr
    assert '<label for="member-experience">Experience level</label>' in html
    assert '<label for="member-country">Country</label>' in html
    assert '<option value="GB">United Kingdom (1)</option>' in html
    assert '<option value="built_a_few">Built a few things</option>' in html
    card = re.search(rf'<li id="member-{p.id}" class="card card--person member-card">.*?</li>', html, re.S)
    assert card, html
    card = card.group(0)
    assert 'href="/profiles/ada">Ada Lovelace</a>' in card and "@ada" in card
    assert "Built a few things" in card and "City of London, United Kingdom" in card
    assert 'class="avatar"' in card
    assert '<form id="member-search"' in html and 'method="get" action="/members"' in html


def test_htmx_search_returns_only_the_results_block(client):
    ProfileFactory(username="ada", display_name="Ada Lovelace")
    ProfileFactory(username="grace", display_name="Grace Hopper")
    r = client.hx_get("/members?q=LOVE", target="member-results")
    html = body(r)
    assert r.status_code == 200 and html.lstrip().startswith('<section id="member-results"')
    assert "<html" not in html and listed(html) == ["ada"]
    assert "HX-Target" in r.headers["Vary"] and "HX-Request" in r.headers["Vary"]
    # Any other target, a boosted or a history-restore request gets the whole page.
    assert "<html" in body(client.hx_get("/members?q=ada", target="something-else"))
    assert "<html" in body(client.hx_get("/members", target="member-results",
                                         headers={"HX-History-Restore-Request": "true"}))


def test_search_and_filters_narrow_the_list_and_keep_their_values(client):
    ProfileFactory(username="zoe-builds", display_name="Zoë Müller", country="DE",
                   region="DE-BE", experience_level=ExperienceLevel.ships_constantly)
    ProfileFactory(username="jose", display_name="José Álvarez", country="ES",
                   region="ES-MD", experience_level=ExperienceLevel.getting_started)
    assert listed(body(client.get("/members?q=muller"))) == ["zoe-builds"]
    assert listed(body(client.get("/members?q=zo"))) == ["zoe-builds"]
    html = body(client.get("/members?experience=getting_started&country=es"))
    assert listed(html) == ["jose"]
    assert '<option value="getting_started" selected>' in html
    assert '<option value="ES" selected>' in html
    html = body(client.get("/members?q=%C3%A1lvarez"))
    assert 'value="álvarez"' in html and "matching “álvarez”" in html


@pytest.mark.parametrize("query", [
    "experience=wizard", "country=ZZ", "country=<script>", "page=abc", "page=-3",
    "page=99999999999999999999", "event=no-such-event", "seeking=yes", "q=" + "x" * 500,
    "experience=&country=&q=", "q=%00", "q=%25%25", "q=_",
])
def test_invalid_filter_values_are_ignored_never_an_error(client, query):
    ProfileFactory(username="someone")
    r = client.get("/members?" + query)
    assert r.status_code == 200


def test_invalid_filters_fall_back_to_everyone(client):
    ProfileFactory(username="someone")
    assert listed(body(client.get("/members?experience=wizard&country=ZZ&page=x"))) == ["someone"]


def test_empty_states(client):
    assert "No builders here yet." in body(client.get("/members"))
    ProfileFactory(username="someone")
    html = body(client.get("/members?q=nobody-like-this"))
    assert "No builders match your search." in html and listed(html) == []


def test_pages_of_24_with_previous_and_next_links_keeping_the_search(client):
    now = utcnow()
    for i in range(30):
        ProfileFactory(username=f"member{i:02d}", created_at=now - timedelta(minutes=i))
    html = body(client.get("/members?q=member"))
    assert len(listed(html)) == 24 and listed(html)[0] == "member00"
    assert 'rel="next" href="/members?q=member&amp;page=2"' in html and 'rel="prev"' not in html
    html = body(client.hx_get("/members?q=member&page=2", target="member-results"))
    assert listed(html) == [f"member{i}" for i in range(24, 30)]
    assert 'rel="prev" href="/members?q=member"' in html and 'rel="next"' not in html
    assert "Showing builders 25–30" in html
    html = body(client.get("/members?q=member&page=9"))
    assert "There are no more builders on this page." in html


@pytest.mark.parametrize("viewer", ["anonymous", "builder", "moderator", "admin"])
def test_hidden_banned_and_nameless_builders_never_appear_even_for_moderators(
        client, login, viewer):
    ProfileFactory(username="visible-one", display_name="Shown Builder")
    ProfileFactory(username="hidden-one", display_name="Hidden Builder", hidden=True)
    ProfileFactory(username="banned-one", display_name="Banned Builder", banned=True)
    ProfileFactory(no_username=True, display_name="Nameless Builder")
    visitor = {"anonymous": lambda: client,
               "builder": lambda: login(ProfileFactory(username="viewer-b")),
               "moderator": lambda: login(ProfileFactory(username="viewer-m", moderator=True)),
               "admin": lambda: login(ProfileFactory(username="viewer-a", admin=True))}[viewer]()
    for query in ("", "?q=builder", "?q=hi", "?q=ba", "?q=hidden-one", "?q=nameless"):
        html = body(visitor.get("/members" + query))
        for absent in ("hidden-one", "banned-one", "Nameless Builder"):
            assert absent not in html.split('id="member-results"', 1)[1], (query, absent)
    assert "visible-one" in listed(body(visitor.get("/members?q=builder")))


def test_member_card_block_renders_on_its_own(app, db_session):
    p = ProfileFactory(username="card-only", display_name="Card Only", country=None,
                       region=None, experience_level=None)
    with app.test_request_context("/members"):
        html = render_block("profiles/members.html", "member_card", member=p)
    assert html.lstrip().startswith(f'<li id="member-{p.id}"') and "@card-only" in html


def test_nav_members_link_and_your_profile_menu_link(client, login):
    html = body(client.get("/members"))
    assert '<a href="/members" aria-current="page">Members</a>' in html
    assert ">Your profile</a>" not in html
    me = ProfileFactory(username="menu-me")
    html = body(login(me).get("/dashboard"))
    assert '<a href="/members">Members</a>' in html
    assert '<a href="/profiles/menu-me">Your profile</a>' in html
    nameless = ProfileFactory(no_username=True)
    assert ">Your profile</a>" not in body(login(nameless).get("/dashboard"))


# --- Query budget ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/members", "/members?q=bu", "/members?q=builder",
                                  "/members?q=builder3&country=US&experience=built_a_few",
                                  "/members?page=2"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_directory_query_count_is_small_and_constant(client, login, app, path, signed_in):
    ProfileFactory(username="builder3")
    visitor = login(ProfileFactory()) if signed_in else client
    counts = []
    for extra in (6, 54):  # 6 builders, then ten times as many
        for _ in range(extra):
            ProfileFactory()
        visitor.get(path)  # warm: last_seen and session writes settle
        for fragment in (False, True):
            with count_queries(app) as q:
                r = (visitor.hx_get(path, target="member-results") if fragment
                     else visitor.get(path))
                assert r.status_code == 200
            counts.append(q.count)
    assert counts[:2] == counts[2:] and max(counts) <= 8, counts


def test_event_and_looking_for_teammates_filters(client, db_session):
    """The directory narrows to an event's registrants, and with "seeking" to those looking
    for a team or with a team open to more; each card shows the team preference."""
    from buildstory.enums import TeamPreference
    from tests.factories import EventFactory, EventRegistrationFactory
    event = EventFactory(slug="filter-jam")
    draft = EventFactory(status="draft", slug="secret-draft")
    looking = ProfileFactory(username="looking-one")
    open_team = ProfileFactory(username="open-team")
    solo = ProfileFactory(username="solo-one")
    ProfileFactory(username="not-registered")
    hidden = ProfileFactory(username="hidden-reg", hidden=True)
    for profile, pref in ((looking, TeamPreference.looking_for_team),
                          (open_team, TeamPreference.has_team_open),
                          (solo, TeamPreference.solo), (hidden, TeamPreference.looking_for_team)):
        EventRegistrationFactory(event=event, profile=profile, team_preference=pref)
    EventRegistrationFactory(event=draft, profile=solo, team_preference=TeamPreference.solo)

    html = client.get("/members?event=filter-jam").get_data(as_text=True)
    assert all(f"@{u}" in html for u in ("looking-one", "open-team", "solo-one"))
    assert "@not-registered" not in html and "@hidden-reg" not in html
    assert "Looking for a team" in html and "Have a team, open to more" in html
    assert 'option value="filter-jam" selected' in html and "secret-draft" not in html

    html = client.get("/members?event=filter-jam&seeking=1").get_data(as_text=True)
    assert "@looking-one" in html and "@open-team" in html and "@solo-one" not in html
    html = client.hx_get("/members?event=filter-jam&seeking=1", target="member-results").get_data(as_text=True)
    assert "<html" not in html and "@looking-one" in html and "@solo-one" not in html
    # A draft event is not a public filter: nobody matches.
    assert "@solo-one" not in client.get("/members?event=secret-draft").get_data(as_text=True)


def test_looking_for_teammates_leaves_out_builders_who_turned_team_invites_off(login, client,
                                                                                db_session):
    """"Allow team invites" off means not discoverable for team formation: such a builder
    is not among those looking for teammates (still listed under the event, though);
    turning it back on brings them back."""
    from buildstory.enums import TeamPreference
    from tests.factories import EventFactory, EventRegistrationFactory
    event = EventFactory(slug="invite-jam")
    open_to = ProfileFactory(username="open-to-invites", allow_invites=True)
    closed = ProfileFactory(username="no-invites", allow_invites=False)
    for profile in (open_to, closed):
        EventRegistrationFactory(event=event, profile=profile,
                                 team_preference=TeamPreference.looking_for_team)
    html = client.get("/members?event=invite-jam&seeking=1").get_data(as_text=True)
    assert "@open-to-invites" in html and "@no-invites" not in html
    html = client.hx_get("/members?event=invite-jam&seeking=1",
                         target="member-results").get_data(as_text=True)
    assert "@open-to-invites" in html and "@no-invites" not in html
    html = client.get("/members?event=invite-jam").get_data(as_text=True)
    assert "@open-to-invites" in html and "@no-invites" in html
    closed.allow_invites = True
    db_session.commit()
    html = client.get("/members?event=invite-jam&seeking=1").get_data(as_text=True)
    assert "@open-to-invites" in html and "@no-invites" in html


def test_country_filter_lists_only_countries_with_visible_members_with_counts(client):
    ProfileFactory(country="ES", region="ES-MD", username="madrid1")
    ProfileFactory(country="ES", region=None)
    ProfileFactory(country="IL", region="IL-TA", username="telaviv1")
    ProfileFactory(country="AE", region="AE-DU", username="dubai1")
    ProfileFactory(country="FR", region=None, hidden=True)
    ProfileFactory(country="DE", region=None, banned=True)
    ProfileFactory(country="JP", region=None, no_username=True)
    ProfileFactory(country=None, region=None)
    html = body(client.get("/members"))
    select = re.search(r'<select id="member-country".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="(\w*)"( selected)?>([^<]*)</option>', select)
    assert options == [("", "", "Any country"), ("IL", "", "Israel (1)"),
                       ("ES", "", "Spain (2)"), ("AE", "", "United Arab Emirates (1)")]
    for place in ("Community of Madrid, Spain", "Tel Aviv, Israel",
                  "Dubai, United Arab Emirates"):
        assert place in html
    # A filter on a country nobody visible is from stays shown, selected, at zero.
    html = body(client.get("/members?country=FR"))
    assert '<option value="FR" selected>France (0)</option>' in html
