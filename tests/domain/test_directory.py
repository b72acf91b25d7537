"""Member directory queries: visibility, search rules, filters, order, pages, indexes."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from buildstory.enums import ExperienceLevel
from buildstory.profiles.queries import (DIRECTORY_PAGE_SIZE, DirectoryFilters, directory,
                                         directory_statement,
                                         public_profile, search_term)
from buildstory.profiles.rules import username_format_error
from tests.factories import ProfileFactory, utcnow


def names(session, **filters):
    rows, _ = directory(session, DirectoryFilters(**filters))
    return [p.username for p in rows]


def test_only_visible_builders_with_a_username_are_listed(db_session):
    ProfileFactory(username="shown")
    ProfileFactory(username="hiddenone", hidden=True)
    ProfileFactory(username="bannedone", banned=True)
    ProfileFactory(no_username=True, display_name="No Name Yet")
    assert names(db_session) == ["shown"]
    assert names(db_session, q="hiddenone") == [] and names(db_session, q="ban") == []
    assert names(db_session, q="no name") == []


def test_default_order_is_newest_first(db_session):
    now = utcnow()
    for i, name in enumerate(["oldest", "middle", "newest"]):
        ProfileFactory(username=name, created_at=now - timedelta(days=10 - i))
    assert names(db_session) == ["newest", "middle", "oldest"]


def test_one_or_two_characters_match_username_prefixes_only(db_session):
    now = utcnow()
    ProfileFactory(username="adam", display_name="Adam Smith", created_at=now)
    ProfileFactory(username="ab-builder", display_name="Abe", created_at=now - timedelta(hours=1))
    ProfileFactory(username="zed", display_name="Adrian Zed")  # "ad" only in the display name
    assert names(db_session, q="ad") == ["adam"]
    assert names(db_session, q="A") == ["adam", "ab-builder"]
    assert names(db_session, q=" AB ") == ["ab-builder"]


def test_like_wildcards_in_the_query_are_literal(db_session):
    ProfileFactory(username="a_b")
    ProfileFactory(username="axb")
    ProfileFactory(username="percent", display_name="Per Cent")
    assert names(db_session, q="a_") == ["a_b"]
    assert names(db_session, q="a%") == []
    assert names(db_session, q="%%%") == [] and names(db_session, q="___") == []
    assert names(db_session, q="a\\") == []


def test_three_or_more_characters_search_names_case_and_accent_insensitively(db_session):
    ProfileFactory(username="zoe-builds", display_name="Zoë Müller")
    ProfileFactory(username="jose", display_name="José Álvarez")
    ProfileFactory(username="other", display_name="Someone Else")
    assert names(db_session, q="MULLER") == ["zoe-builds"]
    assert names(db_session, q="zoë müll") == ["zoe-builds"]
    assert names(db_session, q="alvarez jose") == ["jose"]  # every word, any order
    assert names(db_session, q="Builds") == ["zoe-builds"]  # usernames too
    assert names(db_session, q="xyzzy") == []


def test_exact_username_comes_first_then_newest(db_session):
    now = utcnow()
    ProfileFactory(username="ada", display_name="Someone", created_at=now - timedelta(days=30))
    ProfileFactory(username="canadaguy", display_name="Canada Guy", created_at=now)
    ProfileFactory(username="adafan", display_name="Ada Fan", created_at=now - timedelta(days=1))
    assert names(db_session, q="ada") == ["ada", "canadaguy", "adafan"]
    assert names(db_session, q="ADA ") == ["ada", "canadaguy", "adafan"]


def test_an_exact_match_pinned_first_shifts_pages_without_losing_anyone(db_session):
    now = utcnow()
    ProfileFactory(username="sam", created_at=now - timedelta(days=99))
    others = [ProfileFactory(username=f"sam{i:02d}", created_at=now - timedelta(minutes=i))
              for i in range(30)]
    first, more = directory(db_session, DirectoryFilters(q="sam"))
    second, more2 = directory(db_session, DirectoryFilters(q="sam", page=2))
    assert len(first) == 24 and more and not more2
    assert [p.username for p in first + second] == ["sam"] + [p.username for p in others]


def test_filters_by_experience_and_country_combine_with_search(db_session):
    ProfileFactory(username="ship-de", experience_level=ExperienceLevel.ships_constantly,
                   country="DE", region="DE-BE")
    ProfileFactory(username="ship-us", experience_level=ExperienceLevel.ships_constantly,
                   country="US", region="US-CA")
    ProfileFactory(username="new-de", experience_level=ExperienceLevel.getting_started,
                   country="DE", region="DE-BE")
    assert sorted(names(db_session, experience=ExperienceLevel.ships_constantly)) == \
        ["ship-de", "ship-us"]
    assert sorted(names(db_session, country="DE")) == ["new-de", "ship-de"]
    assert names(db_session, country="DE", experience=ExperienceLevel.ships_constantly) == \
        ["ship-de"]
    assert names(db_session, q="ship", country="US") == ["ship-us"]


def test_an_unknown_event_filter_matches_nobody(db_session):
    ProfileFactory(username="someone")
    assert names(db_session, event="ai-build-week", seeking=True) == []
    assert names(db_session) == ["someone"]


def test_pages_of_24_with_a_next_page_flag(db_session):
    now = utcnow()
    for i in range(DIRECTORY_PAGE_SIZE + 3):
        ProfileFactory(username=f"member{i:02d}", created_at=now - timedelta(minutes=i))
    first, more = directory(db_session, DirectoryFilters())
    assert len(first) == 24 and more and first[0].username == "member00"
    second, more = directory(db_session, DirectoryFilters(page=2))
    assert [p.username for p in second] == ["member24", "member25", "member26"] and not more
    third, more = directory(db_session, DirectoryFilters(page=3))
    assert third == [] and not more


def test_search_term_is_normalised_like_the_search_column():
    assert search_term("  Zoë   MÜLLER ") == "zoe muller"
    assert search_term(None) == ""


def test_filters_args_for_links_leave_out_blanks():
    f = DirectoryFilters(q="ada", experience=ExperienceLevel.built_a_few, page=3)
    assert f.args() == {"q": "ada", "experience": "built_a_few", "page": "3"}
    assert f.args(page=1) == {"q": "ada", "experience": "built_a_few"}
    assert DirectoryFilters(seeking=True, event="x").args() == {"event": "x", "seeking": "1"}


def test_public_profile_visibility(db_session):
    active = ProfileFactory(username="active")
    hidden = ProfileFactory(username="hidden-b", hidden=True)
    banned = ProfileFactory(username="banned-b", banned=True)
    other = ProfileFactory()
    assert public_profile(db_session, "active") is active
    assert public_profile(db_session, "hidden-b") is None
    assert public_profile(db_session, "banned-b", viewer=other) is None
    assert public_profile(db_session, "hidden-b", viewer=hidden) is hidden
    assert public_profile(db_session, "hidden-b", sees_hidden=True) is hidden
    assert public_profile(db_session, "banned-b", sees_hidden=True) is banned
    assert public_profile(db_session, "nobody") is None


# --- Indexes: EXPLAIN with sequential scans switched off (docs/architecture.md "Quality bars") ---------

def explain(session, stmt) -> str:
    conn = session.connection()
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    compiled = stmt.compile(dialect=conn.dialect)
    rows = conn.exec_driver_sql("EXPLAIN " + compiled.string, compiled.params).all()
    return "\n".join(r[0] for r in rows)


@pytest.mark.parametrize("filters, index", [
    (DirectoryFilters(), "ix_profiles_created_at"),
    (DirectoryFilters(q="ab"), "ix_profiles_username_prefix"),
    (DirectoryFilters(q="a_"), "ix_profiles_username_prefix"),
    (DirectoryFilters(q="lovelace"), "ix_profiles_search_text_trgm"),
    (DirectoryFilters(q="zoë müller"), "ix_profiles_search_text_trgm"),
    (DirectoryFilters(q="ada", country="GB",
                      experience=ExperienceLevel.built_a_few), "ix_profiles_search_text_trgm"),
    (DirectoryFilters(country="GB", page=3), "ix_profiles_created_at"),
])
def test_directory_queries_use_an_index_not_a_sequential_scan(db_session, filters, index):
    # Enough rows with realistic statistics (nearly everyone has a username) that the
    # planner's choice is the one it makes at scale.
    db_session.execute(text("""
        INSERT INTO profiles (clerk_id, username, display_name, search_text, country,
                              created_at)
        SELECT 'user_bulk' || i, 'bulk' || i, 'Bulk Builder ' || i,
               'bulk' || i || ' bulk builder ' || i,
               (ARRAY['US','GB','DE','IN','BR'])[1 + i % 5], now() - i * interval '1 minute'
        FROM generate_series(1, 5000) AS i"""))
    # Autovacuum moves fresh GIN entries out of the pending list in real life; a test
    # transaction must do it by hand or the planner prices the trigram index as a full scan.
    db_session.execute(text("SELECT gin_clean_pending_list('ix_profiles_search_text_trgm')"))
    db_session.execute(text("ANALYZE profiles"))
    plan = explain(db_session, directory_statement(filters))
    assert "Seq Scan on profiles" not in plan, plan
    assert index in plan, plan
    if search_term(filters.q) and not username_format_error(search_term(filters.q)):
        # a query that could be a username brings its exact match along: one index probe
        assert re.search(r"Index Scan using (uq_profiles_username|ix_profiles_username_prefix)",
                         plan), plan


def test_control_characters_in_the_query_are_dropped(db_session):
    ProfileFactory(username="nulls")
    assert search_term("nu\x00lls") == "nu lls"
    assert names(db_session, q="nul\x00") == ["nulls"]
