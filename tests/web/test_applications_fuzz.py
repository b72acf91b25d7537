"""Random form data never produces a 500 on the applications, streams and draws forms."""
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from tests.factories import EventFactory, ProfileFactory

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
FUZZ = hsettings(max_examples=25, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

MENTOR_FIELDS = ["name", "email", "discord_handle", "twitter_handle", "github_handle",
                 "website_url", "mentor_types", "background", "availability"]
SPONSOR_FIELDS = ["company_name", "contact_name", "email", "website_url", "offer_description",
                  "additional_notes"]


@FUZZ
@given(st.dictionaries(st.sampled_from(MENTOR_FIELDS), TEXT))
def test_mentor_form_never_fails(app, client, monkeypatch, data):
    monkeypatch.setitem(app.config, "RATE_APPLY_ADDRESS", "10000 per hour")
    assert client.post("/mentor-apply", data).status_code in (303, 422)


@FUZZ
@given(st.dictionaries(st.sampled_from(SPONSOR_FIELDS), TEXT))
def test_sponsor_form_never_fails(app, client, monkeypatch, data):
    monkeypatch.setitem(app.config, "RATE_APPLY_ADDRESS", "10000 per hour")
    assert client.post("/sponsor-apply", data).status_code in (303, 422)


@FUZZ
@given(st.dictionaries(st.sampled_from(["twitch_id", "name", "box_art_url"]), TEXT),
       st.dictionaries(st.sampled_from(["event_id", "winner_count", "exclude_earlier_winners"]),
                       TEXT))
def test_admin_forms_never_fail(login, db_session, streams_data, draw_data):
    admin = login(ProfileFactory(admin=True))
    EventFactory(status="active")
    assert admin.post("/admin/streams", streams_data).status_code in (303, 422)
    assert admin.post("/admin/draws", draw_data).status_code in (303, 409, 422)
