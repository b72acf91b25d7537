"""`flask seed-demo` adds applications, inquiries, categories and one verifiable past draw."""
from sqlalchemy import func, select

from buildstory.draws.models import PrizeDraw
from buildstory.streams.models import TwitchCategory
from buildstory.applications.models import MentorApplication, SponsorshipInquiry
from buildstory.draws.services import verify
from buildstory.events.models import Event
from buildstory.profiles.models import Profile


def snapshot(db_session):
    return {
        "mentors": dict(db_session.execute(select(MentorApplication.status, func.count())
                                           .group_by(MentorApplication.status)).all()),
        "sponsors": dict(db_session.execute(select(SponsorshipInquiry.status, func.count())
                                            .group_by(SponsorshipInquiry.status)).all()),
        "categories": db_session.scalar(select(func.count()).select_from(TwitchCategory)),
        "draws": list(db_session.scalars(select(PrizeDraw.id))),
        "channels": db_session.scalar(select(func.count()).select_from(Profile)
                                      .where(Profile.twitch_url.is_not(None))),
    }


def test_seed_demo_adds_this_feature_once(app, db_session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = snapshot(db_session)
    assert set(first["mentors"]) == {"pending", "approved", "declined"}
    assert set(first["sponsors"]) == {"pending", "contacted", "accepted", "declined"}
    assert first["categories"] == 2 and first["channels"] >= 1
    (draw_id,) = first["draws"]
    draw = db_session.get(PrizeDraw, draw_id)
    event = db_session.get(Event, draw.event_id)
    assert event.slug == "autumn-shipathon" and draw.drawn_at > event.ends_at
    assert verify(draw).match and draw.winner_count == 3
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert snapshot(db_session) == first
